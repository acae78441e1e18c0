"""Tables of the relayer's store (SQLAlchemy Core). Migrations in ``migrations/`` create exactly these.

Values wider than 64 bits (uint256 escrow ids, amounts) live in the intent's JSON; indexed columns
hold what queries filter on. Times are Unix seconds (float).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

__all__ = ["deliveries", "instances", "intents", "keeper_tasks", "metadata", "signers", "transactions"]

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "pk": "pk_%(table_name)s",
    }
)

intents = Table(
    "intents",
    metadata,
    Column("intent_id", String(66), primary_key=True),
    Column("digest", String(66), nullable=False, unique=True),  # the unique intent hash (EIP-712 digest)
    Column("chain", String(16), nullable=False),
    Column("chain_id", BigInteger, nullable=False),
    Column("contract", String(64), nullable=False),
    Column("escrow_id", String(80), nullable=False),
    Column("milestone", String(80), nullable=False),
    Column("deadline", BigInteger, nullable=False),
    Column("intent_json", Text, nullable=False),
    Column("signatures_json", Text, nullable=False),
    Column("signers_json", Text, nullable=False),
    Column("verifiers_json", Text, nullable=True),
    Column("source", String(16), nullable=False),
    Column("state", String(16), nullable=False),
    Column("reason", Text, nullable=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", Float, nullable=False),
    Column("lease_owner", String(128), nullable=True),
    Column("lease_until", Float, nullable=True),
    Column("signer", String(64), nullable=True),
    Column("nonce", BigInteger, nullable=True),
    Column("tx_id", Integer, nullable=True),
    Column("tx_hash", String(66), nullable=True),
    Column("block_number", BigInteger, nullable=True),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("submitted_at", Float, nullable=True),
    Column("confirmed_at", Float, nullable=True),
    Index("ix_intents_state_next_attempt_at", "state", "next_attempt_at"),
    Index("ix_intents_escrow_id_milestone", "escrow_id", "milestone"),
)

transactions = Table(
    "transactions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("chain", String(16), nullable=False),
    Column("signer", String(64), nullable=False),
    Column("nonce", BigInteger, nullable=False),
    Column("tx_hash", String(66), nullable=False, unique=True),
    Column("raw_tx", Text, nullable=False),  # signed bytes, hex: persisted before broadcast
    Column("kind", String(16), nullable=False),  # payout | keeper
    Column("intent_ids_json", Text, nullable=False),
    Column("keeper_job", String(64), nullable=True),
    Column("keeper_key", String(128), nullable=True),
    Column("gas_limit", BigInteger, nullable=False),
    Column("max_fee_per_gas", BigInteger, nullable=False),
    Column("priority_fee_per_gas", BigInteger, nullable=False),
    Column("state", String(16), nullable=False),
    Column("replaces_id", Integer, nullable=True),
    Column("created_at", Float, nullable=False),
    Column("broadcast_at", Float, nullable=True),
    Column("block_number", BigInteger, nullable=True),
    Column("gas_used", BigInteger, nullable=True),
    Column("effective_gas_price", BigInteger, nullable=True),
    Column("resolved_at", Float, nullable=True),
    Index("ix_transactions_signer_state", "signer", "state"),
    Index("ix_transactions_signer_nonce", "signer", "nonce"),
)

signers = Table(
    "signers",
    metadata,
    Column("chain", String(16), primary_key=True),
    Column("address", String(64), primary_key=True),
    Column("owner", String(128), nullable=True),
    Column("lease_until", Float, nullable=True),
)

instances = Table(
    "instances",
    metadata,
    Column("instance_id", String(128), primary_key=True),
    Column("signer", String(64), nullable=True),
    Column("started_at", Float, nullable=False),
    Column("seen_at", Float, nullable=False),
)

deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("delivery_id", String(128), primary_key=True),
    Column("event", String(64), nullable=False),
    Column("received_at", Float, nullable=False),
    Column("accepted", Integer, nullable=False),
    Column("reason", Text, nullable=True),
    Column("intent_id", String(66), nullable=True),
)

keeper_tasks = Table(
    "keeper_tasks",
    metadata,
    Column("job", String(64), primary_key=True),
    Column("key", String(128), primary_key=True),
    Column("state", String(16), nullable=False),  # pending | submitted | done | failed
    Column("tx_id", Integer, nullable=True),
    Column("detail", Text, nullable=True),
    Column("updated_at", Float, nullable=False),
)
