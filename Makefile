# Ruang: `make run` starts the demo, `make test` runs every check. Both set themselves up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint format typecheck pytest bench screenshots clean

run: $(STAMP)
	@scripts/run.sh

test: $(STAMP)
	@scripts/test.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest

screenshots: $(STAMP)
	RUANG_SCREENSHOTS=1 $(BIN)/pytest tests/e2e -q

bench: $(STAMP)
	@scripts/bench/run_all.sh

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "Ruang needs Python >= 3.11 (found: $$($(PYTHON) --version))"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache *.egg-info

# Extract every translatable string from app/ (see babel.cfg), merge it into the Indonesian
# catalogue (created the first time) and compile it. New strings arrive untranslated: translate
# them in app/translations/id/LC_MESSAGES/messages.po, then run this again.
CATALOGUE := app/translations/id/LC_MESSAGES/messages.po
.PHONY: translations
translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --project=Ruang \
		-o app/translations/messages.pot .
	@if test -f $(CATALOGUE); then \
		$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations -l id \
			--ignore-obsolete --no-fuzzy-matching; \
	else \
		$(BIN)/pybabel init -i app/translations/messages.pot -d app/translations -l id; \
	fi
	$(BIN)/pybabel compile -d app/translations -l id --statistics
