"""The staking and bonds projections: QuiltkitStaking's stakes, reward claims and reward tokens,
VerifierBonds' bonds and minimum bonds, each object folded from its own events alone.

- ``stake:<account>`` (``qx_stakes``, ``qx_reward_claims``): ``Staked`` carries the new stake,
  ``UnstakeQueued`` moves an amount from the stake to the queue (and restarts its cooldown: the
  event's ``readyAt``), ``Unstaked`` unlocks either an immediate unstake (no cooldown) or the whole
  queue (``withdraw``), ``RewardPaid`` adds to the account's paid sum of that token.
- ``reward:<token>`` (``qx_reward_tokens``): ``RewardTokenAdded``, each ``RewardNotified`` (amount
  added up; the latest period's rate and finish), ``UnallocatedRecovered`` (also of a token never
  added: its row stays unlisted, ``added_block`` -1).
- ``bond:<verifier>`` (``qx_bonds``): ``Bonded`` (carries the new active bond), ``UnbondStarted``
  (active to unbonding, the delay restarted for the sum), ``Unbonded``, ``Slashed`` (active first,
  then the unbonding amount, as the contract takes it).
- ``bondset:<set id>`` (``qx_bond_minimums``): ``MinimumBondUpdated``.
- ``suspension:<set id>`` (``qx_bond_suspensions``, a row per consumer of the set):
  ``SuspensionsPushed`` replaces the bitmap the consumer recorded. The subject is the set, not the
  (consumer, set) pair, because the event log's subject column holds 100 characters and the pair
  takes 120; a set has few consumers, so a reorg refolds little more.

Roles, pauses and the cooldown/unbond-delay settings are contract-wide: event log only.

Pending rewards depend on the clock: nothing here stores them. What is stored are their inputs
(stakes, the streams' rates and finishes, paid sums), which ``verify`` compares with the views;
``Staking.pending_rewards`` computes the figure at a time of the caller's choosing.

``Unstaked`` does not say whether ``unstake`` or ``withdraw`` emitted it: it is read as a withdraw
when the account has a queue of exactly that amount. The one history this misreads (a queued
unstake, the cooldown then set to 0, then an immediate unstake of exactly the queued amount) is
reported by ``verify`` as a difference in ``staked``/``queued``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Table, func, insert, select

from quiltkit import staking_events as se
from quiltkit import verifier_bonds_events as be
from quiltkit._contract import ContractClient, ContractEvent
from quiltkit._types import checksum
from quiltkit.indexer import schema as t
from quiltkit.indexer.projection import Difference, Projection, chunks, differences
from quiltkit.staking import Staking, VerifierBonds

if TYPE_CHECKING:
    from web3 import Web3

    from quiltkit.indexer.store import IndexStore

__all__ = [
    "BondRow",
    "BondSetsProjection",
    "BondsProjection",
    "RewardTokenRow",
    "RewardsProjection",
    "StakeRow",
    "StakesProjection",
    "SuspensionRow",
    "SuspensionsProjection",
    "bond_rows",
    "minimum_rows",
    "reward_token_rows",
    "stake_rows",
    "suspension_rows",
]

_AMOUNTS = frozenset(
    {
        "staked", "queued", "staked_total", "unstaked_total", "paid", "notified", "rate", "recovered",
        "active", "unbonding", "bonded_total", "withdrawn_total", "slashed_total", "minimum",
        "suspended",
    }
)  # fmt: skip
"""Row fields stored as decimal text (uint256)."""


def _to_row(row: Any) -> dict[str, Any]:
    out = {}
    for f in fields(row):
        if f.name == "claims":
            continue
        value = getattr(row, f.name)
        out[f.name] = str(value) if f.name in _AMOUNTS else value
    return out


def _from_row(cls: Any, r: Any) -> Any:
    kwargs = {}
    for f in fields(cls):
        if f.name == "claims":
            continue
        value = r[f.name]
        kwargs[f.name] = int(value) if f.name in _AMOUNTS or f.type in ("int", int) else value
    return cls(**kwargs)


@dataclass
class StakeRow:
    account: str
    contract: str
    staked: int = 0
    queued: int = 0
    ready_at: int = 0
    staked_total: int = 0
    unstaked_total: int = 0
    updated_block: int = 0
    claims: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    """token -> (paid, claims, updated block)."""

    def apply(self, e: ContractEvent) -> None:
        self.updated_block = e.block_number
        if isinstance(e, se.Staked):
            self.staked, self.staked_total = e.stake, self.staked_total + e.amount
        elif isinstance(e, se.UnstakeQueued):
            self.staked -= e.amount
            self.queued += e.amount
            self.ready_at = e.ready_at
        elif isinstance(e, se.Unstaked):
            if self.queued and e.amount == self.queued:  # withdraw: the whole queue
                self.queued, self.ready_at = 0, 0
            else:  # unstake with no cooldown
                self.staked -= e.amount
            self.unstaked_total += e.amount
        elif isinstance(e, se.RewardPaid):
            paid, n, _ = self.claims.get(e.token, (0, 0, 0))
            self.claims[e.token] = (paid + e.amount, n + 1, e.block_number)


@dataclass
class RewardTokenRow:
    token: str
    contract: str
    notified: int = 0
    notifications: int = 0
    rate: int = 0
    period_finish: int = 0
    duration: int = 0
    recovered: int = 0
    added_block: int = -1
    """-1 until ``RewardTokenAdded``: ``recoverUnallocated`` also takes tokens never listed (sent by
    mistake), and those are not reward tokens."""
    added_log_index: int = -1
    updated_block: int = 0

    def apply(self, e: ContractEvent) -> None:
        self.updated_block = e.block_number
        if isinstance(e, se.RewardTokenAdded):  # not the token's first event: a recover may precede it
            self.added_block, self.added_log_index = e.block_number, e.log_index
        elif isinstance(e, se.RewardNotified):
            self.notified += e.amount
            self.notifications += 1
            self.rate, self.period_finish, self.duration = e.rate, e.period_finish, e.duration
        elif isinstance(e, se.UnallocatedRecovered):
            self.recovered += e.amount


@dataclass
class BondRow:
    verifier: str
    contract: str
    active: int = 0
    unbonding: int = 0
    ready_at: int = 0
    bonded_total: int = 0
    withdrawn_total: int = 0
    slashed_total: int = 0
    slashes: int = 0
    updated_block: int = 0

    def apply(self, e: ContractEvent) -> None:
        self.updated_block = e.block_number
        if isinstance(e, be.Bonded):
            self.active, self.bonded_total = e.active, self.bonded_total + e.amount
        elif isinstance(e, be.UnbondStarted):
            self.active -= e.amount
            self.unbonding += e.amount
            self.ready_at = e.ready_at
        elif isinstance(e, be.Unbonded):
            self.unbonding, self.ready_at = 0, 0
            self.withdrawn_total += e.amount
        elif isinstance(e, be.Slashed):  # the contract takes the active bond first
            if e.amount <= self.active:
                self.active -= e.amount
            else:
                self.unbonding -= e.amount - self.active
                self.active = 0
            self.slashed_total += e.amount
            self.slashes += 1


@dataclass
class MinimumRow:
    set_id: str
    contract: str
    minimum: int = 0
    updated_block: int = 0

    def apply(self, e: ContractEvent) -> None:
        self.updated_block = e.block_number
        if isinstance(e, be.MinimumBondUpdated):
            self.minimum = e.current


@dataclass
class SuspensionRow:
    consumer: str
    set_id: str
    contract: str
    suspended: int = 0
    """Bit i: member i of the set is suspended in ``consumer``."""
    pushes: int = 0
    updated_block: int = 0

    def apply(self, e: ContractEvent) -> None:
        if isinstance(e, be.SuspensionsPushed):  # each push records the whole bitmap
            self.suspended, self.pushes, self.updated_block = e.suspended, self.pushes + 1, e.block_number


_STAKE_EVENTS = (se.Staked, se.UnstakeQueued, se.Unstaked, se.RewardPaid)
_REWARD_EVENTS = (se.RewardTokenAdded, se.RewardNotified, se.UnallocatedRecovered)
_BOND_EVENTS = (be.Bonded, be.UnbondStarted, be.Unbonded, be.Slashed)


def _read(client: ContractClient, fn: str, block: int, *args: Any) -> Any:
    """One view at ``block``."""
    return client._decoded(fn, client._eth_call(client._encode(fn, *args), block))


class _RowProjection(Projection):
    """A projection whose subjects are one row each of ``table`` keyed by ``column``: loaded (or
    made new), every event applied in chain order, replaced."""

    table: Table
    column: str
    row_type: Callable[..., Any]

    def _key_of(self, event: ContractEvent) -> str:
        return self.key(self.subject(event) or "")

    def _id_of(self, event: ContractEvent) -> Any:
        """The row ``event`` changes, among its subject's rows (one row per subject: the key)."""
        return self._key_of(event)

    def _id(self, row: Any) -> Any:
        return getattr(row, self.column)

    def _new(self, e: ContractEvent) -> Any:
        return self.row_type(self._key_of(e), e.contract, **self._first(e))

    def _load(self, conn: Connection, keys: Sequence[str]) -> dict[Any, Any]:
        rows: dict[Any, Any] = {}
        for part in chunks(list(keys)):
            for r in conn.execute(select(self.table).where(self.table.c[self.column].in_(part))).mappings():
                row = _from_row(self.row_type, r)
                rows[self._id(row)] = row
        return rows

    def fold(self, conn: Connection, events: Sequence[ContractEvent], *, replay: bool) -> None:
        keys = sorted({self._key_of(e) for e in events})
        rows = {} if replay else self._load(conn, keys)
        for e in events:
            row_id = self._id_of(e)
            row = rows.get(row_id)
            if row is None:
                row = rows[row_id] = self._new(e)
            row.apply(e)
        self._write(conn, keys, rows)

    def _first(self, e: ContractEvent) -> dict[str, Any]:
        return {}

    def _write(self, conn: Connection, keys: Sequence[str], rows: dict[str, Any]) -> None:
        for part in chunks(list(keys)):
            conn.execute(self.table.delete().where(self.table.c[self.column].in_(part)))
        if rows:
            conn.execute(insert(self.table), [_to_row(r) for r in rows.values()])

    def rows(self, store: IndexStore) -> dict[Any, Any]:
        rows = (_from_row(self.row_type, r) for r in store.select(select(self.table)))
        return {self._id(row): row for row in rows}

    def _count(self, store: IndexStore) -> int:
        return int(store.select(select(func.count().label("n")).select_from(self.table))[0]["n"])


