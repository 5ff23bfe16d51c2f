"""A channel that exists only in the tests, added exactly as the README's "Adding a channel"
says — this package, its settings block and one line in a registry
(tests/channels/test_adding_a_channel.py) — to prove that is all a channel takes.

Carrier pigeons: a bird brings a note to ``POST /webhooks/pigeon`` and every message the bot
sends (replies, the team's notices, campaigns) is tied to a bird in a loft, a list the tests
read (:data:`tests.support.pigeon.channel.LOFTS`).
"""
