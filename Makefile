# Two commands from a fresh clone (Python 3.11+ and pip):
#   make serve   venv, install, build index/ from seeds/ when missing, serve on http://127.0.0.1:8000
#   make test    venv with test extras, lint, the whole suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INDEX ?= index
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 2
LOAD_REQUESTS ?= 2000
LOAD_SECONDS ?= 40

.PHONY: serve test lint index install install-test bench load fuzz-api clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml setup.py $(wildcard search/*/*.pyx) | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml setup.py $(wildcard search/*/*.pyx) | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

$(INDEX)/CURRENT: | $(VENV)/.installed
	$(BIN)/arabic-search index seeds --index $(INDEX)

index: $(VENV)/.installed
	$(BIN)/arabic-search index seeds --index $(INDEX) --rebuild

serve: $(VENV)/.installed $(INDEX)/CURRENT
	$(BIN)/arabic-search serve --index $(INDEX) --host $(HOST) --port $(PORT) --workers $(WORKERS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check search tests bench
	$(BIN)/ruff format --check search tests bench

test: $(VENV)/.installed-test lint
	$(BIN)/python -m pytest

# The peers and the product on the 50k keyword mix and the questions among all 70k articles,
# then HTTP; about an hour. Tables land in docs/performance.md (bench/report.py).
bench: $(VENV)/.installed
	DISTRACTORS=1 bash bench/run.sh bench/out

# A bounded load on loopback: mixed searches, fetches and pages with concurrent writes, from
# a fresh index of seeds/; prints one JSON object and fails on any error or inconsistency.
load: $(VENV)/.installed
	$(BIN)/python bench/load.py --requests $(LOAD_REQUESTS) --time-limit $(LOAD_SECONDS) --workers $(WORKERS)

# Schemathesis on /api/openapi.json, every check, the write endpoints included (a throwaway
# token), against gunicorn on a temporary index of seeds/; about 3 minutes (1,929 cases). Fails on
# any finding.
FUZZ_EXAMPLES ?= 300
fuzz-api: $(VENV)/.installed-test
	$(BIN)/python -m tests.fuzz.run --max-examples $(FUZZ_EXAMPLES)

clean:
	rm -rf $(VENV) index-eval .pytest_cache .ruff_cache
	rm -rf $(INDEX)/CURRENT $(INDEX)/write.lock $(INDEX)/g-* $(INDEX)/.CURRENT.*  # keeps index/README.md
