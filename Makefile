# The README's commands. `make demo` and `make test` set everything up from a fresh clone.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_ARGS ?= --days 7 --merchants 200 --payments 200000 --seed 42

.PHONY: help venv demo test test-slow lint format bench doctor clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' Makefile | sed 's/:.*## /\t/'

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==0.13.9"
	$(BIN)/uv pip sync --quiet -p $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet -p $(BIN)/python --no-deps -e .
	@touch $(STAMP)

venv: $(STAMP)  ## create .venv with the locked dependencies

demo: $(STAMP)  ## simulate a world, ingest it, reconcile it, and show the break queue
	$(BIN)/hisaab doctor
	$(BIN)/hisaab simulate $(DEMO_ARGS)
	$(BIN)/hisaab ingest --quiet
	$(BIN)/hisaab extract --quiet
	$(BIN)/hisaab recon
	$(BIN)/hisaab recon evaluate

test: $(STAMP)  ## lint, format check and the test suite (slow scale tests excluded)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -m "not slow" -n 2 -q

test-slow: $(STAMP)  ## the scale tests left out of `make test`
	$(BIN)/pytest -m slow -q

format: $(STAMP)  ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)  ## run the benchmarks (minutes; writes bench/results/)
	$(BIN)/python bench/bench_simulate.py

doctor: $(STAMP)  ## check the machine
	$(BIN)/hisaab doctor

lock:  ## re-resolve requirements.lock from pyproject.toml
	$(BIN)/uv pip compile pyproject.toml --extra dev -p 3.11 -o requirements.lock

clean:  ## remove the virtualenv and generated data
	rm -rf $(VENV) data artifacts
