"""The badges projection: SoulboundBadge's badge types, badges and holders' reputation inputs;
TieredBadges' tiers and balances.

Revision ID: i0003
Revises: i0002
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "i0003"
down_revision = "i0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "qx_badge_types",
        sa.Column("badge_type", sa.String(80), nullable=False),
        sa.Column("contract", sa.String(42), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("uri", sa.Text(), nullable=False),
        sa.Column("weight", sa.String(80), nullable=False),
        sa.Column("expiry_period", sa.BigInteger(), nullable=False),
        sa.Column("burn_auth", sa.Integer(), nullable=False),
        sa.Column("on_chain_uri", sa.Boolean(), nullable=False),
        sa.Column("validators_json", sa.Text(), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("validator_set", sa.String(66), nullable=False),
        sa.Column("registered_block", sa.BigInteger(), nullable=False),
        sa.Column("updated_block", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("badge_type", name="pk_qx_badge_types"),
    )
    op.create_table(
        "qx_badges",
        sa.Column("token_id", sa.String(80), nullable=False),
        sa.Column("holder", sa.String(42), nullable=False),
        sa.Column("badge_type", sa.String(80), nullable=False),
        sa.Column("weight", sa.String(80), nullable=False),
        sa.Column("evidence_hash", sa.String(66), nullable=False),
        sa.Column("attestation_id", sa.String(66), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Integer(), nullable=True),
        sa.Column("subtracted", sa.String(80), nullable=True),
        sa.Column("issued_block", sa.BigInteger(), nullable=False),
        sa.Column("removed_block", sa.BigInteger(), nullable=True),
        sa.Column("tx_hash", sa.String(66), nullable=False),
        sa.PrimaryKeyConstraint("token_id", name="pk_qx_badges"),
    )
    op.create_index("ix_qx_badges_holder", "qx_badges", ["holder"])
    op.create_index("ix_qx_badges_badge_type_status", "qx_badges", ["badge_type", "status"])
    op.create_table(
        "qx_badge_holders",
        sa.Column("holder", sa.String(42), nullable=False),
        sa.Column("contract", sa.String(42), nullable=False),
        sa.Column("held", sa.Integer(), nullable=False),
        sa.Column("minted", sa.Integer(), nullable=False),
        sa.Column("activities", sa.Integer(), nullable=False),
        sa.Column("inputs_json", sa.Text(), nullable=False),
        sa.Column("updated_block", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("holder", name="pk_qx_badge_holders"),
    )
    op.create_index("ix_qx_badge_holders_held", "qx_badge_holders", ["held"])
    op.create_table(
        "qx_tiers",
        sa.Column("contract", sa.String(42), nullable=False),
        sa.Column("tier_id", sa.String(80), nullable=False),
        sa.Column("soulbound", sa.Boolean(), nullable=False),
        sa.Column("lower", sa.String(80), nullable=True),
        sa.Column("upgrades", sa.Integer(), nullable=False),
        sa.Column("created_block", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("contract", "tier_id", name="pk_qx_tiers"),
    )
    op.create_table(
        "qx_tier_balances",
        sa.Column("contract", sa.String(42), nullable=False),
        sa.Column("tier_id", sa.String(80), nullable=False),
        sa.Column("account", sa.String(42), nullable=False),
        sa.Column("amount", sa.String(80), nullable=False),
        sa.PrimaryKeyConstraint("contract", "tier_id", "account", name="pk_qx_tier_balances"),
    )
    op.create_index("ix_qx_tier_balances_account", "qx_tier_balances", ["account"])


def downgrade() -> None:
    op.drop_table("qx_tier_balances")
    op.drop_table("qx_tiers")
    op.drop_table("qx_badge_holders")
    op.drop_table("qx_badges")
    op.drop_table("qx_badge_types")
