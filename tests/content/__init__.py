"""Tests of content/: the real files load, and a broken one names the file, line and problem."""
