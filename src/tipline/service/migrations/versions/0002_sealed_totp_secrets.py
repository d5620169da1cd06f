"""room for sealed TOTP secrets

Revision ID: 0002
Revises: 0001

TOTP secrets are now stored encrypted (service/vault.py), which needs more than 64 characters.
Existing plain secrets stay readable and are sealed at each account's next login.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.alter_column("totp_secret", type_=sa.String(length=255),
                           existing_type=sa.String(length=64), existing_nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.alter_column("totp_secret", type_=sa.String(length=64),
                           existing_type=sa.String(length=255), existing_nullable=True)
