"""The channels: one package per way residents reach the bot (web, terminal, telegram, zalo),
each a :class:`bot.channels.base.Channel` listed in :mod:`bot.channels.registry`, which
the app, ``/healthz``, the outbox, campaigns and the command line iterate.

Shared by every channel: :mod:`~bot.channels.base` (the interface),
:mod:`~bot.channels.capabilities` (what a channel can show and do; fitting a reply to it)
and :mod:`~bot.channels.notices` (what the team's outbox rows say).

May import: bot.settings, bot.outbox, bot.pacing, bot.answers, bot.cli.common, db, handlers
— never bot.app, bot.turns, bot.campaigns or bot.scheduler, which use the channels.
"""
