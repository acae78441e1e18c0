// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IAuctionHouse
/// @notice The Solidity view of quiltkit's Vyper AuctionHouse (contracts/auction/AuctionHouse.vy):
/// English auctions of ERC-721 tokens and ERC-1155 lots, bid in ETH or an ERC-20. Integrators and
/// the forge suites call the house through it. Reverts are `Error(string)` with stable reasons
/// ("auction: ..."); indexers can rebuild every auction from the events alone.
interface IAuctionHouse {
    /// @notice One auction's state, as `get_auction` returns it (status: 0 none, 1 live,
    /// 2 settled, 3 cancelled; amount 0 for an ERC-721 lot).
    struct Auction {
        uint8 status;
        address seller;
        address collection;
        uint256 token_id;
        uint256 amount;
        address currency;
        uint256 start_time;
        uint256 end_time;
        uint256 min_increment_bps;
        uint256 time_buffer;
        uint256 extensions;
        uint256 fee_bps;
        address impact_beneficiary;
        uint256 impact_bps;
        address highest_bidder;
        uint256 highest_bid;
        uint256 min_next_bid;
    }

    event AuctionCreated(
        uint256 indexed auction_id,
        address indexed seller,
        address indexed collection,
        uint256 token_id,
        uint256 amount,
        address currency,
        uint256 reserve,
        uint256 start_time,
        uint256 end_time,
        uint256 min_increment_bps,
        uint256 time_buffer,
        uint256 fee_bps,
        address impact_beneficiary,
        uint256 impact_bps
    );
    event BidPlaced(uint256 indexed auction_id, address indexed bidder, uint256 amount, uint256 end_time, bool extended);
    event AuctionSettled(
        uint256 indexed auction_id,
        address indexed winner,
        uint256 amount,
        address royalty_receiver,
        uint256 royalty,
        uint256 fee,
        uint256 impact,
        uint256 seller_proceeds
    );
    event AuctionCancelled(uint256 indexed auction_id, address indexed seller);
    event Credited(address indexed token, address indexed account, uint256 indexed auction_id, uint256 amount);
    event Withdrawn(address indexed token, address indexed account, address to, uint256 amount);
    event LotOwed(uint256 indexed auction_id, address indexed account);
    event LotClaimed(uint256 indexed auction_id, address indexed account, address to);
    event FeeChanged(uint256 previous_fee_bps, uint256 new_fee_bps);
    event TreasuryChanged(address indexed previous_treasury, address indexed new_treasury);
    event Paused(address indexed account);
    event Unpaused(address indexed account);
    event OwnershipTransferStarted(address indexed previous_owner, address indexed new_owner);
    event OwnershipTransferred(address indexed previous_owner, address indexed new_owner);

    /// @notice Lists a lot (amount 0: ERC-721; else ERC-1155 units) and moves it into the house.
    function create_auction(
        address collection,
        uint256 token_id,
        uint256 amount,
        address currency,
        uint256 reserve,
        uint256 start_time,
        uint256 duration,
        uint256 min_increment_bps,
        uint256 time_buffer,
        address impact_beneficiary,
        uint256 impact_bps
    ) external returns (uint256);

    /// @notice Bids `amount` (ETH: equal to msg.value); the beaten bid is refunded in the same call.
    function bid(uint256 auction_id, uint256 amount) external payable;

    /// @notice Settles an ended auction.
    function settle(uint256 auction_id) external;

    /// @notice Settles every live, ended auction of `auction_ids`; returns how many.
    function settle_many(uint256[] calldata auction_ids) external returns (uint256);

    /// @notice The seller withdraws a lot nobody bid on.
    function cancel(uint256 auction_id) external;

    /// @notice Collects a lot whose push failed.
    function claim_lot(uint256 auction_id, address to) external;

    /// @notice Collects the caller's credit in `token` (address(0): ETH).
    function withdraw(address token, address to) external returns (uint256);

    function pause() external;
    function unpause() external;
    function set_fee_bps(uint256 new_fee_bps) external;
    function set_treasury(address new_treasury) external;
    function transfer_ownership(address new_owner) external;
    function accept_ownership() external;

    function owner() external view returns (address);
    function pending_owner() external view returns (address);
    function royalty_cap_bps() external view returns (uint256);
    function treasury() external view returns (address);
    function fee_bps() external view returns (uint256);
    function auction_count() external view returns (uint256);
    function paused() external view returns (bool);
    function credits(address token, address account) external view returns (uint256);
    function lot_owed(uint256 auction_id) external view returns (address);
    function get_auction(uint256 auction_id) external view returns (Auction memory);
    function min_next_bid(uint256 auction_id) external view returns (uint256);
    function due_auctions(uint256 first_id, uint256 count) external view returns (uint256[] memory);
    function supportsInterface(bytes4 interface_id) external view returns (bool);
    function onERC1155Received(address operator, address from, uint256 id, uint256 amount, bytes calldata data)
        external
        returns (bytes4);
}
