"""The C target's own benchmarks: each times one emitted-code rule against its alternative."""
