# Two commands on a fresh machine: `make run` serves the bot, `make test` runs the tests.
# Both create .venv and install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint chat bench clean

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
	$(BIN)/python bench/chat_turns.py
	$(BIN)/python bench/telegram_turns.py
	$(BIN)/python bench/zalo_webhook.py
	$(BIN)/python bench/broadcast.py

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache .hypothesis