class StakesProjection(_RowProjection):
    """QuiltkitStaking's stakes per account (``qx_stakes``) and their paid rewards per token
    (``qx_reward_claims``)."""

    family = "QuiltkitStaking"
    client = Staking
    kind = "stake"
    tables = ((t.reward_claims, "account"), (t.stakes, "account"))
    table, column, row_type = t.stakes, "account", StakeRow

    def subject(self, event: ContractEvent) -> str | None:
        if isinstance(event, _STAKE_EVENTS):
            return f"stake:{event.account}"
        return None

    def _load(self, conn: Connection, keys: Sequence[str]) -> dict[str, Any]:
        rows = super()._load(conn, keys)
        for part in chunks(list(keys)):
            query = select(t.reward_claims).where(t.reward_claims.c.account.in_(part))
            for r in conn.execute(query).mappings():
                if r["account"] in rows:
                    claim = (int(r["paid"]), int(r["claims"]), int(r["updated_block"]))
                    rows[r["account"]].claims[r["token"]] = claim
        return rows

    def _write(self, conn: Connection, keys: Sequence[str], rows: dict[str, Any]) -> None:
        super()._write(conn, keys, rows)
        for part in chunks(list(keys)):
            conn.execute(t.reward_claims.delete().where(t.reward_claims.c.account.in_(part)))
        claims = [
            {"account": r.account, "token": token, "paid": str(paid), "claims": n, "updated_block": block}
            for r in rows.values()
            for token, (paid, n, block) in r.claims.items()
        ]
        if claims:
            conn.execute(insert(t.reward_claims), claims)

    def rows(self, store: IndexStore) -> dict[str, Any]:
        rows = super().rows(store)
        for r in store.select(select(t.reward_claims)):
            rows[r["account"]].claims[r["token"]] = (int(r["paid"]), int(r["claims"]), int(r["updated_block"]))
        return rows

    def verify(self, w3: Web3, address: str, store: IndexStore, block: int) -> list[Difference]:
        """Each account's stake and queued unstake (amount, ready time) against ``stakeOf`` and
        ``pendingUnstake``; the pool's ``totalStaked`` against the indexed stakes' sum."""
        pool = Staking(w3, address)
        out: list[Difference] = []
        rows = self.rows(store)
        for account, s in sorted(rows.items()):
            amount, ready_at = _read(pool, "pendingUnstake", block, account)
            pairs: dict[str, tuple[Any, Any]] = {
                "staked": (s.staked, int(_read(pool, "stakeOf", block, account))),
                "queued (amount, ready at)": ((s.queued, s.ready_at), (int(amount), int(ready_at))),
            }
            out += differences(f"stake {account}", pairs)
        total = sum(s.staked for s in rows.values())
        out += differences(f"staking pool {address}", {"total staked": (total, int(_read(pool, "totalStaked", block)))})
        return out

    def counts(self, store: IndexStore) -> dict[str, int]:
        return {"stakes": self._count(store)}


