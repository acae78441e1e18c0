"""Tables of the indexer (SQLAlchemy Core). The migrations in ``migrations/`` create exactly these.

Amounts (token units, uint96/uint256) are decimal text: wider than any database's 64-bit integer.
Escrow ids are the contract's counter (1, 2, ...), stored as 64-bit integers. Every table is
prefixed so that the indexer can share a database with the relayer's store.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Index, Integer, MetaData, String, Table, Text

__all__ = [
    "auctions",
    "bids",
    "blocks",
    "credits",
    "escrows",
    "events",
    "intents",
    "meta",
    "metadata",
    "proposals",
    "votes",
    # staking and bonds (quiltkit.indexer.staking)
    "bond_minimums",
    "bond_suspensions",
    "bonds",
    "reward_claims",
    "reward_tokens",
    "stakes",
]

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "pk": "pk_%(table_name)s",
    }
)

meta = Table(
    "qx_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

blocks = Table(
    "qx_blocks",
    metadata,
    Column("number", BigInteger, primary_key=True),
    Column("hash", String(66), nullable=False),
    Column("parent_hash", String(66), nullable=False),
)

events = Table(
    "qx_events",
    metadata,
    Column("block_hash", String(66), primary_key=True),
    Column("log_index", Integer, primary_key=True),
    Column("block_number", BigInteger, nullable=False),
    Column("tx_hash", String(66), nullable=False),
    Column("contract", String(42), nullable=False),
    Column("name", String(64), nullable=False),
    Column("escrow_id", BigInteger, nullable=True),
    Column("payload", Text, nullable=False),  # the typed event, as its model's JSON
    # the object of another family the event belongs to ("proposal:<id>"); escrows use escrow_id
    Column("subject", String(100), nullable=True),
    Index("ix_qx_events_block_number", "block_number"),
    Index("ix_qx_events_escrow_id_block_number", "escrow_id", "block_number"),
    Index("ix_qx_events_subject_block_number", "subject", "block_number"),
)

escrows = Table(
    "qx_escrows",
    metadata,
    Column("escrow_id", BigInteger, primary_key=True),
    Column("contract", String(42), nullable=False),
    Column("payer", String(42), nullable=False),
    Column("token", String(42), nullable=False),
    Column("payee", String(42), nullable=True),
    Column("arbiter", String(42), nullable=True),
    Column("deadline", BigInteger, nullable=False),
    Column("fee_bps", Integer, nullable=False),
    Column("threshold", Integer, nullable=False),
    Column("dispute_window", BigInteger, nullable=False),
    Column("default_payee_bps", Integer, nullable=False),
    Column("verifiers_json", Text, nullable=False),
    Column("verifiers_hash", String(66), nullable=False),
    Column("metadata_hash", String(66), nullable=False),
    Column("cancelled", Boolean, nullable=False),
    Column("refunds_opened", Boolean, nullable=False),
    Column("funded", String(80), nullable=False),
    Column("held", String(80), nullable=False),
    Column("refund_pool", String(80), nullable=False),
    Column("funded_milestones", Integer, nullable=False),
    Column("milestone_count", Integer, nullable=False),
    # per milestone: amount, state, paid, fee, to_funders, dispute_closes_at, disputed_by, intent_id
    Column("milestones_json", Text, nullable=False),
    Column("funders_json", Text, nullable=False),  # funder -> [share, refund claimed]
    Column("status", String(16), nullable=False),
    Column("created_block", BigInteger, nullable=False),
    Column("updated_block", BigInteger, nullable=False),
    Index("ix_qx_escrows_payee_status", "payee", "status"),
    Index("ix_qx_escrows_payer", "payer"),
    Index("ix_qx_escrows_status_deadline", "status", "deadline"),
)

intents = Table(
    "qx_intents",
    metadata,
    Column("intent_id", String(66), primary_key=True),
    Column("escrow_id", BigInteger, nullable=False),
    Column("milestone", Integer, nullable=False),
    Column("evidence_hash", String(66), nullable=False),
    Column("block_number", BigInteger, nullable=False),
    Column("tx_hash", String(66), nullable=False),
    Index("ix_qx_intents_escrow_id", "escrow_id"),
)

credits = Table(
    "qx_credits",
    metadata,
    Column("token", String(42), primary_key=True),
    Column("account", String(42), primary_key=True),
    Column("amount", String(80), nullable=False),
)

proposals = Table(
    "qx_proposals",
    metadata,
    Column("proposal_id", String(80), primary_key=True),  # uint256: decimal text
    Column("contract", String(42), nullable=False),
    Column("proposer", String(42), nullable=False),
    Column("kind", Integer, nullable=False),
    Column("quorum_bps", Integer, nullable=False),
    Column("execution_delay", BigInteger, nullable=False),
    Column("badge", String(42), nullable=True),
    Column("calls_json", Text, nullable=False),  # [targets, values, calldatas]
    Column("description", Text, nullable=False),
    Column("vote_start", BigInteger, nullable=False),
    Column("vote_end", BigInteger, nullable=False),
    Column("eta", BigInteger, nullable=False),
    Column("against_votes", String(80), nullable=False),
    Column("for_votes", String(80), nullable=False),
    Column("abstain_votes", String(80), nullable=False),
    Column("voters", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_block", BigInteger, nullable=False),
    Column("updated_block", BigInteger, nullable=False),
    Index("ix_qx_proposals_status_kind", "status", "kind"),
    Index("ix_qx_proposals_proposer", "proposer"),
)

votes = Table(
    "qx_votes",
    metadata,
    Column("proposal_id", String(80), primary_key=True),
    Column("voter", String(42), primary_key=True),
    Column("support", Integer, nullable=False),
    Column("weight", String(80), nullable=False),  # as counted (square root for FOUNDER_IDEA)
    Column("reason", Text, nullable=False),
    Column("block_number", BigInteger, nullable=False),
    Column("tx_hash", String(66), nullable=False),
    Index("ix_qx_votes_voter", "voter"),
)

auctions = Table(
    "qx_auctions",
    metadata,
    Column("auction_id", String(80), primary_key=True),
    Column("contract", String(42), nullable=False),
    Column("seller", String(42), nullable=False),
    Column("collection", String(42), nullable=False),
    Column("token_id", String(80), nullable=False),
    Column("amount", String(80), nullable=False),  # 0 for an ERC-721 lot, units of an ERC-1155 id
    Column("currency", String(42), nullable=False),  # the zero address for ETH
    Column("reserve", String(80), nullable=False),
    Column("start_time", BigInteger, nullable=False),
    Column("end_time", BigInteger, nullable=False),  # as the last bid moved it
    Column("min_increment_bps", Integer, nullable=False),
    Column("time_buffer", BigInteger, nullable=False),
    Column("fee_bps", Integer, nullable=False),
    Column("impact_beneficiary", String(42), nullable=True),
    Column("impact_bps", Integer, nullable=False),
    Column("extensions", Integer, nullable=False),
    Column("bids", Integer, nullable=False),
    Column("highest_bidder", String(42), nullable=True),
    Column("highest_bid", String(80), nullable=False),
    Column("status", String(16), nullable=False),
    Column("winner", String(42), nullable=True),
    Column("price", String(80), nullable=False),
    Column("royalty_receiver", String(42), nullable=True),
    Column("royalty", String(80), nullable=False),
    Column("fee", String(80), nullable=False),
    Column("impact", String(80), nullable=False),
    Column("seller_proceeds", String(80), nullable=False),
    Column("lot_owed_to", String(42), nullable=True),
    Column("created_block", BigInteger, nullable=False),
    Column("updated_block", BigInteger, nullable=False),
    Index("ix_qx_auctions_status_end_time", "status", "end_time"),
    Index("ix_qx_auctions_seller", "seller"),
    Index("ix_qx_auctions_collection", "collection"),
)

bids = Table(
    "qx_bids",
    metadata,
    Column("auction_id", String(80), primary_key=True),
    Column("block_number", BigInteger, primary_key=True),
    Column("log_index", Integer, primary_key=True),
    Column("bidder", String(42), nullable=False),
    Column("amount", String(80), nullable=False),
    Column("end_time", BigInteger, nullable=False),
    Column("extended", Boolean, nullable=False),
    Column("tx_hash", String(66), nullable=False),
    Index("ix_qx_bids_bidder", "bidder"),
)

# --- staking and bonds (quiltkit.indexer.staking) ---------------------------------------------

stakes = Table(
    "qx_stakes",
    metadata,
    Column("account", String(42), primary_key=True),
    Column("contract", String(42), nullable=False),
    Column("staked", String(80), nullable=False),
    Column("queued", String(80), nullable=False),  # unstaked, waiting for its cooldown
    Column("ready_at", BigInteger, nullable=False),  # when ``queued`` may be withdrawn (0: nothing)
    Column("staked_total", String(80), nullable=False),  # every Staked amount, added up
    Column("unstaked_total", String(80), nullable=False),  # every Unstaked (unlocked) amount
    Column("updated_block", BigInteger, nullable=False),
)

reward_claims = Table(
    "qx_reward_claims",
    metadata,
    Column("account", String(42), primary_key=True),
    Column("token", String(42), primary_key=True),
    Column("paid", String(80), nullable=False),  # every RewardPaid amount, added up
    Column("claims", Integer, nullable=False),
    Column("updated_block", BigInteger, nullable=False),
    Index("ix_qx_reward_claims_token", "token"),
)

reward_tokens = Table(
    "qx_reward_tokens",
    metadata,
    Column("token", String(42), primary_key=True),
    Column("contract", String(42), nullable=False),
    Column("notified", String(80), nullable=False),  # every RewardNotified amount, added up
    Column("notifications", Integer, nullable=False),
    Column("rate", String(80), nullable=False),  # of the latest period (1e18 fixed point)
    Column("period_finish", BigInteger, nullable=False),
    Column("duration", BigInteger, nullable=False),
    Column("recovered", String(80), nullable=False),  # every UnallocatedRecovered amount
    Column("added_block", BigInteger, nullable=False),
    Column("added_log_index", Integer, nullable=False),  # tokens added in one block keep their order
    Column("updated_block", BigInteger, nullable=False),
)

bonds = Table(
    "qx_bonds",
    metadata,
    Column("verifier", String(42), primary_key=True),
    Column("contract", String(42), nullable=False),
    Column("active", String(80), nullable=False),
    Column("unbonding", String(80), nullable=False),
    Column("ready_at", BigInteger, nullable=False),  # when ``unbonding`` may be withdrawn (0: nothing)
    Column("bonded_total", String(80), nullable=False),
    Column("withdrawn_total", String(80), nullable=False),
    Column("slashed_total", String(80), nullable=False),
    Column("slashes", Integer, nullable=False),
    Column("updated_block", BigInteger, nullable=False),
)

bond_minimums = Table(
    "qx_bond_minimums",
    metadata,
    Column("set_id", String(66), primary_key=True),
    Column("contract", String(42), nullable=False),
    Column("minimum", String(80), nullable=False),
    Column("updated_block", BigInteger, nullable=False),
)

bond_suspensions = Table(
    "qx_bond_suspensions",
    metadata,
    Column("contract", String(42), primary_key=True),  # the registry that pushed
    Column("consumer", String(42), primary_key=True),  # the escrow, badges or round that recorded it
    Column("set_id", String(66), primary_key=True),
    Column("suspended", String(80), nullable=False),  # uint256 bitmap (bit i: member i), decimal text
    Column("pushes", Integer, nullable=False),
    Column("updated_block", BigInteger, nullable=False),  # of the latest push
    Index("ix_qx_bond_suspensions_set_id", "set_id"),
    Index("ix_qx_bond_suspensions_consumer", "consumer"),
)


# --- badges (SoulboundBadge; quiltkit.indexer.badges) ----------------------------------------------

badge_types = Table(
    "qx_badge_types",
    metadata,
    Column("badge_type", String(80), primary_key=True),  # uint256: decimal text
    Column("contract", String(42), nullable=False),
    Column("name", Text, nullable=False),
    Column("uri", Text, nullable=False),
    Column("weight", String(80), nullable=False),
    Column("expiry_period", BigInteger, nullable=False),
    Column("burn_auth", Integer, nullable=False),
    Column("on_chain_uri", Boolean, nullable=False),
    Column("validators_json", Text, nullable=False),
    Column("threshold", Integer, nullable=False),
    Column("validator_set", String(66), nullable=False),  # the validators' commitment
    Column("registered_block", BigInteger, nullable=False),
    Column("updated_block", BigInteger, nullable=False),
)

badges = Table(
    "qx_badges",
    metadata,
    Column("token_id", String(80), primary_key=True),
    Column("holder", String(42), nullable=False),
    Column("badge_type", String(80), nullable=False),
    Column("weight", String(80), nullable=False),
    Column("evidence_hash", String(66), nullable=False),
    Column("attestation_id", String(66), nullable=True),  # None: issued by an issuer
    Column("status", String(16), nullable=False),
    Column("reason", Integer, nullable=True),  # a revocation's reason code
    Column("subtracted", String(80), nullable=True),  # what a revocation or burn took off
    Column("issued_block", BigInteger, nullable=False),
    Column("removed_block", BigInteger, nullable=True),
    Column("tx_hash", String(66), nullable=False),
    Index("ix_qx_badges_holder", "holder"),
    Index("ix_qx_badges_badge_type_status", "badge_type", "status"),
)

badge_holders = Table(
    "qx_badge_holders",
    metadata,
    Column("holder", String(42), primary_key=True),
    Column("contract", String(42), nullable=False),
    Column("held", Integer, nullable=False),
    Column("minted", Integer, nullable=False),
    Column("activities", Integer, nullable=False),
    Column("inputs_json", Text, nullable=False),  # [[block, kind, amount], ...]: the reputation inputs
    Column("updated_block", BigInteger, nullable=False),
    Index("ix_qx_badge_holders_held", "held"),
)

tiers = Table(  # TieredBadges (quiltkit.indexer.tiers)
    "qx_tiers",
    metadata,
    Column("contract", String(42), primary_key=True),
    Column("tier_id", String(80), primary_key=True),
    Column("soulbound", Boolean, nullable=False),
    Column("lower", String(80), nullable=True),  # the tier it upgrades
    Column("upgrades", Integer, nullable=False),  # upgrades into this tier
    Column("created_block", BigInteger, nullable=False),
)

tier_balances = Table(
    "qx_tier_balances",
    metadata,
    Column("contract", String(42), primary_key=True),
    Column("tier_id", String(80), primary_key=True),
    Column("account", String(42), primary_key=True),
    Column("amount", String(80), nullable=False),
    Index("ix_qx_tier_balances_account", "account"),
)

__all__ += ["badge_holders", "badge_types", "badges", "tier_balances", "tiers"]


# --- funding rounds, and the child contracts a factory creates ----------------------------------

children = Table(
    "qx_children",
    metadata,
    # a contract the index follows because an indexed factory created it (removed with its event)
    Column("address", String(42), primary_key=True),
    Column("parent", String(42), nullable=False),
    Column("family", String(64), nullable=False),  # the parent's projection family
    Column("block_number", BigInteger, nullable=False),
    Index("ix_qx_children_block_number", "block_number"),
)

funding_rounds = Table(
    "qx_funding_rounds",
    metadata,
    Column("round", String(42), primary_key=True),
    Column("factory", String(42), nullable=True),
    Column("round_index", String(80), nullable=True),
    Column("creator", String(42), nullable=True),
    Column("salt", String(66), nullable=True),
    Column("metadata_uri", Text, nullable=False),
    Column("currency", String(42), nullable=False),
    Column("curator", String(42), nullable=False),
    Column("strategy", Integer, nullable=False),
    Column("phase", Integer, nullable=False),
    Column("cursor", String(80), nullable=False),
    Column("paused", Boolean, nullable=False),
    Column("pool_total", String(80), nullable=False),
    Column("pool_matched", String(80), nullable=False),
    Column("pool_returned", String(80), nullable=False),
    Column("project_count", Integer, nullable=False),
    Column("created_block", BigInteger, nullable=False),
    Column("updated_block", BigInteger, nullable=False),
    Index("ix_qx_funding_rounds_curator", "curator"),
)

funding_projects = Table(
    "qx_funding_projects",
    metadata,
    Column("round", String(42), primary_key=True),
    Column("project_id", String(80), primary_key=True),
    Column("recipient", String(42), nullable=False),
    Column("goal", String(80), nullable=False),
    Column("milestones_json", Text, nullable=False),  # planned milestone amounts
    Column("vesting_duration", BigInteger, nullable=False),
    Column("donated", String(80), nullable=False),
    Column("sum_sqrt", String(80), nullable=False),
    Column("donors", Integer, nullable=False),
    Column("matched", String(80), nullable=False),
    Column("refunding", Boolean, nullable=False),
    Column("returned_to_donors", String(80), nullable=False),
    Column("settled_mask", BigInteger, nullable=False),
    Column("created_block", BigInteger, nullable=False),
    Index("ix_qx_funding_projects_recipient", "recipient"),
)

funding_donations = Table(
    "qx_funding_donations",
    metadata,
    Column("round", String(42), primary_key=True),
    Column("project_id", String(80), primary_key=True),
    Column("donor", String(42), primary_key=True),
    Column("amount", String(80), nullable=False),  # the donor's total to the project
    Column("refunded", String(80), nullable=False),
    Column("first_block", BigInteger, nullable=False),
    Column("updated_block", BigInteger, nullable=False),
    Index("ix_qx_funding_donations_donor", "donor"),
)

funding_releases = Table(
    "qx_funding_releases",
    metadata,
    Column("round", String(42), primary_key=True),
    Column("project_id", String(80), primary_key=True),
    Column("milestone", Integer, primary_key=True),
    Column("recipient", String(42), nullable=False),
    Column("amount", String(80), nullable=False),
    Column("intent_id", String(66), nullable=False),  # zero for a curator's release
    Column("block_number", BigInteger, nullable=False),
    Column("tx_hash", String(66), nullable=False),
    # a vesting project's milestone streams: what it holds (the vested part once stopped), claimed
    Column("stream_amount", String(80), nullable=False),
    Column("stream_claimed", String(80), nullable=False),
    Column("stream_start", BigInteger, nullable=False),
    Column("stream_stopped", Boolean, nullable=False),
)

funding_allocations = Table(
    "qx_funding_allocations",
    metadata,
    # a SCORE round's leaderboard line, in the order the round allocated them
    Column("round", String(42), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("recipient", String(42), nullable=False),
    Column("score", String(80), nullable=False),
    Column("amount", String(80), nullable=False),
    Column("block_number", BigInteger, nullable=False),
)

__all__ += [
    "children",
    "funding_allocations",
    "funding_donations",
    "funding_projects",
    "funding_releases",
    "funding_rounds",
]

# --- the Soroban escrow (quiltkit.indexer.soroban_escrows) ------------------------------------
# Keyed by the Stellar network passphrase and the contract id (C...), so one database holds an
# EVM chain's index beside any number of Soroban escrows' indexes, each with its own cursor.
# Amounts are i128: decimal text. Addresses are strkeys (G... accounts, C... contracts).

soroban_cursors = Table(
    "qx_soroban_cursors",
    metadata,
    Column("network", String(128), primary_key=True),
    Column("contract", String(56), primary_key=True),
    Column("source", String(16), nullable=False),  # "harness" or "rpc": what the cursor means
    Column("cursor", Text, nullable=False),  # where the source continues (after every event read)
    Column("start_ledger", BigInteger, nullable=True),  # the first ledger read (an RPC needs it once)
    Column("last_event", String(40), nullable=True),  # the id of the last event applied
    Column("ledger", BigInteger, nullable=True),  # its ledger
    Column("events", BigInteger, nullable=False),
)

soroban_events = Table(
    "qx_soroban_events",
    metadata,
    Column("network", String(128), primary_key=True),
    Column("contract", String(56), primary_key=True),
    Column("event_id", String(40), primary_key=True),
    Column("ledger", BigInteger, nullable=False),
    Column("name", String(64), nullable=False),
    Column("escrow_id", BigInteger, nullable=True),
    Column("payload", Text, nullable=False),  # the SorobanEvent, as its model's JSON
    Index("ix_qx_soroban_events_network_contract_escrow_id", "network", "contract", "escrow_id"),
)

soroban_escrows = Table(
    "qx_soroban_escrows",
    metadata,
    Column("network", String(128), primary_key=True),
    Column("contract", String(56), primary_key=True),
    Column("escrow_id", BigInteger, primary_key=True),
    Column("payer", String(56), nullable=False),
    Column("payee", String(56), nullable=True),
    Column("token", String(56), nullable=False),
    Column("arbiter", String(56), nullable=True),
    Column("verifiers_json", Text, nullable=False),
    Column("threshold", Integer, nullable=False),
    Column("deadline", BigInteger, nullable=False),
    Column("resolution_window", BigInteger, nullable=False),
    Column("metadata", String(66), nullable=False),
    Column("fee_bps", Integer, nullable=False),
    Column("treasury", String(56), nullable=False),
    Column("status", String(16), nullable=False),
    Column("total", String(80), nullable=False),
    Column("funded", String(80), nullable=False),
    Column("released", String(80), nullable=False),
    Column("refundable", String(80), nullable=False),
    Column("refunded", String(80), nullable=False),
    Column("closed_pool", String(80), nullable=False),
    # per milestone: amount, state, disputed_at, resolve_by, disputed_by, paid_by, paid, fee, net, to_funders
    Column("milestones_json", Text, nullable=False),
    Column("funders_json", Text, nullable=False),  # funder -> [share, claimed]
    Column("created_ledger", BigInteger, nullable=False),
    Column("updated_ledger", BigInteger, nullable=False),
    Index("ix_qx_soroban_escrows_payee_status", "payee", "status"),
    Index("ix_qx_soroban_escrows_payer", "payer"),
)

soroban_fees = Table(
    "qx_soroban_fees",
    metadata,
    # fees the escrow owes a treasury in a token because pushing them failed (fee_deferred)
    Column("network", String(128), primary_key=True),
    Column("contract", String(56), primary_key=True),
    Column("treasury", String(56), primary_key=True),
    Column("token", String(56), primary_key=True),
    Column("owed", String(80), nullable=False),
)

__all__ += ["soroban_cursors", "soroban_escrows", "soroban_events", "soroban_fees"]
