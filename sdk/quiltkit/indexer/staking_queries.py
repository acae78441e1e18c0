"""The staking and bonds queries of :class:`~quiltkit.indexer.Queries` (a mixin: they live beside
their projection, :mod:`quiltkit.indexer.staking`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, func, select

from quiltkit._types import checksum
from quiltkit.exceptions import InvalidInput
from quiltkit.indexer import queries as _queries
from quiltkit.indexer import schema as t
from quiltkit.indexer.models import (
    IndexedBond,
    IndexedBondMinimum,
    IndexedRewardToken,
    IndexedStake,
    IndexedSuspension,
    Page,
)
from quiltkit.indexer.staking import BondRow, MinimumRow, RewardTokenRow, StakeRow, SuspensionRow, _from_row
from quiltkit.staking import SetSuspensions

if TYPE_CHECKING:
    from quiltkit.indexer.store import IndexStore

__all__ = ["StakingQueries", "staking_demo_lines"]


def _page_args(offset: int, limit: int) -> None:
    # queries.py imports this module while it loads: its paging rule is looked up at call time
    _queries._page_args(offset, limit)


def _set_id(set_id: bytes | str) -> str:
    """A verifier set id as the index stores it (0x + 64 lower-case hex digits)."""
    text = "0x" + set_id.hex() if isinstance(set_id, bytes) else set_id.lower()
    digits = text[2:] if text.startswith("0x") else ""
    if len(digits) != 64 or any(c not in "0123456789abcdef" for c in digits):
        raise InvalidInput(f"a set id is 32 bytes (0x + 64 hex digits), got {set_id!r}", field="set")
    return text


def _page(items: list[Any], offset: int, limit: int, more: bool) -> Page[Any]:
    return Page(items=items, offset=offset, limit=limit, next_offset=offset + limit if more else None)


class StakingQueries:
    store: IndexStore

    def stakes(
        self, *, account: str | None = None, queued: bool | None = None, offset: int = 0, limit: int = 100
    ) -> Page[IndexedStake]:
        """Stakes in the pool, by account; ``queued``: only those with (True) or without (False)
        an unstake waiting for its cooldown."""
        _page_args(offset, limit)
        query: Select[Any] = select(t.stakes).order_by(t.stakes.c.account)
        if account is not None:
            query = query.where(t.stakes.c.account == checksum(account, "account"))
        if queued is not None:
            query = query.where(t.stakes.c.queued != "0") if queued else query.where(t.stakes.c.queued == "0")
        rows = self.store.select(query.offset(offset).limit(limit + 1))
        stakes: list[StakeRow] = [_from_row(StakeRow, r) for r in rows[:limit]]
        paid: dict[str, dict[str, int]] = {}
        if stakes:
            claims = select(t.reward_claims).where(t.reward_claims.c.account.in_([s.account for s in stakes]))
            for r in self.store.select(claims):
                paid.setdefault(r["account"], {})[r["token"]] = int(r["paid"])
        items = [
            IndexedStake(
                account=s.account,
                contract=s.contract,
                staked=s.staked,
                queued=s.queued,
                ready_at=s.ready_at,
                staked_total=s.staked_total,
                unstaked_total=s.unstaked_total,
                rewards_paid=paid.get(s.account, {}),
                updated_block=s.updated_block,
            )
            for s in stakes
        ]
        return _page(items, offset, limit, len(rows) > limit)

    def rewards(self, *, token: str | None = None, offset: int = 0, limit: int = 100) -> Page[IndexedRewardToken]:
        """The pool's reward tokens in the order they were added, with what stakers were paid."""
        _page_args(offset, limit)
        query: Select[Any] = (
            select(t.reward_tokens)
            .where(t.reward_tokens.c.added_block >= 0)  # a token only recovered from is not one
            .order_by(t.reward_tokens.c.added_block, t.reward_tokens.c.added_log_index)
        )
        if token is not None:
            query = query.where(t.reward_tokens.c.token == checksum(token, "token"))
        rows = self.store.select(query.offset(offset).limit(limit + 1))
        tokens: list[RewardTokenRow] = [_from_row(RewardTokenRow, r) for r in rows[:limit]]
        paid: dict[str, tuple[int, int]] = {}
        if tokens:
            claims = select(t.reward_claims.c.token, t.reward_claims.c.paid).where(
                t.reward_claims.c.token.in_([r.token for r in tokens])
            )
            for r in self.store.select(claims):  # amounts are text: added up here, not in SQL
                total, n = paid.get(r["token"], (0, 0))
                paid[r["token"]] = (total + int(r["paid"]), n + 1)
        items = [
            IndexedRewardToken(
                token=r.token,
                contract=r.contract,
                notified=r.notified,
                notifications=r.notifications,
                rate=r.rate,
                period_finish=r.period_finish,
                duration=r.duration,
                recovered=r.recovered,
                paid=paid.get(r.token, (0, 0))[0],
                claimants=paid.get(r.token, (0, 0))[1],
                added_block=r.added_block,
                updated_block=r.updated_block,
            )
            for r in tokens
        ]
        return _page(items, offset, limit, len(rows) > limit)

    def bonds(
        self, *, verifier: str | None = None, set: bytes | str | None = None, offset: int = 0, limit: int = 100
    ) -> Page[IndexedBond]:
        """Verifiers' bonds, by verifier; ``set``: only those whose active bond meets that set's
        minimum (whose signatures count toward it: the contract's ``counts``)."""
        _page_args(offset, limit)
        query: Select[Any] = select(t.bonds).order_by(t.bonds.c.verifier)
        if verifier is not None:
            query = query.where(t.bonds.c.verifier == checksum(verifier, "verifier"))
        if set is None:
            rows = self.store.select(query.offset(offset).limit(limit + 1))
            bonds: list[BondRow] = [_from_row(BondRow, r) for r in rows]
        else:  # amounts are decimal text: compared here, not in SQL
            set_id = _set_id(set)
            found = self.store.select(select(t.bond_minimums.c.minimum).where(t.bond_minimums.c.set_id == set_id))
            minimum = int(found[0]["minimum"]) if found else 0
            every = [_from_row(BondRow, r) for r in self.store.select(query)]
            bonds = [b for b in every if b.active >= minimum][offset : offset + limit + 1]
        items = [IndexedBond(**{k: getattr(b, k) for k in IndexedBond.model_fields}) for b in bonds[:limit]]
        return _page(items, offset, limit, len(bonds) > limit)

    def bond_minimums(self, *, offset: int = 0, limit: int = 100) -> Page[IndexedBondMinimum]:
        """Every verifier set's minimum bond the registry was told, by set id."""
        _page_args(offset, limit)
        query = select(t.bond_minimums).order_by(t.bond_minimums.c.set_id).offset(offset).limit(limit + 1)
        rows = self.store.select(query)
        minimums: list[MinimumRow] = [_from_row(MinimumRow, r) for r in rows[:limit]]
        items = [
            IndexedBondMinimum(set_id=m.set_id, contract=m.contract, minimum=m.minimum, updated_block=m.updated_block)
            for m in minimums
        ]
        return _page(items, offset, limit, len(rows) > limit)

    def suspensions(
        self,
        *,
        consumer: str | None = None,
        set: bytes | str | None = None,
        suspended_only: bool = False,
        offset: int = 0,
        limit: int = 100,
    ) -> Page[IndexedSuspension]:
        """What each consumer (an escrow, the badges, a funding round) last recorded for each
        verifier set, by consumer then set id; ``suspended_only``: only those with a member
        suspended."""
        _page_args(offset, limit)
        s = t.bond_suspensions
        query: Select[Any] = select(s).order_by(s.c.consumer, s.c.set_id, s.c.contract)
        if consumer is not None:
            query = query.where(s.c.consumer == checksum(consumer, "consumer"))
        if set is not None:
            query = query.where(s.c.set_id == _set_id(set))
        if suspended_only:  # decimal text with no leading zeros: "0" is the only empty bitmap
            query = query.where(s.c.suspended != "0")
        rows = self.store.select(query.offset(offset).limit(limit + 1))
        found: list[SuspensionRow] = [_from_row(SuspensionRow, r) for r in rows[:limit]]
        items = [
            IndexedSuspension(
                contract=r.contract,
                consumer=r.consumer,
                set_id=r.set_id,
                suspended=r.suspended,
                members=SetSuspensions(set_id=bytes.fromhex(r.set_id[2:]), suspended=r.suspended).members,
                pushes=r.pushes,
                updated_block=r.updated_block,
            )
            for r in found
        ]
        return _page(items, offset, limit, len(rows) > limit)

    def _staking_counts(self) -> dict[str, int]:
        stakes = self.store.select(select(func.count().label("n")).select_from(t.stakes))[0]["n"]
        bonds = self.store.select(select(func.count().label("n")).select_from(t.bonds))[0]["n"]
        return {"stakes": int(stakes), "bonds": int(bonds)}


def staking_demo_lines(q: StakingQueries) -> list[str]:
    """The demo's indexer chapter, staking part: stakes, reward streams, bonds and the suspensions
    pushed into consumers as indexed."""
    unit = 10**18
    lines = [
        f"  stake {s.account}: {s.staked / unit:,.2f} staked, paid {len(s.rewards_paid)} reward tokens"
        for s in q.stakes(limit=10).items
    ]
    lines += [
        f"  reward token {r.token}: notified {r.notified} over {r.notifications} periods, paid {r.paid} "
        f"to {r.claimants} stakers"
        for r in q.rewards(limit=10).items
    ]
    lines += [
        f"  bond {b.verifier}: active {b.active / unit:,.2f}, slashed {b.slashed_total / unit:,.2f}"
        for b in q.bonds(limit=10).items
    ]
    lines += [
        f"  suspended in {s.consumer}: members {s.members} of set {s.set_id[:10]}.. (pushed at block {s.updated_block})"
        for s in q.suspensions(suspended_only=True, limit=10).items
    ]
    return lines
