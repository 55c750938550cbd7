"""Small real programs written in Lifted's kernel language; each runs as a script and is used by the demo."""
