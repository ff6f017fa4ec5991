//! The few pieces of the Solidity ABI the oracle needs, encoded by hand: static words,
//! dynamic `uint256[]`/`address[]` arrays and `bytes`, as `abi.encode` lays them out (a head
//! of words and offsets, then the dynamic parts, each padded to 32 bytes).

use sha3::{Digest, Keccak256};

use super::{calldata::Word, executor::Address};

/// One ABI argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AbiValue<'a> {
    /// A static 32-byte value (`uint256`, `address`, `uint64`, `bytes32`, ...).
    Word(Word),
    /// A dynamic array of 32-byte values (`uint256[]`, or `address[]` as
    /// [`address_word`]s).
    Words(&'a [Word]),
    /// Dynamic `bytes`.
    Bytes(&'a [u8]),
}

/// `abi.encode(values...)`.
pub fn abi_encode(values: &[AbiValue<'_>]) -> Vec<u8> {
    let mut head = Vec::with_capacity(32 * values.len());
    let mut tail = Vec::new();
    for value in values {
        match value {
            AbiValue::Word(word) => head.extend_from_slice(word),
            AbiValue::Words(words) => {
                head.extend_from_slice(&uint_word((32 * values.len() + tail.len()) as u64));
                tail.extend_from_slice(&uint_word(words.len() as u64));
                tail.extend(words.iter().flatten());
            }
            AbiValue::Bytes(bytes) => {
                head.extend_from_slice(&uint_word((32 * values.len() + tail.len()) as u64));
                tail.extend_from_slice(&uint_word(bytes.len() as u64));
                tail.extend_from_slice(bytes);
                tail.resize(tail.len().div_ceil(32) * 32, 0);
            }
        }
    }
    head.extend(tail);
    head
}

/// Calldata of a call to the function with `signature` (e.g. `"f(uint256,bytes)"`):
/// its selector, then `abi.encode(values...)`.
pub fn encode_call(signature: &str, values: &[AbiValue<'_>]) -> Vec<u8> {
    let mut data = selector(signature).to_vec();
    data.extend(abi_encode(values));
    data
}

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

/// Decodes a `uint256` return value that fits in `u128`; `None` otherwise.
pub fn decode_uint(output: &[u8]) -> Option<u128> {
    let word: &[u8; 32] = output.try_into().ok()?;
    word_to_u128(word)
}

/// A word as `u128`, if it fits.
pub fn word_to_u128(word: &Word) -> Option<u128> {
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
    fn dynamic_values_follow_the_head() {
        // abi.encode(uint256 7, uint256[] [1, 2], bytes 0x05 x 33)
        let data = abi_encode(&[
            AbiValue::Word(uint_word(7)),
            AbiValue::Words(&[uint_word(1), uint_word(2)]),
            AbiValue::Bytes(&[5; 33]),
        ]);
        let word = |i: usize| decode_uint(&data[32 * i..32 * (i + 1)]);
        assert_eq!(data.len(), 32 * (3 + 3 + 1 + 2));
        assert_eq!(word(0), Some(7));
        assert_eq!(word(1), Some(0x60));
        assert_eq!(word(2), Some(0x60 + 0x60));
        assert_eq!(word(3), Some(2));
        assert_eq!(word(6), Some(33));
        assert_eq!(data[32 * 8], 5);
        assert_eq!(data[32 * 8 + 1..], [0; 31]);
        assert_eq!(decode_uint(&[1; 32]), None);
    }
}
