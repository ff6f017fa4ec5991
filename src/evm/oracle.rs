//! The NFT valuation oracle: the binding of a proof to one NFT, and the ABI of
//! `contracts/NftValuationOracle.sol`, encoded by hand for its few functions.

use halo2_proofs::halo2curves::bn256::Fr;
use sha3::{Digest, Keccak256};
use snark_verifier_sdk::snark_verifier::loader::evm::{modulus, U256};

use super::{
    calldata::{instance_words, Word},
    executor::Address,
};
use crate::proof::{Binding, Proof};

/// Solidity source of the oracle template.
pub const ORACLE_SOURCE: &str = include_str!("../../contracts/NftValuationOracle.sol");

/// Name of the oracle contract in [`ORACLE_SOURCE`].
pub const ORACLE_CONTRACT: &str = "NftValuationOracle";

/// `keccak256(data)`.
pub fn keccak256(data: &[u8]) -> Word {
    Keccak256::digest(data).into()
}

/// The first four bytes of `keccak256(signature)`.
pub fn selector(signature: &str) -> [u8; 4] {
    let hash = keccak256(signature.as_bytes());
    [hash[0], hash[1], hash[2], hash[3]]
}

/// An address as a left-padded ABI word.
pub fn address_word(address: &Address) -> Word {
    let mut word = [0; 32];
    word[12..].copy_from_slice(address);
    word
}

/// An unsigned integer as an ABI word.
pub fn uint_word(value: u64) -> Word {
    let mut word = [0; 32];
    word[24..].copy_from_slice(&value.to_be_bytes());
    word
}

/// The binding of a proof about NFT `token_id` of `collection`:
/// `uint256(keccak256(abi.encode(collection, tokenId))) % r`, big-endian, with `r` the BN254
/// scalar modulus. The oracle recomputes it on chain.
pub fn nft_binding(collection: [u8; 20], token_id: [u8; 32]) -> Binding {
    let mut encoded = [0u8; 64];
    encoded[..32].copy_from_slice(&address_word(&collection));
    encoded[32..].copy_from_slice(&token_id);
    let hash = U256::from_be_bytes(keccak256(&encoded));
    (hash % modulus::<Fr>()).to_be_bytes::<32>()
}

/// ABI-encoded constructor arguments `(address verifier, uint256 numInstances, uint8
/// scaleBits, uint256 commitmentIndex, uint256 modelCommitment)` for a verifier whose weights
/// are fixed in it (no model commitment to pin).
pub fn constructor_args(verifier: Address, num_instances: usize, scale_bits: u8) -> Vec<u8> {
    pinned_constructor_args(verifier, num_instances, scale_bits, None)
}

/// ABI-encoded constructor arguments pinning a private model: `model` is the position of the
/// weight commitment among the instances and the published commitment
/// ([`crate::CompiledModel::weight_commitment`]); `None` pins nothing.
pub fn pinned_constructor_args(
    verifier: Address,
    num_instances: usize,
    scale_bits: u8,
    model: Option<(usize, Binding)>,
) -> Vec<u8> {
    let (index, commitment) = model.unwrap_or((0, [0; 32]));
    [
        address_word(&verifier),
        uint_word(num_instances as u64),
        uint_word(scale_bits.into()),
        uint_word(index as u64),
        commitment,
    ]
    .concat()
}

/// Position of the weight commitment among the public instances of `vk`, when its weights
/// are hashed: after the binding and the inputs (their values or their commitment).
pub fn weight_commitment_index(vk: &crate::VerifyingKey) -> Option<usize> {
    use zkmlp_circuits::Visibility;
    let v = vk.visibility();
    (v.weights == Visibility::Hashed).then_some(1 + v.inputs.instance_entries(vk.input_size()))
}

/// Calldata of `submitValuation(collection, tokenId, instances, proof)` with the instances
/// and bytes of `proof`.
pub fn submit_valuation_calldata(
    collection: Address,
    token_id: [u8; 32],
    proof: &Proof,
) -> Vec<u8> {
    encode_submit_valuation(collection, token_id, &instance_words(proof), &proof.bytes)
}

