"""The relayer's first schema: intents, transactions, signers, instances, webhook deliveries, keeper tasks.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intents",
        sa.Column("intent_id", sa.String(66), nullable=False),
        sa.Column("digest", sa.String(66), nullable=False),
        sa.Column("chain", sa.String(16), nullable=False),
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("contract", sa.String(64), nullable=False),
        sa.Column("escrow_id", sa.String(80), nullable=False),
        sa.Column("milestone", sa.String(80), nullable=False),
        sa.Column("deadline", sa.BigInteger(), nullable=False),
        sa.Column("intent_json", sa.Text(), nullable=False),
        sa.Column("signatures_json", sa.Text(), nullable=False),
        sa.Column("signers_json", sa.Text(), nullable=False),
        sa.Column("verifiers_json", sa.Text(), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.Float(), nullable=False),
        sa.Column("lease_owner", sa.String(128), nullable=True),
        sa.Column("lease_until", sa.Float(), nullable=True),
        sa.Column("signer", sa.String(64), nullable=True),
        sa.Column("nonce", sa.BigInteger(), nullable=True),
        sa.Column("tx_id", sa.Integer(), nullable=True),
        sa.Column("tx_hash", sa.String(66), nullable=True),
        sa.Column("block_number", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.Column("submitted_at", sa.Float(), nullable=True),
        sa.Column("confirmed_at", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("intent_id", name="pk_intents"),
        sa.UniqueConstraint("digest", name="uq_intents_digest"),
    )
    op.create_index("ix_intents_state_next_attempt_at", "intents", ["state", "next_attempt_at"])
    op.create_index("ix_intents_escrow_id_milestone", "intents", ["escrow_id", "milestone"])

    op.create_table(
        "transactions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("chain", sa.String(16), nullable=False),
        sa.Column("signer", sa.String(64), nullable=False),
        sa.Column("nonce", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(66), nullable=False),
        sa.Column("raw_tx", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("intent_ids_json", sa.Text(), nullable=False),
        sa.Column("keeper_job", sa.String(64), nullable=True),
        sa.Column("keeper_key", sa.String(128), nullable=True),
        sa.Column("gas_limit", sa.BigInteger(), nullable=False),
        sa.Column("max_fee_per_gas", sa.BigInteger(), nullable=False),
        sa.Column("priority_fee_per_gas", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("replaces_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("broadcast_at", sa.Float(), nullable=True),
        sa.Column("block_number", sa.BigInteger(), nullable=True),
        sa.Column("gas_used", sa.BigInteger(), nullable=True),
        sa.Column("effective_gas_price", sa.BigInteger(), nullable=True),
        sa.Column("resolved_at", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_transactions"),
        sa.UniqueConstraint("tx_hash", name="uq_transactions_tx_hash"),
    )
    op.create_index("ix_transactions_signer_state", "transactions", ["signer", "state"])
    op.create_index("ix_transactions_signer_nonce", "transactions", ["signer", "nonce"])

    op.create_table(
        "signers",
        sa.Column("chain", sa.String(16), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("owner", sa.String(128), nullable=True),
        sa.Column("lease_until", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("chain", "address", name="pk_signers"),
    )
    op.create_table(
        "instances",
        sa.Column("instance_id", sa.String(128), nullable=False),
        sa.Column("signer", sa.String(64), nullable=True),
        sa.Column("started_at", sa.Float(), nullable=False),
        sa.Column("seen_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("instance_id", name="pk_instances"),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("delivery_id", sa.String(128), nullable=False),
        sa.Column("event", sa.String(64), nullable=False),
        sa.Column("received_at", sa.Float(), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("intent_id", sa.String(66), nullable=True),
        sa.PrimaryKeyConstraint("delivery_id", name="pk_webhook_deliveries"),
    )
    op.create_table(
        "keeper_tasks",
        sa.Column("job", sa.String(64), nullable=False),
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("tx_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("job", "key", name="pk_keeper_tasks"),
    )


def downgrade() -> None:
    op.drop_table("keeper_tasks")
    op.drop_table("webhook_deliveries")
    op.drop_table("instances")
    op.drop_table("signers")
    op.drop_index("ix_transactions_signer_nonce", table_name="transactions")
    op.drop_index("ix_transactions_signer_state", table_name="transactions")
    op.drop_table("transactions")
    op.drop_index("ix_intents_escrow_id_milestone", table_name="intents")
    op.drop_index("ix_intents_state_next_attempt_at", table_name="intents")
    op.drop_table("intents")
