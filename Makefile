# One-command set-up: `make run` serves the bot, `make test` runs the whole suite.
# Both create the virtualenv, install, and compile the catalogs on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
export FLASK_APP := bot

.PHONY: setup run test fuzz bench translations lint check-intents clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# Compiled catalogs are build output (.mo is git-ignored), rebuilt when a .po changes.
MO_FILES := $(patsubst %.po,%.mo,$(wildcard translations/*/LC_MESSAGES/messages.po))
translations/%.mo: translations/%.po $(VENV)/.installed
	$(BIN)/pybabel compile -i $< -o $@

setup: $(VENV)/.installed $(MO_FILES)

run: setup
	PORT=$(PORT) HOST=127.0.0.1 $(BIN)/gunicorn --config gunicorn.conf.py "bot:create_app()"

test: setup browser-deps
	$(BIN)/ruff check .
	$(BIN)/flask check-intents
	$(BIN)/pytest

# The property-based tests with a wider search than `make test`: ten times the examples,
# fresh randomness each run (tests/conftest.py, profile "fuzz"). For developers, not CI;
# a failure prints the blob that replays it (@reproduce_failure).
FUZZ_TESTS := tests/test_hostile_input.py tests/test_openapi.py tests/test_matcher.py \
	tests/test_sms_segments.py tests/test_sms.py
fuzz: setup
	HYPOTHESIS_PROFILE=fuzz $(BIN)/pytest $(FUZZ_TESTS)

# tests/test_browser.py: Debian's chromium (never a browser download) and axe-core
# from npm, pinned in tests/browser/package-lock.json.
.PHONY: browser-deps
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser-deps: tests/browser/node_modules/axe-core/axe.min.js
	command -v chromium >/dev/null || ($(SUDO) apt-get update && $(SUDO) apt-get install -y chromium)

tests/browser/node_modules/axe-core/axe.min.js: tests/browser/package-lock.json
	npm ci --prefix tests/browser --no-audit --no-fund
	touch $@

bench: setup
	$(BIN)/python -m bench

# Not part of `make test`: gunicorn as the Procfile runs it under chat, SMS and staff
# traffic (docs/figures.md). Tune with LOAD_DURATION, LOAD_RATE, LOAD_CONCURRENCY, ...
.PHONY: load
load: setup
	$(BIN)/python -m bench.load

# Re-extract every fixed string, merge into the catalogs, compile.
translations: $(VENV)/.installed
	$(BIN)/pybabel extract -F pyproject.toml --no-location --sort-output \
		--project tucson-community-bot -o translations/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching -i translations/messages.pot -d translations
	$(BIN)/pybabel compile -d translations

lint: $(VENV)/.installed
	$(BIN)/ruff check .

check-intents: setup
	$(BIN)/flask check-intents

clean:
	rm -rf $(VENV) instance
