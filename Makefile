# One entry point for newcomers and CI: `make test`, `make demo`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: test demo lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest -q

demo: $(STAMP)
	$(BIN)/guardrails demo

lint: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	$(BIN)/ruff check guardrails tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

# Fixit pins click<8.2 and guardrails needs click>=8.2: the peer tool gets its own venv.
FIXIT_VENV := .venv-fixit

$(FIXIT_VENV)/bin/fixit:
	$(PYTHON) -m venv $(FIXIT_VENV)
	$(FIXIT_VENV)/bin/python -m pip install --quiet fixit

bench: $(STAMP) $(FIXIT_VENV)/bin/fixit
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	PATH="$(CURDIR)/$(FIXIT_VENV)/bin:$$PATH" $(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) $(FIXIT_VENV) build dist *.egg-info
