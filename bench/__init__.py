"""The benchmarks: each module prints its figures; run them as modules from the repository's
root (``python -m bench.chat_turns``, or ``make bench`` for all of them).

chat_turns (web chat turns against a bare aiohttp route), telegram_turns (Telegram updates
against a plain python-telegram-bot bot, reference_ptb_bot), zalo_webhook (signed Zalo
webhooks) and broadcast (a campaign against the Bot API's rate limit, across a SIGKILL);
measure holds what they measure with.

May import: bot, db, handlers (what is measured) and tests.support (the stand-ins, serving).
"""
