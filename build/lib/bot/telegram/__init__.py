"""Telegram: the resident's conversation and the team's lead workflow, through
python-telegram-bot. A thin adapter around the same engine as every other channel."""
