// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.19;

/// @title NftValuationOracle
/// @notice Stores NFT valuations proven in zero knowledge by a zkmlp model.
/// @dev A valuation is accepted when the zkmlp verifier (generated for one model's verifying
/// key, deployed at `verifier`) accepts the proof, and the proof is bound to the NFT: its
/// first public instance must be `uint256(keccak256(abi.encode(collection, tokenId))) % R`.
///
/// Public instances, as the verifier reads them: `[binding, features..., outputs...]`, each a
/// field element below `R`; signed values are encoded mod `R` (a negative `v` is `R - |v|`).
/// The price is the last instance, a fixed-point number of ETH with `scaleBits` fractional
/// bits.
///
/// With a private model (weights hashed, not fixed in the verifier), the verifier accepts
/// proofs from any model of the same shape, so the oracle pins the model: the instance at
/// `commitmentIndex` must equal `modelCommitment`, the Poseidon commitment the model owner
/// published. A `commitmentIndex` of 0 means the weights are fixed in the verifier (nothing to
/// pin).
///
/// This template trusts whoever submits: the features are public inputs chosen by the
/// submitter, and a later valid proof overwrites an earlier one. A deployment should restrict
/// `submitValuation` to trusted feeders or check the features against on-chain data.
contract NftValuationOracle {
    /// @notice The BN254 scalar field modulus.
    uint256 public constant R =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;

    /// @notice The zkmlp verifier contract (calldata: instances as 32-byte words, then proof).
    address public immutable verifier;
    /// @notice Number of public instances: 1 (binding) + features + outputs.
    uint256 public immutable numInstances;
    /// @notice Fractional bits of the model's fixed-point output.
    uint8 public immutable scaleBits;
    /// @notice Position of the model commitment among the instances (0: none to check).
    uint256 public immutable commitmentIndex;
    /// @notice The published model commitment (when `commitmentIndex` is not 0).
    uint256 public immutable modelCommitment;

    /// @notice The latest proven valuation of each NFT, in wei.
    mapping(address => mapping(uint256 => uint256)) public valuationWei;

    /// @notice A valuation was proven and stored.
    event Valuation(address indexed collection, uint256 indexed tokenId, uint256 priceWei);

    /// @notice `instances` does not have `numInstances` entries.
    error WrongInstanceCount(uint256 expected, uint256 got);
    /// @notice The proof is bound to another NFT.
    error BindingMismatch(uint256 expected, uint256 got);
    /// @notice The verifier rejected the proof.
    error InvalidProof();
    /// @notice The proven price is negative (encoded as `R - |v|`).
    error NegativePrice(uint256 encoded);
    /// @notice The proof was made with another model than the pinned one.
    error ModelMismatch(uint256 expected, uint256 got);

    /// @param verifier_ address of the deployed zkmlp verifier
    /// @param numInstances_ number of public instances of the verifier
    /// @param scaleBits_ fractional bits of the fixed-point output (at most 64)
    /// @param commitmentIndex_ position of the model commitment (0 if the weights are fixed)
    /// @param modelCommitment_ the published model commitment (ignored if the index is 0)
    constructor(
        address verifier_,
        uint256 numInstances_,
        uint8 scaleBits_,
        uint256 commitmentIndex_,
        uint256 modelCommitment_
    ) {
        require(verifier_.code.length > 0, "verifier has no code");
        require(numInstances_ >= 2, "need a binding and an output");
        require(scaleBits_ <= 64, "scaleBits too large");
        require(commitmentIndex_ < numInstances_ - 1, "commitment index out of range");
        require(modelCommitment_ < R, "commitment not below R");
        verifier = verifier_;
        numInstances = numInstances_;
        scaleBits = scaleBits_;
        commitmentIndex = commitmentIndex_;
        modelCommitment = modelCommitment_;
    }

    /// @notice The public value a proof about `tokenId` of `collection` must be bound to.
    function bindingOf(address collection, uint256 tokenId) public pure returns (uint256) {
        return uint256(keccak256(abi.encode(collection, tokenId))) % R;
    }

    /// @notice Verifies a zkmlp proof of the valuation of one NFT and stores the price.
    /// @param collection the NFT contract
    /// @param tokenId the token
    /// @param instances the proof's public instances: binding, features, outputs
    /// @param proof the proof bytes
    /// @return priceWei the stored price, in wei (rounded down)
    function submitValuation(
        address collection,
        uint256 tokenId,
        uint256[] calldata instances,
        bytes calldata proof
    ) external returns (uint256 priceWei) {
        if (instances.length != numInstances) {
            revert WrongInstanceCount(numInstances, instances.length);
        }
        uint256 expected = bindingOf(collection, tokenId);
        if (instances[0] != expected) {
            revert BindingMismatch(expected, instances[0]);
        }
        if (commitmentIndex != 0 && instances[commitmentIndex] != modelCommitment) {
            revert ModelMismatch(modelCommitment, instances[commitmentIndex]);
        }
        // The verifier also rejects any instance >= R, so `raw` below is canonical.
        (bool ok,) = verifier.staticcall(abi.encodePacked(instances, proof));
        if (!ok) {
            revert InvalidProof();
        }
        uint256 raw = instances[instances.length - 1];
        if (raw > R / 2) {
            revert NegativePrice(raw);
        }
        // floor(raw * 1e18 / 2^scaleBits), split so that the product cannot overflow.
        uint256 whole = raw >> scaleBits;
        uint256 fraction = raw & ((uint256(1) << scaleBits) - 1);
        priceWei = whole * 1e18 + ((fraction * 1e18) >> scaleBits);
        valuationWei[collection][tokenId] = priceWei;
        emit Valuation(collection, tokenId, priceWei);
    }
}
