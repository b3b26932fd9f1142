"""Alembic migrations of the SQL store (run them with ``statewise db upgrade``)."""
