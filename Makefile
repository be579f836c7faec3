# One-command set-up: `make run` serves the bot, `make test` runs the whole suite.
# Both create the virtualenv, install, and compile the catalogs on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
export FLASK_APP := bot

.PHONY: setup run test bench translations lint check-intents clean

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

test: setup
	$(BIN)/ruff check .
	$(BIN)/flask check-intents
	$(BIN)/pytest

bench: setup
	$(BIN)/python -m bench

# Re-extract every fixed string, merge into the catalogs, compile.
translations: $(VENV)/.installed
	$(BIN)/pybabel extract -F pyproject.toml --no-location --sort-output \
		--project tucson-community-bot -k _l -o translations/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching -i translations/messages.pot -d translations
	$(BIN)/pybabel compile -d translations

lint: $(VENV)/.installed
	$(BIN)/ruff check .

check-intents: setup
	$(BIN)/flask check-intents

clean:
	rm -rf $(VENV) instance
