// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.19;

/// @title WashTradeRegistry
/// @notice Records wash-trade verdicts on NFT sales, each proven in zero knowledge by one zkmlp
/// classifier (e.g. `cargo run --release --example wash_trade_proof`), so that a valuation
/// oracle can leave flagged sales out (see `CleanSaleFeed` below).
///
/// @dev Trust model, in plain words.
/// - The MODEL is pinned: `verifier` is generated from the classifier's verifying key, with the
///   weights fixed in the key, so it accepts only proofs of that classifier.
/// - The SALE is pinned: a proof is bound to `uint256(keccak256(abi.encode(saleId))) % R`, which
///   this contract recomputes; a proof made for one sale cannot flag (or clear) another.
///   `saleId` is whatever the consumer keys sales by (e.g. `keccak256(abi.encode(chainId,
///   txHash, logIndex))`); the consumer must use the same id.
/// - The VERDICT is proven: the last instance is the classifier's output on the features in
///   the other instances (with the sigmoid in the circuit: p(wash) at scale 2^s). The sale is
///   wash when that output is above `washAbove` (2^(s-1) for p > 0.5); an output that is
///   negative in the field's signed reading never is.
/// - The FEATURES are not proven correct: they are public instances (round trips, price vs
///   floor, ...) computed off chain from trading data. Anyone can recompute them from the
///   calldata and the chain's history, but this contract cannot, so only `trusted` submitters
///   (the owner's allowlist) may record verdicts, and a recorded verdict is final: a
///   submitter cannot replace a WASH verdict by a GENUINE one later with other features.
contract WashTradeRegistry {
    /// The BN254 scalar field modulus: instances are field elements.
    uint256 internal constant R = 21888242871839275222246405745257275088548364400416034343698204186575808495617;

    /// No verdict yet.
    uint8 public constant UNSCORED = 0;
    /// Proven not wash.
    uint8 public constant GENUINE = 1;
    /// Proven wash.
    uint8 public constant WASH = 2;

    /// The generated verifier of the classifier.
    address public immutable verifier;
    /// Instances of a proof: the binding, the features, the output.
    uint256 public immutable numInstances;
    /// A sale is wash when its (non-negative) output is above this raw fixed-point value.
    uint256 public immutable washAbove;
    /// Manages the allowlist.
    address public owner;
    /// Accounts allowed to record verdicts.
    mapping(address => bool) public trusted;
    /// The verdict of each sale: UNSCORED, GENUINE or WASH.
    mapping(bytes32 => uint8) public verdictOf;

    /// A verdict was recorded.
    event SaleScored(bytes32 indexed saleId, bool wash, uint256 score);
    /// The allowlist changed.
    event TrustChanged(address indexed account, bool trusted);

    /// The proof has the wrong number of instances.
    error WrongInstanceCount(uint256 expected, uint256 got);
    /// The proof is bound to another sale.
    error BindingMismatch(uint256 expected, uint256 got);
    /// The verifier rejected the proof.
    error InvalidProof();
    /// The sale already has a verdict.
    error AlreadyScored(bytes32 saleId);
    /// The caller is not on the allowlist.
    error UntrustedSubmitter(address submitter);
    /// Only the owner may do this.
    error NotOwner();

    /// @param verifier_ the classifier's generated verifier
    /// @param numInstances_ its instance count (binding, features, output)
    /// @param washAbove_ the raw output above which a sale is wash
    /// @param trusted_ the initial allowlist of submitters
    constructor(address verifier_, uint256 numInstances_, uint256 washAbove_, address[] memory trusted_) {
        require(verifier_.code.length > 0, "verifier has no code");
        require(numInstances_ >= 2, "binding and output at least");
        verifier = verifier_;
        numInstances = numInstances_;
        washAbove = washAbove_;
        owner = msg.sender;
        for (uint256 i; i < trusted_.length; ++i) {
            trusted[trusted_[i]] = true;
            emit TrustChanged(trusted_[i], true);
        }
    }

    /// @notice Adds or removes a submitter.
    function setTrusted(address account, bool isTrusted) external {
        if (msg.sender != owner) revert NotOwner();
        trusted[account] = isTrusted;
        emit TrustChanged(account, isTrusted);
    }

    /// @notice The binding a proof about `saleId` must carry.
    function bindingOf(bytes32 saleId) public pure returns (uint256) {
        return uint256(keccak256(abi.encode(saleId))) % R;
    }

    /// @notice Verifies a classifier proof bound to `saleId` and records its verdict.
    /// @param instances the proof's public instances: binding, features, output
    /// @param proof the proof bytes
    /// @return wash whether the sale was flagged
    function flagSale(bytes32 saleId, uint256[] calldata instances, bytes calldata proof)
        external
        returns (bool wash)
    {
        if (!trusted[msg.sender]) revert UntrustedSubmitter(msg.sender);
        if (verdictOf[saleId] != UNSCORED) revert AlreadyScored(saleId);
        if (instances.length != numInstances) revert WrongInstanceCount(numInstances, instances.length);
        uint256 expected = bindingOf(saleId);
        if (instances[0] != expected) revert BindingMismatch(expected, instances[0]);
        // The verifier also rejects any instance >= R.
        (bool ok,) = verifier.staticcall(abi.encodePacked(instances, proof));
        if (!ok) revert InvalidProof();
        uint256 score = instances[instances.length - 1];
        wash = score <= R / 2 && score > washAbove;
        verdictOf[saleId] = wash ? WASH : GENUINE;
        emit SaleScored(saleId, wash, score);
    }

    /// @notice Whether `saleId` was proven wash.
    function isWash(bytes32 saleId) external view returns (bool) {
        return verdictOf[saleId] == WASH;
    }
}

