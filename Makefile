# `make demo` and `make test` are the whole set-up: each creates .venv when missing and
# installs the project into it, so a fresh clone needs nothing but Python 3.10+.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
DEV    := $(VENV)/.installed-dev
OSCAR  := $(VENV)/.installed-oscar
AXE    := .axe/node_modules/axe-core/axe.min.js
PORT   ?= 8000

CHROMIUM := /usr/bin/chromium

.PHONY: demo demo-oscar test timing check lint docs bench clean postgresql

# The demo needs only the package and its runtime dependencies; tests and lint add [dev].
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e .
	@touch $(STAMP)

# The dev install adds the django-oscar integration (integrations/oscar), which its tests need.
$(DEV): $(STAMP) integrations/oscar/pyproject.toml
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]' -e integrations/oscar
	@touch $(DEV)

$(OSCAR): $(STAMP) integrations/oscar/pyproject.toml
	$(PY) -m pip install --quiet --disable-pip-version-check -e integrations/oscar
	@touch $(OSCAR)

demo: $(STAMP)
	$(PY) -m flexiti_checkout.demo --host 127.0.0.1 --port $(PORT)

# A django-oscar shop (integrations/oscar/tests/oscar_shop) that takes Flexiti through the
# service, both in sandbox mode: the shop on PORT, the service on PORT + 1.
demo-oscar: $(OSCAR)
	PYTHONPATH=integrations/oscar/tests $(PY) -m oscar_shop --port $(PORT) --service-port $$(($(PORT) + 1))

# Browser tests drive Debian's Chromium; Playwright never downloads a browser of its own.
$(CHROMIUM):
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

# The store tests run on SQLite and on a throwaway PostgreSQL cluster that the tests start
# themselves from Debian's postgresql (or on FLEXITI_TEST_STORE_URL when it is set).
postgresql:
	@test -n "$$FLEXITI_TEST_STORE_URL" || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql)


# axe-core checks the pages' accessibility inside the browser tests (npm, into .axe/).
$(AXE):
	command -v npm >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm)
	npm install --prefix .axe --no-audit --no-fund --silent axe-core@4

# Python caches compiled modules (and pytest its rewritten tests) in __pycache__, git-ignored:
# without it every process of a run, the servers the tests start included, compiles the package
# and the tests again, seconds each.
unexport PYTHONDONTWRITEBYTECODE

# Two processes, a test module each, in the order tests/conftest.py gives (the slow modules
# first, so that both processes finish together; xdist would otherwise start the largest).
test: $(DEV) $(CHROMIUM) postgresql $(AXE)
	$(PY) -m pytest -n 2 --dist loadfile --no-loadscope-reorder -m "not timing"

# Tests of a promise in seconds (marked timing), run alone: on a machine
# busy with the rest of the suite their clocks measure the machine, not the product.
timing: $(DEV)
	$(PY) -m pytest -m timing

# The documentation site, warnings as errors (the tests build it too: tests/docs).
docs: $(DEV)
	$(VENV)/bin/sphinx-build -W --keep-going -n -b html docs docs/_build/html
	@echo "Open docs/_build/html/index.html"

# The edit-test loop: lint, then every test that starts no server, browser, process or database
# (tests/conftest.py marks the others ``live`` from the fixtures they use). Under a minute.
check: $(DEV)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest -q -n 2 --dist loadfile -m "not live"

lint: $(DEV)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# Every figure of the performance goals, each beside its ceiling, under load from Debian's wrk;
# exits non-zero when one misses its goal (all are run and printed first).
bench: $(DEV) postgresql
	@command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk)
	@status=0; \
	for script in warm_storefront cold_badges callback_ack paced_callbacks console reconcile; do \
	  echo "== bench/$$script.py"; $(PY) bench/$$script.py || status=1; \
	done; \
	for pending in 100 1000; do \
	  echo "== bench/callback_search.py --pending $$pending --random 3"; \
	  $(PY) bench/callback_search.py --pending $$pending --random 3 || status=1; \
	done; exit $$status

clean:
	rm -rf $(VENV) build dist docs/_build .pytest_cache .mypy_cache .ruff_cache
