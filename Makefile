# Two commands on a fresh machine:
#   make demo   - create .venv, install, run the main job end to end in a temporary folder
#   make test   - the whole test suite: checks what it needs (scripts/check-prereqs.sh, seconds), installs the
#                 npm oracles, the real Blocklet Server and the real test dapps (cached outside the repository), runs pytest on
#                 $(TEST_WORKERS) workers (pytest-xdist; a test file stays in one worker, and the e2e files
#                 all in one, since they share one server: tests/conftest.py)
PYTHON ?= python3
TEST_WORKERS ?= 2
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test prereqs lint bench install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(PY) scripts/demo.py

prereqs:
	@PYTHON=$(PYTHON) bash scripts/check-prereqs.sh

test: prereqs $(STAMP)
	bash scripts/install-test-deps.sh
	bash scripts/install-blocklet-server.sh
	bash scripts/install-vite.sh
	bash scripts/install-real-dapps.sh
	$(PY) -m ruff check blocklet_cli tests benchmarks scripts
	$(PY) -m mypy
	$(VENV)/bin/lint-imports
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder --durations=15

lint: $(STAMP)
	$(PY) -m ruff check blocklet_cli tests benchmarks scripts
	$(PY) -m mypy
	$(VENV)/bin/lint-imports

bench: $(STAMP)
	$(PY) benchmarks/startup.py

clean:
	rm -rf $(VENV) dist build .pytest_cache .ruff_cache .mypy_cache
