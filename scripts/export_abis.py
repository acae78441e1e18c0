"""Export the SDK's package data from a forge build: ABIs + bytecode, typed error and event classes.

Solidity contracts get one class per custom error (from the ABI). Vyper has no custom errors, so a
Vyper contract gets one class per stable revert reason ("auction: not live" -> AuctionNotLive),
read from its source; the SDK maps an Error(string) revert to the class of its reason.

    python scripts/export_abis.py          # write sdk/quiltkit/abi/*.json, the error and event modules
    python scripts/export_abis.py --check  # fail if the shipped files differ from the build

Run `forge build` first (make abi does both). tests/ proves the shipped ABIs equal ape's fresh
compilation of the same sources.
"""

from __future__ import annotations

import argparse
import json
import keyword
import re
import sys
import textwrap
from pathlib import Path

from eth_utils.abi import function_signature_to_4byte_selector

ROOT = Path(__file__).resolve().parent.parent
FORGE_OUT = ROOT / ".build" / "forge" / "out"
SDK = ROOT / "sdk" / "quiltkit"

# contract name -> (source file, error module or None, error base, event module or None, event base)
EXPORTS: dict[str, tuple[str, str | None, str, str | None, str]] = {
    "MilestoneEscrow": ("MilestoneEscrow.sol", "escrow_errors", "EscrowRevert", "escrow_events", "EscrowEvent"),
    "TestToken": ("TestToken.sol", None, "", "token_events", "TokenEvent"),
    "AuctionHouse": ("AuctionHouse.vy", "auction_errors", "AuctionRevert", "auction_events", "AuctionEvent"),
    "TestNFT": ("TestNFT.sol", None, "", None, ""),
    "TestEditions": ("TestEditions.sol", None, "", None, ""),
    "GovernanceToken": ("GovernanceToken.sol", "governance_token_errors", "GovernanceTokenRevert", None, ""),
    "QuiltkitGovernor": (
        "QuiltkitGovernor.sol",
        "governor_errors",
        "GovernorRevert",
        "governor_events",
        "GovernorEvent",
    ),
    "QuiltkitTimelock": ("QuiltkitTimelock.sol", "timelock_errors", "TimelockRevert", None, ""),
    "GovernanceTokenV2": ("GovernanceTokenV2.sol", "governance_token_v2_errors", "GovernanceTokenV2Revert", None, ""),
    "QuiltkitStaking": ("QuiltkitStaking.sol", "staking_errors", "StakingRevert", "staking_events", "StakingEvent"),
    "VerifierBonds": (
        "VerifierBonds.sol",
        "verifier_bonds_errors",
        "VerifierBondsRevert",
        "verifier_bonds_events",
        "BondsEvent",
    ),
    "SoulboundBadge": ("SoulboundBadge.sol", "badge_errors", "BadgeRevert", "badge_events", "BadgeEvent"),
    "TieredBadges": (
        "TieredBadges.sol",
        "tiered_badges_errors",
        "TieredBadgesRevert",
        "tiered_badges_events",
        "TieredBadgesEvent",
    ),
    "TestGovernanceBadge": ("TestGovernanceBadge.sol", None, "", None, ""),
    "FundingRound": ("FundingRound.sol", "funding_errors", "FundingRevert", "funding_events", "FundingEvent"),
    "FundingRoundFactory": (
        "FundingRoundFactory.sol",
        "funding_factory_errors",
        "FundingFactoryRevert",
        "funding_factory_events",
        "FundingFactoryEvent",
    ),
    "BadgeReputationGate": ("BadgeReputationGate.sol", "funding_gate_errors", "GateRevert", None, ""),
    # The token is deployed behind OpenZeppelin's ERC-1967 proxy (compiled from the npm package).
    "ERC1967Proxy": ("ERC1967Proxy.sol", None, "", None, ""),
}
CONTRACTS = ROOT / "contracts"
# A Vyper revert reason: "<prefix>: <words>", the prefix naming the contract's error namespace.
REASON = re.compile(r'"(auction): ([a-z0-9 ]+)"')

