#!/usr/bin/env python3
"""Render the gas tables under benchmarks/ from the committed forge gas snapshots.

Each contract family (scripts/gas_families/<family>.py) names its snapshot (written by its
`forge test --isolate --match-path 'tests/forge/<area>/<Family>.gas.t.sol'`, full-transaction gas
per scenario, references measured in the same run), its scenarios with their targets and
references, and any extra section (batches, ratios). This script runs nothing: `make bench` runs
forge, then this script.

Usage:
    python3 scripts/gas_table.py                    # every family: write benchmarks/<family>-gas.md, print
    python3 scripts/gas_table.py escrow auction     # only these families
    python3 scripts/gas_table.py --stdout           # print only
    python3 scripts/gas_table.py --check            # exit 1 if a committed table is stale
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from gas_families import FAMILIES
from gas_families.table import Family

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT_DIR = ROOT / "snapshots"
OUTPUT_DIR = ROOT / "benchmarks"


def load(family: Family, directory: Path) -> dict[str, int]:
    """Every `name -> gas` of the family's snapshot."""
    path = directory / family.snapshot
    if not path.is_file():
        raise SystemExit(f"gas_table: {path} not found; run `{family.forge_command}` first")
    return {key: int(value) for key, value in json.loads(path.read_text()).items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("families", nargs="*", metavar="FAMILY", help=f"one of {', '.join(FAMILIES)} (default: all)")
    parser.add_argument("--snapshots", type=Path, default=SNAPSHOT_DIR, help="directory of forge snapshots")
    parser.add_argument("--output-dir", type=Path, default=OUTPUT_DIR, help="directory of the markdown tables")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--stdout", action="store_true", help="print the tables, write nothing")
    mode.add_argument("--check", action="store_true", help="fail if a committed table differs from its snapshot")
    args = parser.parse_args(argv)
    unknown = [name for name in args.families if name not in FAMILIES]
    if unknown:
        parser.error(f"unknown family {unknown[0]!r}; known: {', '.join(FAMILIES)}")

    stale = []
    for name in args.families or list(FAMILIES):
        family = FAMILIES[name]
        table = family.render(load(family, args.snapshots))
        output = args.output_dir / family.output
        if args.check:
            if not output.is_file() or output.read_text() != table:
                stale.append(output)
            continue
        if not args.stdout:
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text(table)
        sys.stdout.write(table)
    for output in stale:
        print(f"gas_table: {output} is stale; run `python3 scripts/gas_table.py`", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
