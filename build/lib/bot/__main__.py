"""``python -m bot`` is the same as the ``hiendien`` command."""

from bot.cli import main

raise SystemExit(main())
