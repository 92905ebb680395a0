# minyi developer tasks. Configuration comes from the environment (PORT, REDIS_URL, DATABASE_URL, ...).

PY      := .venv/bin/python
PYTHON  ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
STAMP   := .venv/.installed

.PHONY: venv install run test bench demo clean

venv: $(PY)

$(PY):
	$(PYTHON) -m venv .venv
	$(PY) -m pip install -q --upgrade pip

install: $(STAMP)

$(STAMP): setup.cfg | $(PY)
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

run: install
	$(PY) scripts/run_all.py

test: install
	bash scripts/ensure_test_services.sh
	bash scripts/ensure_browser.sh
	$(PY) -m pytest -q

bench: install
	bash scripts/ensure_test_services.sh
	mkdir -p bench/results
	$(PY) -m bench

demo: install
	$(PY) -m web.cli init && $(PY) -m web.cli demo

clean:
	rm -rf var .pytest_cache build *.egg-info
	find . -path ./.venv -prune -o -name __pycache__ -type d -exec rm -rf {} +
