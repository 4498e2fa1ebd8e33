# The two commands a new user needs: `make run` (whole pipeline once, on the sandbox) and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
BOOTSTRAP_PYTHON ?= python3

.PHONY: venv run test lint lock sandbox clean

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml
	$(BOOTSTRAP_PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check uv==0.13.9
	$(UV) pip install --quiet --python $(PY) -r requirements.lock
	$(UV) pip install --quiet --python $(PY) --no-deps -e .
	touch $@

run: venv
	$(VENV)/bin/outcomes run

test: venv
	$(VENV)/bin/python -m pytest

lint: venv
	$(VENV)/bin/ruff check .

sandbox: venv
	$(VENV)/bin/outcomes sandbox

lock: venv
	$(UV) pip compile --quiet requirements.in -p 3.11 -o requirements.lock

clean:
	rm -rf data dbt_project/target dbt_project/logs