/// Calldata of `submitValuation(collection, tokenId, instances, proof)`.
pub fn encode_submit_valuation(
    collection: Address,
    token_id: [u8; 32],
    instances: &[Word],
    proof: &[u8],
) -> Vec<u8> {
    // Head: collection, tokenId, offset of instances, offset of proof (from the head's start).
    let instances_offset = 4 * 32;
    let proof_offset = instances_offset + 32 * (1 + instances.len());
    let padded_proof_len = proof.len().div_ceil(32) * 32;
    let mut data = Vec::with_capacity(4 + proof_offset + 32 + padded_proof_len);
    data.extend_from_slice(&selector(
        "submitValuation(address,uint256,uint256[],bytes)",
    ));
    data.extend_from_slice(&address_word(&collection));
    data.extend_from_slice(&token_id);
    data.extend_from_slice(&uint_word(instances_offset as u64));
    data.extend_from_slice(&uint_word(proof_offset as u64));
    data.extend_from_slice(&uint_word(instances.len() as u64));
    data.extend(instances.iter().flatten());
    data.extend_from_slice(&uint_word(proof.len() as u64));
    data.extend_from_slice(proof);
    data.resize(data.len() + padded_proof_len - proof.len(), 0);
    data
}

/// Calldata of the getter `valuationWei(collection, tokenId)`.
pub fn valuation_wei_calldata(collection: Address, token_id: [u8; 32]) -> Vec<u8> {
    [
        &selector("valuationWei(address,uint256)")[..],
        &address_word(&collection),
        &token_id,
    ]
    .concat()
}

/// Topic 0 of `Valuation(address indexed collection, uint256 indexed tokenId, uint256
/// priceWei)`.
pub fn valuation_event_topic() -> Word {
    keccak256(b"Valuation(address,uint256,uint256)")
}

/// The price the oracle stores for a fixed-point output `raw` with `scale_bits` fractional
/// bits: `floor(raw * 10^18 / 2^scale_bits)` wei, or `None` if `raw` is negative.
pub fn price_wei(raw: i64, scale_bits: u32) -> Option<u128> {
    let raw = u128::try_from(raw).ok()?;
    raw.checked_mul(1_000_000_000_000_000_000)?
        .checked_shr(scale_bits)
}

/// Decodes a `uint256` return value that fits in `u128`; `None` otherwise.
pub fn decode_uint(output: &[u8]) -> Option<u128> {
    let word: &[u8; 32] = output.try_into().ok()?;
    word[..16]
        .iter()
        .all(|&b| b == 0)
        .then(|| u128::from_be_bytes(word[16..].try_into().unwrap_or_default()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_match_solidity() {
        // Well-known: transfer(address,uint256) = 0xa9059cbb.
        assert_eq!(
            selector("transfer(address,uint256)"),
            [0xa9, 0x05, 0x9c, 0xbb]
        );
    }

    #[test]
    fn binding_is_reduced_and_deterministic() {
        let b = nft_binding([0x11; 20], [0x22; 32]);
        assert_eq!(b, nft_binding([0x11; 20], [0x22; 32]));
        assert_ne!(b, nft_binding([0x11; 20], [0x23; 32]));
        assert!(crate::proof::binding_to_field(&b).is_some());
    }

    #[test]
    fn submit_valuation_layout() {
        let data = encode_submit_valuation([1; 20], [2; 32], &[[3; 32], [4; 32]], &[5; 33]);
        assert_eq!(data.len(), 4 + 4 * 32 + 32 + 2 * 32 + 32 + 64);
        assert_eq!(data[4 + 2 * 32 + 31], 0x80);
        assert_eq!(data[4 + 3 * 32 + 31], 0x80 + 32 * 3);
        assert_eq!(data[4 + 0x80 + 31], 2);
    }

    #[test]
    fn price_conversion_floors_and_rejects_negatives() {
        assert_eq!(price_wei(4096, 12), Some(1_000_000_000_000_000_000));
        assert_eq!(price_wei(1, 12), Some(244_140_625_000_000));
        assert_eq!(price_wei(-1, 12), None);
        assert_eq!(price_wei(1, 200), None);
        assert_eq!(decode_uint(&uint_word(7)), Some(7));
        assert_eq!(decode_uint(&[1; 32]), None);
    }
}
