# `make demo` and `make test` are the whole set-up: each creates .venv when missing and
# installs the project into it, so a fresh clone needs nothing but Python 3.10+.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PORT   ?= 8000

CHROMIUM := /usr/bin/chromium

.PHONY: demo test lint bench clean postgresql

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(PY) -m flexiti_checkout.demo --host 127.0.0.1 --port $(PORT)

# Browser tests drive Debian's Chromium; Playwright never downloads a browser of its own.
$(CHROMIUM):
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

# The store tests run on SQLite and on a throwaway PostgreSQL cluster that the tests start
# themselves from Debian's postgresql (or on FLEXITI_TEST_STORE_URL when it is set).
postgresql:
	@test -n "$$FLEXITI_TEST_STORE_URL" || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql)

test: $(STAMP) $(CHROMIUM) postgresql
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

bench: $(STAMP)
	$(PY) bench/token_economy.py
	$(PY) bench/callbacks.py
	$(PY) bench/badges.py

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
