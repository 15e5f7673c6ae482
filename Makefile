# The two commands of the README: `make run` starts the engine, `make test` runs every test.
# Each bootstraps .venv from pyproject.toml on first use.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

CHROMIUM := /usr/bin/chromium

.PHONY: run test lint bench clean chromium

# uv installs the packages (pip alone took a minute of every fresh clone's CI, uv a few
# seconds); pip only fetches uv.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet uv
	$(VENV)/bin/uv pip install --quiet --python $(VENV)/bin/python -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/scls dev

# Every test in one pytest run, three at a time (pytest-xdist; "worksteal" hands a worker
# that runs dry the tests still queued on another). Three on two cores, because the
# longest tests mostly wait on real time (the rehearsal, the fault scenarios, the
# browsers): two workers left a third of the CPU idle. Each worker has its own embedded
# Postgres and, when its tests need one, its own dev server; each test on the
# time-skipping server starts its own. TEST_WORKERS=1 runs them one at a time. The
# slowest tests are listed at the end, so a creeping run time shows in CI's log.
TEST_WORKERS ?= 3

test: $(STAMP) chromium
	$(VENV)/bin/pytest -n $(TEST_WORKERS) --dist worksteal --durations=15

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

# Every hot path beside its floor in one run; the figures go to bench-floors.json.
bench: $(STAMP)
	$(VENV)/bin/python -m bench floors

clean:
	rm -rf $(VENV) .scls
