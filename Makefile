# Self-contained from a fresh clone: each target creates .venv and installs the project (editable) first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: demo test install clean

demo: install
	$(PY) -m examples.demo

# pytest exits 5 when it collects no tests; like any non-zero status, that fails the target.
test: install
	$(PY) -m pytest -q

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q -e '.[test,examples]'
	touch $@

clean:
	rm -rf generated build .lifted_cache *.egg-info
