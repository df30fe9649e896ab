# The two commands a newcomer needs: `make run` and `make test`. Both build .venv on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
PORT ?= 8000

.PHONY: run test lint eval package screenshots clean

$(INSTALLED): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

run: $(INSTALLED)
	$(PY) -m tools.kb serve --port $(PORT)

test: $(INSTALLED)
	$(PY) -m pytest -q

screenshots: $(INSTALLED)
	ZHIDA_SCREENSHOTS=$(CURDIR)/docs/screenshots $(PY) -m pytest -q tests/browser

lint: $(INSTALLED)
	$(PY) -m ruff check .
	$(PY) -m tools.kb lint knowledge/

eval: $(INSTALLED)
	$(PY) -m tools.kb eval --queries ../shared/eval/queries-dev.jsonl --format table

package: $(INSTALLED)
	$(PY) -m tools.kb package out --stage $${STAGE:-dev}

clean:
	rm -rf $(VENV) out .pytest_cache
