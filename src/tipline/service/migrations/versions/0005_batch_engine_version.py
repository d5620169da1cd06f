"""analysis engine version on stored analyses

Revision ID: 0005
Revises: 0004

`analyses.engine` records which analysis engine (service.engine_version) wrote each result, so
`tipline batch analyze` can skip cases already analysed by the current one and resume after
being stopped. Existing rows keep NULL (unknown), which the batch treats as due.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("analyses") as batch:
        batch.add_column(sa.Column("engine", sa.String(length=80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("analyses") as batch:
        batch.drop_column("engine")
