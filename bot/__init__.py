"""The running service: settings, the command line, the aiohttp app, the channels.

bot/ wires handlers/ (the pure conversation) to db/ (storage) and to the outside world.

Rooms: ``channels/`` (one package per channel, behind one interface and a registry),
``cli/`` (one module per command group), and the service around them: ``app`` (wiring),
``routes`` (the app's own HTTP routes), ``turns`` (one turn for any channel), ``outbox``,
``campaigns`` and ``scheduler``, ``maintenance``, ``settings``.

May import: db, handlers (never the other way round).
"""
