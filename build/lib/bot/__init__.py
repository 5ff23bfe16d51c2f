"""The running service: settings, the command line, the aiohttp app, the channels.

bot/ wires handlers/ (the pure conversation) to db/ (storage) and to the outside world.
"""
