#!/usr/bin/env python3
"""Render benchmarks/governance-gas.md from the committed governance gas snapshot.

Reads snapshots/Governance.json (written by `forge test --isolate --match-path
'tests/forge/governance/Governance.gas.t.sol'`: full-transaction gas of ours and of plain
OpenZeppelin 5 ERC20Votes + Governor, measured in the same run) and writes each scenario beside
its reference and its target. It runs nothing: `make bench` runs forge, then this script.

Usage:
    python3 scripts/governance_gas_table.py            # write the table and print it
    python3 scripts/governance_gas_table.py --stdout   # print only
    python3 scripts/governance_gas_table.py --check    # exit 1 if the committed table is stale
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = ROOT / "snapshots" / "Governance.json"
OUTPUT = ROOT / "benchmarks" / "governance-gas.md"
COMMAND = "forge test --isolate --match-path 'tests/forge/governance/Governance.gas.t.sol'"

# key -> (description, reference key or None, fixed target or None). A scenario with a reference
# and no fixed target targets the reference ("at or below plain OpenZeppelin, same run").
SCENARIOS: dict[str, tuple[str, str | None, int | None]] = {
    "transfer_bothDelegated": ("transfer, sender and recipient delegated", "ref_transfer_bothDelegated", None),
    "delegate_redelegate": ("delegate (re-delegate a 20,000 holder)", "ref_delegate_redelegate", None),
    "donate_firstDonation": ("donate 1 ETH (first donation, mints and forwards)", None, None),
    "mintBatch_10freshRecipients": ("batch mint to 10 fresh recipients", None, None),
    "propose_standard": ("propose (plain `propose`, STANDARD)", "ref_propose", None),
    "propose_typed_treasurySpend": ("proposeTyped TREASURY_SPEND", None, 90_000),
    "castVote_first": ("castVote, first vote (reaches quorum)", "ref_castVote_first", None),
    "castVote_second": ("castVote, second vote", "ref_castVote_second", None),
    "castVote_quadratic_first": ("castVote FOUNDER_IDEA (quadratic), first vote", None, 90_000),
    "castVote_quadratic_second": ("castVote FOUNDER_IDEA (quadratic), second vote", None, 90_000),
    "queue": ("queue (one call)", "ref_queue", None),
    "execute": ("execute (one call)", "ref_execute", None),
}


def load(path: Path) -> dict[str, int]:
    if not path.is_file():
        raise SystemExit(f"governance_gas_table: {path} not found; run `{COMMAND}` first")
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
        "# Governance gas",
        "",
        "Full-transaction gas (21,000 base, calldata, cold storage and accounts, net of refunds), one",
        "transaction per call, EVM `cancun`, solc 0.8.30, optimizer 10,000 runs. The reference is plain",
        "OpenZeppelin 5 (ERC20 + Permit + Votes on a timestamp clock, not upgradeable, no pause or cap;",
        "Governor + Settings + CountingSimple + Votes + QuorumFraction + TimelockControl, no late-quorum",
        "protection), built from the npm package and measured in the same run. Everything is built at",
        "10,000 optimizer runs except QuiltkitGovernor, built alone at 200 runs to fit EIP-170's 24,576-byte",
        "limit (the gas test deploys it from its artifact, the bytecode the SDK ships).",
        "",
        "Produced by:",
        "",
        "```sh",
        COMMAND,
        "python3 scripts/governance_gas_table.py",
        "```",
        "",
        "| Scenario | Gas | OpenZeppelin reference | Target | Status |",
        "|---|---:|---:|---:|---|",
    ]
    missing = []
    for key, (label, ref_key, fixed) in SCENARIOS.items():
        if key not in figures:
            missing.append(key)
            continue
        gas = figures[key]
        ref = figures.get(ref_key) if ref_key else None
        target = fixed if fixed is not None else ref
        ref_cell = f"{ref:,}" if ref is not None else ""
        target_cell = f"{target:,}" if target is not None else ""
        lines.append(f"| {label} (`{key}`) | {gas:,} | {ref_cell} | {target_cell} | {status(gas, target)} |")
    if missing:
        lines += ["", "Not in the snapshot: " + ", ".join(f"`{k}`" for k in missing)]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--snapshot", type=Path, default=SNAPSHOT, help="forge snapshot file")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="markdown file to write")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--stdout", action="store_true", help="print the table, write nothing")
    mode.add_argument("--check", action="store_true", help="fail if --output differs from the snapshot")
    args = parser.parse_args(argv)

    table = render(load(args.snapshot))
    if args.check:
        current = args.output.read_text() if args.output.is_file() else ""
        if current != table:
            print(
                f"governance_gas_table: {args.output} is stale; run `python3 scripts/governance_gas_table.py`",
                file=sys.stderr,
            )
            return 1
        return 0
    if not args.stdout:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(table)
    sys.stdout.write(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
