#!/usr/bin/env python3
"""Render benchmarks/auction-gas.md from the committed AuctionHouse gas snapshot.

Reads snapshots/AuctionHouse.json (written by `forge test --isolate --match-path
'tests/forge/auction/AuctionHouse.gas.t.sol'`, full-transaction gas per scenario, with the
Solidity/OpenZeppelin reference auction measured in the same run) and writes the table of every
figure beside its target, the ERC-1155-vs-ERC-721 ratios and the reference. It runs nothing:
`make bench` runs forge, then this script.

Usage:
    python3 scripts/auction_gas_table.py            # write benchmarks/auction-gas.md and print it
    python3 scripts/auction_gas_table.py --stdout   # print only
    python3 scripts/auction_gas_table.py --check    # exit 1 if the committed table is stale
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from gas_table import status

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = ROOT / "snapshots" / "AuctionHouse.json"
OUTPUT = ROOT / "benchmarks" / "auction-gas.md"
COMMAND = "forge test --isolate --match-path 'tests/forge/auction/AuctionHouse.gas.t.sol'"

# key -> (description, target or None, reference key or None). Order is the table's.
SCENARIOS: dict[str, tuple[str, int | None, str | None]] = {
    "list_erc721_eth": ("list an ERC-721 token, ETH", 150_000, "ref_list_erc721_eth"),
    "list_erc721_erc20": ("list an ERC-721 token, ERC-20", None, None),
    "list_erc1155_eth": ("list 10 units of an ERC-1155 id, ETH", None, None),
    "firstBid_eth_erc721": ("first bid, ETH, ERC-721 lot", 50_000, "ref_firstBid_eth_erc721"),
    "firstBid_eth_erc1155": ("first bid, ETH, ERC-1155 lot", None, None),
    "firstBid_erc20_erc721": ("first bid, ERC-20, ERC-721 lot", None, None),
    "outbid_eth_erc721": ("outbid (refund pushed), ETH, ERC-721 lot", 54_000, "ref_outbid_eth_erc721"),
    "outbid_eth_erc721_insideBuffer": ("outbid inside the time buffer (end extended), ETH", None, None),
    "outbid_eth_erc1155": ("outbid, ETH, ERC-1155 lot", None, None),
    "outbid_erc20_erc721": ("outbid, ERC-20, ERC-721 lot", None, None),
    "settle_erc721_eth_royaltyFee": (
        "settle, ERC-721, ETH, 5% royalty + 1% fee",
        120_000,
        "ref_settle_erc721_eth_royaltyFee",
    ),
    "settle_erc721_eth_royaltyFeeImpact": ("settle, ERC-721, ETH, royalty + fee + 2% impact share", None, None),
    "settle_erc1155_eth_royaltyFee": ("settle, ERC-1155, ETH, royalty + fee", None, None),
    "settle_erc721_erc20_royaltyFee": ("settle, ERC-721, ERC-20, royalty + fee", None, None),
    "settle_erc721_noBids": ("settle without bids (lot back to the seller)", None, None),
    "settleMany_five_erc721_eth_royaltyFee": ("settle_many of 5, ERC-721, ETH, royalty + fee", None, None),
    "withdraw_eth_credit": ("withdraw an ETH credit", None, None),
}
# ERC-1155 within 10% of ERC-721 (issue 24).
PAIRS = (
    ("list_erc1155_eth", "list_erc721_eth"),
    ("firstBid_eth_erc1155", "firstBid_eth_erc721"),
    ("outbid_eth_erc1155", "outbid_eth_erc721"),
    ("settle_erc1155_eth_royaltyFee", "settle_erc721_eth_royaltyFee"),
)
PAIR_TOLERANCE = 0.10
REFERENCES = {
    "ref_list_erc721_eth": "list",
    "ref_firstBid_eth_erc721": "first bid",
    "ref_outbid_eth_erc721": "outbid",
    "ref_settle_erc721_eth_royaltyFee": "settle (5% royalty + 1% fee)",
}


def load(path: Path) -> dict[str, int]:
    if not path.is_file():
        raise SystemExit(f"auction_gas_table: {path} not found; run `{COMMAND}` first")
    return {key: int(value) for key, value in json.loads(path.read_text()).items()}


def render(figures: dict[str, int]) -> str:
    lines = [
        "# AuctionHouse gas",
        "",
        "Full-transaction gas (a receipt's `gasUsed`: the 21,000 base, calldata, cold accounts and",
        "slots, net of refunds), one transaction per call, EVM `cancun`; the house is Vyper 0.4.3",
        "(`optimize = gas`), the reference English auction is Solidity 0.8.30 on OpenZeppelin 5",
        "(optimizer 10,000 runs), measured in the same run.",
        "",
        "Produced by:",
        "",
        "```sh",
        COMMAND,
        "python3 scripts/auction_gas_table.py",
        "```",
        "",
        "Conditions: steady state (the house already holds a token of the collection and the bids",
        "of other live auctions, `auction_count` > 0); the seller approved the house with",
        "`setApprovalForAll`; bidders, seller, treasury and royalty receiver are existing accounts;",
        "the winner held none of the collection; ERC-20 bidders approve exactly their bid.",
        "",
        "| Scenario | Gas | Target | Status | Reference |",
        "|---|---:|---:|---|---:|",
    ]
    missing = []
    for key, (label, target, ref) in SCENARIOS.items():
        if key not in figures:
            missing.append(key)
            continue
        gas = figures[key]
        ref_text = f"{figures[ref]:,}" if ref and ref in figures else ""
        target_text = f"{target:,}" if target else ""
        lines.append(f"| {label} (`{key}`) | {gas:,} | {target_text} | {status(gas, target)} | {ref_text} |")
    lines += [
        "",
        f"ERC-1155 against ERC-721 (target: within {PAIR_TOLERANCE:.0%}):",
        "",
        "| Pair | ERC-1155 | ERC-721 | Ratio | Status |",
        "|---|---:|---:|---:|---|",
    ]
    for a, b in PAIRS:
        if a in figures and b in figures:
            ratio = figures[a] / figures[b]
            verdict = "met" if abs(ratio - 1) <= PAIR_TOLERANCE else "**missed**"
            lines.append(f"| `{a}` / `{b}` | {figures[a]:,} | {figures[b]:,} | {ratio:.3f} | {verdict} |")
    lines += [
        "",
        "Reference: `tests/forge/auction/reference/ReferenceEnglishAuction.sol` (ETH, ERC-721,",
        "reserve, increment, time buffer, bounded refund with credit fallback, capped royalty, fee):",
        "",
        "| Reference | Gas |",
        "|---|---:|",
    ]
    for key, label in REFERENCES.items():
        if key in figures:
            lines.append(f"| {label} (`{key}`) | {figures[key]:,} |")
        else:
            missing.append(key)
    if missing:
        lines += ["", "Not in the snapshot (scenario missing or renamed): " + ", ".join(f"`{k}`" for k in missing)]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
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
                f"auction_gas_table: {args.output} is stale; run `python3 scripts/auction_gas_table.py`",
                file=sys.stderr,
            )
            return 1
        return 0
    if not args.stdout:
        args.output.write_text(table)
    sys.stdout.write(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
