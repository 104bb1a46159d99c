# Two commands do all set-up: `make run` and `make test` (see README).
SHELL  := /bin/bash
.SHELLFLAGS := -o pipefail -c
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

# Candidates for a Python >= 3.12, first match wins (pyenv installs included).
PY_CANDIDATES := python3.14 python3.13 python3.12 python3 python \
	$(wildcard $(HOME)/.pyenv/versions/3.1[2-9]*/bin/python3)

# This machine's pip configuration lists package folders that do not exist; pip warns
# once per package looked up. Only that line is dropped: every other warning and
# every error still shows, and pipefail keeps pip's exit status.
PIP_LOCATION_NOISE := ^WARNING: Location 'file://.*' is ignored: it is neither a file nor a directory.$$

.PHONY: install run test lint clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@py=""; for c in $(PY_CANDIDATES); do \
	  if command -v "$$c" >/dev/null 2>&1 && \
	     "$$c" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
	    py="$$c"; break; fi; done; \
	if [ -z "$$py" ]; then \
	  echo "error: no Python >= 3.12 found; install one (e.g. 'pyenv install 3.12' or your OS's python3.12 package) and re-run."; \
	  exit 1; fi; \
	echo "bootstrapping $(VENV) with $$py"; \
	"$$py" -m venv $(VENV) && \
	$(PY) -m pip install -q -e '.[dev]' 2>&1 | { grep -v "$(PIP_LOCATION_NOISE)" || true; } && \
	touch $(STAMP) && echo "installed: $$($(VENV)/bin/escalation --version)"

run: $(STAMP)
	$(VENV)/bin/escalation sweep experiments/configs/default.toml

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .ruff_cache
