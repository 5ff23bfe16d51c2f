"""Tests of bot/cli/: the ``hiendien`` command run for real, in a subprocess."""
