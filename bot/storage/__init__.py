"""Persistence: SQLite by default, PostgreSQL in production, one code path."""
