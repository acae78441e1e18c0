"""MilestoneEscrow: the issue-25 targets, batches judged per payout, OpenZeppelin references."""

from __future__ import annotations

from gas_families.table import Family, Figures, Row, number, references, status

BATCH_SIZE = 20
BATCH_ALONE = "releaseWithIntent_eth_2of3_fee0"
# Batches of 20 (2 escrows, ETH), judged by absolute gas per payout (the escrow v2 issue retired
# the ratio to a lone release: it rewarded a dearer single release).
BATCH_TARGET_PER_PAYOUT: dict[str, int | None] = {
    "multicall_twentyIntents_eth_2of3_fee0": None,
    "releaseWithIntents_twentyIntents_eth_2of3_fee0": 36_000,
}
REFERENCES = {
    "ref_erc20Transfer_freshRecipient": "bare ERC-20 transfer (OpenZeppelin 5 ERC20) to an address holding none",
    "ref_ozEscrowV4_deposit": "OpenZeppelin 4.9.6 Escrow.deposit",
    "ref_ozEscrowV4_withdraw": "OpenZeppelin 4.9.6 Escrow.withdraw",
}


def batches(figures: Figures, missing: list[str]) -> list[str]:
    if BATCH_ALONE not in figures or not all(k in figures for k in BATCH_TARGET_PER_PAYOUT):
        return []
    alone = figures[BATCH_ALONE]
    lines = [
        "",
        f"Gas per payout in a batch of {BATCH_SIZE}, beside one attested ETH release alone ({alone:,}):",
        "",
        "| Batch | Gas per payout | vs alone | Target | Status |",
        "|---|---:|---:|---:|---|",
    ]
    for key, target in BATCH_TARGET_PER_PAYOUT.items():
        per = figures[key] // BATCH_SIZE
        lines.append(f"| `{key}` | {per:,} | {per / alone:.1%} | {number(target)} | {status(per, target)} |")
    return lines


FAMILY = Family(
    title="MilestoneEscrow gas",
    name="escrow",
    snapshot="MilestoneEscrow.json",
    output="escrow-gas.md",
    forge_match="tests/forge/escrow/MilestoneEscrow.gas.t.sol",
    intro=(
        "Full-transaction gas (what a receipt's `gasUsed` shows: the 21,000 base, calldata, cold",
        "storage and accounts, net of refunds), one transaction per call, EVM `cancun`, solc 0.8.30",
        "with the optimizer at 2,000 runs (MilestoneEscrow v2 exceeds EIP-170's 24,576 bytes at 10,000;",
        "foundry.toml and ape-config.yaml build it at 2,000, and the scenario's helpers with it).",
    ),
    conditions=(
        "Conditions: steady state (the escrow already holds the token and ETH, `escrowCount` > 0);",
        "default fee 0 unless stated; the ERC-20 payee held none of the token unless stated; the ETH",
        "payee is an existing account; payers keep a token balance and approve exactly what they fund;",
        "attested releases are submitted by a relayer with two ECDSA signatures.",
    ),
    rows=(
        Row(
            "createAndFund_erc20_3milestones_2of3",
            "create + fund in one call, ERC-20, 3 milestones, 2-of-3 verifiers (a new set, inline)",
            240_000,
        ),
        Row(
            "createAndFund_erc20_3milestones_registeredSet",
            "create + fund in one call, ERC-20, 3 milestones, registered 2-of-3 set by id, payer sole funder",
            215_000,
        ),
        Row(
            "createAndFund_eth_3milestones_2of3",
            "create + fund in one call, ETH, 3 milestones, 2-of-3 verifiers (a new set, inline)",
        ),
        Row("fund_erc20_secondFunder", "fund by a second funder, ERC-20"),
        Row("release_erc20_payer_fee0_payeeHeldNone", "payer release, ERC-20, payee held none, fee 0", 70_000),
        Row(
            "release_erc20_payer_fee0_payeeHeldSome",
            "payer release, ERC-20, payee already holds the token, fee 0",
            54_000,
        ),
        Row(
            "release_erc20_payer_fee100bps_payeeHeldNone",
            "payer release, ERC-20, payee held none, 1% fee to treasury",
        ),
        Row("release_eth_payer_fee0", "payer release, ETH, fee 0", 47_000),
        Row(
            "releaseWithIntent_erc20_2of3_fee0_payeeHeldNone",
            "attested 2-of-3 release, ERC-20, payee held none, fee 0",
            96_000,
        ),
        Row("releaseWithIntent_eth_2of3_fee0", "attested 2-of-3 release, ETH, fee 0", 72_000),
        Row("multicall_twoIntents_erc20_2of3_fee0", "two attested releases batched with multicall, ERC-20"),
        Row("multicall_twentyIntents_eth_2of3_fee0", "20 attested releases (2 escrows) in one multicall, ETH"),
        Row(
            "releaseWithIntents_twentyIntents_eth_2of3_fee0",
            "20 attested releases (2 escrows) in releaseWithIntents, ETH",
        ),
        Row("dispute", "dispute"),
        Row("resolve_erc20_50pct_fee0", "resolve 50/50, ERC-20, fee 0", 94_000),
        Row(
            "closeExpiredDispute_erc20_refundToFunders",
            "close an expired dispute with the default (all to the funders), ERC-20",
        ),
        Row("openRefunds_3milestones", "openRefunds (3 milestones, 1 released)"),
        Row("claimRefund_erc20", "claimRefund, ERC-20"),
        Row("withdraw_eth_credit", "withdraw an ETH credit", 31_500),
    ),
    list_unknown=True,
    known=tuple(REFERENCES),
    sections=(batches, references(("References, measured in the same run:",), REFERENCES)),
)
