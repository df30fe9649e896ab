# The two commands a newcomer needs: `make run` and `make test`. Both build .venv on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
PORT ?= 8000

.PHONY: run test check browser-deps lint eval package screenshots clean

$(INSTALLED): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

run: $(INSTALLED)
	$(PY) -m tools.kb serve --port $(PORT)

# The checks, then every test; the browser tests' chromium and CJK font are installed first if missing.
test: check browser-deps
	$(PY) -m pytest -q

check: $(INSTALLED)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

browser-deps:
	tools/browser-deps.sh

screenshots: $(INSTALLED) browser-deps
	ZHIDA_SCREENSHOTS=$(CURDIR)/docs/screenshots $(PY) -m pytest -q tests/browser

lint: check
	$(PY) -m tools.kb lint knowledge/

eval: $(INSTALLED)
	$(PY) -m tools.kb eval --queries ../shared/eval/queries-dev.jsonl --format table

package: $(INSTALLED)
	$(PY) -m tools.kb package out --stage $${STAGE:-dev}

clean:
	rm -rf $(VENV) out .pytest_cache