# Extra builtin base per error-name pattern, so callers may catch e.g. LookupError.
BUILTIN_BASES = (
    ("NotFound", "LookupError"),
    ("NotPayer", "PermissionError"),
    ("NotArbiter", "PermissionError"),
    ("NotParty", "PermissionError"),
    ("UnauthorizedAccount", "PermissionError"),
    ("UnauthorizedCaller", "PermissionError"),
    ("OnlyExecutor", "PermissionError"),
    ("RestrictedProposer", "PermissionError"),
    ("NonexistentProposal", "LookupError"),
    ("TokenDoesNotExist", "LookupError"),
    ("NotHolder", "PermissionError"),
)
# The same for the revert-reason classes of Vyper contracts.
REASON_BASES = (
    ("NotOwner", "PermissionError"),
    ("NotSeller", "PermissionError"),
    ("NotPendingOwner", "PermissionError"),
    ("LotNotOwed", "PermissionError"),
    ("NotLive", "LookupError"),
    ("Bad", "ValueError"),
    ("TooLarge", "ValueError"),
    ("TooHigh", "ValueError"),
    ("WrongValue", "ValueError"),
    ("ZeroAddress", "ValueError"),
    ("NotAContract", "ValueError"),
)


def artifact(contract: str, source: str) -> dict[str, object]:
    # A contract also built under the governor's compiler profile (foundry.toml) has one artifact
    # per profile, and forge then names the default one `<name>.json` or `<name>.default.json`.
    path = FORGE_OUT / source / f"{contract}.json"
    if not path.is_file():
        path = FORGE_OUT / source / f"{contract}.default.json"
    raw = json.loads(path.read_text())
    return {
        "contractName": contract,
        "abi": raw["abi"],
        "bytecode": raw["bytecode"]["object"],
    }


def error_signature(error: dict[str, object]) -> str:
    def canonical(param: dict[str, object]) -> str:
        kind = str(param["type"])
        if kind.startswith("tuple"):
            inner = ",".join(canonical(c) for c in param["components"])  # type: ignore[attr-defined]
            return f"({inner}){kind[5:]}"
        return kind

    inputs = error["inputs"]
    return f"{error['name']}({','.join(canonical(p) for p in inputs)})"  # type: ignore[attr-defined]


def split_types(inner: str) -> list[str]:
    """Split a canonical parameter list at top-level commas (tuples stay whole)."""
    types, depth, current = [], 0, ""
    for ch in inner:
        if ch == "," and depth == 0:
            types.append(current)
            current = ""
            continue
        depth += ch == "("
        depth -= ch == ")"
        current += ch
    if current:
        types.append(current)
    return types


def render_tuple(items: tuple[str, ...]) -> str:
    if len(items) == 1:
        return f'("{items[0]}",)'
    return "(" + ", ".join(f'"{i}"' for i in items) + ")"


def error_module(contract: str, base: str, abi: list[dict[str, object]]) -> str:
    errors = sorted((e for e in abi if e["type"] == "error"), key=lambda e: str(e["name"]))
    lines = [
        f'"""Exceptions for {contract}\'s custom errors, one class per error.',
        "",
        "Generated by scripts/export_abis.py from the compiled ABI; do not edit by hand.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from quiltkit.exceptions import ContractRevert",
        "",
        "",
        f"class {base}(ContractRevert):",
        f'    """Base of every revert raised by {contract}."""',
        "",
    ]
    names = []
    for error in errors:
        name = str(error["name"])
        names.append(name)
        signature = error_signature(error)
        selector = "0x" + function_signature_to_4byte_selector(signature).hex()
        extra = next((b for pattern, b in BUILTIN_BASES if pattern in name), None)
        bases = f"{base}, {extra}" if extra else base
        params = tuple(str(p["name"]) for p in error["inputs"])  # type: ignore[attr-defined]
        types = tuple(split_types(signature[signature.index("(") + 1 : -1]))
        lines += [
            "",
            f"class {name}({bases}):",
            f'    """Reverted with ``{signature}``."""',
            "",
            f'    error_name = "{name}"',
            f'    selector = "{selector}"',
            f"    param_names = {render_tuple(params)}",
            f"    param_types = {render_tuple(types)}",
            "",
        ]
    lines += [
        "",
        f"ERRORS: dict[str, type[{base}]] = {{",
        *[f"    {n}.selector: {n}," for n in names],
        "}",
        "",
        "__all__ = [",
        *[f'    "{n}",' for n in sorted(["ERRORS", base, *names])],
        "]",
        "",
    ]
    return "\n".join(lines)


