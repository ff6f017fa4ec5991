//! The public data of a folded batch: the batch binding `c`, the packed output words, their
//! fold `D`, and the unpacking, all as the on-chain verifier computes them.

use ff::FromUniformBytes;
use halo2_proofs::halo2curves::bn256::Fr;
use sha3::{Digest, Keccak256};
use zkmlp_circuits::chips::{horner, pack};

use super::BatchError;
use crate::proof::{binding_from_field, binding_to_field, Binding};

/// An Ethereum address (20 bytes).
pub type Address = [u8; 20];

/// Values of bit-width `bits` per packed word: `P = floor(253 / bits)`.
pub fn values_per_word(bits: u32) -> usize {
    pack::values_per_element(bits)
}

/// Words that `values` values of bit-width `bits` pack into: `ceil(values / P)`.
pub fn word_count(values: usize, bits: u32) -> usize {
    values.div_ceil(values_per_word(bits))
}

/// Packs signed `values` (each in `[-2^(bits-1), 2^(bits-1))`) into big-endian words, as the
/// circuit's packing gate does: `P` values per word, the first in the most significant slot,
/// `slot = v + 2^(bits-1)`.
pub fn pack_words(values: &[i64], bits: u32) -> Vec<Binding> {
    pack::pack(values, bits)
        .into_iter()
        .map(binding_from_field)
        .collect()
}

/// Whether a big-endian word is below `2^bits` (`bits <= 256`).
fn below_pow2(word: &Binding, bits: u32) -> bool {
    let bits = bits as usize;
    let full_zero_bytes = (256 - bits) / 8;
    let partial = (256 - bits) % 8;
    word[..full_zero_bytes].iter().all(|&b| b == 0)
        && (partial == 0 || word[full_zero_bytes] >> (8 - partial) == 0)
}

/// Bits `[lo, lo + width)` of a big-endian word (`width <= 64`).
fn bits_at(word: &Binding, lo: u32, width: u32) -> u64 {
    (0..width).fold(0u64, |acc, i| {
        let bit = lo + width - 1 - i;
        let byte = word[31 - (bit / 8) as usize];
        (acc << 1) | u64::from((byte >> (bit % 8)) & 1)
    })
}

/// Checks that `words` are exactly the words of `count` values of bit-width `bits`, each below
/// `2^(P bits)` (so each has one unpacking and is a canonical field element).
///
/// # Errors
/// [`BatchError::WordCount`] or [`BatchError::WordOutOfRange`].
pub fn check_words(words: &[Binding], count: usize, bits: u32) -> Result<(), BatchError> {
    let expected = word_count(count, bits);
    if words.len() != expected {
        return Err(BatchError::WordCount {
            expected,
            got: words.len(),
        });
    }
    let limit = values_per_word(bits) as u32 * bits;
    match words.iter().position(|w| !below_pow2(w, limit)) {
        Some(index) => Err(BatchError::WordOutOfRange { index, bits: limit }),
        None => Ok(()),
    }
}

/// Unpacks `count` signed values of bit-width `bits` from `words`: word `j` holds
/// `n_j = P` values (the last one the rest), and value `t` of word `j` is
/// `((w_j >> (bits (n_j-1-t))) & (2^bits - 1)) - 2^(bits-1)`.
///
/// # Errors
/// As [`check_words`].
pub fn unpack_words(words: &[Binding], count: usize, bits: u32) -> Result<Vec<i64>, BatchError> {
    check_words(words, count, bits)?;
    let per = values_per_word(bits);
    let offset = 1i64 << (bits - 1);
    let mut values = Vec::with_capacity(count);
    for (j, word) in words.iter().enumerate() {
        let n = per.min(count - j * per);
        for t in 0..n {
            let slot = bits_at(word, bits * (n - 1 - t) as u32, bits);
            values.push(slot as i64 - offset);
        }
    }
    Ok(values)
}

/// The fold `D = sum_j words[j] * c^j mod r` (big-endian), as the circuit's Horner chain
/// computes it (see `zkmlp_circuits::chips::horner`).
///
/// # Errors
/// [`BatchError::NotAFieldElement`] if `c` or a word is not below the field modulus.
pub fn fold_words(words: &[Binding], c: &Binding) -> Result<Binding, BatchError> {
    let c = to_field("binding", 0, c)?;
    let words = words
        .iter()
        .enumerate()
        .map(|(index, w)| to_field("word", index, w))
        .collect::<Result<Vec<Fr>, _>>()?;
    Ok(binding_from_field(horner::fold(&words, c)))
}

/// Solidity's `abi.encode(address[] collections, uint256[] tokenIds, uint64 epoch,
/// uint256[] commitments, uint256[] words)`: five head words (offsets of the dynamic arrays,
/// the epoch), then each array as its length and its elements, 32 bytes each.
pub fn encode_binding_preimage(
    collections: &[Address],
    token_ids: &[Binding],
    epoch: u64,
    commitments: &[Binding],
    words: &[Binding],
) -> Vec<u8> {
    let word_of = |value: usize| {
        let mut word = [0u8; 32];
        word[24..].copy_from_slice(&(value as u64).to_be_bytes());
        word
    };
    let addresses: Vec<Binding> = collections
        .iter()
        .map(|a| {
            let mut word = [0u8; 32];
            word[12..].copy_from_slice(a);
            word
        })
        .collect();
    let arrays: [&[Binding]; 4] = [&addresses, token_ids, commitments, words];
    let mut head = Vec::with_capacity(5);
    let mut tail: Vec<Binding> = Vec::new();
    let mut offset = 5 * 32;
    for (index, array) in arrays.iter().enumerate() {
        if index == 2 {
            let mut word = [0u8; 32];
            word[24..].copy_from_slice(&epoch.to_be_bytes());
            head.push(word);
        }
        head.push(word_of(offset));
        tail.push(word_of(array.len()));
        tail.extend_from_slice(array);
        offset += 32 * (1 + array.len());
    }
    head.into_iter().chain(tail).flatten().collect()
}

/// The batch binding `c = uint256(keccak256(abi.encode(collections, tokenIds, epoch,
/// commitments, words))) mod r`, big-endian, with `r` the BN254 scalar modulus (see
/// [`encode_binding_preimage`]).
pub fn batch_binding(
    collections: &[Address],
    token_ids: &[Binding],
    epoch: u64,
    commitments: &[Binding],
    words: &[Binding],
) -> Binding {
    let preimage = encode_binding_preimage(collections, token_ids, epoch, commitments, words);
    let hash: [u8; 32] = Keccak256::digest(&preimage).into();
    // The 256-bit hash as a little-endian 512-bit integer, reduced mod r.
    let mut wide = [0u8; 64];
    for (i, byte) in hash.iter().rev().enumerate() {
        wide[i] = *byte;
    }
    binding_from_field(Fr::from_uniform_bytes(&wide))
}

/// A field element of a batch's instance, checked canonical.
pub(super) fn to_field(
    what: &'static str,
    index: usize,
    value: &Binding,
) -> Result<Fr, BatchError> {
    binding_to_field(value).ok_or(BatchError::NotAFieldElement { what, index })
}
