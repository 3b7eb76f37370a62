"""staff users (dashboard sign-in) and the finance break workflow

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 20:35:00
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
        "staff_users",
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_staff_users")),
    )
    op.create_table(
        "break_decisions",
        sa.Column("break_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("assignee", sa.String(length=64), nullable=True),
        sa.Column("amount_at_risk_paise", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("break_id", name=op.f("pk_break_decisions")),
    )
    op.create_table(
        "staff_break_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("break_id", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("assignee", sa.String(length=64), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("happened_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_break_events")),
    )
    with op.batch_alter_table("staff_break_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_staff_break_events_break_id"), ["break_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("staff_break_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_break_events_break_id"))
    op.drop_table("staff_break_events")
    op.drop_table("break_decisions")
    op.drop_table("staff_users")
