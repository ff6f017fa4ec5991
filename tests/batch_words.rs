//! The batch's public data as the on-chain verifier computes it: packing and unpacking of
//! output words (property tests), the fold, and the ABI encoding under the batch binding.

use ff::Field;
use halo2_proofs::halo2curves::bn256::Fr;
use proptest::prelude::*;
use sha3::Digest;
use snark_verifier_sdk::snark_verifier::loader::evm::{modulus, U256};
use zkmlp::{
    batch::{
        batch_binding, encode_binding_preimage, fold_words, pack_words, unpack_words,
        values_per_word, word_count, BatchError,
    },
    proof::{binding_from_field, binding_to_field},
};

fn values_strategy() -> impl Strategy<Value = (u32, Vec<i64>)> {
    (2u32..=40).prop_flat_map(|bits| {
        let half = 1i64 << (bits - 1);
        (Just(bits), prop::collection::vec(-half..half, 0..90))
    })
}

proptest! {
    #[test]
    fn unpack_inverts_pack((bits, values) in values_strategy()) {
        let words = pack_words(&values, bits);
        prop_assert_eq!(words.len(), word_count(values.len(), bits));
        prop_assert_eq!(unpack_words(&words, values.len(), bits).unwrap(), values);
    }

    #[test]
    fn the_fold_is_the_word_polynomial_at_c(words in prop::collection::vec(any::<u64>(), 0..20), c in any::<u64>()) {
        let as_words: Vec<[u8; 32]> = words.iter().map(|&w| binding_from_field(Fr::from(w))).collect();
        let c_field = Fr::from(c);
        let expected = words
            .iter()
            .enumerate()
            .fold(Fr::ZERO, |sum, (j, &w)| sum + Fr::from(w) * c_field.pow([j as u64]));
        let folded = fold_words(&as_words, &binding_from_field(c_field)).unwrap();
        prop_assert_eq!(binding_to_field(&folded), Some(expected));
    }
}

#[test]
fn words_pack_most_significant_first_with_an_offset() {
    // B = 4: slots v + 8, two values: (1 + 8) * 16 + (-8 + 8) = 144.
    let words = pack_words(&[1, -8], 4);
    assert_eq!(words.len(), 1);
    assert_eq!(words[0][31], 144);
    assert!(words[0][..31].iter().all(|&b| b == 0));
    assert_eq!(values_per_word(24), 10);
    assert_eq!(values_per_word(4), 63);
}

#[test]
fn unpacking_refuses_non_canonical_or_miscounted_words() {
    let values = vec![5i64; 25];
    let mut words = pack_words(&values, 24);
    assert_eq!(words.len(), 3);
    assert_eq!(
        unpack_words(&words, 31, 24),
        Err(BatchError::WordCount {
            expected: 4,
            got: 3
        })
    );
    assert_eq!(
        unpack_words(&words[..2], 25, 24),
        Err(BatchError::WordCount {
            expected: 3,
            got: 2
        })
    );
    // Bit 240 = P * B set in word 0.
    words[0][1] |= 1;
    assert_eq!(
        unpack_words(&words, 25, 24),
        Err(BatchError::WordOutOfRange {
            index: 0,
            bits: 240
        })
    );
    words[0][1] &= !1;
    words[0][2] |= 0x80; // bit 239: inside the word
    assert!(unpack_words(&words, 25, 24).is_ok());
}

#[test]
fn the_binding_preimage_is_solidity_abi_encode() {
    let word = |value: u16| {
        let mut w = [0u8; 32];
        w[30..].copy_from_slice(&value.to_be_bytes());
        w
    };
    let encoded = encode_binding_preimage(
        &[[0x11; 20], [0x22; 20]],
        &[word(1), word(2)],
        0x0102,
        &[word(3)],
        &[word(4), word(5), word(6)],
    );
    let expected_words: Vec<[u8; 32]> = vec![
        word(0xa0),          // offset of collections: 5 head words
        word(0xa0 + 3 * 32), // offset of tokenIds
        word(0x0102),        // epoch
        word(0xa0 + 6 * 32), // offset of commitments
        word(0xa0 + 8 * 32), // offset of words
        word(2),
        {
            let mut w = [0u8; 32];
            w[12..].copy_from_slice(&[0x11; 20]);
            w
        },
        {
            let mut w = [0u8; 32];
            w[12..].copy_from_slice(&[0x22; 20]);
            w
        },
        word(2),
        word(1),
        word(2),
        word(1),
        word(3),
        word(3),
        word(4),
        word(5),
        word(6),
    ];
    assert_eq!(encoded, expected_words.concat());
    // keccak256 of the encoding, reduced mod r by an independent path (U256 arithmetic).
    let hash: [u8; 32] = sha3::Keccak256::digest(&encoded).into();
    let reduced = (U256::from_be_bytes(hash) % modulus::<Fr>()).to_be_bytes::<32>();
    assert_eq!(
        batch_binding(
            &[[0x11; 20], [0x22; 20]],
            &[word(1), word(2)],
            0x0102,
            &[word(3)],
            &[word(4), word(5), word(6)],
        ),
        reduced
    );
    // The binding is a canonical field element and depends on every part.
    let binding = batch_binding(&[[0x11; 20]], &[word(1)], 1, &[], &[word(9)]);
    assert!(binding_to_field(&binding).is_some());
    assert_ne!(
        binding,
        batch_binding(&[[0x11; 20]], &[word(1)], 2, &[], &[word(9)])
    );
    assert_ne!(
        binding,
        batch_binding(&[[0x11; 20]], &[word(2)], 1, &[], &[word(9)])
    );
    assert_ne!(
        binding,
        batch_binding(&[[0x11; 20]], &[word(1)], 1, &[word(0)], &[word(9)])
    );
    assert_ne!(
        binding,
        batch_binding(&[[0x12; 20]], &[word(1)], 1, &[], &[word(9)])
    );
}
