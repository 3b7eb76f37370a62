"""settlements

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 19:52:10.694734
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "settlements",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("merchant_id", sa.String(length=32), nullable=False),
        sa.Column("settlement_date", sa.Date(), nullable=False),
        sa.Column("gross_paise", sa.BigInteger(), nullable=False),
        sa.Column("fees_paise", sa.BigInteger(), nullable=False),
        sa.Column("tax_paise", sa.BigInteger(), nullable=False),
        sa.Column("refunds_paise", sa.BigInteger(), nullable=False),
        sa.Column("amount_paise", sa.BigInteger(), nullable=False),
        sa.Column("utr", sa.String(length=22), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["merchants.id"], name=op.f("fk_settlements_merchant_id_merchants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_settlements")),
        sa.UniqueConstraint("utr", name=op.f("uq_settlements_utr")),
    )
    with op.batch_alter_table("settlements", schema=None) as batch_op:
        batch_op.create_index(
            "ix_settlements_merchant_date", ["merchant_id", "settlement_date"], unique=False
        )

    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("settlement_id", sa.String(length=32), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_payments_settlement_id"), ["settlement_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_payments_settlement_id_settlements"),
            "settlements",
            ["settlement_id"],
            ["id"],
        )

    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("settlement_id", sa.String(length=32), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_refunds_settlement_id"), ["settlement_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_refunds_settlement_id_settlements"),
            "settlements",
            ["settlement_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_refunds_settlement_id_settlements"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_refunds_settlement_id"))
        batch_op.drop_column("settlement_id")

    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_payments_settlement_id_settlements"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_payments_settlement_id"))
        batch_op.drop_column("settlement_id")

    with op.batch_alter_table("settlements", schema=None) as batch_op:
        batch_op.drop_index("ix_settlements_merchant_date")

    op.drop_table("settlements")
