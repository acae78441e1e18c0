"""The funding-round projection (rounds, projects, donations, milestone releases, SCORE
allocations) and the child contracts the indexer follows because an indexed factory created them.

Revision ID: i0004
Revises: i0003
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "i0004"
down_revision = "i0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "qx_children",
        sa.Column("address", sa.String(42), nullable=False),
        sa.Column("parent", sa.String(42), nullable=False),
        sa.Column("family", sa.String(64), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("address", name="pk_qx_children"),
    )
    op.create_index("ix_qx_children_block_number", "qx_children", ["block_number"])
    op.create_table(
        "qx_funding_rounds",
        sa.Column("round", sa.String(42), nullable=False),
        sa.Column("factory", sa.String(42), nullable=True),
        sa.Column("round_index", sa.String(80), nullable=True),
        sa.Column("creator", sa.String(42), nullable=True),
        sa.Column("salt", sa.String(66), nullable=True),
        sa.Column("metadata_uri", sa.Text(), nullable=False),
        sa.Column("currency", sa.String(42), nullable=False),
        sa.Column("curator", sa.String(42), nullable=False),
        sa.Column("strategy", sa.Integer(), nullable=False),
        sa.Column("phase", sa.Integer(), nullable=False),
        sa.Column("cursor", sa.String(80), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("pool_total", sa.String(80), nullable=False),
        sa.Column("pool_matched", sa.String(80), nullable=False),
        sa.Column("pool_returned", sa.String(80), nullable=False),
        sa.Column("project_count", sa.Integer(), nullable=False),
        sa.Column("created_block", sa.BigInteger(), nullable=False),
        sa.Column("updated_block", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("round", name="pk_qx_funding_rounds"),
    )
    op.create_index("ix_qx_funding_rounds_curator", "qx_funding_rounds", ["curator"])
    op.create_table(
        "qx_funding_projects",
        sa.Column("round", sa.String(42), nullable=False),
        sa.Column("project_id", sa.String(80), nullable=False),
        sa.Column("recipient", sa.String(42), nullable=False),
        sa.Column("goal", sa.String(80), nullable=False),
        sa.Column("milestones_json", sa.Text(), nullable=False),
        sa.Column("vesting_duration", sa.BigInteger(), nullable=False),
        sa.Column("donated", sa.String(80), nullable=False),
        sa.Column("sum_sqrt", sa.String(80), nullable=False),
        sa.Column("donors", sa.Integer(), nullable=False),
        sa.Column("matched", sa.String(80), nullable=False),
        sa.Column("refunding", sa.Boolean(), nullable=False),
        sa.Column("returned_to_donors", sa.String(80), nullable=False),
        sa.Column("settled_mask", sa.BigInteger(), nullable=False),
        sa.Column("created_block", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("round", "project_id", name="pk_qx_funding_projects"),
    )
    op.create_index("ix_qx_funding_projects_recipient", "qx_funding_projects", ["recipient"])
    op.create_table(
        "qx_funding_donations",
        sa.Column("round", sa.String(42), nullable=False),
        sa.Column("project_id", sa.String(80), nullable=False),
        sa.Column("donor", sa.String(42), nullable=False),
        sa.Column("amount", sa.String(80), nullable=False),
        sa.Column("refunded", sa.String(80), nullable=False),
        sa.Column("first_block", sa.BigInteger(), nullable=False),
        sa.Column("updated_block", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("round", "project_id", "donor", name="pk_qx_funding_donations"),
    )
    op.create_index("ix_qx_funding_donations_donor", "qx_funding_donations", ["donor"])
    op.create_table(
        "qx_funding_releases",
        sa.Column("round", sa.String(42), nullable=False),
        sa.Column("project_id", sa.String(80), nullable=False),
        sa.Column("milestone", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(42), nullable=False),
        sa.Column("amount", sa.String(80), nullable=False),
        sa.Column("intent_id", sa.String(66), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(66), nullable=False),
        sa.Column("stream_amount", sa.String(80), nullable=False),
        sa.Column("stream_claimed", sa.String(80), nullable=False),
        sa.Column("stream_start", sa.BigInteger(), nullable=False),
        sa.Column("stream_stopped", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("round", "project_id", "milestone", name="pk_qx_funding_releases"),
    )
    op.create_table(
        "qx_funding_allocations",
        sa.Column("round", sa.String(42), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(42), nullable=False),
        sa.Column("score", sa.String(80), nullable=False),
        sa.Column("amount", sa.String(80), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("round", "position", name="pk_qx_funding_allocations"),
    )


def downgrade() -> None:
    op.drop_table("qx_funding_allocations")
    op.drop_table("qx_funding_releases")
    op.drop_table("qx_funding_donations")
    op.drop_table("qx_funding_projects")
    op.drop_table("qx_funding_rounds")
    op.drop_table("qx_children")
