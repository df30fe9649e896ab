# The two commands a newcomer needs: `make run` and `make test`. Both build .venv on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
PORT ?= 8000
# chalice packages for the Python that runs it, and Lambda runs python3.13: packaging has its own venv.
PYTHON313 ?= $(shell p=$$(pyenv prefix 3.13.0 2>/dev/null) && echo $$p/bin/python3.13 || echo python3.13)
PACKAGE_VENV := .venv-package
PACKAGE_INSTALLED := $(PACKAGE_VENV)/.installed

.PHONY: run test test-fast check browser-deps lint eval package package-venv screenshots clean

$(INSTALLED): requirements.txt requirements-package.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

run: $(INSTALLED)
	$(PY) -m tools.kb serve --port $(PORT)

# pytest on every core; the tests on the one live server (browser, API contract) stay in one worker.
WORKERS ?= auto
PYTEST := $(PY) -m pytest -q -n $(WORKERS) --dist loadgroup

# The checks, then every test; the browser tests' chromium and CJK font are installed first if missing.
test: check browser-deps $(PACKAGE_INSTALLED)
	$(PYTEST)

# The inner loop: no browser, no server, nothing slow (packaging, chaos, whole-folder syncs); about a minute.
test-fast: $(INSTALLED)
	$(PYTEST) -m "not slow and not browser and not server"

check: $(INSTALLED)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(VENV)/bin/lint-imports

browser-deps:
	tools/browser-deps.sh

screenshots: $(INSTALLED) browser-deps
	ZHIDA_SCREENSHOTS=$(CURDIR)/docs/screenshots $(PY) -m pytest -q tests/browser

lint: check
	$(PY) -m tools.kb lint knowledge/

eval: $(INSTALLED)
	$(PY) -m tools.kb eval --queries ../shared/eval/queries-dev.jsonl --format table

$(PACKAGE_INSTALLED): requirements.txt requirements-package.txt
	test -x $(PACKAGE_VENV)/bin/python || $(PYTHON313) -m venv $(PACKAGE_VENV)
	$(PACKAGE_VENV)/bin/python -c 'import sys; assert sys.version_info[:2] == (3, 13), sys.version'
	$(PACKAGE_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-package.txt
	touch $@

package-venv: $(PACKAGE_INSTALLED)

# The Lambda package and template in out/ (chalice from .venv-package; tools/kb/package.py checks and slims it).
package: $(INSTALLED) $(PACKAGE_INSTALLED)
	$(PY) -m tools.kb package out --stage $${STAGE:-dev}

clean:
	rm -rf $(VENV) $(PACKAGE_VENV) out .pytest_cache
