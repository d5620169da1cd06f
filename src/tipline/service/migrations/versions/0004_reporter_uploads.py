"""reporter uploads, and requests to see their sealed originals

Revision ID: 0004
Revises: 0003

`reporter_uploads` holds each file a reporter sent: the cleaned copy is an evidence attachment,
the original is sealed here with its SHA-256. `identity_requests.subject` says whether a
request is for the reporter's identity or for the originals of their files.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reporter_uploads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_pk", sa.Integer(), nullable=False),
        sa.Column("attachment_pk", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("removed", sa.JSON(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("sealed_name", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_pk"], ["cases.id"],
                                name=op.f("fk_reporter_uploads_case_pk_cases"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["attachment_pk"], ["attachments.id"],
                                name=op.f("fk_reporter_uploads_attachment_pk_attachments"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reporter_uploads")),
        sa.UniqueConstraint("attachment_pk", name=op.f("uq_reporter_uploads_attachment_pk")),
    )
    with op.batch_alter_table("reporter_uploads") as batch:
        batch.create_index(batch.f("ix_reporter_uploads_case_pk"), ["case_pk"], unique=False)
    with op.batch_alter_table("identity_requests") as batch:
        batch.add_column(sa.Column("subject", sa.String(length=20), nullable=False,
                                   server_default="identity"))


def downgrade() -> None:
    with op.batch_alter_table("identity_requests") as batch:
        batch.drop_column("subject")
    with op.batch_alter_table("reporter_uploads") as batch:
        batch.drop_index(batch.f("ix_reporter_uploads_case_pk"))
    op.drop_table("reporter_uploads")
