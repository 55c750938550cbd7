"""JAX's test files as corpora, read with `ast` (nothing of JAX is imported or copied)."""
