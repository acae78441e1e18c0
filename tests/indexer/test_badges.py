"""The badges projection on anvil: SoulboundBadge's types, badges and holders' reputation inputs
folded from its events after a random workload equal the contract's views (verify: terms,
validator sets, each badge's record and issue time, each holder's stored score and last activity
rebuilt from the inputs and the blocks' times), the typed queries filter and page as the chain
says, the decayed score a query computes equals ``reputationOf``, and reorgs of depths 1..6 in the
middle of the workload roll types, badges and holders back and re-apply them (SQLite and
PostgreSQL), ending equal to a fresh index of the final chain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from quiltkit.badges import BurnAuth
from quiltkit.cli import main
from quiltkit.devchain import advance_time
from quiltkit.exceptions import InvalidInput
from quiltkit.indexer import BadgeStatus, ContractRef, Deployment, Indexer, IndexStore, Queries, block_times, verify
from quiltkit.indexer.badges import badge_rows, badge_type_rows, holder_rows
from quiltkit.indexer.tiers import tier_balances, tier_rows
from sqlalchemy import update

from tests.indexer.badges_workload import DAY, BadgesWorkload, TiersWorkload
from tests.indexer.conftest import reorgs_mid_workload, rng
from tests.relayer.conftest import Chain


def _indexer(chain: Chain, work: BadgesWorkload, store: IndexStore, **options: int) -> Indexer:
    deployment = Deployment(
        chain_id=chain.chain_id,
        contracts={
            "MilestoneEscrow": ContractRef(address=chain.escrow.address, start_block=0),
            "SoulboundBadge": ContractRef(address=work.badges.address, start_block=0),
        },
    )
    indexer = Indexer(chain.w3, deployment, store, **options)
    indexer.prepare()
    return indexer


def test_badges_and_reputation_equal_the_contract_after_a_random_workload(chain: Chain, store: IndexStore) -> None:
    from quiltkit.indexer import schema as t

    work = BadgesWorkload(chain, rng(71))
    work.run(90)
    indexer = _indexer(chain, work, store)
    indexer.sync()
    block, differences = verify(chain.w3, store, indexer.deployment)
    assert block == chain.w3.eth.block_number
    assert differences == []
    for action in ("issue", "batch", "attest", "activity", "revoke", "burn", "time"):
        assert work.done.get(action, 0) >= 1, sorted(work.done.items())
    q = Queries(store)
    badges = work.badges
    every = q.badges(limit=1_000).items
    assert {b.token_id for b in every} == set(work.tokens)
    held = {token for token, _, _ in work.held()}
    assert {b.token_id for b in q.badges(status="held", limit=1_000).items} == held
    assert q.status().objects["badges"] == len(held)
    removed = [b for b in every if b.status is not BadgeStatus.HELD]
    assert removed and all(b.subtracted is not None and b.removed_block is not None for b in removed)
    assert {b.status for b in removed} == {BadgeStatus.REVOKED, BadgeStatus.BURNED}
    attested = [b for b in every if b.attestation_id is not None]
    assert attested and all(b.badge_type == work.attestable for b in attested)
    types = q.badge_types(limit=1_000).items
    assert [k.badge_type for k in types] == list(range(1, badges.type_count() + 1))
    for k in types:
        terms = badges.badge_type(k.badge_type)
        assert (k.name, k.uri, k.weight, k.burn_auth, k.threshold) == (
            terms.name,
            terms.uri,
            terms.weight,
            terms.burn_auth,
            terms.threshold,
        )
    assert types[work.attestable - 1].validators == [v.address for v in chain.verifiers]
    times, rate, now = block_times(chain.w3), badges.annual_rate_bps(), chain.now()
    for h in work.holders:
        mine = q.badges(holder=h.address, limit=1_000).items
        assert {b.token_id for b in mine if b.status is BadgeStatus.HELD} == {
            token for token, owner, _ in work.held() if owner == h.address
        }
        indexed = q.badge_holder(h.address)
        assert indexed is not None and indexed.held == badges.balance_of(h.address)
        rep = indexed.reputation(times, rate, now)  # the query's decay is the contract's view
        assert rep == badges.reputation(h.address)
        assert rep.current == badges.reputation_of(h.address) > 0
        advance_time(chain.w3, 3 * 365 * DAY)  # no event: the decay is the clock's alone
        now = chain.now()
        assert indexed.reputation(times, rate, now).current == badges.reputation_of(h.address)
    for kind in types:
        expected = sorted({b.holder for b in every if b.badge_type == kind.badge_type and b.status is BadgeStatus.HELD})
        ranked = q.badge_holders(badge_type=kind.badge_type, limit=1_000).items
        assert sorted(h.holder for h in ranked) == expected
        assert [h.held for h in ranked] == sorted((h.held for h in ranked), reverse=True)
    first = q.badges(limit=3)
    assert first.next_offset == 3 and q.badges(offset=3, limit=3).items[0] == every[3]
    assert all(b.badge_type == 2 for b in q.badges(badge_type=2, limit=1_000).items)
    for bad in ({"status": "lost"}, {"badge_type": 0}, {"holder": "0x12"}, {"limit": 0}):
        with pytest.raises(InvalidInput):
            q.badges(**bad)  # type: ignore[arg-type]
    # verify is not vacuous: a changed score input, a badge marked removed, a wrong URI are found
    with store.engine.begin() as conn:
        victim = next(iter(holder_rows(store).values()))
        bumped = json.dumps([[b, k.value, str(a + 1)] for b, k, a in victim.inputs])
        conn.execute(
            update(t.badge_holders).where(t.badge_holders.c.holder == victim.holder).values(inputs_json=bumped)
        )
        conn.execute(update(t.badges).where(t.badges.c.token_id == str(next(iter(held)))).values(status="revoked"))
        conn.execute(update(t.badge_types).where(t.badge_types.c.badge_type == "1").values(uri="ipfs://wrong"))
    fields = {(d.object.split(" ")[0], d.field) for d in verify(chain.w3, store, indexer.deployment)[1]}
    assert {("holder", "reputation (score, last activity)"), ("badge", "exists"), ("badge", "name, uri")} <= fields


def test_reorgs_mid_badges_workload_roll_types_badges_and_holders_back(
    chain: Chain, any_store: IndexStore, tmp_path: Path
) -> None:
    store = any_store
    work = BadgesWorkload(chain, rng(81))
    work.run(10)
    indexer = _indexer(chain, work, store, reorg_window=32)
    assert reorgs_mid_workload(chain, indexer, work, [3, 1, 6, 2, 5, 4], seed=82) > 0
    fresh = IndexStore(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        _indexer(chain, work, fresh).sync()
        assert sorted(store.event_keys()) == sorted(fresh.event_keys())
        assert badge_type_rows(store) == badge_type_rows(fresh)
        assert badge_rows(store) == badge_rows(fresh)
        assert holder_rows(store) == holder_rows(fresh)
    finally:
        fresh.dispose()


def test_cli_queries_badges_and_holders_and_refuses_a_bad_filter_in_one_line(chain: Chain, tmp_path: Path) -> None:
    work = BadgesWorkload(chain, rng(91))
    work.run(25)
    db = f"sqlite:///{tmp_path / 'badges-cli.db'}"
    cli_store = IndexStore(db)
    try:
        _indexer(chain, work, cli_store).sync()
        expected = Queries(cli_store).badges(limit=1_000).items
        holders = Queries(cli_store).badge_holders(badge_type=1, limit=1_000).items
    finally:
        cli_store.dispose()
    runner = CliRunner()
    page = json.loads(runner.invoke(main, ["index", "query", "badges", "--database-url", db, "--limit", "1000"]).output)
    assert [b["token_id"] for b in page["items"]] == [b.token_id for b in expected]
    holder = expected[0].holder
    mine = json.loads(
        runner.invoke(main, ["index", "query", "badges", "--database-url", db, "--holder", holder]).output
    )
    assert {b["holder"] for b in mine["items"]} == {holder}
    ranked = json.loads(
        runner.invoke(main, ["index", "query", "badge-holders", "--database-url", db, "--type", "1"]).output
    )
    assert [h["holder"] for h in ranked["items"]] == [h.holder for h in holders]
    types = json.loads(runner.invoke(main, ["index", "query", "badge-types", "--database-url", db]).output)
    assert [k["burn_auth"] for k in types["items"]][: len(BurnAuth)] == [int(a) for a in BurnAuth]
    for args in (["badges", "--status", "lost"], ["badges", "--holder", "0x12"], ["badge-holders", "--type", "0"]):
        result = runner.invoke(main, ["index", "query", args[0], "--database-url", db, *args[1:]])
        assert result.exit_code == 1, (args, result.output)
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error:"), result.output


def test_tiers_and_balances_equal_the_contract_through_reorgs(
    chain: Chain, any_store: IndexStore, tmp_path: Path
) -> None:
    from quiltkit.indexer import schema as t

    store = any_store
    work = TiersWorkload(chain, rng(101))
    work.run(20)
    deployment = Deployment(
        chain_id=chain.chain_id, contracts={"TieredBadges": ContractRef(address=work.tiers.address, start_block=0)}
    )
    indexer = Indexer(chain.w3, deployment, store, reorg_window=32)
    indexer.prepare()
    assert reorgs_mid_workload(chain, indexer, work, [2, 5, 1, 4], seed=102) > 0
    work.run(25)
    indexer.sync()
    assert verify(chain.w3, store, deployment)[1] == []
    for action in ("create", "mint", "burn", "upgrade", "transfer"):
        assert work.done.get(action, 0) >= 1, sorted(work.done.items())
    q = Queries(store)
    live = work.live()
    assert [(x.tier_id, x.soulbound, x.lower) for x in q.tiers().items] == [
        (x.tier_id, x.soulbound, x.lower) for x in live
    ]
    for h in work.holders:
        expected = {x.tier_id: work.tiers.balance_of(h.address, x.tier_id) for x in live}
        got = {b.tier_id: b.amount for b in q.tier_balances(account=h.address).items}
        assert got == {i: n for i, n in expected.items() if n}
    fresh_url = f"sqlite:///{tmp_path / 'fresh-tiers.db'}"
    fresh = IndexStore(fresh_url)
    try:
        other = Indexer(chain.w3, deployment, fresh)
        other.prepare()
        other.sync()
        assert tier_rows(store) == tier_rows(fresh)
        assert tier_balances(store) == tier_balances(fresh)
    finally:
        fresh.dispose()
    runner, holder = CliRunner(), work.holders[0].address
    listed = json.loads(runner.invoke(main, ["index", "query", "tiers", "--database-url", fresh_url]).output)
    assert [x["tier_id"] for x in listed["items"]] == [x.tier_id for x in live]
    theirs = json.loads(
        runner.invoke(main, ["index", "query", "tiers", "--database-url", fresh_url, "--account", holder]).output
    )
    assert {b["tier_id"]: b["amount"] for b in theirs["items"]} == {
        b.tier_id: b.amount for b in q.tier_balances(account=holder).items
    }
    bad = runner.invoke(main, ["index", "query", "tiers", "--database-url", fresh_url, "--account", "0x12"])
    assert bad.exit_code == 1 and bad.output.strip().startswith("error:"), bad.output
    with store.engine.begin() as conn:  # verify is not vacuous: one balance off is reported
        c = t.tier_balances.c
        (key, amount) = next(iter(tier_balances(store).items()))
        conn.execute(
            t.tier_balances.update()
            .where(c.contract == key[0], c.tier_id == str(key[1]), c.account == key[2])
            .values(amount=str(amount + 1))
        )
    assert [d.field for d in verify(chain.w3, store, deployment)[1]] == ["balance"]
