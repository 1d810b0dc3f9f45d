# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install -q --disable-pip-version-check
# torch first, pinned (the lock's version), with plain pip: this machine carries the CPU wheel; anything else
# would pull CUDA builds. pyproject.toml declares ranges; requirements.lock holds the exact versions installed here.
TORCH := $(shell grep -m1 '^torch==' requirements.lock)

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: $(VENV)/bin/python pyproject.toml requirements.lock
	$(PIP) $(TORCH)
	$(PIP) -c requirements.lock -e .
	touch $@

$(VENV)/.test: $(VENV)/.runtime
	$(PIP) -c requirements.lock -e ".[test]"
	touch $@

.PHONY: install demo test test-cluster test-browser bench-perf docs clean
install: $(VENV)/.runtime

demo: $(VENV)/.runtime
	$(VENV)/bin/actlab bench --suite quick --db runs/demo.db --report runs/demo-report
	@echo "demo report: $(CURDIR)/runs/demo-report/index.html"

test: $(VENV)/.test
	$(PY) -m pytest -q

# the two-node Ray cluster tests (docs/cluster.md): a few minutes, so outside the default set; CI runs them
test-cluster: $(VENV)/.test
	$(PY) -m pytest -q -m cluster

test-browser: $(VENV)/.test
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)
	$(PY) -m pytest -q -m browser

# the API reference from the docstrings (pdoc, offline) into docs/api/ (generated, not committed)
docs: $(VENV)/.test
	$(PY) docs/build_api.py -o docs/api
	@echo "API reference: $(CURDIR)/docs/api/index.html"

bench-perf: $(VENV)/.runtime
	$(PY) benchmarks/activations.py

clean:
	rm -rf $(VENV) runs .pytest_cache
