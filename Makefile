# The two commands a new user needs: `make run` (whole pipeline once, on the sandbox) and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
BOOTSTRAP_PYTHON ?= python3
comma := ,

.PHONY: venv run test lint lock sandbox clean up up-prod down bi bi-install test-prod test-bi test-scenarios bench-webhooks bench-jira bench-dbt bench-ingest bench-generate bench-scale \
	bench-webhook-build generate faults

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml
	$(BOOTSTRAP_PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check uv==0.13.9
	$(UV) pip install --quiet --python $(PY) -r requirements.lock
	$(UV) pip install --quiet --python $(PY) --no-deps -e .
	touch $@

# The development harness (devenv/) starts the sandbox vendors for the run; `outcomes run` alone uses the
# connections as set (real vendors).
run: venv
	$(PY) -m devenv run

test: venv
	$(VENV)/bin/python -m pytest

# The Celery deployment (make up-prod) running ingest -> transform -> publish against the local PostgreSQL and
# Redis, its marts compared with the same steps run directly; about 10 minutes on 2 cores.
test-prod: venv
	$(VENV)/bin/python -m pytest -m celery_pipeline tests/pipeline/test_celery_deployment.py -v

# Whole-pipeline runs of further sandbox scenarios (second: another seed and effect sizes; pretrend), a few
# minutes each.
test-scenarios: venv
	$(VENV)/bin/python -m pytest -m scenario_pipeline tests/pipeline/test_pretrend_scenario.py \
		tests/pipeline/test_second_scenario.py -v

# The dashboards (Superset, bi/): loaded on the publication (data/warehouse/analytics.duckdb, or the Postgres
# one when OUTCOMES_PUBLISH_URL is set) and served on http://127.0.0.1:3000 (OUTCOMES_BI_PORT) until Ctrl-C.
bi: venv bi-install
	$(PY) -m outcomes.cli bi

# Superset's own environment, bi/.venv, from bi/requirements.lock (skipped when current).
bi-install: venv
	$(PY) -c "from outcomes.bi import install; install()"

# All five dashboards on the default scenario's publication, checked in headless Chromium (about 5 minutes).
test-bi: venv bi-install
	$(VENV)/bin/python -m pytest -m bi_pages tests/pipeline/test_bi_dashboards.py -v

lint: venv
	$(VENV)/bin/ruff check .

sandbox: venv
	$(PY) -m devenv sandbox

# Continuous mode: Airflow standalone + sandbox vendors + webhook receiver, until Ctrl-C or `make down`.
up: venv bi-install
	$(PY) -m devenv up

# The production shape on this machine: CeleryExecutor, metadata on the local PostgreSQL (database
# outcomes_airflow, created if missing), Redis broker, one process per component, two workers (docs/deploy.md).
up-prod: venv
	$(PY) -m devenv up --executor celery

down: venv
	$(PY) -m devenv down

# Needs `make up` running: webhook-to-published-mart latency (p50/p95) and a 1,000-event burst.
# The fault campaign (docs/faults.md): every scenario on its own data directory (data/faults), then a table.
faults: venv
	$(PY) -m devenv faults

bench-webhooks: venv
	$(PY) -m bench.webhooks

# A first Jira sync against the sandbox for a company of about 1,500 people; prints seconds per stream.
bench-jira: venv
	$(PY) -m bench.jira_ingest --scale 2.5

# After `make run`: full dbt build and one more day against one raw scan of the landing zone (docs/performance.md).
bench-dbt: venv
	$(PY) -m bench.dbt_build --landing data/landing --workflows data/sandbox/default_workflows.yml

# connector throughput against the sandbox alone; validation cost (GX vs streaming checks)
bench-ingest: venv
	$(PY) -m bench.ingest_throughput
	$(PY) -m bench.validation_cost

# the large-scenario generator at 600, 5,000 and 50,000 people x 365 days (long: hours at 50,000)
bench-generate: venv
	$(PY) -m bench.generate_scale

# the whole pipeline per company size (generate, transform, gate, publish, raw scan, one more day), one table
# (docs/performance.md): make bench-scale SIZES=600x365,5000x365,50000x365 (hours at 50,000 people)
SIZES ?= 600x365,5000x365
bench-scale: venv
	$(PY) -m bench.pipeline_scale --sizes $(SIZES)

# after bench-scale: a build that only a webhook batch triggered, on the largest size's warehouse
bench-webhook-build: venv
	$(PY) -m bench.webhook_build --work data/scale/$(lastword $(subst $(comma), ,$(SIZES)))

# a large scenario straight into data/landing: make generate PEOPLE=5000 DAYS=365
generate: venv
	$(PY) -m devenv generate --people $(PEOPLE) --days $(DAYS)

lock: venv
	$(UV) pip compile --quiet requirements.in -p 3.11 -o requirements.lock

clean:
	rm -rf data dbt_project/target dbt_project/logs
