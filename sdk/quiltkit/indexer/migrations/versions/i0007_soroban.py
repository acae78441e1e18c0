"""The Soroban escrow's projection: its cursor per (network, contract), events, escrows, fees owed.

Revision ID: i0007
Revises: i0006
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "i0007"
down_revision = "i0006"
branch_labels = None
depends_on = None

_KEY = ("network", "contract")


def _key_columns() -> list[sa.Column[str]]:
    return [sa.Column("network", sa.String(128), nullable=False), sa.Column("contract", sa.String(56), nullable=False)]


def upgrade() -> None:
    op.create_table(
        "qx_soroban_cursors",
        *_key_columns(),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("cursor", sa.Text(), nullable=False),
        sa.Column("start_ledger", sa.BigInteger(), nullable=True),
        sa.Column("last_event", sa.String(40), nullable=True),
        sa.Column("ledger", sa.BigInteger(), nullable=True),
        sa.Column("events", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(*_KEY, name="pk_qx_soroban_cursors"),
    )
    op.create_table(
        "qx_soroban_events",
        *_key_columns(),
        sa.Column("event_id", sa.String(40), nullable=False),
        sa.Column("ledger", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("escrow_id", sa.BigInteger(), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint(*_KEY, "event_id", name="pk_qx_soroban_events"),
    )
    op.create_index(
        "ix_qx_soroban_events_network_contract_escrow_id", "qx_soroban_events", ["network", "contract", "escrow_id"]
    )
    op.create_table(
        "qx_soroban_escrows",
        *_key_columns(),
        sa.Column("escrow_id", sa.BigInteger(), nullable=False),
        sa.Column("payer", sa.String(56), nullable=False),
        sa.Column("payee", sa.String(56), nullable=True),
        sa.Column("token", sa.String(56), nullable=False),
        sa.Column("arbiter", sa.String(56), nullable=True),
        sa.Column("verifiers_json", sa.Text(), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("deadline", sa.BigInteger(), nullable=False),
        sa.Column("resolution_window", sa.BigInteger(), nullable=False),
        sa.Column("metadata", sa.String(66), nullable=False),
        sa.Column("fee_bps", sa.Integer(), nullable=False),
        sa.Column("treasury", sa.String(56), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("total", sa.String(80), nullable=False),
        sa.Column("funded", sa.String(80), nullable=False),
        sa.Column("released", sa.String(80), nullable=False),
        sa.Column("refundable", sa.String(80), nullable=False),
        sa.Column("refunded", sa.String(80), nullable=False),
        sa.Column("closed_pool", sa.String(80), nullable=False),
        sa.Column("milestones_json", sa.Text(), nullable=False),
        sa.Column("funders_json", sa.Text(), nullable=False),
        sa.Column("created_ledger", sa.BigInteger(), nullable=False),
        sa.Column("updated_ledger", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(*_KEY, "escrow_id", name="pk_qx_soroban_escrows"),
    )
    op.create_index("ix_qx_soroban_escrows_payee_status", "qx_soroban_escrows", ["payee", "status"])
    op.create_index("ix_qx_soroban_escrows_payer", "qx_soroban_escrows", ["payer"])
    op.create_table(
        "qx_soroban_fees",
        *_key_columns(),
        sa.Column("treasury", sa.String(56), nullable=False),
        sa.Column("token", sa.String(56), nullable=False),
        sa.Column("owed", sa.String(80), nullable=False),
        sa.PrimaryKeyConstraint(*_KEY, "treasury", "token", name="pk_qx_soroban_fees"),
    )


def downgrade() -> None:
    op.drop_table("qx_soroban_fees")
    op.drop_table("qx_soroban_escrows")
    op.drop_table("qx_soroban_events")
    op.drop_table("qx_soroban_cursors")
