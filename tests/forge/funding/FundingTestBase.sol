// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {FundingRound} from "../../../contracts/funding/FundingRound.sol";
import {FundingRoundFactory} from "../../../contracts/funding/FundingRoundFactory.sol";
import {IFundingRound} from "../../../contracts/funding/IFundingRound.sol";
import {IMilestoneEscrow} from "../../../contracts/escrow/IMilestoneEscrow.sol";
import {SignatureQuorum} from "../../../contracts/intents/SignatureQuorum.sol";
import {TestToken} from "../../../contracts/testing/TestToken.sol";
import {TestDonorEligibility} from "../../../contracts/testing/TestDonorEligibility.sol";

/// @title FundingTestBase
/// @notice The one deployment every funding suite inherits: the implementation and factory, a
/// 6-decimal USDC-like token, a donor gate, named actors, three verifier keys, and builders for
/// round parameters, projects, donations, signed PayoutIntents and signed leaderboards.
abstract contract FundingTestBase is Test, IFundingRound {
    uint256 internal constant START_TIME = 1_700_000_000;
    uint40 internal constant APPLICATION_END = uint40(START_TIME + 7 days);
    uint40 internal constant DONATION_START = uint40(START_TIME + 1 days);
    uint40 internal constant DONATION_END = uint40(START_TIME + 21 days);
    uint40 internal constant RELEASE_DEADLINE = uint40(START_TIME + 180 days);
    uint16 internal constant CAP_BPS = 10_000;
    address internal constant ETH = address(0);
    uint256 internal constant USDC = 1e6;

    /// @dev Written out independently of the contract so digest checks are real checks.
    bytes32 internal constant EIP712_DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 internal constant INTENT_TYPEHASH = keccak256(
        "PayoutIntent(uint256 escrowId,uint256 milestone,address payee,uint256 amount,address token,bytes32 intentId,uint256 deadline,bytes32 evidenceHash)"
    );
    bytes32 internal constant LEADERBOARD_TYPEHASH_ =
        keccak256("Leaderboard(Entry[] entries)Entry(address recipient,uint256 score)");
    bytes32 internal constant ENTRY_TYPEHASH_ = keccak256("Entry(address recipient,uint256 score)");

    FundingRound internal implementation;
    FundingRoundFactory internal factory;
    TestToken internal usdc;
    TestDonorEligibility internal gate;
    FundingRound internal round;

    address internal admin = makeAddr("admin");
    address internal timelock = makeAddr("timelock"); // the round creator
    address internal curator = makeAddr("curator");
    address internal treasury = makeAddr("treasury");
    address internal sponsor = makeAddr("sponsor");
    address internal sponsor2 = makeAddr("sponsor2");
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");
    address internal carol = makeAddr("carol");
    address internal whale = makeAddr("whale");
    address internal recipientA = makeAddr("recipientA");
    address internal recipientB = makeAddr("recipientB");
    address internal recipientC = makeAddr("recipientC");
    address internal relayer = makeAddr("relayer");
    address internal stranger = makeAddr("stranger");

    uint256[] internal verifierKeys;
    address[] internal verifiers;

    function setUp() public virtual {
        vm.warp(START_TIME);
        implementation = new FundingRound(address(0));
        factory = new FundingRoundFactory(address(implementation), admin, timelock);
        usdc = new TestToken("USD Coin (test)", "USDC", 6);
        gate = new TestDonorEligibility();
        // Ascending addresses: signatures name signers by index, in ascending index order.
        uint256[3] memory keys = [uint256(0xA11CE), uint256(0xB0B), uint256(0xCA401)];
        address[3] memory addrs;
        for (uint256 i; i < 3; ++i) {
            addrs[i] = vm.addr(keys[i]);
        }
        for (uint256 i; i < 3; ++i) {
            verifierKeys.push(keys[i]);
            verifiers.push(addrs[i]);
        }
    }

    // --- builders -----------------------------------------------------------------------------

    function _params(address currency, Strategy strategy) internal view returns (RoundParams memory p) {
        p.currency = currency;
        p.curator = curator;
        p.strategy = strategy;
        p.matchingCapBps = CAP_BPS;
        p.applicationEnd = APPLICATION_END;
        p.donationStart = DONATION_START;
        p.donationEnd = DONATION_END;
        p.releaseDeadline = RELEASE_DEADLINE;
        p.verifiers = verifiers;
        p.threshold = 2;
    }

    function _create(RoundParams memory p) internal returns (FundingRound r) {
        vm.prank(timelock);
        r = FundingRound(factory.createRound(p, keccak256("salt"), "ipfs://bafyround"));
    }

    function _createDefault(address currency) internal returns (FundingRound r) {
        r = _create(_params(currency, Strategy.QUADRATIC));
        round = r;
    }

    function _milestones2() internal pure returns (uint96[] memory a) {
        a = new uint96[](2);
        a[0] = 100;
        a[1] = 300;
    }

    function _register(address recipient, uint96 goal, uint40 vesting) internal returns (uint256 id) {
        vm.prank(curator);
        id = round.registerProject(recipient, goal, _milestones2(), vesting);
    }

    function _give(address donor, uint256 projectId, uint256 amount) internal {
        (address currency,,,,,,,,,,,) = round.roundParams();
        if (currency == ETH) {
            vm.deal(donor, donor.balance + amount);
            vm.prank(donor);
            round.donate{value: amount}(projectId, amount);
        } else {
            TestToken(currency).mint(donor, amount);
            vm.startPrank(donor);
            TestToken(currency).approve(address(round), amount);
            round.donate(projectId, amount);
            vm.stopPrank();
        }
    }

    function _sponsor(address who, uint256 amount) internal {
        (address currency,,,,,,,,,,,) = round.roundParams();
        if (currency == ETH) {
            vm.deal(who, who.balance + amount);
            vm.prank(who);
            round.fundPool{value: amount}(amount);
        } else {
            TestToken(currency).mint(who, amount);
            vm.startPrank(who);
            TestToken(currency).approve(address(round), amount);
            round.fundPool(amount);
            vm.stopPrank();
        }
    }

    function _finalizeAll() internal {
        vm.warp(DONATION_END);
        while (true) {
            (Phase phase,,) = round.progress();
            if (phase == Phase.Finalized) break;
            round.finalize(1_000);
        }
    }

    function _intent(uint256 projectId, uint256 milestone, bytes32 intentId)
        internal
        view
        returns (IMilestoneEscrow.PayoutIntent memory it)
    {
        (address currency,,,,,,,,,,,) = round.roundParams();
        it = IMilestoneEscrow.PayoutIntent({
            escrowId: projectId,
            milestone: milestone,
            payee: round.getProject(projectId).recipient,
            amount: round.milestonePayout(projectId, milestone),
            token: currency,
            intentId: intentId,
            deadline: block.timestamp + 1 days,
            evidenceHash: keccak256("ipfs://evidence")
        });
    }

    function _domain(address r) internal view returns (bytes32) {
        return keccak256(
            abi.encode(EIP712_DOMAIN_TYPEHASH, keccak256("quiltkit FundingRound"), keccak256("1"), block.chainid, r)
        );
    }

    function _intentDigest(IMilestoneEscrow.PayoutIntent memory it) internal view returns (bytes32) {
        return keccak256(abi.encodePacked("\x19\x01", _domain(address(round)), keccak256(abi.encode(INTENT_TYPEHASH, it))));
    }

    function _leaderboardDigest(Entry[] memory entries) internal view returns (bytes32) {
        bytes32[] memory hashes = new bytes32[](entries.length);
        for (uint256 i; i < entries.length; ++i) {
            hashes[i] = keccak256(abi.encode(ENTRY_TYPEHASH_, entries[i].recipient, entries[i].score));
        }
        bytes32 structHash = keccak256(abi.encode(LEADERBOARD_TYPEHASH_, keccak256(abi.encodePacked(hashes))));
        return keccak256(abi.encodePacked("\x19\x01", _domain(address(round)), structHash));
    }

    /// @dev Signatures by verifiers 0 and 2 (ascending indexes).
    function _sign(bytes32 digest) internal view returns (SignatureQuorum.Signature[] memory sigs) {
        sigs = new SignatureQuorum.Signature[](2);
        uint8[2] memory idx = [uint8(0), uint8(2)];
        for (uint256 i; i < 2; ++i) {
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(verifierKeys[idx[i]], digest);
            sigs[i] = SignatureQuorum.Signature({signerIndex: idx[i], signature: abi.encodePacked(r, s, v)});
        }
    }

    /// @dev The contract's QUADRATIC surplus, written out independently for expectations.
    function _surplus(uint256[] memory gifts) internal pure returns (uint256) {
        uint256 s;
        uint256 d;
        for (uint256 i; i < gifts.length; ++i) {
            s += _isqrt(gifts[i]);
            d += gifts[i];
        }
        return s * s > d ? s * s - d : 0;
    }

    /// @dev Babylonian integer square root (floor), independent of OpenZeppelin's.
    function _isqrt(uint256 x) internal pure returns (uint256 y) {
        if (x == 0) return 0;
        y = x;
        uint256 z = (x + 1) / 2;
        while (z < y) {
            y = z;
            z = (x / z + z) / 2;
        }
    }
}
