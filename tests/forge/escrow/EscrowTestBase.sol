// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {MilestoneEscrow} from "../../../contracts/escrow/MilestoneEscrow.sol";
import {IMilestoneEscrow} from "../../../contracts/escrow/IMilestoneEscrow.sol";
import {TestToken} from "../../../contracts/testing/TestToken.sol";

/// @dev Both test tokens (TestToken, FeeOnTransferToken) and the mocks expose an open `mint`.
interface IMintable {
    function mint(address to, uint256 amount) external;
}

/// @title EscrowTestBase
/// @notice The one deployment every MilestoneEscrow suite inherits (unit, fuzz, invariant, gas):
/// the escrow with its admin, guardian, treasury and default fee, a TestToken, named actors,
/// three verifier keys, and builders for escrow terms, funding and EIP-712 signed intents.
abstract contract EscrowTestBase is Test, IMilestoneEscrow {
    // --- configuration ------------------------------------------------------------------------
    uint16 internal constant DEFAULT_FEE_BPS = 100; // 1%
    uint256 internal constant BPS = 10_000;
    uint256 internal constant START_TIME = 1_700_000_000;
    uint40 internal constant ESCROW_DURATION = 30 days;
    uint32 internal constant DISPUTE_WINDOW = 14 days;
    address internal constant ETH = address(0);

    uint96 internal constant M0 = 100e18;
    uint96 internal constant M1 = 200e18;
    uint96 internal constant M2 = 300e18;
    uint256 internal constant TOTAL = uint256(M0) + M1 + M2;

    bytes32 internal constant METADATA = keccak256("ipfs://quiltkit/spec/v1");
    bytes32 internal constant EVIDENCE = keccak256("ipfs://quiltkit/evidence/pr-42");

    /// @dev Written out independently of the contract so the digest check below is a real check.
    bytes32 internal constant EIP712_DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 internal constant INTENT_TYPEHASH = keccak256(
        "PayoutIntent(uint256 escrowId,uint256 milestone,address payee,uint256 amount,address token,bytes32 intentId,uint256 deadline,bytes32 evidenceHash)"
    );
    string internal constant DOMAIN_NAME = "quiltkit MilestoneEscrow";
    string internal constant DOMAIN_VERSION = "1";

    // --- deployment ---------------------------------------------------------------------------
    MilestoneEscrow internal escrow;
    TestToken internal token;

    // --- actors -------------------------------------------------------------------------------
    address internal admin;
    address internal guardian;
    address internal treasury;
    address internal maintainer; // the payer
    address internal alice; // a funder
    address internal bob; // a second funder
    address internal contributor; // the payee
    address internal arbiter;
    address internal relayer; // submits attested releases
    address internal stranger;

    address internal verifier1;
    address internal verifier2;
    address internal verifier3;
    uint256 internal verifier1Key;
    uint256 internal verifier2Key;
    uint256 internal verifier3Key;

    function setUp() public virtual {
        vm.warp(START_TIME);

        admin = makeAddr("admin");
        guardian = makeAddr("guardian");
        treasury = makeAddr("treasury");
        maintainer = makeAddr("maintainer");
        alice = makeAddr("alice");
        bob = makeAddr("bob");
        contributor = makeAddr("contributor");
        arbiter = makeAddr("arbiter");
        relayer = makeAddr("relayer");
        stranger = makeAddr("stranger");
        (verifier1, verifier1Key) = makeAddrAndKey("verifier1");
        (verifier2, verifier2Key) = makeAddrAndKey("verifier2");
        (verifier3, verifier3Key) = makeAddrAndKey("verifier3");

        escrow = new MilestoneEscrow(admin, guardian, treasury, DEFAULT_FEE_BPS);
        token = new TestToken("Quilt Test Token", "QTT", 18);
        vm.label(address(escrow), "MilestoneEscrow");
        vm.label(address(token), "TestToken");
    }

    /// @dev What {intentStatus} says of `intent`.
    function _status(PayoutIntent memory intent) internal view returns (IntentStatus status) {
        (status,) = escrow.intentStatus(intent);
    }

    function _paid(PayoutIntent memory intent) internal view returns (bool) {
        return _status(intent) == IntentStatus.Paid;
    }

    // ------------------------------------------------------------------------------------------
    // Terms
    // ------------------------------------------------------------------------------------------

    function _amounts(uint96 a) internal pure returns (uint96[] memory amounts) {
        amounts = new uint96[](1);
        amounts[0] = a;
    }

    function _amounts(uint96 a, uint96 b) internal pure returns (uint96[] memory amounts) {
        amounts = new uint96[](2);
        (amounts[0], amounts[1]) = (a, b);
    }

    function _amounts(uint96 a, uint96 b, uint96 c) internal pure returns (uint96[] memory amounts) {
        amounts = new uint96[](3);
        (amounts[0], amounts[1], amounts[2]) = (a, b, c);
    }

    function _defaultAmounts() internal pure returns (uint96[] memory) {
        return _amounts(M0, M1, M2);
    }

    function _verifiers() internal view returns (address[] memory v) {
        v = new address[](3);
        (v[0], v[1], v[2]) = (verifier1, verifier2, verifier3);
    }

    function _verifierKeys() internal view returns (uint256[] memory k) {
        k = new uint256[](3);
        (k[0], k[1], k[2]) = (verifier1Key, verifier2Key, verifier3Key);
    }

    /// @dev Default terms: payee `contributor`, arbiter, 2-of-3 verifiers, 30-day deadline.
    function _params(address token_) internal view returns (EscrowParams memory p) {
        return _params(token_, _defaultAmounts());
    }

    function _params(address token_, uint96[] memory amounts) internal view returns (EscrowParams memory p) {
        p.token = token_;
        p.payee = contributor;
        p.arbiter = arbiter;
        p.disputeWindow = DISPUTE_WINDOW;
        p.verifiers = _verifiers();
        p.threshold = 2;
        p.deadline = uint40(block.timestamp) + ESCROW_DURATION;
        p.amounts = amounts;
        p.metadataHash = METADATA;
    }

    /// @dev `p` without an arbiter: disputes disabled, so no dispute window either.
    /// @dev The default terms as an open bounty: no payee until an intent assigns one.
    function _bountyParams(address token_) internal view returns (EscrowParams memory p) {
        p = _params(token_);
        p.payee = address(0);
    }

    function _withoutArbiter(EscrowParams memory p) internal pure returns (EscrowParams memory) {
        p.arbiter = address(0);
        p.disputeWindow = 0;
        p.defaultPayeeBps = 0;
        return p;
    }

    function _sum(uint96[] memory amounts) internal pure returns (uint256 total) {
        for (uint256 i; i < amounts.length; ++i) {
            total += amounts[i];
        }
    }

    // ------------------------------------------------------------------------------------------
    // Money in
    // ------------------------------------------------------------------------------------------

    /// @dev Gives `who` `amount` of `token_` (ETH: adds to its balance) and, for ERC-20, approves
    /// the escrow for exactly that amount.
    function _provide(address token_, address who, uint256 amount) internal {
        if (token_ == ETH) {
            vm.deal(who, who.balance + amount);
        } else {
            IMintable(token_).mint(who, amount);
            vm.prank(who);
            IERC20(token_).approve(address(escrow), amount);
        }
    }

    function _create(address payer, EscrowParams memory p, uint256 initialFunding) internal returns (uint256 id) {
        uint256 value;
        if (initialFunding != 0) {
            _provide(p.token, payer, initialFunding);
            if (p.token == ETH) value = initialFunding;
        }
        vm.prank(payer);
        id = escrow.create{value: value}(p, initialFunding);
    }

    /// @dev Creates the default escrow as `maintainer` and funds it fully in the same call.
    function _createFunded(address token_) internal returns (uint256) {
        return _create(maintainer, _params(token_), TOTAL);
    }

    function _fund(address funder, uint256 id, uint256 amount) internal {
        address token_ = escrow.getEscrow(id).token;
        _provide(token_, funder, amount);
        vm.prank(funder);
        escrow.fund{value: token_ == ETH ? amount : 0}(id, amount);
    }

    /// @dev The payer (`maintainer`) disputes `milestone` of escrow `id`.
    function _dispute(uint256 id, uint256 milestone) internal {
        vm.prank(maintainer);
        escrow.dispute(id, milestone);
    }

    // ------------------------------------------------------------------------------------------
    // Intents and signatures
    // ------------------------------------------------------------------------------------------

    /// @dev An intent that matches escrow `id`'s terms for `milestone` (payee, token, amount).
    function _intent(uint256 id, uint256 milestone, bytes32 intentId) internal view returns (PayoutIntent memory i) {
        EscrowView memory v = escrow.getEscrow(id);
        i.escrowId = id;
        i.milestone = milestone;
        i.payee = v.payee;
        i.amount = milestone < v.amounts.length ? v.amounts[milestone] : 0;
        i.token = v.token;
        i.intentId = intentId;
        i.deadline = block.timestamp + 1 days;
        i.evidenceHash = EVIDENCE;
    }

    /// @dev The EIP-712 digest computed from first principles (domain + struct hash), not via the
    /// escrow, so tests can prove `hashIntent` is standard EIP-712.
    function _eip712Digest(address verifyingContract, PayoutIntent memory i) internal view returns (bytes32) {
        bytes32 domainSeparator = keccak256(
            abi.encode(
                EIP712_DOMAIN_TYPEHASH,
                keccak256(bytes(DOMAIN_NAME)),
                keccak256(bytes(DOMAIN_VERSION)),
                block.chainid,
                verifyingContract
            )
        );
        bytes32 structHash = keccak256(
            abi.encode(
                INTENT_TYPEHASH,
                i.escrowId,
                i.milestone,
                i.payee,
                i.amount,
                i.token,
                i.intentId,
                i.deadline,
                i.evidenceHash
            )
        );
        return keccak256(abi.encodePacked("\x19\x01", domainSeparator, structHash));
    }

    function _signDigest(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    /// @dev Signs `hashIntent(i)` with `keys[k]`, naming the signer as verifier index `indexes[k]`.
    function _sign(PayoutIntent memory i, uint256[] memory keys, uint8[] memory indexes)
        internal
        view
        returns (VerifierSignature[] memory sigs)
    {
        bytes32 digest = escrow.hashIntent(i);
        sigs = new VerifierSignature[](keys.length);
        for (uint256 k; k < keys.length; ++k) {
            sigs[k] = VerifierSignature(indexes[k], _signDigest(keys[k], digest));
        }
    }

    /// @dev Signatures of the default verifiers at two ascending indexes.
    function _sign2(PayoutIntent memory i, uint8 a, uint8 b) internal view returns (VerifierSignature[] memory) {
        uint256[] memory all = _verifierKeys();
        uint256[] memory keys = new uint256[](2);
        uint8[] memory indexes = new uint8[](2);
        (keys[0], keys[1]) = (all[a], all[b]);
        (indexes[0], indexes[1]) = (a, b);
        return _sign(i, keys, indexes);
    }

    function _sign2(PayoutIntent memory i) internal view returns (VerifierSignature[] memory) {
        return _sign2(i, 0, 1);
    }

    // ------------------------------------------------------------------------------------------
    // Reads
    // ------------------------------------------------------------------------------------------

    function _state(uint256 id, uint256 milestone) internal view returns (MilestoneState) {
        return escrow.getEscrow(id).states[milestone];
    }

    function _balanceOf(address token_, address who) internal view returns (uint256) {
        return token_ == ETH ? who.balance : IERC20(token_).balanceOf(who);
    }

    function _share(uint256 id, address funder) internal view returns (uint256 share) {
        (share,) = escrow.funderAccount(id, funder);
    }

    function _claimed(uint256 id, address funder) internal view returns (uint256 claimed) {
        (, claimed) = escrow.funderAccount(id, funder);
    }
}
