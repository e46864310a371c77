# Two commands on a fresh machine:
#   make demo   - create .venv, install, run the main job end to end in a temporary folder
#   make test   - the whole test suite (installs the npm oracles, the real Blocklet Server and the real test
#                 dapps first)
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(PY) scripts/demo.py

test: $(STAMP)
	bash scripts/install-test-deps.sh
	bash scripts/install-blocklet-server.sh
	bash scripts/install-dapp-projects.sh
	bash scripts/install-real-dapps.sh
	$(PY) -m ruff check blocklet_cli tests benchmarks scripts
	$(PY) -m pytest

lint: $(STAMP)
	$(PY) -m ruff check blocklet_cli tests benchmarks scripts

bench: $(STAMP)
	$(PY) benchmarks/startup.py

clean:
	rm -rf $(VENV) dist build .pytest_cache .ruff_cache
