"""Tests of bot/channels/telegram/ against the Bot API stand-in."""
