# Every target sets up what it needs on a fresh machine (a virtualenv in .venv).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,docs,serve]'
	touch $(STAMP)

## The main job: validate the shipped definitions, run their scenarios, then a simulated
## business day across the four systems with the reference integrations.
demo: $(STAMP)
	$(BIN)/statewise validate definitions/
	$(BIN)/statewise test definitions/ --quiet --no-coverage
	$(BIN)/statewise demo

## The test suite (the command CI runs).
test: $(STAMP)
	$(BIN)/pytest -q

## Static checks: ruff, mypy (strict) and the import-layer contracts.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check engine renderers
	$(BIN)/mypy
	$(BIN)/lint-imports

## Benchmarks; results are written to docs/performance.md.
bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[bench]'
	@command -v wrk >/dev/null || echo "make bench: wrk is not installed (Debian: apt-get install wrk); the webhook benchmark falls back to a threaded Python client, which takes CPU from the servers"
	$(BIN)/python bench/run.py

## The documentation site: generated flow pages (docs/flows/) + mkdocs build --strict into site/.
docs: $(STAMP)
	$(BIN)/statewise docs definitions/ -o docs/flows
	$(BIN)/mkdocs build --strict

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
