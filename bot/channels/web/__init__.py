"""The web chat: the chat API, the page and the widget for the ward portal.

The channel is :class:`bot.channels.web.chat.WebChannel`.

May import: nothing (the package's modules import each other).
"""
