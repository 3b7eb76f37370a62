# The README's commands. `make demo` and `make test` set everything up from a fresh clone.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_ARGS ?= --days 7 --merchants 200 --payments 200000 --seed 42

.PHONY: help venv demo test test-slow lint format bench doctor clean serve

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
	$(BIN)/hisaab aml run --days 7
	$(BIN)/hisaab aml screen
	$(BIN)/hisaab aml evaluate

test: $(STAMP)  ## lint, format check and the test suite (slow scale tests excluded)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -m "not slow" -n 2 -q --durations=15

test-slow: $(STAMP)  ## the scale tests left out of `make test`
	$(BIN)/pytest -m slow -q

format: $(STAMP)  ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)  ## run the benchmarks (minutes; writes bench/results/)
	$(BIN)/python bench/bench_simulate.py
	$(BIN)/python bench/bench_ingest.py
	flock /tmp/hisaab-bench.lock $(BIN)/python bench/bench_aml.py

serve: $(STAMP)  ## run the payments API with uvicorn on http://127.0.0.1:8000 (docs at /docs)
	$(BIN)/hisaab api serve --host $${API_HOST:-127.0.0.1} --port $${API_PORT:-8000}

doctor: $(STAMP)  ## check the machine
	$(BIN)/hisaab doctor

lock:  ## re-resolve requirements.lock from pyproject.toml
	$(BIN)/uv pip compile pyproject.toml --extra dev -p 3.11 -o requirements.lock

clean:  ## remove the virtualenv and generated data
	rm -rf $(VENV) data artifacts

# Local Airflow: `airflow standalone` (scheduler, DAG processor, triggerer, API server; SQLite,
# LocalExecutor) on this repo's dags/, its home under the data dir. See dags/README.md.
HISAAB_DATA_DIR ?= $(CURDIR)/data
AIRFLOW_LOCAL_HOME ?= $(abspath $(HISAAB_DATA_DIR))/airflow
AIRFLOW_PORT ?= 8080
AIRFLOW_HOST ?= 127.0.0.1
AIRFLOW_LOCAL_ENV = PATH=$(CURDIR)/$(BIN):$$PATH \
	AIRFLOW_HOME=$(AIRFLOW_LOCAL_HOME) \
	AIRFLOW__CORE__DAGS_FOLDER=$(CURDIR)/dags \
	AIRFLOW__CORE__LOAD_EXAMPLES=False \
	AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=sqlite:///$(AIRFLOW_LOCAL_HOME)/airflow.db \
	AIRFLOW__API__HOST=$(AIRFLOW_HOST) \
	AIRFLOW__API__PORT=$(AIRFLOW_PORT) \
	AIRFLOW__CORE__EXECUTION_API_SERVER_URL=http://$(AIRFLOW_HOST):$(AIRFLOW_PORT)/execution/ \
	HISAAB_DATA_DIR=$(abspath $(HISAAB_DATA_DIR))

.PHONY: airflow
airflow: $(STAMP)  ## run Airflow locally (standalone, SQLite) on dags/; prints the URL and login
	@mkdir -p $(AIRFLOW_LOCAL_HOME)
	@$(AIRFLOW_LOCAL_ENV) $(BIN)/airflow db migrate > $(AIRFLOW_LOCAL_HOME)/db-migrate.log 2>&1 \
		|| { tail -20 $(AIRFLOW_LOCAL_HOME)/db-migrate.log; exit 1; }
	@$(AIRFLOW_LOCAL_ENV) $(BIN)/airflow pools set duckdb_warehouse 1 \
		"Single writer: the DuckDB warehouse and the lake manifest" > /dev/null
	@$(AIRFLOW_LOCAL_ENV) $(BIN)/python -c "from pipelines.orchestration import write_dbt_manifest as w; print('dbt manifest for the recon DAG:', w())"
	@echo ""
	@echo "Airflow: http://$(AIRFLOW_HOST):$(AIRFLOW_PORT)   (AIRFLOW_HOME=$(AIRFLOW_LOCAL_HOME))"
	@echo "Login:   admin / the password in $(AIRFLOW_LOCAL_HOME)/simple_auth_manager_passwords.json.generated"
	@echo "         (written on the first start; also printed below as 'Password for user admin')"
	@echo "Data:    $(abspath $(HISAAB_DATA_DIR))   (landing/, lake/, warehouse.duckdb)   Ctrl-C stops Airflow."
	@echo ""
	@$(AIRFLOW_LOCAL_ENV) exec $(BIN)/airflow standalone
