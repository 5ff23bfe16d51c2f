"""The terminal: ``hiendien chat``, the conversation in a terminal.

The channel is :class:`bot.channels.terminal.console.TerminalChannel`.

May import: nothing (the package's modules import each other).
"""
