# Two entry points for a newcomer (see README):
#   make demo  -> install into .venv, train on the seed data (local sqlite MLflow), print an example estimate
#   make test  -> install into .venv, then ruff + mypy + dependency audit + pytest
#   make reports -> run the shipped experiments (experiments/definitions) and write reports/<name>/
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test install lint clean reports

$(STAMP): pyproject.toml
	@echo "installing Exposure and its dependencies into $(VENV) (log: $(VENV)/install.log) ..."
	@$(PYTHON) -m venv $(VENV)
	@$(BIN)/pip install --upgrade pip setuptools > $(VENV)/install.log 2>&1 || (tail -40 $(VENV)/install.log; exit 1)
	@$(BIN)/pip install -e ".[dev,spark,postgres]" >> $(VENV)/install.log 2>&1 || (tail -40 $(VENV)/install.log; exit 1)
	@touch $(STAMP)
	@echo "installed."

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/exposure quickstart

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python scripts/audit_deps.py
	$(BIN)/python scripts/check_law_literals.py

test: lint
	scripts/ensure-chromium.sh
	scripts/ensure-postgres.sh
	$(BIN)/pytest

# the committed experiment reports (reports/<name>/): every shipped definition on the seed data, ~3 min on 2 cores
reports: $(STAMP)
	$(BIN)/exposure experiment run-all --jobs 2

clean:
	rm -rf $(VENV) mlruns mlflow.db .pytest_cache .mypy_cache .ruff_cache
