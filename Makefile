# SafePort: `make run` serves the app with demo data; `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := wsgi.py

.PHONY: install translations chromium run serve-prod test test-sqlite test-postgres lint bench bench-load bench-throughput clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

# Front-end libraries (htmx, bpmn-js viewer) come from the npm registry at the versions pinned
# in app/static/package-lock.json; the files vendor.txt lists are copied to app/static/vendor/.
STATIC := app/static
$(STATIC)/vendor/.installed: $(STATIC)/package.json $(STATIC)/package-lock.json $(STATIC)/vendor.txt
	npm ci --prefix $(STATIC) --no-audit --no-fund --ignore-scripts --loglevel=error
	mkdir -p $(STATIC)/vendor
	grep -v '^#' $(STATIC)/vendor.txt | while read -r f; do [ -z "$$f" ] || cp "$(STATIC)/node_modules/$$f" $(STATIC)/vendor/; done
	touch $@

# Browser tests drive Debian's chromium (Playwright cannot download its own browser here).
chromium:
	@command -v chromium >/dev/null 2>&1 || { apt-get update && apt-get install -y chromium; }

# Translations (Flask-Babel): app/translations/<lang>/LC_MESSAGES/messages.po holds the words,
# messages.mo is what the app reads. The .mo is committed too, so every way of starting the app
# (make, plain pytest in a fresh checkout, gunicorn in production) speaks Spanish without a
# build step; tests/web/test_i18n.py fails when it no longer matches its .po. `make install`
# compiles it again whenever the .po is newer; `make translations` extracts the messages
# (babel.cfg: code, templates, emails, diagram names), updates every .po and compiles.
TRANSLATIONS := app/translations
MO_FILES := $(patsubst %.po,%.mo,$(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/messages.po))
$(TRANSLATIONS)/%/LC_MESSAGES/messages.mo: $(TRANSLATIONS)/%/LC_MESSAGES/messages.po | $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -d $(TRANSLATIONS) -l $* -D messages

translations: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k lazy_gettext --no-location --sort-output \
		--project SafePort -o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) -D messages \
		-w 100 --ignore-obsolete --no-fuzzy-matching
	$(BIN)/pybabel compile --statistics -d $(TRANSLATIONS) -D messages

install: $(VENV)/.installed $(STATIC)/vendor/.installed $(MO_FILES)

run: install
	SAFEPORT_ENV=development $(BIN)/flask db upgrade
	SAFEPORT_ENV=development $(BIN)/flask deploy
	@if [ "$${SAFEPORT_DEMO:-1}" = "1" ]; then SAFEPORT_ENV=development SAFEPORT_DEMO=1 $(BIN)/flask seed-demo; fi
	@echo
	@echo "SafePort runs at http://127.0.0.1:$(PORT)/  (API: /api/v1, health: /healthz)"
	@if [ "$${SAFEPORT_DEMO:-1}" = "1" ]; then echo "Demo logins (password 'safeport'): admin, caseworker, specialist, designer, applicant, auditor, reviewer, supplier"; fi
	@# The scheduler (timers, reminders, email) runs beside the web server and stops with it.
	SAFEPORT_ENV=development SAFEPORT_DEMO=$${SAFEPORT_DEMO:-1} \
	SCHEDULER_MAX_SLEEP=$${SCHEDULER_MAX_SLEEP:-5} $(BIN)/flask scheduler run & sched=$$!; \
	trap 'kill $$sched 2>/dev/null; wait $$sched 2>/dev/null' EXIT INT TERM; \
	SAFEPORT_ENV=development SAFEPORT_DEMO=$${SAFEPORT_DEMO:-1} $(BIN)/flask run --host 127.0.0.1 --port $(PORT)

# The production command on this machine (README "Production"): needs SECRET_KEY and
# DATABASE_URL in the environment; gunicorn takes WEB_CONCURRENCY and SAFEPORT_BIND.
serve-prod: install
	SAFEPORT_ENV=production $(BIN)/flask db upgrade
	SAFEPORT_ENV=production $(BIN)/flask deploy
	SAFEPORT_ENV=production $(BIN)/flask scheduler run & sched=$$!; \
	trap 'kill $$sched 2>/dev/null; wait $$sched 2>/dev/null' EXIT INT TERM; \
	SAFEPORT_ENV=production $(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

test: install chromium
	$(BIN)/pytest
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== again on $$TEST_DATABASE_URL =="; \
		SAFEPORT_TEST_DATABASE_URL="$$TEST_DATABASE_URL" $(BIN)/pytest; \
	else echo "TEST_DATABASE_URL is not set: PostgreSQL tests skipped"; fi

lint: install
	$(BIN)/ruff check .

bench: install
	$(BIN)/python bench/engine.py
	$(BIN)/python bench/timers.py

# 50 simulated users for 60 s against gunicorn on PostgreSQL (bench/README.md).
bench-load: install
	$(BIN)/python bench/load.py

# six-task instances per second over HTTP, 1, 2 and 4 gunicorn workers on PostgreSQL.
bench-throughput: install
	$(BIN)/python bench/throughput.py

clean:
	rm -rf $(VENV) instance .pytest_cache $(STATIC)/vendor $(STATIC)/node_modules
