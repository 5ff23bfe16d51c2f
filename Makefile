# Two commands on a fresh machine: `make run` serves the bot, `make test` runs the tests.
# Both create .venv and install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint chat bench mutants clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/hiendien run

chat: $(STAMP)
	$(BIN)/hiendien chat

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest -q -rs

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/ruff format --check .

bench: $(STAMP)
	$(BIN)/python -m bench.chat_turns
	$(BIN)/python -m bench.telegram_turns
	$(BIN)/python -m bench.zalo_webhook
	$(BIN)/python -m bench.broadcast
	$(BIN)/python -m bench.office_board
	$(BIN)/python -m bench.report_docx
	$(BIN)/python -m bench.progress
	$(BIN)/python -m bench.scale
	$(BIN)/python -m bench.limits
	$(BIN)/python -m bench.understanding

# Mutation testing of the modules that guard residents ([tool.mutmut] in pyproject.toml);
# slow, not part of `make test`. MUTANTS narrows it: make mutants MUTANTS="handlers.rules*"
MUTANTS ?=
mutants: $(STAMP)
	$(BIN)/mutmut run $(MUTANTS)
	$(BIN)/mutmut results

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache .hypothesis mutants
