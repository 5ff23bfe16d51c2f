"""The ``hiendien`` command line (also ``python -m bot``): one module per command group.

``bot.cli.main`` builds the parser from :data:`bot.cli.main.GROUPS` — each group module
has an ``add(commands)`` that adds its subcommands, each with a handler
(``set_defaults(handler=…)``) taking a :class:`bot.cli.common.Command` — and the command
groups of the channels in the registry (``hiendien zalo`` lives in its channel's package).
A new group (office, registry, report, training) is one module here and one line in
``GROUPS``. What every group uses (failing with one line, opening the database and
content/) is in ``bot.cli.common``.

This package's ``__init__`` imports nothing, so a channel's command module can import
``bot.cli.common`` without importing the registry back.
"""
