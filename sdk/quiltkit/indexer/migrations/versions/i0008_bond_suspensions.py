"""The bond registry's pushed suspensions: the bitmap each consumer last recorded per verifier set.

Revision ID: i0008
Revises: i0007
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "i0008"
down_revision = "i0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "qx_bond_suspensions",
        sa.Column("contract", sa.String(42), nullable=False),
        sa.Column("consumer", sa.String(42), nullable=False),
        sa.Column("set_id", sa.String(66), nullable=False),
        sa.Column("suspended", sa.String(80), nullable=False),
        sa.Column("pushes", sa.Integer(), nullable=False),
        sa.Column("updated_block", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("contract", "consumer", "set_id", name="pk_qx_bond_suspensions"),
    )
    op.create_index("ix_qx_bond_suspensions_set_id", "qx_bond_suspensions", ["set_id"])
    op.create_index("ix_qx_bond_suspensions_consumer", "qx_bond_suspensions", ["consumer"])


def downgrade() -> None:
    op.drop_index("ix_qx_bond_suspensions_consumer", table_name="qx_bond_suspensions")
    op.drop_index("ix_qx_bond_suspensions_set_id", table_name="qx_bond_suspensions")
    op.drop_table("qx_bond_suspensions")
