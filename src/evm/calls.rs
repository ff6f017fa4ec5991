//! Calldata of the oracle's functions, its events, and the price conversion it applies.

use super::{
    abi::{address_word, encode_call, uint_word, word_to_u128, AbiValue},
    calldata::{instance_words, Word},
    executor::Address,
};
use crate::{batch::BatchProof, proof::Proof};

/// Signature of the single-valuation entry point.
pub const SUBMIT_VALUATION: &str = "submitValuation(address,uint256,uint64,uint256[],bytes,bytes)";

/// Signature of the batch entry point.
pub const SUBMIT_BATCH: &str =
    "submitBatch(address[],uint256[],uint64,uint256[],uint256[],bytes,bytes)";

/// Signature of the batch entry point for batches of one collection: the same statement as
/// [`SUBMIT_BATCH`] (same binding, same attestation) with the collection sent once.
pub const SUBMIT_COLLECTION_BATCH: &str =
    "submitCollectionBatch(address,uint256[],uint64,uint256[],uint256[],bytes,bytes)";

/// Calldata of `submitValuation(collection, tokenId, epoch, instances, proof, attestation)`
/// with the instances and bytes of `proof`.
pub fn submit_valuation_calldata(
    collection: Address,
    token_id: Word,
    epoch: u64,
    proof: &Proof,
    attestation: &[u8],
) -> Vec<u8> {
    encode_submit_valuation(
        collection,
        token_id,
        epoch,
        &instance_words(proof),
        &proof.bytes,
        attestation,
    )
}

/// Calldata of `submitValuation(collection, tokenId, epoch, instances, proof, attestation)`.
pub fn encode_submit_valuation(
    collection: Address,
    token_id: Word,
    epoch: u64,
    instances: &[Word],
    proof: &[u8],
    attestation: &[u8],
) -> Vec<u8> {
    encode_call(
        SUBMIT_VALUATION,
        &[
            AbiValue::Word(address_word(&collection)),
            AbiValue::Word(token_id),
            AbiValue::Word(uint_word(epoch)),
            AbiValue::Words(instances),
            AbiValue::Bytes(proof),
            AbiValue::Bytes(attestation),
        ],
    )
}

/// The arguments of one `submitBatch` call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchCall<'a> {
    /// The NFT contract of each item.
    pub collections: &'a [Address],
    /// The token of each item.
    pub token_ids: &'a [Word],
    /// The batch's epoch.
    pub epoch: u64,
    /// The instances between `c` and `D` (input commitment, weight commitment, ...).
    pub commitments: &'a [Word],
    /// The packed outputs.
    pub words: &'a [Word],
    /// The proof bytes.
    pub proof: &'a [u8],
    /// The data provider's signature, or empty.
    pub attestation: &'a [u8],
}

impl<'a> BatchCall<'a> {
    /// The call submitting `proof` with `attestation`.
    pub fn from_proof(proof: &'a BatchProof, attestation: &'a [u8]) -> Self {
        Self {
            collections: &proof.collections,
            token_ids: &proof.token_ids,
            epoch: proof.epoch,
            commitments: &proof.commitments,
            words: &proof.words,
            proof: &proof.bytes,
            attestation,
        }
    }

    /// Calldata of `submitBatch(collections, tokenIds, epoch, commitments, words, proof,
    /// attestation)`.
    pub fn calldata(&self) -> Vec<u8> {
        let collections: Vec<Word> = self.collections.iter().map(address_word).collect();
        self.encode(SUBMIT_BATCH, AbiValue::Words(&collections))
    }

    /// The one collection every item belongs to; `None` for an empty or mixed batch.
    pub fn single_collection(&self) -> Option<Address> {
        let (first, rest) = self.collections.split_first()?;
        rest.iter().all(|c| c == first).then_some(*first)
    }

    /// Calldata of `submitCollectionBatch(collection, tokenIds, epoch, commitments, words,
    /// proof, attestation)`, if every item belongs to one collection
    /// ([`BatchCall::single_collection`]); the proof and the attestation are those of
    /// [`BatchCall::calldata`].
    pub fn collection_calldata(&self) -> Option<Vec<u8>> {
        let collection = self.single_collection()?;
        Some(self.encode(
            SUBMIT_COLLECTION_BATCH,
            AbiValue::Word(address_word(&collection)),
        ))
    }

    /// The cheaper of the two calls: [`BatchCall::collection_calldata`] for a batch of one
    /// collection, [`BatchCall::calldata`] otherwise.
    pub fn cheapest_calldata(&self) -> Vec<u8> {
        self.collection_calldata()
            .unwrap_or_else(|| self.calldata())
    }

    /// The call `signature` with `collections` as its first argument and the rest of `self`.
    fn encode(&self, signature: &str, collections: AbiValue<'_>) -> Vec<u8> {
        encode_call(
            signature,
            &[
                collections,
                AbiValue::Words(self.token_ids),
                AbiValue::Word(uint_word(self.epoch)),
                AbiValue::Words(self.commitments),
                AbiValue::Words(self.words),
                AbiValue::Bytes(self.proof),
                AbiValue::Bytes(self.attestation),
            ],
        )
    }
}

/// Calldata of the getter `valuationOf(collection, tokenId)`.
pub fn valuation_of_calldata(collection: Address, token_id: Word) -> Vec<u8> {
    encode_call(
        "valuationOf(address,uint256)",
        &[
            AbiValue::Word(address_word(&collection)),
            AbiValue::Word(token_id),
        ],
    )
}

