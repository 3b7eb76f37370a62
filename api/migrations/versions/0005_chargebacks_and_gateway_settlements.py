"""chargebacks and gateway settlements

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 22:17:15

Chargebacks (gateway disputes on captured payments, posted to the ledger when opened and when
won) and gateway settlements (each gateway's batch per merchant and cycle, credited to our
escrow account and posted to the ledger).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "gateway_settlements",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("gateway", sa.String(length=32), nullable=False),
        sa.Column("merchant_id", sa.String(length=32), nullable=False),
        sa.Column("bank_source", sa.String(length=40), nullable=False),
        sa.Column("utr", sa.String(length=40), nullable=False),
        sa.Column("settled_on", sa.Date(), nullable=False),
        sa.Column("gross_paise", sa.BigInteger(), nullable=False),
        sa.Column("fee_paise", sa.BigInteger(), nullable=False),
        sa.Column("tax_paise", sa.BigInteger(), nullable=False),
        sa.Column("refunds_paise", sa.BigInteger(), nullable=False),
        sa.Column("chargebacks_paise", sa.BigInteger(), nullable=False),
        sa.Column("net_paise", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_gateway_settlements_merchant_id_merchants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gateway_settlements")),
    )
    with op.batch_alter_table("gateway_settlements", schema=None) as batch_op:
        batch_op.create_index(
            "ix_gateway_settlements_gateway_date", ["gateway", "settled_on"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_gateway_settlements_merchant_id"), ["merchant_id"], unique=False
        )

    op.create_table(
        "chargebacks",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("merchant_id", sa.String(length=32), nullable=False),
        sa.Column("payment_id", sa.String(length=32), nullable=False),
        sa.Column("gateway", sa.String(length=32), nullable=False),
        sa.Column("gateway_dispute_id", sa.String(length=64), nullable=False),
        sa.Column("amount_paise", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("reason_code", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("settlement_id", sa.String(length=32), nullable=True),
        sa.Column("returned_settlement_id", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["merchants.id"], name=op.f("fk_chargebacks_merchant_id_merchants")
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"], name=op.f("fk_chargebacks_payment_id_payments")
        ),
        sa.ForeignKeyConstraint(
            ["settlement_id"],
            ["settlements.id"],
            name=op.f("fk_chargebacks_settlement_id_settlements"),
        ),
        sa.ForeignKeyConstraint(
            ["returned_settlement_id"],
            ["settlements.id"],
            name=op.f("fk_chargebacks_returned_settlement_id_settlements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chargebacks")),
        sa.UniqueConstraint(
            "gateway", "gateway_dispute_id", name=op.f("uq_chargebacks_gateway_gateway_dispute_id")
        ),
    )
    with op.batch_alter_table("chargebacks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_chargebacks_merchant_created", ["merchant_id", "created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_chargebacks_payment_id"), ["payment_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_chargebacks_settlement_id"), ["settlement_id"], unique=False
        )

    with op.batch_alter_table("settlements", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("chargebacks_paise", sa.BigInteger(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("settlements", schema=None) as batch_op:
        batch_op.drop_column("chargebacks_paise")

    with op.batch_alter_table("chargebacks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chargebacks_settlement_id"))
        batch_op.drop_index(batch_op.f("ix_chargebacks_payment_id"))
        batch_op.drop_index("ix_chargebacks_merchant_created")

    op.drop_table("chargebacks")
    with op.batch_alter_table("gateway_settlements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_gateway_settlements_merchant_id"))
        batch_op.drop_index("ix_gateway_settlements_gateway_date")

    op.drop_table("gateway_settlements")
