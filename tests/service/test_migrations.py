"""Alembic: head matches the models; downgrade to base and upgrade again work, on both DBs."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from tests.service.conftest import fresh_database
from tipline.service import migrate
from tipline.service.db import make_engine
from tipline.service.models import Base


def test_head_matches_models_and_round_trips(backend: str, tmp_path: Path) -> None:
    with fresh_database(backend, tmp_path) as url:
        engine = make_engine(url)
        try:
            migrate.upgrade(engine)
            with engine.connect() as conn:
                diff = compare_metadata(MigrationContext.configure(
                    conn, opts={"compare_type": True}), Base.metadata)
            assert diff == []
            migrate.downgrade(engine, "base")
            assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
            migrate.upgrade(engine)
            assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
        finally:
            engine.dispose()