class RewardsProjection(_RowProjection):
    """QuiltkitStaking's reward tokens (``qx_reward_tokens``)."""

    family = "QuiltkitStaking"
    client = Staking
    kind = "reward"
    tables = ((t.reward_tokens, "token"),)
    table, column, row_type = t.reward_tokens, "token", RewardTokenRow

    def subject(self, event: ContractEvent) -> str | None:
        if isinstance(event, _REWARD_EVENTS):
            return f"reward:{event.token}"
        return None

    def verify(self, w3: Web3, address: str, store: IndexStore, block: int) -> list[Difference]:
        """The pool's reward tokens (in the order they were added) against ``rewardTokens``; each
        token's latest rate and period finish against ``rewardData``; and what the pool still
        owes stakers (``committed``: notified minus paid minus what streamed while nobody was
        staked) at most the indexed notified sum minus the indexed paid sum."""
        pool = Staking(w3, address)
        listed = [r for r in self.rows(store).values() if r.added_block >= 0]
        tokens = sorted(listed, key=lambda r: (r.added_block, r.added_log_index))
        out = differences(
            f"staking pool {address}",
            {"reward tokens": ([r.token for r in tokens], [str(a) for a in _read(pool, "rewardTokens", block)])},
        )
        paid: dict[str, int] = {}
        for r in store.select(select(t.reward_claims.c.token, t.reward_claims.c.paid)):
            paid[r["token"]] = paid.get(r["token"], 0) + int(r["paid"])
        for r in tokens:
            rate, finish, _, _ = _read(pool, "rewardData", block, r.token)
            pairs: dict[str, tuple[Any, Any]] = {
                "(rate, period finish)": ((r.rate, r.period_finish), (int(rate), int(finish)))
            }
            committed = int(_read(pool, "committed", block, r.token))
            owed = r.notified - paid.get(r.token, 0)
            if committed > owed:
                pairs["committed within notified - paid"] = (owed, committed)
            out += differences(f"reward token {r.token}", pairs)
        return out

    def counts(self, store: IndexStore) -> dict[str, int]:
        return {"reward_tokens": self._count(store)}


