//! The verifier's calldata: public instances as 32-byte big-endian words, then the proof.
//!
//! This is `snark_verifier::loader::evm::encode_calldata` for one instance column, written
//! against [`Proof`] so that any proof, even a malformed one, has an encoding: the binding is
//! copied as given (a value `>= r` reaches the verifier, which rejects it), and features and
//! outputs are signed integers encoded mod `r` (`-v` becomes `r - v`).

use halo2_proofs::halo2curves::bn256::Fr;
use snark_verifier_sdk::snark_verifier::loader::evm::{modulus, U256};
use zkmlp_circuits::field::i128_to_field;

use crate::proof::{binding_from_field, InstanceEntry, Proof};

/// One 256-bit EVM word, big-endian.
pub type Word = [u8; 32];

/// The BN254 scalar field modulus `r`, big-endian.
pub fn scalar_modulus() -> Word {
    modulus::<Fr>().to_be_bytes::<32>()
}

/// A signed integer as the field element it stands for, as a big-endian word.
pub fn signed_word(value: i64) -> Word {
    binding_from_field(i128_to_field(value.into()))
}

/// The public instances of `proof` in verifier order (see [`PublicInputs::entries`]):
/// the binding, then features, weights and outputs or their commitments.
///
/// [`PublicInputs::entries`]: crate::proof::PublicInputs::entries
pub fn instance_words(proof: &Proof) -> Vec<Word> {
    proof
        .public_inputs
        .entries()
        .into_iter()
        .map(|entry| match entry {
            InstanceEntry::Value(v) => signed_word(v),
            InstanceEntry::Element(bytes) => bytes,
        })
        .collect()
}

/// The calldata the generated verifier expects for `proof`: `instance_words(proof)`
/// concatenated, then `proof.bytes`.
pub fn encode_calldata(proof: &Proof) -> Vec<u8> {
    let words = instance_words(proof);
    let mut calldata = Vec::with_capacity(32 * words.len() + proof.bytes.len());
    calldata.extend(words.iter().flatten());
    calldata.extend_from_slice(&proof.bytes);
    calldata
}

/// [`encode_calldata`] as `0x`-prefixed lowercase hex.
pub fn calldata_hex(proof: &Proof) -> String {
    format!("0x{}", hex::encode(encode_calldata(proof)))
}

/// What a transaction's calldata costs on its own: 4 gas per zero byte, 16 per other byte
/// (EIP-2028). EIP-7623's floor (10 / 40 gas) applies only to transactions that execute
/// little, which verifications are not.
pub fn calldata_gas(calldata: &[u8]) -> u64 {
    calldata.iter().map(|&b| if b == 0 { 4 } else { 16 }).sum()
}

/// `a + b` as 256-bit words; `None` on overflow.
pub fn checked_add_words(a: &Word, b: &Word) -> Option<Word> {
    U256::from_be_bytes(*a)
        .checked_add(U256::from_be_bytes(*b))
        .map(|sum| sum.to_be_bytes::<32>())
}

/// `word mod r`.
pub fn reduce_word(word: &Word) -> Word {
    (U256::from_be_bytes(*word) % modulus::<Fr>()).to_be_bytes::<32>()
}

#[cfg(test)]
mod tests {
    use ff::PrimeField;

    use super::*;
    use crate::proof::PublicInputs;

    #[test]
    fn layout_matches_snark_verifier() {
        let proof = Proof {
            bytes: vec![7, 8, 9],
            public_inputs: PublicInputs {
                binding: [1; 32],
                features: vec![3, -1],
                outputs: vec![5],
                ..PublicInputs::default()
            },
            scale_bits: 12,
        };
        let values = [3i64, -1, 5].map(|v| i128_to_field(v.into()));
        let mut binding_le = [1u8; 32];
        binding_le.reverse();
        let binding = Fr::from_repr(binding_le).unwrap();
        let expected = snark_verifier_sdk::snark_verifier::loader::evm::encode_calldata(
            &[std::iter::once(binding).chain(values).collect()],
            &proof.bytes,
        );
        assert_eq!(encode_calldata(&proof), expected);
        assert_eq!(encode_calldata(&proof).len(), 4 * 32 + 3);
        assert!(calldata_hex(&proof).starts_with("0x0101"));
    }

    #[test]
    fn negative_values_wrap_mod_r() {
        let r = U256::from_be_bytes(scalar_modulus());
        assert_eq!(U256::from_be_bytes(signed_word(-5)), r - U256::from(5u8));
        assert_eq!(U256::from_be_bytes(signed_word(5)), U256::from(5u8));
        let shifted = checked_add_words(&signed_word(5), &scalar_modulus()).unwrap();
        assert_eq!(reduce_word(&shifted), signed_word(5));
        assert_eq!(checked_add_words(&[0xff; 32], &signed_word(1)), None);
    }
}
