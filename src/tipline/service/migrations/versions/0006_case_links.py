"""links between cases, found in the background

Revision ID: 0006
Revises: 0005

`case_link_records` keeps each case's people and identifiers as `links.extract` reads them, so
the worker links a changed case against the archive without reading every case again;
`case_links` holds the links it found, so a case page reads its links instead of computing
them. A case without a current row is linked on request, as before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_link_records",
        sa.Column("case_pk", sa.Integer(), nullable=False),
        sa.Column("case_version", sa.Integer(), nullable=False),
        sa.Column("records", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["case_pk"], ["cases.id"],
                                name=op.f("fk_case_link_records_case_pk_cases"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("case_pk", name=op.f("pk_case_link_records")),
    )
    op.create_table(
        "case_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_a_pk", sa.Integer(), nullable=False),
        sa.Column("case_b_pk", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["case_a_pk"], ["cases.id"],
                                name=op.f("fk_case_links_case_a_pk_cases"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["case_b_pk"], ["cases.id"],
                                name=op.f("fk_case_links_case_b_pk_cases"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_links")),
        sa.UniqueConstraint("case_a_pk", "case_b_pk", name=op.f("uq_case_links_case_a_pk")),
    )
    op.create_index(op.f("ix_case_links_case_a_pk"), "case_links", ["case_a_pk"])
    op.create_index(op.f("ix_case_links_case_b_pk"), "case_links", ["case_b_pk"])


def downgrade() -> None:
    op.drop_index(op.f("ix_case_links_case_b_pk"), table_name="case_links")
    op.drop_index(op.f("ix_case_links_case_a_pk"), table_name="case_links")
    op.drop_table("case_links")
    op.drop_table("case_link_records")
