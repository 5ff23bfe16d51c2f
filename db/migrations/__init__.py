"""The Alembic migrations: env.py and one module per schema version under versions/.

Imports db.engine and db.models only (never bot/ or handlers/)."""
