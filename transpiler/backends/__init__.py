"""Backends: render IR functions as source (NumPy now; CUDA-C later)."""
