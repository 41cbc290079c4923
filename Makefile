# Two commands do everything on a fresh machine: `make posters` and `make test`.
# Both first install what is missing: Debian packages (renderer libraries, fonts)
# and the Python packages, into the virtual environment .venv.

VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: posters test lint setup system-deps clean

posters: setup
	$(BIN)/poster build

test: setup
	$(BIN)/ruff check generator tests
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check generator tests
	$(BIN)/ruff format --check generator tests

setup: system-deps $(STAMP)

system-deps:
	@scripts/install-system-deps.sh

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

clean:
	rm -rf output/*/ .pytest_cache
