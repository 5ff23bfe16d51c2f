"""Storage: SQLModel tables, the engine (SQLite or PostgreSQL), the queries the rest uses,
and Alembic migrations. Imports handlers' plain types, never bot/."""
