"""The service fixtures of tests/service (fast settings, SQLite and PostgreSQL), reused."""

from tests.service.conftest import backend, db_url, service  # noqa: F401
