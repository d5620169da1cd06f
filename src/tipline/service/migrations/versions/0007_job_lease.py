"""a running job's lease

Revision ID: 0007
Revises: 0006

`jobs.claimed_at` is when a worker claimed the job, refreshed while it runs; a running job
whose lease has run out belonged to a worker that was killed, and goes back to the queue.
Jobs already running when this migration runs have none, and count as run out.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("claimed_at")
