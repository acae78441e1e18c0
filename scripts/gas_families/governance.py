"""Governance: ours beside plain OpenZeppelin 5 ERC20Votes + Governor built in the same run."""

from __future__ import annotations

from gas_families.table import Family, Row


def _ours_vs_oz(key: str, label: str, reference: str, solady: str | None = None) -> Row:
    """A scenario whose target is the plain OpenZeppelin figure measured in the same run (Solady's,
    where it has the operation, printed beside it)."""
    return Row(key, label, reference=reference, target_is_reference=True, also=solady)


FAMILY = Family(
    title="Governance gas",
    name="governance",
    snapshot="Governance.json",
    output="governance-gas.md",
    forge_match="tests/forge/governance/Governance.gas.t.sol",
    intro=(
        "Full-transaction gas (21,000 base, calldata, cold storage and accounts, net of refunds), one",
        "transaction per call, EVM `cancun`, solc 0.8.30, optimizer 10,000 runs. The reference is plain",
        "OpenZeppelin 5 (ERC20 + Permit + Votes on a timestamp clock, not upgradeable, no pause or cap;",
        "Governor + Settings + CountingSimple + Votes + QuorumFraction + TimelockControl, no late-quorum",
        "protection), built from the npm package and measured in the same run. Everything is built at",
        "10,000 optimizer runs except QuiltkitGovernor, built alone at 200 runs to fit EIP-170's 24,576-byte",
        "limit (the gas test deploys it from its artifact, the bytecode the SDK ships). Solady's ERC20Votes",
        "(npm `solady`, ERC20 + Permit + Votes, timestamp clock, not upgradeable) is measured in the same",
        "run for the token operations; Solady has no Governor.",
    ),
    reference_header="OpenZeppelin reference",
    also_header="Solady ERC20Votes",
    rows=(
        _ours_vs_oz(
            "transfer_bothDelegated",
            "transfer, sender and recipient delegated",
            "ref_transfer_bothDelegated",
            "solady_transfer_bothDelegated",
        ),
        _ours_vs_oz(
            "delegate_redelegate",
            "delegate (re-delegate a 20,000 holder)",
            "ref_delegate_redelegate",
            "solady_delegate_redelegate",
        ),
        Row("donate_firstDonation", "donate 1 ETH (first donation, mints and forwards)"),
        Row("mintBatch_10freshRecipients", "batch mint to 10 fresh recipients"),
        _ours_vs_oz("propose_standard", "propose (plain `propose`, STANDARD)", "ref_propose"),
        Row("propose_typed_treasurySpend", "proposeTyped TREASURY_SPEND", 90_000),
        _ours_vs_oz("castVote_first", "castVote, first vote (reaches quorum)", "ref_castVote_first"),
        _ours_vs_oz("castVote_second", "castVote, second vote", "ref_castVote_second"),
        Row("castVote_quadratic_first", "castVote FOUNDER_IDEA (quadratic), first vote", 90_000),
        Row("castVote_quadratic_second", "castVote FOUNDER_IDEA (quadratic), second vote", 90_000),
        _ours_vs_oz("queue", "queue (one call)", "ref_queue"),
        _ours_vs_oz("execute", "execute (one call)", "ref_execute"),
    ),
)
