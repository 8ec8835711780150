# One command to rebuild, one to test. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
JUR ?= bc

.PHONY: report test lab install synth clean-reports browser-deps benchmark

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (mwsn)" >/dev/null
	touch $(STAMP)

install: $(STAMP)

synth: $(STAMP)
	$(BIN)/mwsn synth $(JUR) --if-absent

report: synth
	$(BIN)/mwsn run $(JUR)
	@echo "Report: $(CURDIR)/reports/$(JUR)/assessment.html"

test: $(STAMP)
	$(BIN)/python -m pytest

lab: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[lab]'
	$(BIN)/jupyter lab notebooks/

benchmark: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean-reports:
	rm -rf reports/ data/processed/*/