def snake(name: str) -> str:
    """``escrowId`` -> ``escrow_id``; a Python keyword gets a trailing underscore (``from_``)."""
    out = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()
    return out + "_" if keyword.iskeyword(out) or out in RESERVED_EVENT_FIELDS else out


# fields every event model has (quiltkit._contract.ContractEvent); an argument of the same name gets "_"
RESERVED_EVENT_FIELDS = {"contract", "block_number", "block_hash", "tx_hash", "log_index", "event_name"}


def python_type(param: dict[str, object], owner: str, nested: list[str]) -> str:
    """The annotation of one ABI parameter; structs become nested models (appended to ``nested``)."""
    kind = str(param["type"])
    array = ""
    while kind.endswith("]"):
        kind, array = kind[: kind.rindex("[")], array + "]"
    if kind == "tuple":
        model = owner + snake(str(param["name"])).strip("_").title().replace("_", "")
        nested += struct_model(model, param["components"], nested)  # type: ignore[arg-type]
        base = model
    elif kind == "address":
        base = "Address"
    elif kind == "bool":
        base = "bool"
    elif kind == "string":
        base = "str"
    elif kind == "bytes32":
        base = "Bytes32"
    elif kind.startswith("bytes"):
        base = "HexData"
    elif kind.startswith(("uint", "int")):
        base = "int"
    else:
        raise ValueError(f"no Python type for ABI type {param['type']}")
    for _ in array:
        base = f"list[{base}]"
    return base


def field_line(param: dict[str, object], annotation: str) -> str:
    name = str(param["name"])
    field = snake(name)
    if field == name:
        return f"    {field}: {annotation}"
    return f'    {field}: {annotation} = Field(validation_alias=AliasChoices("{field}", "{name}"))'


def struct_model(model: str, components: list[dict[str, object]], nested: list[str]) -> list[str]:
    lines = ["", "", f"class {model}(Model):", f'    """The ``{model}`` struct of an event."""', ""]
    lines.append("    model_config = ConfigDict(frozen=True)")
    lines.append("")
    for component in components:
        lines.append(field_line(component, python_type(component, model, nested)))
    return lines


def event_module(contract: str, base: str, abi: list[dict[str, object]]) -> str:
    events = sorted((e for e in abi if e["type"] == "event"), key=lambda e: str(e["name"]))
    nested: list[str] = []
    body: list[str] = []
    names = []
    for event in events:
        name = str(event["name"])
        names.append(name)
        inputs: list[dict[str, object]] = event["inputs"]  # type: ignore[assignment]
        shown = ", ".join(f"{p['type']}{' indexed' if p.get('indexed') else ''} {p['name']}" for p in inputs)
        signature = f"``{name}({shown})``"
        body += ["", "", f"class {name}({base}):"]
        # One line when it fits ruff's 120 columns (4 indent + quotes + "Emitted as " + ".").
        if len(signature) <= 97:
            body += [f'    """Emitted as {signature}."""', ""]
        else:
            body += [f'    """Emitted as ``{name}``, with:', ""]
            body += [f"    {line}" for line in textwrap.wrap(shown, 100)]
            body += ['    """', ""]
        body.append(f'    event_name: ClassVar[str] = "{name}"')
        indexed = tuple(snake(str(p["name"])) for p in inputs if p.get("indexed"))
        body.append(f"    indexed: ClassVar[tuple[str, ...]] = {render_tuple(indexed) if indexed else '()'}")
        for param in inputs:
            body.append(field_line(param, python_type(param, name, nested)))
    code = "\n".join(nested + body)
    pydantic = [n for n in ("AliasChoices", "ConfigDict", "Field") if re.search(rf"\b{n}\(", code)]
    types = [n for n in ("Address", "Bytes32", "HexData") if re.search(rf"\b{n}\b", code)]
    structs = re.findall(r"^class (\w+)\(Model\)", code, re.M)
    lines = [
        f'"""Typed events of {contract}, one pydantic model per event.',
        "",
        "Generated by scripts/export_abis.py from the compiled ABI; do not edit by hand. Field names are",
        "the ABI's in snake_case (camelCase accepted too); addresses checksummed, bytes as 0x-hex.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from typing import ClassVar",
        "",
        *([f"from pydantic import {', '.join(pydantic)}", ""] if pydantic else []),
        "from quiltkit._contract import ContractEvent",
        *(["from quiltkit._model import Model"] if structs else []),
        *([f"from quiltkit._types import {', '.join(types)}"] if types else []),
        "",
        "",
        f"class {base}(ContractEvent):",
        f'    """Base of every event {contract} emits."""',
        code,
        "",
        "",
        f"EVENTS: dict[str, type[{base}]] = {{",
        *[f"    {n}.event_name: {n}," for n in names],
        "}",
        "",
        "__all__ = [",
        *[f'    "{n}",' for n in sorted(["EVENTS", base, *names, *structs])],
        "]",
        "",
    ]
    return "\n".join(lines)


