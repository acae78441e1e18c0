"""The indexer's first schema: the cursor and block hashes, the applied logs, and the escrow
projections (escrows with their milestones and funders, consumed intents, credits).

Revision ID: i0001
Revises:
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "i0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "qx_blocks",
        sa.Column("number", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(66), nullable=False),
        sa.Column("parent_hash", sa.String(66), nullable=False),
        sa.PrimaryKeyConstraint("number", name="pk_qx_blocks"),
    )
    op.create_table(
        "qx_credits",
        sa.Column("token", sa.String(42), nullable=False),
        sa.Column("account", sa.String(42), nullable=False),
        sa.Column("amount", sa.String(80), nullable=False),
        sa.PrimaryKeyConstraint("token", "account", name="pk_qx_credits"),
    )
    op.create_table(
        "qx_escrows",
        sa.Column("escrow_id", sa.BigInteger(), nullable=False),
        sa.Column("contract", sa.String(42), nullable=False),
        sa.Column("payer", sa.String(42), nullable=False),
        sa.Column("token", sa.String(42), nullable=False),
        sa.Column("payee", sa.String(42), nullable=True),
        sa.Column("arbiter", sa.String(42), nullable=True),
        sa.Column("deadline", sa.BigInteger(), nullable=False),
        sa.Column("fee_bps", sa.Integer(), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("dispute_window", sa.BigInteger(), nullable=False),
        sa.Column("default_payee_bps", sa.Integer(), nullable=False),
        sa.Column("verifiers_json", sa.Text(), nullable=False),
        sa.Column("verifiers_hash", sa.String(66), nullable=False),
        sa.Column("metadata_hash", sa.String(66), nullable=False),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        sa.Column("refunds_opened", sa.Boolean(), nullable=False),
        sa.Column("funded", sa.String(80), nullable=False),
        sa.Column("held", sa.String(80), nullable=False),
        sa.Column("refund_pool", sa.String(80), nullable=False),
        sa.Column("funded_milestones", sa.Integer(), nullable=False),
        sa.Column("milestone_count", sa.Integer(), nullable=False),
        sa.Column("milestones_json", sa.Text(), nullable=False),
        sa.Column("funders_json", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_block", sa.BigInteger(), nullable=False),
        sa.Column("updated_block", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("escrow_id", name="pk_qx_escrows"),
    )
    op.create_index("ix_qx_escrows_payee_status", "qx_escrows", ["payee", "status"])
    op.create_index("ix_qx_escrows_payer", "qx_escrows", ["payer"])
    op.create_index("ix_qx_escrows_status_deadline", "qx_escrows", ["status", "deadline"])
    op.create_table(
        "qx_events",
        sa.Column("block_hash", sa.String(66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(66), nullable=False),
        sa.Column("contract", sa.String(42), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("escrow_id", sa.BigInteger(), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("block_hash", "log_index", name="pk_qx_events"),
    )
    op.create_index("ix_qx_events_block_number", "qx_events", ["block_number"])
    op.create_index("ix_qx_events_escrow_id_block_number", "qx_events", ["escrow_id", "block_number"])
    op.create_table(
        "qx_intents",
        sa.Column("intent_id", sa.String(66), nullable=False),
        sa.Column("escrow_id", sa.BigInteger(), nullable=False),
        sa.Column("milestone", sa.Integer(), nullable=False),
        sa.Column("evidence_hash", sa.String(66), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(66), nullable=False),
        sa.PrimaryKeyConstraint("intent_id", name="pk_qx_intents"),
    )
    op.create_index("ix_qx_intents_escrow_id", "qx_intents", ["escrow_id"])
    op.create_table(
        "qx_meta",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_qx_meta"),
    )


def downgrade() -> None:  # dropping a table drops its indexes
    op.drop_table("qx_meta")
    op.drop_table("qx_intents")
    op.drop_table("qx_events")
    op.drop_table("qx_escrows")
    op.drop_table("qx_credits")
    op.drop_table("qx_blocks")
