"""Storage: SQLModel tables, the engine (SQLite or PostgreSQL), the queries the rest uses,
and Alembic migrations. Imports handlers' plain types, never bot/.

One idiom: :class:`db.store.Store` opens a transaction, :class:`db.store.Tx`, and every
query is a function of a query module taking that ``Tx`` first —

- ``conversations``: conversation rows, de-duplication of deliveries, sent message ids,
  ward staff taking a chat over (the statements of every turn are ``prepared``);
- ``effects``: what a turn decided, recorded in the turn's transaction;
- ``consents``, ``leads`` (with their events and the verdict counts), ``outbox``,
  ``subscribers`` (with reminders), ``tokens`` (a channel's OAuth tokens);
- ``erasure`` (a person's data: show, erase, the retention schedule), ``exports``;
- ``team`` (the community digital teams: teams, their tổ dân phố, members, invites),
  ``followup`` (claiming a lead and moving it through its statuses: the one service the
  office's board and the chat buttons call) and ``campaigns`` (broadcasts);
- ``office`` (office accounts, one-time links, sign-in locks, sessions), ``audit`` (the
  append-only audit log) and ``sources`` (campaign sources and their funnel).

``models`` declares the tables, ``tables`` names them for queries, ``engine`` opens the
database and ``migrate`` runs Alembic.
"""
