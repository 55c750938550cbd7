"""Transforms from IR to IR: reverse mode (and, later, forward mode and batching)."""
