# Two entry points: `make run` sets everything up and evaluates the bundled
# model response against the bundled ideal; `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup run test lint clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,ray]'
	touch $@

setup: $(BIN)/.installed
	$(BIN)/iac-harness setup

run: setup
	$(BIN)/iac-harness evaluate responses/model --ideal responses/ideal -o results

test: setup
	$(BIN)/pytest -p no:cacheprovider
	$(BIN)/pytest -p no:cacheprovider --nbval notebooks/ --nbval-sanitize-with notebooks/sanitize.cfg

lint:
	$(BIN)/ruff check harness tests
	$(BIN)/ruff format --check harness tests

clean:
	rm -rf $(VENV) results/*/ .cache
