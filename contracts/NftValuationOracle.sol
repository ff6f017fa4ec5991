// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.19;

/// @title NftValuationOracle
/// @notice Stores NFT valuations proven in zero knowledge by one zkmlp model: one NFT per
/// `submitValuation`, or a whole batch of NFTs per `submitBatch` (one proof, one transaction);
/// `submitCollectionBatch` is `submitBatch` for a batch of one collection, the collection sent
/// once (same statement, same binding, same attestation, same checks).
///
/// @dev Trust model, in plain words.
/// - The MODEL is pinned: the verifier contracts are generated from the model's verifying key,
///   so they accept only proofs of that circuit; when the weights are not fixed in the key
///   (hashed or public weights), this oracle also checks the weight commitment (or the hash of
///   the public weights) against `modelCommitment`, which the model owner published.
/// - The NFT LIST and the EPOCH are pinned: a single proof is bound to
///   `keccak256(abi.encode(collection, tokenId)) % R`; a batch proof is bound to
///   `c = keccak256(abi.encode(collections, tokenIds, epoch, commitments, words)) % R`, which
///   this contract computes itself (for `submitCollectionBatch`, with `collections` the one
///   collection repeated), so no token can be added, dropped, reordered, moved to another
///   collection or to another epoch without a new proof. Both batch entry points thus accept
///   the same proofs for the same lists and store the same result; a replay through the other
///   entry point is an equal epoch, refused below.
/// - The PRICES are proven: the model's outputs on the committed features; a batch carries them
///   packed in `words`, and the proof shows `D = sum_j words[j] * c^j mod R` for the true
///   outputs (a forged word survives with probability below 2^-243).
/// - The FEATURES are not proven correct: the proof only shows which features were used (their
///   Poseidon commitment, or their values). Someone must vouch for them, and that is the trust
///   this oracle asks for. `attestation` (fixed at deployment) says who:
///   `SIGNED_FEATURES`: an allowlisted data provider signs, with EIP-712, the list of NFTs, the
///   input commitment and the epoch (domain: name "NftValuationOracle", version "1", chain id,
///   this contract), and anyone may submit; `TRUSTED_SUBMITTER`: only allowlisted accounts may
///   submit. The `owner` (the deployer) manages the allowlist and is trusted to keep it honest.
/// - FRESHNESS: each token keeps the epoch of its price; a submission whose epoch is not newer
///   than a token's stored epoch reverts (whole batch), so an old proof cannot be replayed over
///   a newer price. Consumers read `valuationOf` and decide how old an epoch they accept.
/// - EVENTS: every stored price is logged as `Valuation(collection, tokenId, valuation)`, both
///   keys indexed, `valuation = priceWei << 64 | epoch` (the stored word), so an indexer can
///   follow every token, by collection or by token; a batch also logs `Batch(epoch, count, c)`.
///
/// Public instances, as the verifiers read them: single valuation `[binding, features or their
/// commitment, weights or their commitment, outputs]`, the price being the last instance; batch
/// `[c, commitments..., D]` (commitments: every instance between `c` and `D`). Each is a field
/// element below `R`; a signed value `v < 0` is encoded as `R - |v|`. Prices are fixed-point
/// numbers of ETH with `scaleBits` fractional bits, stored in wei, rounded down; a negative
/// price reverts.
contract NftValuationOracle {
    /// @notice The BN254 scalar field modulus.
    uint256 public constant R =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// @notice Half the secp256k1 group order: signatures with a larger `s` are refused.
    uint256 private constant HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;
    /// @notice `attestation` value: an allowlisted data provider signs the features.
    uint8 public constant SIGNED_FEATURES = 0;
    /// @notice `attestation` value: only allowlisted accounts may submit.
    uint8 public constant TRUSTED_SUBMITTER = 1;
    /// @notice EIP-712 type of what a data provider signs.
    bytes32 public constant FEATURES_TYPEHASH =
        keccak256("Features(bytes32 items,uint256 inputCommitment,uint64 epoch)");
    bytes32 private constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");

    /// @notice Where a verifier's public instances hold the features and the model.
    /// @dev Indices count from the first instance (the binding, or `c`). A range of one
    /// instance is compared as is (a Poseidon commitment); a longer one (public values) by
    /// `uint256(keccak256(abi.encodePacked(range)))`.
    struct Layout {
        /// The verifier contract; zero disables this path.
        address verifier;
        /// Number of public instances.
        uint256 numInstances;
        /// First instance of the features (or of their commitment).
        uint256 inputStart;
        /// Number of feature instances (1 for a commitment; 0: no features are public).
        uint256 inputCount;
        /// First instance of the weights (or of their commitment); 0 if nothing to pin.
        uint256 modelStart;
        /// Number of weight instances (1 for a commitment).
        uint256 modelCount;
    }

    /// @notice Shape of the batch path beyond its `Layout`.
    struct BatchShape {
        /// Valuations per batch (the circuit's batch size).
        uint256 size;
        /// Outputs per valuation; the price is the last.
        uint256 outputs;
        /// Bits per packed output (the circuit's activation bits).
        uint256 bits;
    }

    address public immutable owner;
    uint8 public immutable attestation;
    uint8 public immutable scaleBits;
    uint256 public immutable modelCommitment;

    address public immutable verifier;
    uint256 public immutable numInstances;
    uint256 private immutable inputStart;
    uint256 private immutable inputCount;
    uint256 private immutable modelStart;
    uint256 private immutable modelCount;

    address public immutable batchVerifier;
    uint256 public immutable batchSize;
    uint256 public immutable batchOutputs;
    uint256 public immutable batchBits;
    uint256 private immutable batchCommitments;
    uint256 private immutable batchInputStart;
    uint256 private immutable batchInputCount;
    uint256 private immutable batchModelStart;
    uint256 private immutable batchModelCount;
    /// @notice Packed outputs per word: floor(253 / batchBits).
    uint256 public immutable valuesPerWord;
    /// @notice Words per batch: ceil(batchSize * batchOutputs / valuesPerWord).
    uint256 public immutable wordsPerBatch;

    bytes32 private immutable cachedDomainSeparator;
    uint256 private immutable cachedChainId;

    /// @notice Allowlisted data providers (SIGNED_FEATURES) or submitters (TRUSTED_SUBMITTER).
    mapping(address => bool) public trusted;
    /// @dev (price in wei << 64 | epoch), one slot per token.
    mapping(address => mapping(uint256 => uint256)) private valuations;

    /// @notice A valuation was proven and stored: `valuation = priceWei << 64 | epoch`, the word
    /// stored for the token (what `valuationOf` returns, packed). One data word keeps the
    /// per-token event at 1,756 gas; both keys stay indexed, so an indexer can follow a
    /// collection or a single token.
    event Valuation(address indexed collection, uint256 indexed tokenId, uint256 valuation);
    /// @notice A batch of `count` valuations bound to `binding` was stored.
    event Batch(uint64 indexed epoch, uint256 count, uint256 binding);
    /// @notice The owner changed the allowlist.
    event TrustChanged(address indexed account, bool trusted);

    /// @notice `instances` does not have `numInstances` entries.
    error WrongInstanceCount(uint256 expected, uint256 got);
    /// @notice An array of the batch has the wrong length.
    error WrongBatchShape();
    /// @notice This oracle has no verifier for this path.
    error PathDisabled();
    /// @notice The proof is bound to another NFT.
    error BindingMismatch(uint256 expected, uint256 got);
    /// @notice The verifier rejected the proof.
    error InvalidProof();
    /// @notice The proven price of item `index` is negative (single: encoded as `R - |v|`).
    error NegativePrice(uint256 index);
    /// @notice The proof was made with another model than the pinned one.
    error ModelMismatch(uint256 expected, uint256 got);
    /// @notice A packed word is not below 2^(valuesPerWord * batchBits).
    error WordOutOfRange(uint256 index);
    /// @notice The token's stored price is from `stored`, not older than `epoch`.
    error StaleEpoch(address collection, uint256 tokenId, uint64 stored, uint64 epoch);
    /// @notice The attestation is not a valid signature of an allowlisted provider.
    error UntrustedFeatures(address signer);
    /// @notice The submitter is not allowlisted.
    error UntrustedSubmitter(address submitter);
    /// @notice The signature is malformed (length, `v`, high `s`).
    error MalformedSignature();
    /// @notice Only the owner may change the allowlist.
    error NotOwner();

    /// @param single layout of the single-valuation verifier (verifier zero: path disabled)
    /// @param batch layout of the batch verifier (verifier zero: path disabled)
    /// @param shape batch size, outputs per valuation, bits per packed output
    /// @param scaleBits_ fractional bits of the fixed-point price (at most 64)
    /// @param modelCommitment_ the published model commitment (ignored where no model range)
    /// @param attestation_ SIGNED_FEATURES or TRUSTED_SUBMITTER
    /// @param trusted_ the initial allowlist
    constructor(
        Layout memory single,
        Layout memory batch,
        BatchShape memory shape,
        uint8 scaleBits_,
        uint256 modelCommitment_,
        uint8 attestation_,
        address[] memory trusted_
    ) {
        require(scaleBits_ <= 64, "scaleBits too large");
        require(attestation_ <= TRUSTED_SUBMITTER, "unknown attestation");
        require(single.verifier != address(0) || batch.verifier != address(0), "no verifier");
        if (single.verifier != address(0)) {
            require(single.verifier.code.length > 0, "verifier has no code");
            // The price is the last instance, after the binding.
            _checkLayout(single, 1, single.numInstances - 1);
        }
        uint256 perWord;
        uint256 words;
        if (batch.verifier != address(0)) {
            require(batch.verifier.code.length > 0, "batch verifier has no code");
            require(shape.size > 0 && shape.outputs > 0, "empty batch");
            require(shape.bits >= 2 && shape.bits <= 64, "bits out of range");
            // [c, commitments..., D]: the ranges lie in the commitments.
            _checkLayout(batch, 1, batch.numInstances - 1);
            perWord = 253 / shape.bits;
            words = (shape.size * shape.outputs + perWord - 1) / perWord;
        }
        owner = msg.sender;
        attestation = attestation_;
        scaleBits = scaleBits_;
        modelCommitment = modelCommitment_;
        verifier = single.verifier;
        numInstances = single.numInstances;
        inputStart = single.inputStart;
        inputCount = single.inputCount;
        modelStart = single.modelStart;
        modelCount = single.modelCount;
        batchVerifier = batch.verifier;
        batchCommitments = batch.verifier == address(0) ? 0 : batch.numInstances - 2;
        batchInputStart = batch.inputStart;
        batchInputCount = batch.inputCount;
        batchModelStart = batch.modelStart;
        batchModelCount = batch.modelCount;
        batchSize = shape.size;
        batchOutputs = shape.outputs;
        batchBits = shape.bits;
        valuesPerWord = perWord;
        wordsPerBatch = words;
        cachedChainId = block.chainid;
        cachedDomainSeparator = _domainSeparator();
        for (uint256 i; i < trusted_.length; ++i) {
            trusted[trusted_[i]] = true;
            emit TrustChanged(trusted_[i], true);
        }
    }

    /// @dev Ranges must lie in instances [first, end).
    function _checkLayout(Layout memory l, uint256 first, uint256 end) private pure {
        require(l.numInstances >= 2, "need a binding and an output");
        require(l.inputCount == 0 || (l.inputStart >= first && l.inputStart + l.inputCount <= end), "input range");
        require(l.modelCount == 0 || (l.modelStart >= first && l.modelStart + l.modelCount <= end), "model range");
    }

    /// @notice Adds or removes `account` from the allowlist.
    function setTrusted(address account, bool isTrusted) external {
        if (msg.sender != owner) revert NotOwner();
        trusted[account] = isTrusted;
        emit TrustChanged(account, isTrusted);
    }

    /// @notice The latest proven price of a token, in wei, and the epoch it is from (0, 0 if
    /// it was never priced).
    function valuationOf(address collection, uint256 tokenId) external view returns (uint256 priceWei, uint64 epoch) {
        uint256 packed = valuations[collection][tokenId];
        return (packed >> 64, uint64(packed));
    }

    /// @notice The public value a single proof about `tokenId` of `collection` is bound to.
    function bindingOf(address collection, uint256 tokenId) public pure returns (uint256) {
        return uint256(keccak256(abi.encode(collection, tokenId))) % R;
    }

    /// @notice The EIP-712 domain separator of this oracle.
    function domainSeparator() public view returns (bytes32) {
        return block.chainid == cachedChainId ? cachedDomainSeparator : _domainSeparator();
    }

    function _domainSeparator() private view returns (bytes32) {
        return keccak256(
            abi.encode(DOMAIN_TYPEHASH, keccak256("NftValuationOracle"), keccak256("1"), block.chainid, address(this))
        );
    }

    /// @notice The EIP-712 digest a data provider signs for the features of the NFTs whose
    /// list hashes to `items` (`keccak256(abi.encode(collections, tokenIds))`).
    function featuresDigest(bytes32 items, uint256 inputCommitment, uint64 epoch) public view returns (bytes32) {
        bytes32 structHash = keccak256(abi.encode(FEATURES_TYPEHASH, items, inputCommitment, epoch));
        return keccak256(abi.encodePacked(hex"1901", domainSeparator(), structHash));
    }

    /// @notice Verifies a zkmlp proof of the valuation of one NFT and stores its price.
    /// @param collection the NFT contract
    /// @param tokenId the token
    /// @param epoch the valuation's epoch: newer than the token's stored one
    /// @param instances the proof's public instances (binding, features, weights, outputs)
    /// @param proof the proof bytes
    /// @param attestation_ the provider's 65-byte signature (r, s, v), or empty for a trusted
    /// submitter
    /// @return priceWei the stored price, in wei (rounded down)
    function submitValuation(
        address collection,
        uint256 tokenId,
        uint64 epoch,
        uint256[] calldata instances,
        bytes calldata proof,
        bytes calldata attestation_
    ) external returns (uint256 priceWei) {
        if (verifier == address(0)) revert PathDisabled();
        if (instances.length != numInstances) {
            revert WrongInstanceCount(numInstances, instances.length);
        }
        uint256 expected = bindingOf(collection, tokenId);
        if (instances[0] != expected) revert BindingMismatch(expected, instances[0]);
        if (modelCount != 0) _checkModel(_digest(instances[modelStart:modelStart + modelCount]));
        bytes32 items = keccak256(abi.encode(uint256(0x40), uint256(0x80), uint256(1), collection, uint256(1), tokenId));
        _checkAttestation(items, inputCount == 0 ? 0 : _digest(instances[inputStart:inputStart + inputCount]), epoch, attestation_);
        // The verifier also rejects any instance >= R, so `raw` below is canonical.
        (bool ok,) = verifier.staticcall(abi.encodePacked(instances, proof));
        if (!ok) revert InvalidProof();
        uint256 raw = instances[instances.length - 1];
        if (raw > R / 2) revert NegativePrice(0);
        priceWei = _toWei(raw);
        _store(collection, tokenId, priceWei, epoch);
    }

    /// @notice Verifies one zkmlp batch proof of `batchSize` valuations and stores every price.
    /// @param collections the NFT contract of each item
    /// @param tokenIds the token of each item
    /// @param epoch the batch's epoch: newer than every token's stored one
    /// @param commitments the instances between `c` and `D` (e.g. the input commitment, the
    /// weight commitment)
    /// @param words every item's outputs, packed `valuesPerWord` to a word (first value in the
    /// most significant slot, value `v` stored as `v + 2^(batchBits-1)`)
    /// @param proof the proof bytes
    /// @param attestation_ the provider's 65-byte signature (r, s, v), or empty for a trusted
    /// submitter
    function submitBatch(
        address[] calldata collections,
        uint256[] calldata tokenIds,
        uint64 epoch,
        uint256[] calldata commitments,
        uint256[] calldata words,
        bytes calldata proof,
        bytes calldata attestation_
    ) external {
        if (collections.length != tokenIds.length) revert WrongBatchShape();
        uint256 collectionsOffset;
        assembly ("memory-safe") {
            collectionsOffset := collections.offset
        }
        _submitBatch(address(0), collectionsOffset, tokenIds, epoch, commitments, words, proof, attestation_);
    }

    /// @notice `submitBatch` for a batch whose NFTs all belong to `collection`: the same
    /// statement, and the same checks, with the collection sent once instead of once per token
    /// (about 370 gas less calldata per token for a random address). The binding and the
    /// attested items hash are those of `submitBatch` with `collections` = `collection`
    /// repeated `batchSize` times, so one proof and one signature serve either entry point and
    /// store the same (price, epoch) for the same tokens; whichever comes second is refused by
    /// the freshness check.
    /// @param collection the NFT contract of every item
    /// @param tokenIds the token of each item
    /// @param epoch the batch's epoch: newer than every token's stored one
    /// @param commitments as in `submitBatch`
    /// @param words as in `submitBatch`
    /// @param proof the proof bytes
    /// @param attestation_ the provider's 65-byte signature (r, s, v), or empty for a trusted
    /// submitter
    function submitCollectionBatch(
        address collection,
        uint256[] calldata tokenIds,
        uint64 epoch,
        uint256[] calldata commitments,
        uint256[] calldata words,
        bytes calldata proof,
        bytes calldata attestation_
    ) external {
        _submitBatch(collection, 0, tokenIds, epoch, commitments, words, proof, attestation_);
    }

    /// @dev The batch path. Item k's collection is the address at calldata offset
    /// `collectionsOffset + 32 k` (`submitBatch`'s `collections`, whose length the caller
    /// checked), or `collection` when `collectionsOffset` is 0.
    function _submitBatch(
        address collection,
        uint256 collectionsOffset,
        uint256[] calldata tokenIds,
        uint64 epoch,
        uint256[] calldata commitments,
        uint256[] calldata words,
        bytes calldata proof,
        bytes calldata attestation_
    ) private {
        if (batchVerifier == address(0)) revert PathDisabled();
        if (tokenIds.length != batchSize || commitments.length != batchCommitments || words.length != wordsPerBatch) {
            revert WrongBatchShape();
        }
        _checkWords(words);
        if (batchModelCount != 0) {
            _checkModel(_digest(commitments[batchModelStart - 1:batchModelStart - 1 + batchModelCount]));
        }
        (bytes32 items, uint256 c) = _batchHashes(collection, collectionsOffset, tokenIds, epoch, commitments, words);
        uint256 inputDigest =
            batchInputCount == 0 ? 0 : _digest(commitments[batchInputStart - 1:batchInputStart - 1 + batchInputCount]);
        _checkAttestation(items, inputDigest, epoch, attestation_);
        _verifyBatch(c, _fold(words, c), commitments, proof);
        _storeBatch(collection, collectionsOffset, tokenIds, epoch, _unpackPrices(words));
        emit Batch(epoch, tokenIds.length, c);
    }

    /// @dev Each word must be below 2^(P * B): canonical, one unpacking.
    function _checkWords(uint256[] calldata words) private view {
        uint256 bound = valuesPerWord * batchBits;
        for (uint256 j; j < words.length; ++j) {
            if (words[j] >> bound != 0) revert WordOutOfRange(j);
        }
    }

    /// @dev The batch's two hashes, from one canonical `abi.encode` image written into free
    /// memory (left free), the collections being the calldata array at `collectionsOffset` or,
    /// if it is 0, `collection` repeated:
    /// - `c = keccak256(abi.encode(collections, tokenIds, epoch, commitments, words)) mod R`,
    ///   the binding: five head words (the arrays' offsets, `epoch`), then each array as its
    ///   length and its elements;
    /// - `items = keccak256(abi.encode(collections, tokenIds))`, what the data provider signs:
    ///   the same two arrays under a head of two offsets, written over the end of the first
    ///   head once `c` is hashed.
    /// The ABI decoder has checked that every array lies inside the calldata and that `epoch`
    /// fits 64 bits; an address with dirty upper bits makes the batch revert when its item is
    /// stored.
    function _batchHashes(
        address collection,
        uint256 collectionsOffset,
        uint256[] calldata tokenIds,
        uint64 epoch,
        uint256[] calldata commitments,
        uint256[] calldata words
    ) private pure returns (bytes32 items, uint256 c) {
        assembly ("memory-safe") {
            // Solidity leaves no guarantee on the unused high bits of short types here.
            collection := and(collection, 0xffffffffffffffffffffffffffffffffffffffff)
            epoch := and(epoch, 0xffffffffffffffff)
            let p := mload(0x40)
            let n := tokenIds.length
            let arraySize := shl(5, add(n, 1))
            // collections at p + 0xa0
            let q := add(p, 0xa0)
            mstore(q, n)
            switch collectionsOffset
            case 0 {
                let end := add(q, arraySize)
                for { let at := add(q, 0x20) } lt(at, end) { at := add(at, 0x20) } { mstore(at, collection) }
            }
            default { calldatacopy(add(q, 0x20), collectionsOffset, shl(5, n)) }
            // tokenIds, commitments, words
            q := add(q, arraySize)
            mstore(q, n)
            calldatacopy(add(q, 0x20), tokenIds.offset, shl(5, n))
            q := add(q, arraySize)
            let commitmentsAt := sub(q, p)
            mstore(q, commitments.length)
            calldatacopy(add(q, 0x20), commitments.offset, shl(5, commitments.length))
            q := add(q, shl(5, add(commitments.length, 1)))
            let wordsAt := sub(q, p)
            mstore(q, words.length)
            calldatacopy(add(q, 0x20), words.offset, shl(5, words.length))
            let end := add(q, shl(5, add(words.length, 1)))
            mstore(p, 0xa0)
            mstore(add(p, 0x20), add(0xa0, arraySize))
            mstore(add(p, 0x40), epoch)
            mstore(add(p, 0x60), commitmentsAt)
            mstore(add(p, 0x80), wordsAt)
            c := mod(keccak256(p, sub(end, p)), R)
            // abi.encode(collections, tokenIds) = [0x40, 0x40 + arraySize, collections, tokenIds]
            mstore(add(p, 0x60), 0x40)
            mstore(add(p, 0x80), add(0x40, arraySize))
            items := keccak256(add(p, 0x60), add(0x40, shl(1, arraySize)))
        }
    }

    /// @dev D = sum_j words[j] * c^j mod R, by Horner from the last word:
    /// acc = w_(m-1); acc = acc * c + w_j for j = m-2 .. 0.
    function _fold(uint256[] calldata words, uint256 c) private pure returns (uint256 acc) {
        uint256 j = words.length;
        acc = words[j - 1];
        while (j > 1) {
            unchecked {
                --j;
            }
            acc = addmod(mulmod(acc, c, R), words[j - 1], R);
        }
    }

    /// @dev Calls the batch verifier with [c, commitments..., D] ++ proof.
    function _verifyBatch(uint256 c, uint256 d, uint256[] calldata commitments, bytes calldata proof) private view {
        (bool ok,) = batchVerifier.staticcall(abi.encodePacked(c, commitments, d, proof));
        if (!ok) revert InvalidProof();
    }

    /// @dev Every item's price in wei, unpacked from `words` (checked canonical, `wordsPerBatch`
    /// of them, `batchSize * O` values in all, O outputs per item): word j holds n_j values (P,
    /// or the rest for the last word), the first in the most significant slot, so its slot t
    /// is (w_j >> (B (n_j - 1 - t))) & (2^B - 1) = v + 2^(B-1); the values run item by item,
    /// and an item's price is its last output. A negative price reverts `NegativePrice(k)`;
    /// the price in wei is floor(v * 1e18 / 2^scaleBits), as `_toWei` computes it (v < 2^63:
    /// no overflow). In assembly, walking the words slot by slot: computing each price's word
    /// and slot by division cost about 550 gas per item, the optimizer recomputing it.
    function _unpackPrices(uint256[] calldata words) private view returns (uint256[] memory prices) {
        uint256 n = batchSize;
        uint256 outputs = batchOutputs;
        uint256 perWord = valuesPerWord;
        uint256 bits = batchBits;
        uint256 scale = scaleBits;
        bytes4 negativeError = NegativePrice.selector;
        assembly ("memory-safe") {
            // Allocate prices = new uint256[](n), left uninitialised: every entry is written.
            prices := mload(0x40)
            mstore(prices, n)
            mstore(0x40, add(prices, shl(5, add(n, 1))))
            let lastWord := sub(words.length, 1)
            // Where the next price goes, and outputs of the current item seen so far.
            let out := add(prices, 0x20)
            let seen := 0
            for { let j := 0 } lt(j, words.length) { j := add(j, 1) } {
                let w := calldataload(add(words.offset, shl(5, j)))
                let count := perWord
                if eq(j, lastWord) { count := sub(mul(n, outputs), mul(j, perWord)) }
                // s: the lowest bit of the current slot, from the top slot down.
                for { let s := mul(bits, count) } s {} {
                    s := sub(s, bits)
                    seen := add(seen, 1)
                    if eq(seen, outputs) {
                        seen := 0
                        let value := and(shr(s, w), sub(shl(bits, 1), 1))
                        let half := shl(sub(bits, 1), 1)
                        if lt(value, half) {
                            mstore(0, negativeError)
                            mstore(4, shr(5, sub(out, add(prices, 0x20))))
                            revert(0, 0x24)
                        }
                        let raw := sub(value, half)
                        mstore(
                            out,
                            add(
                                mul(shr(scale, raw), 1000000000000000000),
                                shr(scale, mul(and(raw, sub(shl(scale, 1), 1)), 1000000000000000000))
                            )
                        )
                        out := add(out, 0x20)
                    }
                }
            }
        }
    }

    /// @dev Stores every item's price (`prices[k]`, in wei) with `epoch` and emits its
    /// `Valuation`. Item k belongs to the address at `collectionsOffset + 32 k` in calldata (the
    /// data of `submitBatch`'s `collections`), or to `collection` when `collectionsOffset` is 0.
    /// One assembly loop (the Solidity version hashed both mapping keys for every item); per
    /// item k:
    /// - its slot is that of `valuations[col][tokenId]`, `keccak256(tokenId . base)` with
    ///   `base = keccak256(col . valuations.slot)`, recomputed only when `col` differs from the
    ///   previous item's; a `col` with dirty upper bits reverts (as Solidity's decoder does);
    /// - freshness: a stored epoch not older than `epoch` reverts `StaleEpoch`;
    /// - it stores `price << 64 | epoch` and logs that word as `Valuation(col, tokenId, word)`.
    /// The caller has checked that there are `batchSize` items.
    function _storeBatch(
        address collection,
        uint256 collectionsOffset,
        uint256[] calldata tokenIds,
        uint64 epoch,
        uint256[] memory prices
    ) private {
        bytes32 topic = Valuation.selector;
        bytes4 staleError = StaleEpoch.selector;
        assembly ("memory-safe") {
            // Solidity leaves no guarantee on the unused high bits of short types here.
            collection := and(collection, 0xffffffffffffffffffffffffffffffffffffffff)
            epoch := and(epoch, 0xffffffffffffffff)
            // Not an address: the first item computes its base.
            let previous := not(0)
            let base := 0
            for { let k := 0 } lt(k, tokenIds.length) { k := add(k, 1) } {
                let col := collection
                if collectionsOffset {
                    col := calldataload(add(collectionsOffset, shl(5, k)))
                    if shr(160, col) { revert(0, 0) }
                }
                if iszero(eq(col, previous)) {
                    mstore(0, col)
                    mstore(0x20, valuations.slot)
                    base := keccak256(0, 0x40)
                    previous := col
                }
                let tokenId := calldataload(add(tokenIds.offset, shl(5, k)))
                mstore(0, tokenId)
                mstore(0x20, base)
                let slot := keccak256(0, 0x40)
                let stored := and(sload(slot), 0xffffffffffffffff)
                if iszero(lt(stored, epoch)) {
                    let p := mload(0x40)
                    mstore(p, staleError)
                    mstore(add(p, 4), col)
                    mstore(add(p, 0x24), tokenId)
                    mstore(add(p, 0x44), stored)
                    mstore(add(p, 0x64), epoch)
                    revert(p, 0x84)
                }
                let valuation := or(shl(64, mload(add(prices, shl(5, add(k, 1))))), epoch)
                sstore(slot, valuation)
                mstore(0, valuation)
                log3(0, 0x20, topic, col, tokenId)
            }
        }
    }

    /// @dev Stores (price, epoch) for one token if `epoch` is newer than its stored one.
    function _store(address collection, uint256 tokenId, uint256 priceWei, uint64 epoch) private {
        mapping(uint256 => uint256) storage byToken = valuations[collection];
        uint64 stored = uint64(byToken[tokenId]);
        if (epoch <= stored) revert StaleEpoch(collection, tokenId, stored, epoch);
        uint256 valuation = (priceWei << 64) | epoch;
        byToken[tokenId] = valuation;
        emit Valuation(collection, tokenId, valuation);
    }

    /// @dev floor(raw * 1e18 / 2^scaleBits), split so that the product cannot overflow;
    /// below 2^192 for any raw below R / 2.
    function _toWei(uint256 raw) private view returns (uint256) {
        uint256 whole = raw >> scaleBits;
        uint256 fraction = raw & ((uint256(1) << scaleBits) - 1);
        return whole * 1e18 + ((fraction * 1e18) >> scaleBits);
    }

    /// @dev A single instance as is; several as the keccak256 of their words.
    function _digest(uint256[] calldata range) private pure returns (uint256) {
        if (range.length == 1) return range[0];
        return uint256(keccak256(abi.encodePacked(range)));
    }

    function _checkModel(uint256 got) private view {
        if (got != modelCommitment) revert ModelMismatch(modelCommitment, got);
    }

    /// @dev Who vouches for the features: an allowlisted provider's EIP-712 signature over
    /// (items, inputCommitment, epoch), or an allowlisted submitter.
    function _checkAttestation(bytes32 items, uint256 inputCommitment, uint64 epoch, bytes calldata signature)
        private
        view
    {
        if (attestation == TRUSTED_SUBMITTER) {
            if (!trusted[msg.sender]) revert UntrustedSubmitter(msg.sender);
            return;
        }
        if (signature.length != 65) revert MalformedSignature();
        bytes32 r = bytes32(signature[0:32]);
        uint256 s = uint256(bytes32(signature[32:64]));
        uint8 v = uint8(signature[64]);
        if (s > HALF_N || (v != 27 && v != 28)) revert MalformedSignature();
        address signer = ecrecover(featuresDigest(items, inputCommitment, epoch), v, r, bytes32(s));
        if (signer == address(0) || !trusted[signer]) revert UntrustedFeatures(signer);
    }
}
