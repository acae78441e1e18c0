#!/usr/bin/env python3
"""Render benchmarks/escrow-gas.md from the committed forge gas snapshots.

Reads snapshots/*.json (written by `forge test --isolate --match-path
'tests/forge/escrow/MilestoneEscrow.gas.t.sol'`, which records full-transaction gas per
scenario) and writes a markdown table of every figure beside its target and the references.
It runs nothing: `make bench` runs forge, then this script.

Usage:
    python3 scripts/gas_table.py              # write benchmarks/escrow-gas.md and print it
    python3 scripts/gas_table.py --stdout     # print only
    python3 scripts/gas_table.py --check      # exit 1 if the committed table is stale
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT_DIR = ROOT / "snapshots"
OUTPUT = ROOT / "benchmarks" / "escrow-gas.md"
GROUP = "MilestoneEscrow"
COMMAND = "forge test --isolate --match-path 'tests/forge/escrow/MilestoneEscrow.gas.t.sol'"

# key -> (description, target or None). Order here is the order of the table.
SCENARIOS: dict[str, tuple[str, int | None]] = {
    "createAndFund_erc20_3milestones_2of3": (
        "create + fund in one call, ERC-20, 3 milestones, 2-of-3 verifiers (a new set, inline)",
        240_000,
    ),
    "createAndFund_eth_3milestones_2of3": ("create + fund in one call, ETH, 3 milestones, 2-of-3 verifiers", None),
    "fund_erc20_secondFunder": ("fund by a second funder, ERC-20", None),
    "release_erc20_payer_fee0_payeeHeldNone": ("payer release, ERC-20, payee held none, fee 0", 70_000),
    "release_erc20_payer_fee0_payeeHeldSome": ("payer release, ERC-20, payee already holds the token, fee 0", 54_000),
    "release_erc20_payer_fee100bps_payeeHeldNone": ("payer release, ERC-20, payee held none, 1% fee to treasury", None),
    "release_eth_payer_fee0": ("payer release, ETH, fee 0", 47_000),
    "releaseWithIntent_erc20_2of3_fee0_payeeHeldNone": (
        "attested 2-of-3 release, ERC-20, payee held none, fee 0",
        96_000,
    ),
    "releaseWithIntent_eth_2of3_fee0": ("attested 2-of-3 release, ETH, fee 0", 72_000),
    "multicall_twoIntents_erc20_2of3_fee0": ("two attested releases batched with multicall, ERC-20", None),
    "multicall_twentyIntents_eth_2of3_fee0": ("20 attested releases (2 escrows) in one multicall, ETH", None),
    "releaseWithIntents_twentyIntents_eth_2of3_fee0": (
        "20 attested releases (2 escrows) in releaseWithIntents, ETH",
        None,
    ),
    "dispute": ("dispute", None),
    "resolve_erc20_50pct_fee0": ("resolve 50/50, ERC-20, fee 0", 94_000),
    "closeExpiredDispute_erc20_refundToFunders": (
        "close an expired dispute with the default (all to the funders), ERC-20",
        None,
    ),
    "openRefunds_3milestones": ("openRefunds (3 milestones, 1 released)", None),
    "claimRefund_erc20": ("claimRefund, ERC-20", None),
    "withdraw_eth_credit": ("withdraw an ETH credit", 31_500),
}
# Batches of 20 (2 escrows, ETH), judged by absolute gas per payout (the escrow v2 issue retired
# the ratio to a lone release: it rewarded a dearer single release).
BATCHES = ("multicall_twentyIntents_eth_2of3_fee0", "releaseWithIntents_twentyIntents_eth_2of3_fee0")
BATCH_SIZE = 20
BATCH_ALONE = "releaseWithIntent_eth_2of3_fee0"
BATCH_TARGET_PER_PAYOUT = {"releaseWithIntents_twentyIntents_eth_2of3_fee0": 36_000}
REFERENCES: dict[str, str] = {
    "ref_erc20Transfer_freshRecipient": "bare ERC-20 transfer (OpenZeppelin 5 ERC20) to an address holding none",
    "ref_ozEscrowV4_deposit": "OpenZeppelin 4.9.6 Escrow.deposit",
    "ref_ozEscrowV4_withdraw": "OpenZeppelin 4.9.6 Escrow.withdraw",
}


def load_snapshots(directory: Path) -> dict[str, int]:
    """Every `name -> gas` of the escrow's snapshot group."""
    path = directory / f"{GROUP}.json"
    if not path.is_file():
        found = ", ".join(p.name for p in sorted(directory.glob("*.json"))) or "none"
        raise SystemExit(f"gas_table: {path} not found (snapshots present: {found}); run `{COMMAND}` first")
    data = json.loads(path.read_text())
    return {key: int(value) for key, value in data.items()}


