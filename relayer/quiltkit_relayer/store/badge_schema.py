"""The ``badges`` table: a badge attestation that travels with a payout intent (issue 22).

One row per payout intent whose bounty names a badge type, keyed by the attestation id (which the
SoulboundBadge contract issues once). Kept out of ``schema.py`` so the payout tables and this one
change independently; it registers on the same ``metadata``, so the migration check covers it.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Float, Index, Integer, String, Table, Text

from quiltkit_relayer.store.schema import metadata, transactions

__all__ = ["badges", "ix_transactions_keeper"]

badges = Table(
    "badges",
    metadata,
    Column("attestation_id", String(66), primary_key=True),
    Column("intent_id", String(66), nullable=False, unique=True),  # the payout that earns the badge
    Column("chain", String(16), nullable=False),
    Column("contract", String(64), nullable=False),  # the SoulboundBadge
    Column("holder", String(64), nullable=False),
    Column("badge_type", String(80), nullable=False),
    Column("evidence_hash", String(66), nullable=False),  # the payout intent's EIP-712 digest
    Column("deadline", BigInteger, nullable=False),
    Column("signatures_json", Text, nullable=False),
    Column("signers_json", Text, nullable=False),
    Column("state", String(16), nullable=False),  # waiting | due | submitted | issued | dropped | failed
    Column("reason", Text, nullable=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", Float, nullable=False),
    Column("lease_owner", String(128), nullable=True),
    Column("lease_until", Float, nullable=True),
    Column("tx_id", Integer, nullable=True),
    Column("tx_hash", String(66), nullable=True),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("issued_at", Float, nullable=True),
    Index("ix_badges_state_next_attempt_at", "state", "next_attempt_at"),
)

ix_transactions_keeper = Index(
    "ix_transactions_keeper_job_keeper_key", transactions.c.keeper_job, transactions.c.keeper_key
)
"""The badge worker finds an attestation's transactions by (keeper_job, keeper_key) on every round."""
