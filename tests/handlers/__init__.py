"""Tests of handlers/, the pure engine: dates, phones, rules, the FAQ, the flows, properties."""