def status(gas: int, target: int | None) -> str:
    if target is None:
        return ""
    delta = gas - target
    if delta <= 0:
        return f"met ({-delta:,} under)"
    return f"**missed by {delta:,}** (+{delta / target:.0%})"


def render(figures: dict[str, int]) -> str:
    lines = [
        "# MilestoneEscrow gas",
        "",
        "Full-transaction gas (what a receipt's `gasUsed` shows: the 21,000 base, calldata, cold",
        "storage and accounts, net of refunds), one transaction per call, EVM `cancun`, solc 0.8.30",
        "with the optimizer at 10,000 runs.",
        "",
        "Produced by:",
        "",
        "```sh",
        COMMAND,
        "python3 scripts/gas_table.py",
        "```",
        "",
        "Conditions: steady state (the escrow already holds the token and ETH, `escrowCount` > 0);",
        "default fee 0 unless stated; the ERC-20 payee held none of the token unless stated; the ETH",
        "payee is an existing account; payers keep a token balance and approve exactly what they fund;",
        "attested releases are submitted by a relayer with two ECDSA signatures.",
        "",
        "| Scenario | Gas | Target | Status |",
        "|---|---:|---:|---|",
    ]
    missing = []
    for key, (label, target) in SCENARIOS.items():
        if key not in figures:
            missing.append(key)
            continue
        gas = figures[key]
        lines.append(f"| {label} (`{key}`) | {gas:,} | {f'{target:,}' if target else ''} | {status(gas, target)} |")
    extra = sorted(set(figures) - set(SCENARIOS) - set(REFERENCES))
    for key in extra:
        lines.append(f"| `{key}` | {figures[key]:,} |  |  |")
    if BATCH_ALONE in figures and all(k in figures for k in BATCHES):
        alone = figures[BATCH_ALONE]
        lines += [
            "",
            f"Gas per payout in a batch of {BATCH_SIZE}, beside one attested ETH release alone ({alone:,}):",
            "",
            "| Batch | Gas per payout | vs alone | Target | Status |",
            "|---|---:|---:|---:|---|",
        ]
        for key in BATCHES:
            per = figures[key] // BATCH_SIZE
            target = BATCH_TARGET_PER_PAYOUT.get(key)
            shown = f"{target:,}" if target else ""
            lines.append(f"| `{key}` | {per:,} | {per / alone:.1%} | {shown} | {status(per, target)} |")
    lines += ["", "References, measured in the same run:", "", "| Reference | Gas |", "|---|---:|"]
    for key, label in REFERENCES.items():
        if key not in figures:
            missing.append(key)
            continue
        lines.append(f"| {label} (`{key}`) | {figures[key]:,} |")
    if missing:
        lines += ["", "Not in the snapshot (scenario missing or renamed): " + ", ".join(f"`{k}`" for k in missing)]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--snapshots", type=Path, default=SNAPSHOT_DIR, help="directory of forge snapshots")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="markdown file to write")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--stdout", action="store_true", help="print the table, write nothing")
    mode.add_argument("--check", action="store_true", help="fail if --output differs from the snapshots")
    args = parser.parse_args(argv)

    table = render(load_snapshots(args.snapshots))
    if args.check:
        current = args.output.read_text() if args.output.is_file() else ""
        if current != table:
            print(f"gas_table: {args.output} is stale; run `python3 scripts/gas_table.py`", file=sys.stderr)
            return 1
        return 0
    if not args.stdout:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(table)
    sys.stdout.write(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
