# One command to rebuild, one to test. Both create .venv on first use, from requirements.lock.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := requirements.lock
JUR ?= bc
# How requirements.lock is resolved: the extras CI needs, any OS, Python 3.11 and newer.
COMPILE = $(BIN)/uv pip compile pyproject.toml --extra test --extra lint --extra lock --extra dask \
	--universal --python-version 3.11 --generate-hashes --constraint constraints.txt \
	--custom-compile-command "make lock" --quiet -o $(LOCK)

.PHONY: report test test-fast lint lab install synth clean-reports browser-deps benchmark lock upgrade

$(STAMP): pyproject.toml $(LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (mwsn)" >/dev/null
	touch $(STAMP)

install: $(STAMP)

# Resolve a dependency added to pyproject.toml; every other pin stays as it is.
lock: $(STAMP)
	$(COMPILE)
	$(BIN)/python tools/lockfiles.py

# Every pin to the newest release pyproject.toml and constraints.txt allow, then the tests.
upgrade: $(STAMP)
	$(COMPILE) --upgrade
	$(BIN)/python tools/lockfiles.py
	$(MAKE) test

synth: $(STAMP)
	$(BIN)/mwsn synth $(JUR) --if-absent

report: synth
	$(BIN)/mwsn run $(JUR)
	@if [ -f reports/$(JUR)/assessment.html ]; then echo "Report: $(CURDIR)/reports/$(JUR)/assessment.html"; \
	else echo "Reports by data round: $(CURDIR)/reports/$(JUR)/index.html"; fi

# Every test, spread over the cores (pytest-xdist), one test at a time to whichever worker is
# free; a file whose tests share one costly build (`xdist_group`) goes to one worker whole.
# The BC run the integration tests read is built once per session (tests/conftest.py), which
# also sets the order the tests are handed out in: the costly ones first, the unit tests last
# (--no-loadscope-reorder keeps that order instead of putting the largest groups first).
test: $(STAMP)
	$(BIN)/python -m pytest -n auto --dist loadgroup --no-loadscope-reorder

# Unit tests only: no notebook, no browser.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not integration" -n auto

# Errors and likely bugs (ruff), notebooks committed without outputs (nbstripout).
lint: $(STAMP)
	$(BIN)/ruff check src tests tools benchmarks
	$(BIN)/nbstripout --keep-id --verify notebooks/*.ipynb

# JupyterLab on the project root (notebooks/ find it by themselves); root in containers needs --allow-root
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)
lab: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[lab]'
	$(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)" $(ALLOW_ROOT)

benchmark: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean-reports:
	rm -rf reports/ data/processed/*/
