"""Tests of bot/channels/zalo/ against the Zalo OA stand-in."""
