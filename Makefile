# Self-contained from a fresh clone: each target creates .venv and installs the project (editable) first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: demo test test-all install clean

demo: install
	$(PY) -m examples.demo

# pytest exits 5 when it collects no tests; like any non-zero status, that fails the target.
# pytest-xdist (in the test extras) spreads the tests over every core: the machine CI gets has two, and the suite is
# CPU-bound (transpiling, C++ compiles); without xdist installed the run is serial, the same tests.
XDIST = $$($(PY) -c 'import xdist' 2>/dev/null && echo '-n auto --dist loadfile')

test: install
	$(PY) -m pytest -q $(XDIST)

# Everything: the default suite, the long property runs and corpus runs behind the `slow` marker, GPU tests
# (skipped without a GPU). docs/testing.md lists what only this runs.
test-all: install
	$(PY) -m pytest -q $(XDIST) -o addopts=''

install: $(VENV)/.installed

# Lifted needs Python 3.10+: say so at once instead of letting pip resolve old releases for minutes.
CHECK_PYTHON = import sys; v = sys.version_info; sys.exit(0 if v >= (3, 10) else \
	f"Lifted needs Python 3.10 or newer, but {sys.executable} is {v.major}.{v.minor}: " \
	"run make with PYTHON=python3.12 (or another 3.10+), after rm -rf $(VENV) if it was made with the old one")

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c '$(CHECK_PYTHON)'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -c '$(CHECK_PYTHON)'
	@echo "Installing Lifted with its test and example dependencies into $(VENV) (about a minute the first time)"
	$(VENV)/bin/pip install --progress-bar off -e '.[test,examples]'
	touch $@
	@echo "Installed. The transpile command is $(VENV)/bin/transpile (or run: source $(VENV)/bin/activate)"

clean:
	rm -rf generated build .lifted_cache *.egg-info
