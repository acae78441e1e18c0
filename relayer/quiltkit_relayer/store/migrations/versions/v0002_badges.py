"""Badge attestations that travel with payout intents and are submitted once the payout is confirmed.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07
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
        "badges",
        sa.Column("attestation_id", sa.String(66), nullable=False),
        sa.Column("intent_id", sa.String(66), nullable=False),
        sa.Column("chain", sa.String(16), nullable=False),
        sa.Column("contract", sa.String(64), nullable=False),
        sa.Column("holder", sa.String(64), nullable=False),
        sa.Column("badge_type", sa.String(80), nullable=False),
        sa.Column("evidence_hash", sa.String(66), nullable=False),
        sa.Column("deadline", sa.BigInteger(), nullable=False),
        sa.Column("signatures_json", sa.Text(), nullable=False),
        sa.Column("signers_json", sa.Text(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.Float(), nullable=False),
        sa.Column("lease_owner", sa.String(128), nullable=True),
        sa.Column("lease_until", sa.Float(), nullable=True),
        sa.Column("tx_id", sa.Integer(), nullable=True),
        sa.Column("tx_hash", sa.String(66), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.Column("issued_at", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("attestation_id", name="pk_badges"),
        sa.UniqueConstraint("intent_id", name="uq_badges_intent_id"),
    )
    op.create_index("ix_badges_state_next_attempt_at", "badges", ["state", "next_attempt_at"])
    op.create_index("ix_transactions_keeper_job_keeper_key", "transactions", ["keeper_job", "keeper_key"])


def downgrade() -> None:
    op.drop_index("ix_transactions_keeper_job_keeper_key", table_name="transactions")
    op.drop_index("ix_badges_state_next_attempt_at", table_name="badges")
    op.drop_table("badges")