class BondsProjection(_RowProjection):
    """VerifierBonds' bonds per verifier (``qx_bonds``)."""

    family = "VerifierBonds"
    client = VerifierBonds
    kind = "bond"
    tables = ((t.bonds, "verifier"),)
    table, column, row_type = t.bonds, "verifier", BondRow

    def subject(self, event: ContractEvent) -> str | None:
        if isinstance(event, _BOND_EVENTS):
            return f"bond:{event.verifier}"
        return None

    def verify(self, w3: Web3, address: str, store: IndexStore, block: int) -> list[Difference]:
        """Each verifier's (active, unbonding, ready time) against ``bondOf``."""
        registry = VerifierBonds(w3, address)
        out: list[Difference] = []
        for verifier, b in sorted(self.rows(store).items()):
            chain = tuple(int(v) for v in _read(registry, "bondOf", block, verifier))
            pairs = {"(active, unbonding, ready at)": ((b.active, b.unbonding, b.ready_at), chain)}
            out += differences(f"bond {verifier}", pairs)
        return out

    def counts(self, store: IndexStore) -> dict[str, int]:
        return {"bonds": self._count(store)}


class BondSetsProjection(_RowProjection):
    """VerifierBonds' minimum bond per verifier set (``qx_bond_minimums``)."""

    family = "VerifierBonds"
    client = VerifierBonds
    kind = "bondset"
    tables = ((t.bond_minimums, "set_id"),)
    table, column, row_type = t.bond_minimums, "set_id", MinimumRow

    def subject(self, event: ContractEvent) -> str | None:
        if isinstance(event, be.MinimumBondUpdated):
            return f"bondset:{event.set_id}"
        return None

    def verify(self, w3: Web3, address: str, store: IndexStore, block: int) -> list[Difference]:
        """Each set's minimum against ``minimumBond``."""
        registry = VerifierBonds(w3, address)
        out: list[Difference] = []
        for set_id, m in sorted(self.rows(store).items()):
            on_chain = int(_read(registry, "minimumBond", block, bytes.fromhex(set_id[2:])))
            out += differences(f"bond set {set_id}", {"minimum": (m.minimum, on_chain)})
        return out


