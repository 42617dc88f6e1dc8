# edabu_lite: the two README commands are `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: run test test-sqlite test-pg test-py313 test-reader-fallback lint format bench install translations clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall whenever a requirements file or pyproject changes.
$(STAMP): $(BIN)/python requirements.txt requirements-dev.txt pyproject.toml
	$(BIN)/pip install --quiet -r requirements-dev.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

## The package's bytecode is compiled here as pip does for an installed package: where
## PYTHONDONTWRITEBYTECODE is set, an editable checkout would compile every module at each start.
install: $(STAMP) translations
	$(BIN)/python -m compileall -q edabu_lite >/dev/null

translations: $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -d edabu_lite/translations --statistics

## make run: venv, install, migrate, seed the demo, serve on http://127.0.0.1:5000 with a job consumer
run: install
	$(BIN)/edabu db upgrade
	$(BIN)/edabu demo
	$(BIN)/edabu serve

## make test: the whole suite on SQLite, then the reader's tests on python-calamine (the
## fallback of python-calamine-plus), then again on PostgreSQL when TEST_DATABASE_URL is
## set, then `pip install .` into a fresh venv used from another folder (.ci/check-install)
test: install lint
	env -u TEST_DATABASE_URL $(BIN)/python -m pytest
	@$(MAKE) --no-print-directory test-reader-fallback
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== the same suite on PostgreSQL ($$TEST_DATABASE_URL) =="; \
		$(BIN)/python -m pytest -m "not browser"; \
	fi
	@echo "== the installed package (pip install ., not editable) =="
	PYTHON=$(PYTHON) .ci/check-install
	@if [ -n "$$PYTHON313" ]; then $(MAKE) --no-print-directory test-py313; fi

## The suite (SQLite, no browser) again on Python 3.13, in a venv of its own. `.ci/run` sets
## PYTHON313; any python3.13 works: `make test-py313 PYTHON313=python3.13`.
VENV313 ?= .venv313
test-py313:
	@test -x $(VENV313)/bin/python || $(PYTHON313) -m venv $(VENV313)
	$(VENV313)/bin/python -m pip install --quiet --upgrade pip
	$(VENV313)/bin/pip install --quiet -r requirements-dev.txt
	$(VENV313)/bin/pip install --quiet --no-deps -e .
	@echo "== the suite on $$($(VENV313)/bin/python --version) (SQLite) =="
	env -u TEST_DATABASE_URL $(VENV313)/bin/python -m pytest -m "not browser"

## The tests that read sheets again with EDABU_SHEET_BACKEND=calamine: every sheet read whole
## by upstream python-calamine, as without the fork (sheets/backend.py).
READER_TESTS ?= tests/sheets tests/cli/test_hostile_upload_process.py
test-reader-fallback: install
	@echo "== the reader's tests on python-calamine (EDABU_SHEET_BACKEND=calamine) =="
	env -u TEST_DATABASE_URL EDABU_SHEET_BACKEND=calamine $(BIN)/python -m pytest $(READER_TESTS)

test-sqlite: install
	env -u TEST_DATABASE_URL $(BIN)/python -m pytest

test-pg: install
	TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/python -m pytest -m "not browser"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format .

## make bench: NIK validations/s, row validation rows/s, the roster import at 10k/100k/300k,
## a consumer's memory over five 100k previews,
## and the pages at 300,000 people (one client, then 20 clients against two web processes)
bench: install
	$(BIN)/python bench/bench_identity.py
	$(BIN)/python bench/bench_rows.py
	$(BIN)/python bench/bench_import.py
	$(BIN)/python bench/bench_dry_run.py
	$(BIN)/python bench/bench_consumer.py
	$(BIN)/python bench/bench_export.py
	$(BIN)/python bench/bench_iuran.py
	$(BIN)/python bench/bench_sync.py
	$(BIN)/python bench/bench_pages.py
	$(BIN)/python bench/bench_api.py

# Refresh the message catalogue after changing user-facing text.
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k N_ -o edabu_lite/translations/messages.pot .
	$(BIN)/pybabel update -i edabu_lite/translations/messages.pot -d edabu_lite/translations

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info
