"""SoulboundBadge: the issue-22 targets beside plain OpenZeppelin 5 and Solady ERC-721 mints."""

from __future__ import annotations

from gas_families.table import Family, Row, references

REFERENCES = {
    "ref_oz_mint_newOwner": "OpenZeppelin 5 ERC721 `_mint`, new owner",
    "ref_solady_mint_newOwner": "Solady ERC721 `_mint`, new owner",
    "ref_oz_mint_existingOwner": "OpenZeppelin 5 ERC721 `_mint`, owner with a token",
    "ref_solady_mint_existingOwner": "Solady ERC721 `_mint`, owner with a token",
}

FAMILY = Family(
    title="Badges gas",
    name="badges",
    snapshot="Badges.json",
    output="badges-gas.md",
    forge_match="tests/forge/badges/Badges.gas.t.sol",
    intro=(
        "Full-transaction gas (what a receipt's `gasUsed` shows: the 21,000 base, calldata, cold",
        "storage and accounts, net of refunds), one transaction per call, EVM `cancun`, solc 0.8.30",
        "with the optimizer at 10,000 runs. The references are plain OpenZeppelin 5 and Solady ERC-721",
        "contracts with an open `_mint`, built from their npm packages and measured in the same run.",
    ),
    conditions=(
        "Conditions: the issuer, relayer and activity role are existing accounts; a new holder has no",
        "badge before the call; issues to an existing holder and recordActivity/revoke fold a year of",
        "decay; attestations carry two ECDSA signatures of a 2-of-3 validator set, and their ids are",
        "sequential (the previous id consumed, so its bitmap word is in use) unless marked random.",
        "`reputationOf_N_call`",
        "is the gas of the view as a contract pays for it in a transaction (cold badge account and slot);",
        "`reputationOf_N_tx` is a whole transaction that makes that one call (21,000 base included), so",
        "the 10,000 target applies to the call. N is the number of badges the holder has.",
    ),
    reference_header="OpenZeppelin reference",
    rows=(
        Row("issue_newHolder", "issue, new holder (with reputation bookkeeping)", 90_000, "ref_oz_mint_newOwner"),
        Row("issue_existingHolder", "issue, holder with a badge", reference="ref_oz_mint_existingOwner"),
        Row(
            "issueWithAttestation_2of3_newHolder",
            "issue by 2-of-3 attestation, new holder (sequential attestation id)",
            115_000,
        ),
        Row(
            "issueWithAttestation_2of3_newHolder_freshIdWord",
            "issue by 2-of-3 attestation, new holder (random attestation id: fresh bitmap word)",
        ),
        Row("issueWithAttestation_2of3_existingHolder", "issue by 2-of-3 attestation, holder with a badge", 115_000),
        Row("issueBatch_10newHolders", "batch issue to 10 new holders"),
        Row("revoke", "revoke (holder keeps another badge)"),
        Row("recordActivity", "recordActivity"),
        Row("reputationOf_1_call", "reputationOf, 1 badge (call)", 10_000),
        Row("reputationOf_10_call", "reputationOf, 10 badges (call)", 10_000),
        Row("reputationOf_50_call", "reputationOf, 50 badges (call)", 10_000),
        Row("reputationOf_1_tx", "reputationOf, 1 badge (as a transaction)"),
        Row("reputationOf_10_tx", "reputationOf, 10 badges (as a transaction)"),
        Row("reputationOf_50_tx", "reputationOf, 50 badges (as a transaction)"),
    ),
    known=tuple(REFERENCES),
    sections=(references(("References measured in the same run:",), REFERENCES),),
)