class SuspensionsProjection(_RowProjection):
    """The suspensions VerifierBonds pushed into its consumers (``qx_bond_suspensions``): per
    (registry, consumer, set), the bitmap of the latest ``SuspensionsPushed``."""

    family = "VerifierBonds"
    client = VerifierBonds
    kind = "suspension"
    tables = ((t.bond_suspensions, "set_id"),)
    table, column, row_type = t.bond_suspensions, "set_id", SuspensionRow

    def subject(self, event: ContractEvent) -> str | None:
        if isinstance(event, be.SuspensionsPushed):
            return f"suspension:{event.set_id}"
        return None

    def _id_of(self, event: ContractEvent) -> tuple[str, str, str]:
        return (event.contract, event.consumer, event.set_id)  # type: ignore[attr-defined]

    def _id(self, row: SuspensionRow) -> tuple[str, str, str]:
        return (row.contract, row.consumer, row.set_id)

    def _new(self, e: ContractEvent) -> SuspensionRow:
        return SuspensionRow(e.consumer, e.set_id, e.contract)  # type: ignore[attr-defined]

    def verify(self, w3: Web3, address: str, store: IndexStore, block: int) -> list[Difference]:
        """Each (consumer, set)'s bitmap and the block of its last push against the registry's
        ``SuspensionsPushed`` log up to ``block``, both ways (a push the index lacks is reported).

        A log, not a view: no consumer exposes its bitmap (the escrow is at the code-size limit),
        so this checks the index against the chain's record of the pushes (missed ranges, reorgs,
        the fold), not the consumer's storage. The push and the record happen in one call (the log
        exists only if the consumer took the write), so they differ only if some other holder of
        the consumer's recorder role wrote it, which no log of this registry shows."""
        registry = VerifierBonds(w3, address)
        # one eth_getLogs over the whole range where the node allows it, halved where it refuses
        pushed = registry.events(be.SuspensionsPushed, 0, block, page_size=block + 1)
        chain: dict[tuple[str, str], tuple[int, int]] = {}
        for e in pushed:
            chain[(e.consumer, e.set_id)] = (e.suspended, e.block_number)
        mine = checksum(address, "address")
        indexed = {
            (r.consumer, r.set_id): (r.suspended, r.updated_block)
            for r in self.rows(store).values()
            if r.contract == mine
        }
        out: list[Difference] = []
        for consumer, set_id in sorted(indexed.keys() | chain.keys()):
            pair = (indexed.get((consumer, set_id)), chain.get((consumer, set_id)))
            out += differences(f"suspensions {consumer} set {set_id}", {"(suspended, block of last push)": pair})
        return out

    def counts(self, store: IndexStore) -> dict[str, int]:
        return {"suspensions": self._count(store)}


STAKES, REWARDS, BONDS, BOND_SETS = StakesProjection(), RewardsProjection(), BondsProjection(), BondSetsProjection()
SUSPENSIONS = SuspensionsProjection()


def stake_rows(store: IndexStore) -> dict[str, StakeRow]:
    return STAKES.rows(store)


def reward_token_rows(store: IndexStore) -> dict[str, RewardTokenRow]:
    return REWARDS.rows(store)


def bond_rows(store: IndexStore) -> dict[str, BondRow]:
    return BONDS.rows(store)


def minimum_rows(store: IndexStore) -> dict[str, MinimumRow]:
    return BOND_SETS.rows(store)


def suspension_rows(store: IndexStore) -> dict[tuple[str, str, str], SuspensionRow]:
    """Keyed by (registry, consumer, set id)."""
    return SUSPENSIONS.rows(store)
