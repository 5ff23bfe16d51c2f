"""The terminal: ``hiendien chat``, the conversation in a terminal.

The channel is :class:`bot.channels.terminal.console.TerminalChannel`.
"""
