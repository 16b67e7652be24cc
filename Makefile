# The README's two commands: `make run` and `make test`. Each sets itself up on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := HACKATHON_ENV=development $(VENV)/bin/flask --app wsgi
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

PORT ?= 5000

.PHONY: run test translations extract-messages migrate demo clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@ $(STAMP)

translations: $(STAMP)
	$(VENV)/bin/pybabel compile --statistics -d hackathon/translations

## Run the app with the demo events on http://127.0.0.1:$(PORT) (make run PORT=5001 for another port)
run: $(STAMP) translations
	$(FLASK) db upgrade
	$(FLASK) demo
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

## Run the whole suite (on PostgreSQL too when TEST_DATABASE_URL is set)
test: $(DEV_STAMP) translations
	$(PY) -m pytest
	@if [ -n "$$TEST_DATABASE_URL" ]; then echo "== again on PostgreSQL: $$TEST_DATABASE_URL"; \
		$(PY) -m pytest --db=postgresql -p no:cacheprovider -m "not e2e"; fi

## Refresh the message catalogues after changing user-facing strings
extract-messages: $(STAMP)
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 -o hackathon/translations/messages.pot --no-location --sort-output .
	$(VENV)/bin/pybabel update -i hackathon/translations/messages.pot -d hackathon/translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) instance *.egg-info
