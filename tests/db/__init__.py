"""Tests of db/ on SQLite and PostgreSQL: the store, effects, prepared statements, the team."""
