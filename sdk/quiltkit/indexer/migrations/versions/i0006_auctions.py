"""The auction projection: auctions and bids.

Revision ID: i0006
Revises: i0002
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "i0006"
down_revision = "i0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "qx_auctions",
        sa.Column("auction_id", sa.String(80), nullable=False),
        sa.Column("contract", sa.String(42), nullable=False),
        sa.Column("seller", sa.String(42), nullable=False),
        sa.Column("collection", sa.String(42), nullable=False),
        sa.Column("token_id", sa.String(80), nullable=False),
        sa.Column("amount", sa.String(80), nullable=False),
        sa.Column("currency", sa.String(42), nullable=False),
        sa.Column("reserve", sa.String(80), nullable=False),
        sa.Column("start_time", sa.BigInteger(), nullable=False),
        sa.Column("end_time", sa.BigInteger(), nullable=False),
        sa.Column("min_increment_bps", sa.Integer(), nullable=False),
        sa.Column("time_buffer", sa.BigInteger(), nullable=False),
        sa.Column("fee_bps", sa.Integer(), nullable=False),
        sa.Column("impact_beneficiary", sa.String(42), nullable=True),
        sa.Column("impact_bps", sa.Integer(), nullable=False),
        sa.Column("extensions", sa.Integer(), nullable=False),
        sa.Column("bids", sa.Integer(), nullable=False),
        sa.Column("highest_bidder", sa.String(42), nullable=True),
        sa.Column("highest_bid", sa.String(80), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("winner", sa.String(42), nullable=True),
        sa.Column("price", sa.String(80), nullable=False),
        sa.Column("royalty_receiver", sa.String(42), nullable=True),
        sa.Column("royalty", sa.String(80), nullable=False),
        sa.Column("fee", sa.String(80), nullable=False),
        sa.Column("impact", sa.String(80), nullable=False),
        sa.Column("seller_proceeds", sa.String(80), nullable=False),
        sa.Column("lot_owed_to", sa.String(42), nullable=True),
        sa.Column("created_block", sa.BigInteger(), nullable=False),
        sa.Column("updated_block", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("auction_id", name="pk_qx_auctions"),
    )
    op.create_index("ix_qx_auctions_status_end_time", "qx_auctions", ["status", "end_time"])
    op.create_index("ix_qx_auctions_seller", "qx_auctions", ["seller"])
    op.create_index("ix_qx_auctions_collection", "qx_auctions", ["collection"])
    op.create_table(
        "qx_bids",
        sa.Column("auction_id", sa.String(80), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("bidder", sa.String(42), nullable=False),
        sa.Column("amount", sa.String(80), nullable=False),
        sa.Column("end_time", sa.BigInteger(), nullable=False),
        sa.Column("extended", sa.Boolean(), nullable=False),
        sa.Column("tx_hash", sa.String(66), nullable=False),
        sa.PrimaryKeyConstraint("auction_id", "block_number", "log_index", name="pk_qx_bids"),
    )
    op.create_index("ix_qx_bids_bidder", "qx_bids", ["bidder"])


def downgrade() -> None:
    op.drop_table("qx_bids")
    op.drop_table("qx_auctions")
