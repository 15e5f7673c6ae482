# The two commands of the README: `make run` starts the engine, `make test` runs every test.
# Each bootstraps .venv from pyproject.toml on first use.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

CHROMIUM := /usr/bin/chromium

.PHONY: run test lint bench clean chromium

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/scls dev

# The tests on the time-skipping server run first, in a pytest process of their own: late
# in one long process they hung now and then (the same tests pass alone, every time).
TIME_SKIPPING_TESTS := tests/workflows/test_participant_journey.py \
	tests/workflows/test_interventions.py tests/workflows/test_reminders.py

test: $(STAMP) chromium
	$(VENV)/bin/pytest $(TIME_SKIPPING_TESTS)
	$(VENV)/bin/pytest $(addprefix --ignore=,$(TIME_SKIPPING_TESTS))

# The browser tests drive Debian's Chromium (Playwright is pointed at it and never
# downloads a browser). Installed when missing and apt-get can; otherwise the browser
# tests fail saying how to install it.
chromium:
	@if [ ! -x $(CHROMIUM) ] && command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		echo "installing Chromium for the browser tests"; \
		apt-get update -qq && apt-get install -y -qq chromium; \
	fi

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy domain contracts mail workflows activities store scls worker.py bench

bench: $(STAMP)
	$(VENV)/bin/python -m bench

clean:
	rm -rf $(VENV) .scls
