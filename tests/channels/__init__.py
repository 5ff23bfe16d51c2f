"""Tests of bot/channels/: one package per channel, and adding one."""
