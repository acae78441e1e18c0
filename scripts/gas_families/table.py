"""What a family's gas table is made of, and how every table is rendered the same way."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

Figures = Mapping[str, int]
# An extra section: the lines it adds, given the figures; it appends the keys it wanted but did
# not find to the list it is handed.
Section = Callable[[Figures, list[str]], list[str]]


@dataclass(frozen=True)
class Row:
    """One scenario: its snapshot key, what it measures, its target, and the reference measured
    beside it in the same run (and a second one, ``also``, in its own column: a family's
    ``also_header``). ``target_is_reference``: the target is to match the reference."""

    key: str
    label: str
    target: int | None = None
    reference: str | None = None
    target_is_reference: bool = False
    also: str | None = None


@dataclass(frozen=True)
class Family:
    title: str
    snapshot: str  # file name under snapshots/
    output: str  # file name under benchmarks/
    name: str  # the argument of `scripts/gas_table.py`
    forge_match: str  # the gas test's path
    intro: tuple[str, ...]
    rows: tuple[Row, ...]
    conditions: tuple[str, ...] = ()
    reference_header: str = "Reference"
    also_header: str = "Second reference"
    list_unknown: bool = False  # also list snapshot keys that no row or section names
    known: tuple[str, ...] = ()  # keys shown by a section (not "unknown")
    sections: tuple[Section, ...] = field(default=())

    @property
    def forge_command(self) -> str:
        return f"forge test --isolate --match-path '{self.forge_match}'"

    def render(self, figures: Figures) -> str:
        lines = [f"# {self.title}", "", *self.intro, "", "Produced by:", "", "```sh", self.forge_command]
        lines += [f"python3 scripts/gas_table.py {self.name}", "```", ""]
        if self.conditions:
            lines += [*self.conditions, ""]
        with_references = any(r.reference for r in self.rows)
        with_also = any(r.also for r in self.rows)
        if with_references and with_also:
            lines += [
                f"| Scenario | Gas | {self.reference_header} | {self.also_header} | Target | Status |",
                "|---|---:|---:|---:|---:|---|",
            ]
        elif with_references:
            lines += [f"| Scenario | Gas | {self.reference_header} | Target | Status |", "|---|---:|---:|---:|---|"]
        else:
            lines += ["| Scenario | Gas | Target | Status |", "|---|---:|---:|---|"]
        missing: list[str] = []
        for row in self.rows:
            if row.key not in figures:
                missing.append(row.key)
                continue
            gas = figures[row.key]
            ref = figures.get(row.reference) if row.reference else None
            target = ref if row.target_is_reference else row.target
            cells = [f"{row.label} (`{row.key}`)", f"{gas:,}"]
            if with_references:
                cells.append(number(ref))
            if with_also:
                also = figures.get(row.also) if row.also else None
                if row.also and also is None:
                    missing.append(row.also)
                cells.append(number(also))
            cells += [number(target), status(gas, target)]
            lines.append("| " + " | ".join(cells) + " |")
        if self.list_unknown:
            named = {r.key for r in self.rows} | {r.reference for r in self.rows if r.reference} | set(self.known)
            named |= {r.also for r in self.rows if r.also}
            for key in sorted(set(figures) - named):
                columns = 2 + with_references + with_also
                lines.append(f"| `{key}` | {figures[key]:,} |" + "  |" * columns)
        for section in self.sections:
            lines += section(figures, missing)
        if missing:
            lines += ["", "Not in the snapshot (scenario missing or renamed): " + ", ".join(f"`{k}`" for k in missing)]
        return "\n".join(lines) + "\n"


def number(value: int | None) -> str:
    return f"{value:,}" if value is not None else ""


def status(gas: int, target: int | None) -> str:
    if target is None:
        return ""
    delta = gas - target
    if delta <= 0:
        return f"met ({-delta:,} under)"
    return f"**missed by {delta:,}** (+{delta / target:.0%})"


def references(heading: tuple[str, ...], labels: Mapping[str, str]) -> Section:
    """A section listing reference figures measured in the same run, under ``heading``."""

    def section(figures: Figures, missing: list[str]) -> list[str]:
        lines = ["", *heading, "", "| Reference | Gas |", "|---|---:|"]
        for key, label in labels.items():
            if key in figures:
                lines.append(f"| {label} (`{key}`) | {figures[key]:,} |")
            else:
                missing.append(key)
        return lines

    return section
