"""``python -m bot`` is the same as the ``hiendien`` command.

May import: bot.cli.main.
"""

from bot.cli.main import main

raise SystemExit(main())