def reasons(source: str) -> list[tuple[str, str]]:
    """(class name, reason) of every stable revert reason in a Vyper source, sorted by name."""
    text = next(CONTRACTS.rglob(source)).read_text()
    found = {f"{prefix}: {words}" for prefix, words in REASON.findall(text)}
    named = {"".join(w.capitalize() for w in re.split(r"[: ]+", r)): r for r in found}
    return sorted(named.items())


def reason_module(contract: str, base: str, source: str) -> str:
    lines = [
        f'"""Exceptions for {contract}\'s revert reasons, one class per reason.',
        "",
        "Vyper has no custom errors: the contract reverts with Error(string) and a stable reason",
        '("auction: not live"), which the SDK raises as the class of that reason (AuctionNotLive).',
        "Generated by scripts/export_abis.py from the contract's source; do not edit by hand.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from typing import ClassVar",
        "",
        "from quiltkit.exceptions import ContractRevert, QuiltkitError",
        "",
        "",
        f"class {base}(ContractRevert):",
        f'    """Base of every revert raised by {contract}; ``reason`` is the revert string."""',
        "",
        '    reason: ClassVar[str] = ""',
        "",
        "    def __init__(self) -> None:",
        '        QuiltkitError.__init__(self, f"{type(self).__name__}({self.reason!r})")',
        "        self.args_by_name = {}",
        "",
    ]
    names = []
    for name, reason in reasons(source):
        names.append(name)
        extra = next((b for pattern, b in REASON_BASES if pattern in name), None)
        bases = f"{base}, {extra}" if extra else base
        lines += [
            "",
            f"class {name}({bases}):",
            f'    """Reverted with ``{reason}``."""',
            "",
            f'    error_name = "{name}"',
            f'    reason = "{reason}"',
            "",
        ]
    lines += [
        "",
        "# Keyed by the revert reason (Solidity clients key theirs by error selector).",
        f"ERRORS: dict[str, type[{base}]] = {{",
        *[f"    {n}.reason: {n}," for n in names],
        "}",
        "",
        "__all__ = [",
        *[f'    "{n}",' for n in sorted(["ERRORS", base, *names])],
        "]",
        "",
    ]
    return "\n".join(lines)


def rendered() -> dict[Path, str]:
    files: dict[Path, str] = {}
    for contract, (source, module, base, events, event_base) in EXPORTS.items():
        art = artifact(contract, source)
        files[SDK / "abi" / f"{contract}.json"] = json.dumps(art, indent=1, sort_keys=True) + "\n"
        abi = art["abi"]
        assert isinstance(abi, list)
        if module and source.endswith(".vy"):
            files[SDK / f"{module}.py"] = reason_module(contract, base, source)
        elif module:
            files[SDK / f"{module}.py"] = error_module(contract, base, abi)
        if events:
            files[SDK / f"{events}.py"] = event_module(contract, event_base, abi)
    return files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args()
    if not FORGE_OUT.is_dir():
        print("export_abis: no forge build found; run `forge build` first", file=sys.stderr)
        return 2
    stale = []
    for path, text in rendered().items():
        if args.check:
            if not path.exists() or path.read_text() != text:
                stale.append(str(path.relative_to(ROOT)))
        else:
            path.write_text(text)
    if stale:
        print(
            "export_abis: shipped SDK files differ from the build: "
            + ", ".join(stale)
            + " (run `make abi` and commit)",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
