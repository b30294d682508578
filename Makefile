# Baltic Security Atlas: the two commands a newcomer needs are `make run` and `make test`.
# Both create .venv from requirements.lock (hashed pins), write a development .env on
# first use and start the embedded PostgreSQL unless DATABASE_URL is set.

PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000
# The folder `make run` seeds a new database from.
FIXTURES ?= fixtures
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
WITH_DB := $(BIN)/python -m config.dbserver
MANAGE := $(BIN)/python manage.py

.PHONY: run test lint check pytest serve seed editor reviewer lock clean help openapi fuzz \
	prod serve-prod backup restore load audit \
	bench bench-search bench-reset capacity wrk

help:
	@echo "make run     set up everything and serve http://$(HOST):$(PORT) with the seed data"
	@echo "make test    set up everything, then checks, lint and the whole test suite"
	@echo "make editor USERNAME=name   create an editor login for the admin"
	@echo "make reviewer USERNAME=name an editor who may also publish and retract"
	@echo "  (no terminal: DJANGO_EDITOR_PASSWORD=... make editor USERNAME=name PASSWORD_FROM_ENV=1)"
	@echo "make lock    regenerate requirements.lock after editing pyproject.toml"
	@echo "make openapi rewrite openapi.yaml, the API contract's snapshot, from the code"
	@echo "make fuzz    [URL=http://127.0.0.1:8000 TOKEN=... EXAMPLES=50] schemathesis, every check"
	@echo "make prod    the production configuration (gunicorn, DEBUG off) on http://$(HOST):$(PORT)"
	@echo "make backup  pg_dump the database into backups/ (FILE=... to choose the file)"
	@echo "make restore FILE=backups/....dump   put a backup back (asks first)"
	@echo "make load    locust against the production server (USERS, RATE, DURATION, P95_MS)"
	@echo "make audit   known vulnerabilities in requirements.lock (pip-audit)"
	@echo "make bench   [ROWS=200000 SECONDS=15 ROUNDS=2] the app against a raw floor (see README)"
	@echo "make bench-search [ROWS=1000000 REPEAT=3]  search latency over 30 fixed queries"
	@echo "make bench-reset  drop the benchmark's generated databases"
	@echo "make capacity [ROWS=20000 CAPACITY_SECONDS=10]  one web process, cache cold/warm; replica lag"

$(STAMP): requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
		{ echo "Python 3.11 or newer is needed (found: $$($(PYTHON) --version 2>&1))."; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || \
		{ echo "Could not create a virtual environment. On Debian/Ubuntu: apt-get install python3-venv"; exit 1; }
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	@touch $(STAMP)

.env:
	@echo "Writing .env for development (random secret key, DEBUG on)."
	@key=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))'); \
		sed "s|^DJANGO_SECRET_KEY=.*|DJANGO_SECRET_KEY=$$key|" .env.example > .env

run: $(STAMP) .env
	@$(WITH_DB) $(MAKE) --no-print-directory serve

# serve: expects a database (DATABASE_URL from the environment or from config.dbserver).
# `manage.py seed` (also the Docker image's start) migrates, then loads the seed data
# published (--status published: it is reviewed in the repository's pull requests,
# not in the admin) into a new database only, so edits made in the admin survive a
# restart. `make seed` applies fixtures/ again on purpose (a record a reviewer
# retracted stays retracted).
serve:
	$(MANAGE) seed --fixtures $(FIXTURES)
	@echo ""
	@echo "  Baltic Security Atlas is starting:"
	@echo "    site   http://$(HOST):$(PORT)/"
	@echo "    admin  http://$(HOST):$(PORT)/admin/"
	@echo "    API    http://$(HOST):$(PORT)/api/v1/   (docs: /api/v1/docs/)"
	@echo "  Create an editor login (in another terminal): make editor USERNAME=yourname"
	@echo "  Stop with Ctrl-C (it stops the embedded database too)."
	@echo ""
	$(MANAGE) runserver $(HOST):$(PORT)

# openapi: the committed snapshot of the API's schema (tests/api/test_contract.py
# fails when it differs from what the code generates). No database needed.
openapi: $(STAMP) .env
	$(MANAGE) spectacular --validate --fail-on-warn --file openapi.yaml
	@echo "openapi.yaml rewritten: review the diff (git diff openapi.yaml) and commit it."

# fuzz: schemathesis with every check and the stateful phase against a running
# server (make run in another terminal); TOKEN=<an editor's token> for writes.
URL ?= http://$(HOST):$(PORT)
EXAMPLES ?= 50
fuzz: $(STAMP)
	$(BIN)/schemathesis --config-file tests/api/schemathesis.toml run \
		$(URL)/api/v1/schema/ --checks all --max-examples $(EXAMPLES) \
		--generation-database none $(if $(TOKEN),-H "Authorization: Token $(TOKEN)")

seed: $(STAMP) .env
	@$(WITH_DB) sh -c '$(MANAGE) migrate --noinput -v0 && $(MANAGE) import_records fixtures/ --status published'

