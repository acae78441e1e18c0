"""AuctionHouse (Vyper): issue-24 targets, ERC-1155 against ERC-721, a Solidity reference auction."""

from __future__ import annotations

from gas_families.table import Family, Figures, Row, references

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


def pairs(figures: Figures, missing: list[str]) -> list[str]:
    lines = [
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
    return lines


FAMILY = Family(
    title="AuctionHouse gas",
    name="auction",
    snapshot="AuctionHouse.json",
    output="auction-gas.md",
    forge_match="tests/forge/auction/AuctionHouse.gas.t.sol",
    intro=(
        "Full-transaction gas (a receipt's `gasUsed`: the 21,000 base, calldata, cold accounts and",
        "slots, net of refunds), one transaction per call, EVM `cancun`; the house is Vyper 0.4.3",
        "(`optimize = gas`), the reference English auction is Solidity 0.8.30 on OpenZeppelin 5",
        "(optimizer 10,000 runs), measured in the same run.",
    ),
    conditions=(
        "Conditions: steady state (the house already holds a token of the collection and the bids",
        "of other live auctions, `auction_count` > 0); the seller approved the house with",
        "`setApprovalForAll`; bidders, seller, treasury and royalty receiver are existing accounts;",
        "the winner held none of the collection; ERC-20 bidders approve exactly their bid.",
    ),
    rows=(
        Row("list_erc721_eth", "list an ERC-721 token, ETH", 150_000, "ref_list_erc721_eth"),
        Row("list_erc721_erc20", "list an ERC-721 token, ERC-20"),
        Row("list_erc1155_eth", "list 10 units of an ERC-1155 id, ETH"),
        Row("firstBid_eth_erc721", "first bid, ETH, ERC-721 lot", 50_000, "ref_firstBid_eth_erc721"),
        Row("firstBid_eth_erc1155", "first bid, ETH, ERC-1155 lot"),
        Row("firstBid_erc20_erc721", "first bid, ERC-20, ERC-721 lot"),
        Row("outbid_eth_erc721", "outbid (refund pushed), ETH, ERC-721 lot", 54_000, "ref_outbid_eth_erc721"),
        Row("outbid_eth_erc721_insideBuffer", "outbid inside the time buffer (end extended), ETH"),
        Row("outbid_eth_erc1155", "outbid, ETH, ERC-1155 lot"),
        Row("outbid_erc20_erc721", "outbid, ERC-20, ERC-721 lot"),
        Row(
            "settle_erc721_eth_royaltyFee",
            "settle, ERC-721, ETH, 5% royalty + 1% fee",
            120_000,
            "ref_settle_erc721_eth_royaltyFee",
        ),
        Row("settle_erc721_eth_royaltyFeeImpact", "settle, ERC-721, ETH, royalty + fee + 2% impact share"),
        Row("settle_erc1155_eth_royaltyFee", "settle, ERC-1155, ETH, royalty + fee"),
        Row("settle_erc721_erc20_royaltyFee", "settle, ERC-721, ERC-20, royalty + fee"),
        Row("settle_erc721_noBids", "settle without bids (lot back to the seller)"),
        Row("settleMany_five_erc721_eth_royaltyFee", "settle_many of 5, ERC-721, ETH, royalty + fee"),
        Row("withdraw_eth_credit", "withdraw an ETH credit"),
    ),
    sections=(
        pairs,
        references(
            (
                "Reference: `tests/forge/auction/reference/ReferenceEnglishAuction.sol` (ETH, ERC-721,",
                "reserve, increment, time buffer, bounded refund with credit fallback, capped royalty, fee):",
            ),
            REFERENCES,
        ),
    ),
)
