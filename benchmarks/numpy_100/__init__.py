"""rougier's "100 NumPy exercises" as Lifted kernels (docs/corpora.md "rougier's 100 NumPy exercises")."""
