# kefu developer loop. `make run` and `make test` are the two commands a new user needs.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
RUN_STAMP := $(VENV)/.runtime-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
SPARK_STAMP := $(VENV)/.spark-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint bench bench-full install runtime demo clean browser java schema

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# runtime: what `make run` needs (no test or lint tools); the full dev set builds on it
$(RUN_STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e .
	$(BIN)/python -m kefu.service.credit.warm  # compile the credit kernels into numba's cache now, not on the first run
	$(BIN)/python -c "from kefu.plan.roster.engine.lines import warm; warm()"  # and the roster line pricing
	rm -f $(VENV)/.runtime-*
	touch $(RUN_STAMP)

$(STAMP): $(RUN_STAMP)
	$(BIN)/pip install -q -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

runtime: $(RUN_STAMP)
install: $(STAMP)

## run: install the runtime (not the dev tools), migrate, load the demo shop if empty, serve the dashboard on :8000
run: runtime
	$(BIN)/kefu db upgrade
	$(BIN)/kefu demo --if-empty --seed 1 --days 31 --agents 12
	$(BIN)/kefu serve --host $(HOST) --port $(PORT)

## browser: Debian's headless Chromium for the browser journeys (no browser download)
browser:
	@{ command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi wqy; } || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium fonts-wqy-zenhei >/dev/null; \
	  else echo "chromium missing: sudo apt-get install chromium (browser tests will skip)"; fi; }

## lint: ruff, mypy (strict on engines), import-linter layering contract
lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

## spark: the `kefu[spark]` extra (PySpark, sqlglot) for `--engine spark` and its tests; `make run` does not need it
$(SPARK_STAMP): $(STAMP)
	$(BIN)/pip install -q -e ".[dev,spark]"
	rm -f $(VENV)/.spark-*
	touch $(SPARK_STAMP)

## java: Debian's Java 17 runtime for the Spark tests (`kefu[spark]`; the embedded engine needs no Java)
java:
	@command -v java >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq openjdk-17-jre-headless >/dev/null; \
	  else echo "java missing: sudo apt-get install openjdk-17-jre-headless (Spark tests will skip)"; fi; }

## test: lint, then the whole suite (SQLite, plus PostgreSQL when KEFU_TEST_POSTGRES_URL is set; Spark in local mode)
test: install $(SPARK_STAMP) browser java lint
	$(BIN)/pytest -n 2 --dist loadgroup

## bench: the quick benchmarks (a few minutes); bench-full: the issue-scale figures (about an hour)
bench: install
	$(BIN)/python bench/erlang.py
	$(BIN)/python bench/forecast.py
	$(BIN)/python bench/bot_eval.py
	$(BIN)/python bench/credit.py --orders 100000 --messages 2000000
	$(BIN)/python bench/duty_replay.py --orders 20000 --messages 200000
	$(BIN)/python bench/roster_month.py --time-limit 60

bench-full: install
	$(BIN)/python bench/credit.py --orders 1000000 --messages 20000000
	$(BIN)/python bench/curtois.py --time-limit 60
	$(BIN)/python bench/live_load.py --workers 4 --conversations 20000

## schema: regenerate the one initial migration from the models (the schema is young; see CONTRIBUTING.md)
schema: install
	rm -f $(VENV)/schema.db src/kefu/store/migrations/versions/0001_initial_schema.py
	$(BIN)/python -c "from alembic import command; from kefu.store.migrate import alembic_config; command.revision(alembic_config('sqlite:///$(VENV)/schema.db'), message='initial schema', autogenerate=True, rev_id='0001')"
	rm -f $(VENV)/schema.db

demo: runtime
	$(BIN)/kefu db upgrade
	$(BIN)/kefu demo --seed 1 --days 31 --agents 12

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
