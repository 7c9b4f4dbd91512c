"""Alembic migrations of the archive schema (run by pipelines.archive at crawl start)."""
