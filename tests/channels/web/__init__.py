"""Tests of bot/channels/web/: the chat API and the chat page in Chromium."""
