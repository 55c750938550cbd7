"""Analyses over the IR: types and ranks, activity, liveness."""
