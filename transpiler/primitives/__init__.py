"""The primitive registry: one entry per NumPy/DSL primitive with its shape rule, JVP, VJP and CUDA expression."""
