"""The governance projection: proposals and votes, and the events' subject column (the object of
a family other than the escrow an event belongs to), so a reorg rebuilds only what it touched.

Revision ID: i0002
Revises: i0001
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "i0002"
down_revision = "i0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("qx_events", sa.Column("subject", sa.String(100), nullable=True))
    op.create_index("ix_qx_events_subject_block_number", "qx_events", ["subject", "block_number"])
    op.create_table(
        "qx_proposals",
        sa.Column("proposal_id", sa.String(80), nullable=False),
        sa.Column("contract", sa.String(42), nullable=False),
        sa.Column("proposer", sa.String(42), nullable=False),
        sa.Column("kind", sa.Integer(), nullable=False),
        sa.Column("quorum_bps", sa.Integer(), nullable=False),
        sa.Column("execution_delay", sa.BigInteger(), nullable=False),
        sa.Column("badge", sa.String(42), nullable=True),
        sa.Column("calls_json", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("vote_start", sa.BigInteger(), nullable=False),
        sa.Column("vote_end", sa.BigInteger(), nullable=False),
        sa.Column("eta", sa.BigInteger(), nullable=False),
        sa.Column("against_votes", sa.String(80), nullable=False),
        sa.Column("for_votes", sa.String(80), nullable=False),
        sa.Column("abstain_votes", sa.String(80), nullable=False),
        sa.Column("voters", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_block", sa.BigInteger(), nullable=False),
        sa.Column("updated_block", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("proposal_id", name="pk_qx_proposals"),
    )
    op.create_index("ix_qx_proposals_status_kind", "qx_proposals", ["status", "kind"])
    op.create_index("ix_qx_proposals_proposer", "qx_proposals", ["proposer"])
    op.create_table(
        "qx_votes",
        sa.Column("proposal_id", sa.String(80), nullable=False),
        sa.Column("voter", sa.String(42), nullable=False),
        sa.Column("support", sa.Integer(), nullable=False),
        sa.Column("weight", sa.String(80), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(66), nullable=False),
        sa.PrimaryKeyConstraint("proposal_id", "voter", name="pk_qx_votes"),
    )
    op.create_index("ix_qx_votes_voter", "qx_votes", ["voter"])


def downgrade() -> None:
    op.drop_table("qx_votes")
    op.drop_table("qx_proposals")
    op.drop_index("ix_qx_events_subject_block_number", table_name="qx_events")
    op.drop_column("qx_events", "subject")
