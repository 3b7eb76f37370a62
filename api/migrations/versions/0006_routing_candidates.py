"""routing candidates beside the routing reason

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 22:50:00

Each payment keeps the gateways its routing decision considered (eligible or not and why,
circuit state, success rate, cost, margin, score) as JSON next to ``routing_reason``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("routing_candidates", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_column("routing_candidates")
