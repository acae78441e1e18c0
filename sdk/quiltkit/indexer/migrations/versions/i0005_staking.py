"""The staking and bonds projections: stakes and reward claims per account, reward tokens,
bonds per verifier, minimum bonds per verifier set.

Revision ID: i0005
Revises: i0004
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "i0005"
down_revision = "i0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "qx_stakes",
        sa.Column("account", sa.String(42), nullable=False),
        sa.Column("contract", sa.String(42), nullable=False),
        sa.Column("staked", sa.String(80), nullable=False),
        sa.Column("queued", sa.String(80), nullable=False),
        sa.Column("ready_at", sa.BigInteger(), nullable=False),
        sa.Column("staked_total", sa.String(80), nullable=False),
        sa.Column("unstaked_total", sa.String(80), nullable=False),
        sa.Column("updated_block", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("account", name="pk_qx_stakes"),
    )
    op.create_table(
        "qx_reward_claims",
        sa.Column("account", sa.String(42), nullable=False),
        sa.Column("token", sa.String(42), nullable=False),
        sa.Column("paid", sa.String(80), nullable=False),
        sa.Column("claims", sa.Integer(), nullable=False),
        sa.Column("updated_block", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("account", "token", name="pk_qx_reward_claims"),
    )
    op.create_index("ix_qx_reward_claims_token", "qx_reward_claims", ["token"])
    op.create_table(
        "qx_reward_tokens",
        sa.Column("token", sa.String(42), nullable=False),
        sa.Column("contract", sa.String(42), nullable=False),
        sa.Column("notified", sa.String(80), nullable=False),
        sa.Column("notifications", sa.Integer(), nullable=False),
        sa.Column("rate", sa.String(80), nullable=False),
        sa.Column("period_finish", sa.BigInteger(), nullable=False),
        sa.Column("duration", sa.BigInteger(), nullable=False),
        sa.Column("recovered", sa.String(80), nullable=False),
        sa.Column("added_block", sa.BigInteger(), nullable=False),
        sa.Column("added_log_index", sa.Integer(), nullable=False),
        sa.Column("updated_block", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("token", name="pk_qx_reward_tokens"),
    )
    op.create_table(
        "qx_bonds",
        sa.Column("verifier", sa.String(42), nullable=False),
        sa.Column("contract", sa.String(42), nullable=False),
        sa.Column("active", sa.String(80), nullable=False),
        sa.Column("unbonding", sa.String(80), nullable=False),
        sa.Column("ready_at", sa.BigInteger(), nullable=False),
        sa.Column("bonded_total", sa.String(80), nullable=False),
        sa.Column("withdrawn_total", sa.String(80), nullable=False),
        sa.Column("slashed_total", sa.String(80), nullable=False),
        sa.Column("slashes", sa.Integer(), nullable=False),
        sa.Column("updated_block", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("verifier", name="pk_qx_bonds"),
    )
    op.create_table(
        "qx_bond_minimums",
        sa.Column("set_id", sa.String(66), nullable=False),
        sa.Column("contract", sa.String(42), nullable=False),
        sa.Column("minimum", sa.String(80), nullable=False),
        sa.Column("updated_block", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("set_id", name="pk_qx_bond_minimums"),
    )


def downgrade() -> None:
    op.drop_table("qx_bond_minimums")
    op.drop_table("qx_bonds")
    op.drop_table("qx_reward_tokens")
    op.drop_index("ix_qx_reward_claims_token", table_name="qx_reward_claims")
    op.drop_table("qx_reward_claims")
    op.drop_table("qx_stakes")
