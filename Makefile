# SafePort: `make run` serves the app with demo data; `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := wsgi.py

.PHONY: install run test test-sqlite test-postgres lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

install: $(VENV)/.installed

run: install
	SAFEPORT_ENV=development $(BIN)/flask db upgrade
	SAFEPORT_ENV=development $(BIN)/flask deploy
	@if [ "$${SAFEPORT_DEMO:-1}" = "1" ]; then SAFEPORT_ENV=development SAFEPORT_DEMO=1 $(BIN)/flask seed-demo; fi
	@echo
	@echo "SafePort runs at http://127.0.0.1:$(PORT)/  (API: /api/v1, health: /healthz)"
	@if [ "$${SAFEPORT_DEMO:-1}" = "1" ]; then echo "Demo logins (password 'safeport'): admin, caseworker, specialist, designer, applicant"; fi
	SAFEPORT_ENV=development SAFEPORT_DEMO=$${SAFEPORT_DEMO:-1} $(BIN)/flask run --host 127.0.0.1 --port $(PORT)

test: install
	$(BIN)/pytest
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== again on $$TEST_DATABASE_URL =="; \
		SAFEPORT_TEST_DATABASE_URL="$$TEST_DATABASE_URL" $(BIN)/pytest; \
	else echo "TEST_DATABASE_URL is not set: PostgreSQL tests skipped"; fi

lint: install
	$(BIN)/ruff check .

bench: install
	$(BIN)/python bench/engine.py

clean:
	rm -rf $(VENV) instance .pytest_cache
