"""Tests of bot/ itself: campaigns and their scheduler, routes, export, settings."""