/// Decodes what `valuationOf` returns: `(price in wei, epoch)`; `None` if malformed.
pub fn decode_valuation(output: &[u8]) -> Option<(u128, u64)> {
    if output.len() != 64 {
        return None;
    }
    let price = word_to_u128(output[..32].try_into().ok()?)?;
    let epoch = u64::try_from(word_to_u128(output[32..].try_into().ok()?)?).ok()?;
    Some((price, epoch))
}

/// Topic 0 of `Valuation(address indexed collection, uint256 indexed tokenId, uint256
/// valuation)`, with `valuation = priceWei << 64 | epoch` ([`decode_valuation_word`]).
pub fn valuation_event_topic() -> Word {
    super::abi::keccak256(b"Valuation(address,uint256,uint256)")
}

/// Splits the word the oracle stores per token (and logs in its `Valuation` event),
/// `priceWei << 64 | epoch`, into `(price in wei, epoch)`; `None` if the price does not fit
/// `u128`.
pub fn decode_valuation_word(word: &Word) -> Option<(u128, u64)> {
    let epoch = u64::from_be_bytes(word[24..].try_into().ok()?);
    let mut price = [0u8; 32];
    price[8..].copy_from_slice(&word[..24]);
    Some((word_to_u128(&price)?, epoch))
}

/// Topic 0 of `Batch(uint64 indexed epoch, uint256 count, uint256 binding)`.
pub fn batch_event_topic() -> Word {
    super::abi::keccak256(b"Batch(uint64,uint256,uint256)")
}

/// The price the oracle stores for a fixed-point output `raw` with `scale_bits` fractional
/// bits: `floor(raw * 10^18 / 2^scale_bits)` wei, or `None` if `raw` is negative.
pub fn price_wei(raw: i64, scale_bits: u32) -> Option<u128> {
    let raw = u128::try_from(raw).ok()?;
    raw.checked_mul(1_000_000_000_000_000_000)?
        .checked_shr(scale_bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn submit_valuation_layout() {
        let data = encode_submit_valuation([1; 20], [2; 32], 5, &[[3; 32], [4; 32]], &[5; 33], &[]);
        // Head of six words; instances (length + 2), proof (length + 2 padded words),
        // attestation (length).
        assert_eq!(data.len(), 4 + 32 * (6 + 3 + 3 + 1));
        assert_eq!(data[4 + 2 * 32 + 31], 5);
        let word = |i: usize| super::super::abi::decode_uint(&data[4 + 32 * i..4 + 32 * (i + 1)]);
        assert_eq!(word(3), Some(0xc0));
        assert_eq!(word(4), Some(0xc0 + 32 * 3));
        assert_eq!(data[4 + 0xc0 + 31], 2);
    }

    #[test]
    fn batch_layout() {
        let call = BatchCall {
            collections: &[[1; 20], [2; 20]],
            token_ids: &[[3; 32], [4; 32]],
            epoch: 9,
            commitments: &[[5; 32]],
            words: &[[6; 32]],
            proof: &[7; 64],
            attestation: &[8; 65],
        };
        let data = call.calldata();
        assert_eq!(data.len(), 4 + 32 * (7 + 3 + 3 + 2 + 2 + 3 + 4));
        assert_eq!(&data[..4], &super::super::abi::selector(SUBMIT_BATCH));
        assert_eq!(data[4 + 2 * 32 + 31], 9);
        assert_eq!(data[4 + 7 * 32 + 31], 2);
        assert_eq!(data[4 + 8 * 32 + 12..4 + 9 * 32], [1; 20]);
        // Two collections: no single-collection call.
        assert_eq!(call.single_collection(), None);
        assert_eq!(call.collection_calldata(), None);
        assert_eq!(call.cheapest_calldata(), data);
    }

    #[test]
    fn collection_batch_layout() {
        let call = BatchCall {
            collections: &[[1; 20], [1; 20]],
            token_ids: &[[3; 32], [4; 32]],
            epoch: 9,
            commitments: &[[5; 32]],
            words: &[[6; 32]],
            proof: &[7; 64],
            attestation: &[8; 65],
        };
        let data = call.collection_calldata().unwrap();
        // The collection in the head instead of an array: N + 1 words fewer.
        assert_eq!(data.len(), call.calldata().len() - 32 * 3);
        assert_eq!(
            &data[..4],
            &super::super::abi::selector(SUBMIT_COLLECTION_BATCH)
        );
        assert_eq!(data[4 + 12..4 + 32], [1; 20]);
        assert_eq!(data[4 + 2 * 32 + 31], 9);
        // The token ids' offset, then their length.
        assert_eq!(data[4 + 32 + 31], 7 * 32);
        assert_eq!(data[4 + 7 * 32 + 31], 2);
        assert_eq!(call.cheapest_calldata(), data);
        let empty = BatchCall {
            collections: &[],
            ..call
        };
        assert_eq!(empty.collection_calldata(), None);
    }

    #[test]
    fn price_conversion_floors_and_rejects_negatives() {
        assert_eq!(price_wei(4096, 12), Some(1_000_000_000_000_000_000));
        assert_eq!(price_wei(1, 12), Some(244_140_625_000_000));
        assert_eq!(price_wei(-1, 12), None);
        assert_eq!(price_wei(1, 200), None);
        let mut out = uint_word(7).to_vec();
        out.extend(uint_word(3));
        assert_eq!(decode_valuation(&out), Some((7, 3)));
        assert_eq!(decode_valuation(&out[..32]), None);
        let mut word = [0u8; 32];
        word[23] = 7;
        word[31] = 3;
        assert_eq!(decode_valuation_word(&word), Some((7, 3)));
        assert_eq!(decode_valuation_word(&[0xff; 32]), None);
    }
}
