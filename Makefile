# The two commands of the quickstart: `make site` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: site test serve bench lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(VENV)/.installed $@

site: $(VENV)/.installed
	$(BIN)/digest build

serve: $(VENV)/.installed
	$(BIN)/digest serve

test: $(VENV)/.installed-test
	bash tests/tools/install-test-tools.sh
	$(BIN)/ruff check generator tests bench
	$(BIN)/python -m pytest

bench: $(VENV)/.installed-test
	$(BIN)/python -m pip install --quiet -e ".[test,bench]"
	$(BIN)/python -m bench --compare

clean:
	rm -rf site $(VENV)