/// @title CleanSaleFeed
/// @notice The consumer pattern: a valuation feed that counts a sale only once the registry
/// holds a GENUINE verdict for it, and refuses flagged or unscored sales. A valuation oracle
/// (e.g. `NftValuationOracle`'s data provider, or a floor-price feed) does the same check
/// before a sale enters its features.
/// @dev The sale's price is as trusted as whoever reports it: only the owner (the feed's
/// operator) may; this contract shows the exclusion, not a price source.
contract CleanSaleFeed {
    /// The verdicts consulted.
    WashTradeRegistry public immutable registry;
    /// Reports sales.
    address public immutable owner;
    /// Per collection: the last counted sale's price, and how many were counted.
    mapping(address => uint256) public lastCleanPrice;
    /// Per collection: sales counted.
    mapping(address => uint256) public cleanSales;
    /// Sales already counted.
    mapping(bytes32 => bool) public counted;

    /// A sale entered the feed.
    event SaleCounted(address indexed collection, bytes32 indexed saleId, uint256 priceWei);

    /// The registry flagged the sale as wash.
    error FlaggedSale(bytes32 saleId);
    /// The registry has no verdict for the sale yet.
    error UnscoredSale(bytes32 saleId);
    /// The sale was counted already.
    error AlreadyCounted(bytes32 saleId);
    /// Only the owner may report sales.
    error NotOwner();

    constructor(WashTradeRegistry registry_) {
        registry = registry_;
        owner = msg.sender;
    }

    /// @notice Counts a sale of `collection` at `priceWei`, if the registry cleared it.
    function recordSale(address collection, bytes32 saleId, uint256 priceWei) external {
        if (msg.sender != owner) revert NotOwner();
        if (counted[saleId]) revert AlreadyCounted(saleId);
        uint8 verdict = registry.verdictOf(saleId);
        if (verdict == registry.UNSCORED()) revert UnscoredSale(saleId);
        if (verdict == registry.WASH()) revert FlaggedSale(saleId);
        counted[saleId] = true;
        lastCleanPrice[collection] = priceWei;
        cleanSales[collection] += 1;
        emit SaleCounted(collection, saleId, priceWei);
    }
}
