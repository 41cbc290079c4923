# Two commands do everything on a fresh machine: `make posters` and `make test`.
# Both first install what is missing: Debian packages (renderer libraries, fonts)
# and the Python packages, into the virtual environment .venv.

VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: posters test lint bench serve setup system-deps clean sample-hashes

posters: setup
	$(BIN)/poster build

# mypy checks what [tool.mypy] in pyproject.toml names (the generator package).
test: setup
	$(BIN)/ruff check generator tests bench
	$(BIN)/mypy
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check generator tests bench
	$(BIN)/ruff format --check generator tests bench
	$(BIN)/mypy

# Record what the sample posters print (tests/data/sample-hashes.json), for a change
# that is meant to change it; tests/test_text_layer.py compares every build with it.
sample-hashes: setup
	RECORD_SAMPLE_HASHES=1 $(BIN)/pytest -q tests/test_text_layer.py -k every_sample_poster

# The browser workspace on http://127.0.0.1:8000 (PORT=..., CAMPAIGNS=... to choose).
serve: setup
	$(BIN)/poster serve $(CAMPAIGNS) $(if $(PORT),--port $(PORT))

bench: setup
	$(BIN)/python bench/run.py $(BENCH_ARGS)

setup: system-deps $(STAMP)

system-deps:
	@scripts/install-system-deps.sh

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,cluster]'
	touch $(STAMP)

clean:
	rm -rf output/*/ .pytest_cache