# PASSWORD_FROM_ENV=1: no prompt, the password comes from DJANGO_EDITOR_PASSWORD
# (scripts, CI, a container without a terminal).
NO_INPUT := $(if $(PASSWORD_FROM_ENV),--no-input)
editor: $(STAMP) .env
	@test -n "$(USERNAME)" || { echo "usage: make editor USERNAME=name [PASSWORD_FROM_ENV=1]"; exit 2; }
	@$(WITH_DB) sh -c '$(MANAGE) migrate --noinput -v0 && $(MANAGE) create_editor $(NO_INPUT) "$(USERNAME)"'

reviewer: $(STAMP) .env
	@test -n "$(USERNAME)" || { echo "usage: make reviewer USERNAME=name [PASSWORD_FROM_ENV=1]"; exit 2; }
	@$(WITH_DB) sh -c '$(MANAGE) migrate --noinput -v0 && $(MANAGE) create_editor --reviewer $(NO_INPUT) "$(USERNAME)"'

# prod: the production configuration on this machine: DEBUG off, hashed static
# files (collectstatic), gunicorn as configured in gunicorn.conf.py, JSON logs on
# stdout. The database is the embedded one unless DATABASE_URL is set; limits are
# shared through Redis when REDIS_URL is set. Ctrl-C stops it.
prod: $(STAMP) .env
	@$(WITH_DB) $(MAKE) --no-print-directory serve-prod

serve-prod: export DJANGO_DEBUG = 0
serve-prod: export HOST := $(HOST)
serve-prod: export PORT := $(PORT)
serve-prod:
	$(MANAGE) seed
	$(MANAGE) collectstatic --noinput -v0
	@echo ""
	@echo "  Baltic Security Atlas (production configuration) is starting:"
	@echo "    site   http://$(HOST):$(PORT)/    health /healthz, /readyz"
	@echo "  Stop with Ctrl-C."
	@echo ""
	$(BIN)/gunicorn -c gunicorn.conf.py config.wsgi

backup: $(STAMP) .env
	@$(WITH_DB) $(MANAGE) backup $(if $(FILE),--output "$(FILE)")

restore: $(STAMP) .env
	@test -n "$(FILE)" || { echo "usage: make restore FILE=backups/atlas-....dump"; exit 2; }
	@$(WITH_DB) $(MANAGE) restore "$(FILE)"

USERS ?= 20
RATE ?= 5
DURATION ?= 60s
P95_MS ?= 300
MAX_ERROR_RATE ?= 0
load: $(STAMP) .env
	@$(WITH_DB) $(BIN)/python -m ops.loadtest --users $(USERS) --rate $(RATE) \
		--duration $(DURATION) --p95-ms $(P95_MS) --max-error-rate $(MAX_ERROR_RATE) \
		$(if $(URL),--url $(URL))

audit: $(STAMP)
	@$(BIN)/python ops/audit.py requirements.lock

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Django's system checks, the migrations check and the API schema's validation are
# tests of the suite (tests/test_project_checks.py, tests/api/test_schema.py): they
# run beside the rest instead of one after the other before it. `make check` runs
# them alone.
test: $(STAMP) .env lint
	@$(WITH_DB) $(MAKE) --no-print-directory pytest

check:
	$(MANAGE) check --fail-level WARNING
	$(MANAGE) makemigrations --check --dry-run
	$(MANAGE) spectacular --validate --fail-on-warn --file /dev/null

# -n auto: one worker per core, each with its own test database (test_atlas_gw0...).
# xdist's default distribution keeps pytest-django's order: the transactional tests
# (browser journeys), whose flush empties data migrations' rows, run last on each
# worker. (--dist loadfile runs them mid-way and the threat categories vanish.)
pytest:
	$(BIN)/pytest -n auto --dist worksteal

lock:
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --universal \
		--python-version 3.11 -o requirements.lock

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

# The benchmark (README, "Performance"; bench/). Its own database, never yours: an
# embedded PostgreSQL in .data/bench (or BENCH_SERVER_URL), one database per ROWS,
# generated on first use and kept. Not part of `make test`.
SECONDS ?= 15
ROUNDS ?= 2
REPEAT ?= 3

bench: $(STAMP) .env wrk
	$(BIN)/python -m bench run --rows $(or $(ROWS),200000) --seconds $(SECONDS) --rounds $(ROUNDS)

bench-search: $(STAMP) .env
	$(BIN)/python -m bench search --rows $(or $(ROWS),1000000) --repeat $(REPEAT)

# What one web process serves, shared cache cold and warm, and a streaming
# replica's lag under write load (docs/scaling.md): ROWS (default 20000), SECONDS.
capacity: $(STAMP) .env wrk
	$(BIN)/python -m bench capacity --rows $(or $(ROWS),20000) --seconds $(or $(CAPACITY_SECONDS),10)

bench-reset: $(STAMP) .env
	$(BIN)/python -m bench reset

# The load generator: Debian's wrk.
wrk:
	@command -v wrk >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "Installing wrk (Debian package) for the benchmark..."; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
		else \
			echo "The benchmark needs wrk: sudo apt-get install wrk"; exit 1; \
		fi; }
