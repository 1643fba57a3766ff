# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
PORT ?= 5000
FLASK := $(BIN)/flask --app coop

.PHONY: run test lint format worker lock clean

# Exactly the locked versions (requirements/dev.txt, with hashes: what CI tested), then the
# app itself, editable, without resolving anything; again whenever a lockfile changes.
$(INSTALLED): pyproject.toml requirements/app.txt requirements/dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m pip check || { echo "requirements/*.txt no longer satisfy pyproject.toml: run make lock" >&2; exit 1; }
	touch $(INSTALLED)

## run: migrate, load demo data once, serve on http://127.0.0.1:$(PORT) with the worker and beat
run: $(INSTALLED)
	$(FLASK) db upgrade
	$(FLASK) coop demo-data
	@echo "Starting the Celery worker and beat, then the web app on http://127.0.0.1:$(PORT)"
	$(BIN)/celery -A celery_worker:celery worker --beat --pool=solo --loglevel=info \
		--schedule=instance/celerybeat-schedule & \
	worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	PORT=$(PORT) $(FLASK) run --host 127.0.0.1 --port $(PORT)

# axe-core (npm) for the accessibility checks of the browser tests.
AXE := node_modules/axe-core/axe.min.js
$(AXE): package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --silent && touch $(AXE); \
	else echo "npm not found: the accessibility checks will be skipped (they fail under CI)"; fi

## test: lint, then the whole suite on SQLite and on PostgreSQL
test: $(INSTALLED) $(AXE)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	COOP_TEST_DB=sqlite $(BIN)/pytest -n 2
	COOP_TEST_DB=postgresql $(BIN)/pytest -n 2

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## worker: the Celery worker alone (with beat), for a second terminal
worker: $(INSTALLED)
	$(BIN)/celery -A celery_worker:celery worker --beat --loglevel=info --schedule=instance/celerybeat-schedule

## bench: benchmarks against throwaway PostgreSQL databases (needs Redis and wrk): the web app
## under gunicorn at three data sizes, common-ground scoring, one weekly digest run for
## 100,000 members, counting a vote of 100,000 encrypted ballots, then a board election of
## 10,000 ranked ballots by STV, and mixing 1,000 ranked ballots; results in bench/results.md,
## bench/common_ground.md, bench/digests.md, bench/ballots.md, bench/stv.md and bench/mix.md
.PHONY: bench
bench: $(INSTALLED)
	@command -v wrk >/dev/null || { echo "Installing wrk (Debian package)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
	$(BIN)/python -m bench.http --output bench/results.md
	$(BIN)/python -m bench.common_ground --output bench/common_ground.md
	$(BIN)/python -m bench.digests --output bench/digests.md
	$(BIN)/python -m bench.ballots --output bench/ballots.md
	$(BIN)/python -m bench.stv --output bench/stv.md
	$(BIN)/python -m bench.mix --ballots 1000 --output bench/mix.md

## lock: resolve pyproject.toml again into requirements/app.txt (production) and
## requirements/dev.txt (development, tests, CI), with hashes; the app's pins are the same
## versions as the development ones. `make lock UPGRADE=1` moves every pin to the newest allowed.
UV_COMPILE = $(BIN)/uv pip compile pyproject.toml --quiet --universal --fork-strategy fewest \
	--python-version 3.11 --generate-hashes --custom-compile-command "make lock" \
	$(if $(UPGRADE),--upgrade)
lock:
	test -x $(BIN)/uv || { test -x $(BIN)/python || $(PYTHON) -m venv $(VENV); \
		$(BIN)/python -m pip install --quiet "$$(grep -o '^uv==[^ ]*' requirements/dev.txt)"; }
	$(UV_COMPILE) --extra dev -o requirements/dev.txt
	$(UV_COMPILE) --constraint requirements/dev.txt -o requirements/app.txt

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
