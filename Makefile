# Two commands: `make run` (dev server with demo data) and `make test` (the whole suite).
# Also: `make lint` (ruff, mypy), `make bench` (benchmarks, prints figures), `make run-prod`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
FLASK  := $(BIN)/flask --app bot

.PHONY: run serve run-prod bench test test-sqlite test-postgresql setup lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

setup: $(VENV)/.installed

## make run: migrate the SQLite database under instance/, load demo data, serve on 127.0.0.1:$(PORT)
run: setup
	$(FLASK) db upgrade
	$(FLASK) regions load
	$(FLASK) checklists load
	$(FLASK) demo load
	$(FLASK) campaigns seed
	$(FLASK) demo console
	@echo ""
	@echo "  监管后台 (officers' console): http://127.0.0.1:$(PORT)/console/"
	@echo "  模拟器 (phone simulator): http://127.0.0.1:$(PORT)/dev/simulator"
	@echo "  WeChat endpoint:          http://127.0.0.1:$(PORT)/wechat"
	@echo "  演示绑定码 (demo binding codes, valid 1 day):"
	@$(FLASK) demo invites
	@echo ""
	@# The scheduler (reminder sweeps) runs as its own process next to the web server; the
	@# supervisor stops both on any signal, or when make itself is killed (scripts/run_dev.py).
	$(BIN)/python scripts/run_dev.py --flask $(BIN)/flask --port $(PORT)

## make serve: only the two processes of make run (no setup, no demo data), on $(PORT)
serve:
	$(BIN)/python scripts/run_dev.py --flask $(BIN)/flask --port $(PORT)

## make run-prod: the production profile on this machine (deploy/README.md): PostgreSQL,
## gunicorn with several workers, scheduler and worker as their own processes. Needs
## HAZARDBOT_CONFIG (e.g. deploy/hazardbot.example.toml) and the secrets in HAZARDBOT_* variables.
run-prod: setup
	@test -n "$$HAZARDBOT_CONFIG" || { echo "set HAZARDBOT_CONFIG (see deploy/README.md)"; exit 1; }
	$(FLASK) db upgrade
	$(FLASK) regions load
	$(FLASK) scheduler run & $(FLASK) worker run & trap 'kill %1 %2 2>/dev/null' EXIT INT TERM; \
	$(BIN)/gunicorn -c deploy/gunicorn.conf.py bot.wsgi:app

## make bench: every benchmark in bench/, each printing its figures (docs/performance.md)
BENCH_PG_ADMIN_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
bench: setup
	$(BIN)/python bench/wechat_load.py
	$(BIN)/python bench/qr_posters.py
	$(BIN)/python bench/deadline_sweep.py --admin-url $(BENCH_PG_ADMIN_URL)
	$(BIN)/python bench/weekly_table.py
	$(BIN)/python bench/criteria_suggest.py

## make test: the whole suite on SQLite, then on PostgreSQL when it is reachable
test: setup
	bash scripts/ensure-chromium.sh
	$(MAKE) test-sqlite
	@if $(BIN)/python scripts/pg_available.py; then \
		$(MAKE) test-postgresql; \
	elif [ -n "$$REQUIRE_POSTGRESQL" ]; then \
		echo "PostgreSQL is required (REQUIRE_POSTGRESQL) but not reachable at 127.0.0.1:5432"; exit 1; \
	else \
		echo "*** PostgreSQL not reachable at 127.0.0.1:5432: the PostgreSQL run was SKIPPED ***"; \
	fi

test-sqlite: setup
	HAZARDBOT_TEST_DB=sqlite $(BIN)/python -m pytest $(PYTEST_ARGS)

test-postgresql: setup
	HAZARDBOT_TEST_DB=postgresql $(BIN)/python -m pytest $(PYTEST_ARGS)

## make lint: ruff over the code, tests and benchmarks; mypy over the application (not part of make test);
## the layering contracts of pyproject.toml (make test checks them too: tests/unit/test_architecture.py)
lint: setup
	$(BIN)/ruff check bot scheduler tests bench
	$(BIN)/mypy bot scheduler
	$(BIN)/lint-imports --no-cache

clean:
	rm -rf $(VENV) instance test-artifacts
