# Two entry points: `make demo` (the main job end to end) and `make test` (every test).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean browser

# Browser tests drive Debian's chromium through Playwright (executable_path); install it
# when it is missing. Playwright's own browser download is never used.
CHROMIUM ?= /usr/bin/chromium
browser:
	@test -x $(CHROMIUM) || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" -eq 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m derisk.demo

test: $(STAMP) browser
	$(BIN)/ruff check src tests benchmarks scripts
	@# pytest exits 5 when it collects no test: that is a failure here, not a pass.
	$(BIN)/python -m pytest -q; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: no tests were collected" >&2; exit 1; fi; \
	exit $$rc

bench: $(STAMP)
	$(BIN)/python benchmarks/diagnose.py
	$(BIN)/python benchmarks/forecast.py
	$(BIN)/python benchmarks/review.py
	$(BIN)/python benchmarks/load.py

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts

clean:
	rm -rf $(VENV) build *.egg-info
