"""The ward office: the staff web app under ``/office/`` (sign-in, leads board, teams,
sources and QR codes, users, audit log), server-rendered from content/pages/office/ with
plain forms. :func:`bot.office.app.install` adds it to ``hiendien run``'s app."""
