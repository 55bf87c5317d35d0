# Two entry points for a newcomer (see README):
#   make demo  -> install into .venv, train on the seed data (local sqlite MLflow), print an example estimate
#   make test  -> install into .venv, then ruff + mypy + dependency audit + pytest
#   make reports -> run the shipped experiments (experiments/definitions) and write reports/<name>/
#   make lock  -> re-resolve requirements.lock from pyproject.toml (after changing a dependency), then reinstall
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LOCK   := requirements.lock

.PHONY: demo test install lint clean reports lock

# Every package at the version and hash requirements.lock pins (pip and setuptools too), then the project itself
# without resolving anything: a new install gets exactly the environment the lock describes.
$(STAMP): pyproject.toml $(LOCK)
	@echo "installing Exposure and its pinned dependencies ($(LOCK)) into $(VENV) (log: $(VENV)/install.log) ..."
	@$(PYTHON) -m venv $(VENV)
	@$(BIN)/pip install --require-hashes --no-deps -r $(LOCK) > $(VENV)/install.log 2>&1 || (tail -40 $(VENV)/install.log; exit 1)
	@$(BIN)/pip install --no-deps --no-build-isolation -e . >> $(VENV)/install.log 2>&1 || (tail -40 $(VENV)/install.log; exit 1)
	@$(BIN)/pip check >> $(VENV)/install.log 2>&1 || (tail -20 $(VENV)/install.log; exit 1)
	@touch $(STAMP)
	@echo "installed."

# The one command that refreshes the pins: every dependency and extra of pyproject.toml and the install group,
# for CPython 3.11 on x86-64 Linux (glibc 2.36, as Debian 12), with hashes; versions already in the lock are kept
# when they still fit (uv's preference), so only what pyproject.toml asks for moves. Review the diff, commit it.
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --group install --extra dev --extra spark --extra postgres \
		--python-version 3.11 --python-platform x86_64-manylinux_2_36 --generate-hashes \
		--custom-compile-command "make lock" -o $(LOCK) -q
	$(MAKE) install

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
