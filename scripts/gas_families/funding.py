"""Funding rounds: donate overhead over a plain transferFrom, finalize per project, the issue-23 targets."""

from __future__ import annotations

from gas_families.table import Family, Figures, Row, number, references, status

TRANSFER_FROM = "ref_erc20TransferFrom"
DONATE_OVERHEAD_TARGET = 30_000
FINALIZE_PER_PROJECT_TARGET = 30_000
FINALIZE_SIZES = (10, 100, 500)
REFERENCES = {
    TRANSFER_FROM: "plain ERC-20 transferFrom (OpenZeppelin 5 ERC20) into an account already holding the token",
}


def donate_overhead(figures: Figures, missing: list[str]) -> list[str]:
    keys = ("donate_erc20_firstDonor", "donate_erc20_repeatDonor")
    if TRANSFER_FROM not in figures or not all(k in figures for k in keys):
        return []
    base = figures[TRANSFER_FROM]
    lines = [
        "",
        f"Donation overhead over the plain `transferFrom` measured in the same run ({base:,}):",
        "",
        "| Donation | Gas | Overhead | Target | Status |",
        "|---|---:|---:|---:|---|",
    ]
    for key in keys:
        over = figures[key] - base
        target = DONATE_OVERHEAD_TARGET
        lines.append(f"| `{key}` | {figures[key]:,} | {over:,} | {number(target)} | {status(over, target)} |")
    return lines


def finalize_scaling(figures: Figures, missing: list[str]) -> list[str]:
    keys = [f"finalize_{n}projects" for n in FINALIZE_SIZES]
    if not all(k in figures for k in keys):
        return []
    lines = [
        "",
        "Finalisation (QUADRATIC, tally and distribution of every project in one call) per project:",
        "",
        "| Projects | Gas | Per project | Marginal per project | Target | Status |",
        "|---:|---:|---:|---:|---:|---|",
    ]
    previous: tuple[int, int] | None = None
    for n, key in zip(FINALIZE_SIZES, keys, strict=True):
        gas = figures[key]
        per = gas // n
        marginal = "" if previous is None else f"{(gas - previous[1]) // (n - previous[0]):,}"
        target = FINALIZE_PER_PROJECT_TARGET
        lines.append(f"| {n} | {gas:,} | {per:,} | {marginal} | {number(target)} | {status(per, target)} |")
        previous = (n, gas)
    return lines


FAMILY = Family(
    title="FundingRound gas",
    name="funding",
    snapshot="Funding.json",
    output="funding-gas.md",
    forge_match="tests/forge/funding/Funding.gas.t.sol",
    intro=(
        "Full-transaction gas (what a receipt's `gasUsed` shows: the 21,000 base, calldata, cold",
        "storage and accounts, net of refunds), one transaction per call, EVM `cancun`, solc 0.8.30;",
        "FundingRound (and the factory, which imports it) is built at 1,000 optimizer runs (EIP-170).",
    ),
    conditions=(
        "Conditions: a 6-decimal ERC-20; steady state (the factory created a round before, the round",
        "already holds the token); donors keep a balance and approve exactly what they give; every",
        "finalised project has two donors and meets its goal; releases pay a recipient holding none.",
    ),
    rows=(
        Row("createRound_erc20_2of3", "createRound: clone + initialise, ERC-20, 2-of-3 verifiers", 200_000),
        Row("donate_erc20_firstDonor", "donate, ERC-20, the donor's first gift to the project"),
        Row("donate_erc20_repeatDonor", "donate, ERC-20, the donor gave to the project before"),
        Row("finalize_10projects", "finalize, 10 projects, one call"),
        Row("finalize_100projects", "finalize, 100 projects, one call"),
        Row("finalize_500projects", "finalize, 500 projects, one call"),
        Row("release_erc20_curator", "milestone release by the curator, ERC-20"),
        Row("releaseWithIntent_erc20_2of3", "milestone release by a 2-of-3 attested PayoutIntent, ERC-20"),
        Row("claimStream_erc20", "stream claim (a third vested), ERC-20"),
    ),
    list_unknown=True,
    known=tuple(REFERENCES),
    sections=(
        donate_overhead,
        finalize_scaling,
        references(("References, measured in the same run:",), REFERENCES),
    ),
)
