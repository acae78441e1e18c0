"""The gas table of each contract family, by the name `scripts/gas_table.py` takes."""

from __future__ import annotations

from gas_families import auction, badges, escrow, governance
from gas_families.table import Family

FAMILIES: dict[str, Family] = {f.name: f for f in (escrow.FAMILY, auction.FAMILY, governance.FAMILY, badges.FAMILY)}
