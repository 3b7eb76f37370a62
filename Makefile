# The README's commands. `make demo` and `make test` set everything up from a fresh clone.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_ARGS ?= --days 7 --merchants 200 --payments 200000 --seed 42

.PHONY: help venv demo test test-slow lint format bench doctor clean serve dashboard demo-serve demo-stop

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' Makefile | sed 's/:.*## /\t/'

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==0.13.9"
	$(BIN)/uv pip sync --quiet --compile-bytecode -p $(BIN)/python requirements.lock
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
	$(BIN)/hisaab risk credit train --spec models/bnpl_credit.yaml --promote
	@$(MAKE) --no-print-directory demo-serve

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
	flock /tmp/hisaab-bench.lock $(BIN)/python bench/bench_credit.py

serve: $(STAMP)  ## run the payments API with uvicorn on http://127.0.0.1:8000 (docs at /docs)
	$(BIN)/hisaab api serve --host $${API_HOST:-127.0.0.1} --port $${API_PORT:-8000}

# The dashboards (Streamlit): sign in as a staff user (`hisaab api users create NAME --role ROLE`).
API_HOST ?= 127.0.0.1
API_PORT ?= 8000
DASH_HOST ?= 127.0.0.1
DASH_PORT ?= 8501
DEMO_PASSWORD ?= hisaab-demo-2026
DEMO_USERS := finance:finance risk:risk compliance:compliance ops:ops admin:admin
STREAMLIT_ARGS = --server.headless true --server.address $(DASH_HOST) --server.port $(DASH_PORT) \
	--browser.gatherUsageStats false
RUN_DIR = $(abspath $(HISAAB_DATA_DIR))/run

dashboard: $(STAMP)  ## run the dashboards on http://127.0.0.1:8501 (the API must run too: make serve)
	HISAAB_API_URL=$${HISAAB_API_URL:-http://$(API_HOST):$(API_PORT)} \
		$(BIN)/streamlit run dashboards/app.py $(STREAMLIT_ARGS)

demo-serve: $(STAMP)  ## demo users, then the API and the dashboards in the background (make demo-stop)
	@mkdir -p $(RUN_DIR)
	@for u in $(DEMO_USERS); do \
		$(BIN)/hisaab api users create $${u%%:*} --role $${u##*:} --password $(DEMO_PASSWORD) --exist-ok \
			> /dev/null || exit 1; done
	@$(MAKE) --no-print-directory demo-stop > /dev/null
	@nohup $(BIN)/hisaab api serve --host $(API_HOST) --port $(API_PORT) \
		> $(RUN_DIR)/api.log 2>&1 & echo $$! > $(RUN_DIR)/api.pid
	@HISAAB_API_URL=http://$(API_HOST):$(API_PORT) nohup $(BIN)/streamlit run dashboards/app.py \
		$(STREAMLIT_ARGS) > $(RUN_DIR)/dashboard.log 2>&1 & echo $$! > $(RUN_DIR)/dashboard.pid
	@echo ""
	@echo "API:        http://$(API_HOST):$(API_PORT)/docs      (log: $(RUN_DIR)/api.log)"
	@echo "Dashboards: http://$(DASH_HOST):$(DASH_PORT)          (log: $(RUN_DIR)/dashboard.log)"
	@echo "Sign in as finance, risk, compliance, ops or admin; password $(DEMO_PASSWORD)"
	@echo "Stop both:  make demo-stop"

demo-stop:  ## stop the API and dashboards that demo-serve started
	@for p in api dashboard; do \
		if [ -f $(RUN_DIR)/$$p.pid ]; then kill $$(cat $(RUN_DIR)/$$p.pid) 2>/dev/null || true; \
			rm -f $(RUN_DIR)/$$p.pid; echo "stopped $$p"; fi; done

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
