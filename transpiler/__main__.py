"""`python -m lifted.transpiler ...` runs the `transpile` command."""
import sys

from .cli import main

sys.exit(main())
