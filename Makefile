# Set-up and everyday commands. `make run` and `make test` work on a fresh machine with Python 3.11+.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Keep in step with tests/test_catalogs.py, which checks the catalogs against the code.
EXTRACT_KEYWORDS := -k _ -k __ -k Tr -k TrN:1,2 -k ngettext:1,2

.PHONY: install run test lint catalogs i18n browser
install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

catalogs: install
	$(BIN)/pybabel compile --use-fuzzy -d locales -D messages --statistics

run: catalogs
	$(BIN)/tutorbot run

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: catalogs lint browser
	$(BIN)/pytest

# The join page's tests run in Debian's Chromium (Playwright's own browser download needs the internet).
browser:
	@[ -n "$$TUTORBOT_CHROMIUM" ] || command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && \
		{ DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null || \
		{ apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; }; }; } || \
		{ echo "The browser tests need Chromium: sudo apt-get install chromium, or set TUTORBOT_CHROMIUM"; exit 1; }

# After changing user-facing text: refresh the template and every language's catalog, then translate.
i18n: install
	$(BIN)/pybabel extract -F babel.cfg $(EXTRACT_KEYWORDS) --no-default-keywords --no-location \
		--sort-output --project tutorbot --copyright-holder tutorbot --msgid-bugs-address "" \
		-o locales/messages.pot .
	$(BIN)/pybabel update -i locales/messages.pot -d locales -D messages --no-fuzzy-matching \
		--ignore-obsolete
