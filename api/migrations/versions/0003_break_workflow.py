"""break workflow

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 20:39:05.071630
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "break_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("break_id", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("assignee", sa.String(length=80), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("happened_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_break_events")),
    )
    with op.batch_alter_table("break_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_break_events_break_id"), ["break_id"], unique=False)

    op.create_table(
        "break_status",
        sa.Column("break_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("assignee", sa.String(length=80), nullable=True),
        sa.Column("amount_at_risk_paise", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("break_id", name=op.f("pk_break_status")),
    )


def downgrade() -> None:
    op.drop_table("break_status")
    with op.batch_alter_table("break_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_break_events_break_id"))

    op.drop_table("break_events")
