"""dice-nine's tests and README as a corpus for the `dist` transform."""
