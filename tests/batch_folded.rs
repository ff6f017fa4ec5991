//! Batch proofs with folded outputs end to end: a batch proves and verifies natively with the
//! binding and fold recomputed by the verifier, each item's price is the integer reference's,
//! and a changed price, two swapped tokens, another epoch, a non-canonical or missing word,
//! or a key of the wrong kind are refused.

use std::sync::OnceLock;

use zkmlp::{
    batch::{
        pack_words, unpack_words, verify_batch, BatchError, BatchItem, BatchProof, BatchProofFile,
    },
    model::Mlp,
    quantize::{quantize, quantize_input, reference_forward},
    CompiledModel, Error, MlpParams, ProvingKey, QuantizedMlp, Srs,
};
use zkmlp_circuits::{Visibility, VisibilitySettings};

/// The NFT shape in small: 4 features, one hidden layer, one price.
fn model() -> QuantizedMlp {
    quantize(&Mlp::random(&[4, 5, 1], 3), MlpParams::default()).expect("quantizes")
}

fn folded(inputs: Visibility, weights: Visibility) -> VisibilitySettings {
    VisibilitySettings {
        inputs,
        weights,
        outputs: Visibility::Folded,
    }
}

fn key(n: usize, visibility: VisibilitySettings) -> ProvingKey {
    let compiled = CompiledModel::with_visibility(model(), n, visibility).expect("compiles");
    // Unsafe, for testing: a seeded setup.
    let srs = Srs::unsafe_setup_for_testing(compiled.k(), 9);
    ProvingKey::generate(&srs, &compiled).expect("keygen")
}

fn items(n: usize) -> Vec<BatchItem> {
    (0..n)
        .map(|i| BatchItem {
            collection: [0xc0 ^ (i % 3) as u8; 20],
            token_id: {
                let mut id = [0u8; 32];
                id[24..].copy_from_slice(&(1000 + i as u64).to_be_bytes());
                id
            },
            features: (0..4)
                .map(|f| ((i * 4 + f) as f64 * 0.61).sin() * 1.5)
                .collect(),
        })
        .collect()
}

/// The N = 16 key (hashed inputs, fixed weights) and its proof, shared by the tests.
fn sixteen() -> &'static (ProvingKey, BatchProof) {
    static CELL: OnceLock<(ProvingKey, BatchProof)> = OnceLock::new();
    CELL.get_or_init(|| {
        let pk = key(16, folded(Visibility::Hashed, Visibility::Fixed));
        let proof = pk.prove_batch(&items(16), 7).expect("proves");
        (pk, proof)
    })
}

fn refused_as_invalid(pk: &ProvingKey, proof: &BatchProof) -> bool {
    matches!(
        verify_batch(pk.verifying_key(), proof),
        Err(Error::InvalidProof(_))
    )
}

#[test]
fn a_batch_of_16_proves_and_verifies_with_the_reference_prices() {
    let (pk, proof) = sixteen();
    let vk = pk.verifying_key();
    assert_eq!(verify_batch(vk, proof).map_err(|e| e.to_string()), Ok(()));
    // [c, input commitment, D]: the instance does not grow with N.
    assert_eq!(vk.instance_len(), 3);
    assert_eq!(proof.commitments.len(), 1);
    assert_eq!(proof.words.len(), 2, "16 prices, 10 to a word");
    let quantized = model();
    let params = quantized.params;
    let scale = f64::from(params.scale_bits).exp2();
    let expected: Vec<f64> = items(16)
        .iter()
        .map(|item| {
            let input = quantize_input(params, &item.features).unwrap();
            reference_forward(&quantized, &input).unwrap()[0] as f64 / scale
        })
        .collect();
    assert_eq!(proof.prices(vk).unwrap(), expected);
    let input: Vec<i64> = items(16)
        .iter()
        .flat_map(|item| quantize_input(params, &item.features).unwrap())
        .collect();
    assert_eq!(
        proof.commitments[0],
        pk.model().input_commitment(&input),
        "the commitment is the Poseidon hash of the features"
    );
    let instance = proof.instance().unwrap();
    assert_eq!(instance[0], proof.binding());
    assert_eq!(instance.len(), 3);
}

#[test]
fn a_changed_price_is_refused() {
    let (pk, proof) = sixteen();
    let vk = pk.verifying_key();
    let mut outputs = proof.outputs(vk).unwrap();
    outputs[13] += 1;
    let mut bad = proof.clone();
    bad.words = pack_words(&outputs, vk.fixed_point().activation_bits);
    assert_ne!(bad.words, proof.words);
    assert!(refused_as_invalid(pk, &bad));
    // The lowest bit of word 0 is item 9's price.
    let mut bad = proof.clone();
    bad.words[0][31] ^= 1;
    assert!(refused_as_invalid(pk, &bad));
}

#[test]
fn swapped_tokens_another_epoch_or_commitment_are_refused() {
    let (pk, proof) = sixteen();
    let mut bad = proof.clone();
    bad.token_ids.swap(2, 5);
    assert!(refused_as_invalid(pk, &bad));
    let mut bad = proof.clone();
    bad.collections.swap(0, 1);
    assert!(refused_as_invalid(pk, &bad));
    for epoch in [6, 8, 0, u64::MAX] {
        let mut bad = proof.clone();
        bad.epoch = epoch;
        assert!(refused_as_invalid(pk, &bad), "epoch {epoch}");
    }
    let mut bad = proof.clone();
    bad.commitments[0][31] ^= 1;
    assert!(refused_as_invalid(pk, &bad));
    let mut bad = proof.clone();
    bad.bytes[100] ^= 1;
    assert!(refused_as_invalid(pk, &bad));
}

#[test]
fn malformed_batches_get_typed_errors() {
    let (pk, proof) = sixteen();
    let vk = pk.verifying_key();
    let batch_error = |p: &BatchProof| match verify_batch(vk, p) {
        Err(Error::Batch(e)) => e,
        other => panic!("expected a batch error, got {other:?}"),
    };
    // A word with a bit set above P * B = 240 bits: same unpacking, not canonical.
    let mut bad = proof.clone();
    bad.words[1][1] |= 0x80;
    assert_eq!(
        batch_error(&bad),
        BatchError::WordOutOfRange {
            index: 1,
            bits: 240
        }
    );
    let mut bad = proof.clone();
    bad.words.pop();
    assert_eq!(
        batch_error(&bad),
        BatchError::WordCount {
            expected: 2,
            got: 1
        }
    );
    let mut bad = proof.clone();
    bad.token_ids.pop();
    assert!(matches!(batch_error(&bad), BatchError::ItemCount { .. }));
    let mut bad = proof.clone();
    bad.commitments.push([0; 32]);
    assert_eq!(
        batch_error(&bad),
        BatchError::CommitmentCount {
            expected: 1,
            got: 2
        }
    );
    let mut bad = proof.clone();
    bad.commitments[0] = [0xff; 32];
    assert!(matches!(
        batch_error(&bad),
        BatchError::NotAFieldElement { .. }
    ));
    // A folded key proves and verifies batches only.
    let features: Vec<Vec<f64>> = items(16).into_iter().map(|i| i.features).collect();
    assert!(matches!(
        pk.prove_items(&features, [0; 32]),
        Err(Error::Batch(BatchError::FoldedNeedsBatch))
    ));
    assert!(matches!(
        pk.prove_batch(&items(15), 7),
        Err(Error::BatchSize {
            expected: 16,
            got: 15
        })
    ));
}

#[test]
fn the_batch_proof_file_round_trips() {
    let (pk, proof) = sixteen();
    let file = BatchProofFile {
        proof: proof.clone(),
        model_digest: zkmlp::artifact::Digest::of(b"model"),
        srs_digest: zkmlp::artifact::Digest::of(b"srs"),
    };
    let json = file.to_json();
    let read = BatchProofFile::from_json(json.as_bytes()).expect("reads");
    assert_eq!(read, file);
    verify_batch(pk.verifying_key(), &read.proof).expect("still verifies");
    let foreign = json.replace("zkmlp-batch-proof", "zkmlp-proof");
    assert!(BatchProofFile::from_json(foreign.as_bytes()).is_err());
    let short = json.replacen("\"0x", "\"0x0", 1);
    assert!(BatchProofFile::from_json(short.as_bytes()).is_err());
}

#[test]
fn a_full_word_batch_with_hashed_weights_and_public_inputs_verifies() {
    // 20 prices: exactly two full words.
    let pk = key(20, folded(Visibility::Public, Visibility::Hashed));
    let proof = pk.prove_batch(&items(20), 1).expect("proves");
    let vk = pk.verifying_key();
    verify_batch(vk, &proof).expect("verifies");
    assert_eq!(proof.words.len(), 2);
    // The public features, then the weight commitment, between c and D.
    assert_eq!(proof.commitments.len(), 20 * 4 + 1);
    assert_eq!(
        *proof.commitments.last().unwrap(),
        pk.model().weight_commitment()
    );
    let outputs = proof.outputs(vk).unwrap();
    assert_eq!(
        unpack_words(&proof.words, 20, vk.fixed_point().activation_bits).unwrap(),
        outputs
    );
    let mut bad = proof.clone();
    bad.commitments[3][31] ^= 1;
    assert!(refused_as_invalid(&pk, &bad));
}

#[test]
fn keys_without_folded_outputs_refuse_batches() {
    let (_, proof) = sixteen();
    let plain = key(16, VisibilitySettings::default());
    assert!(matches!(
        verify_batch(plain.verifying_key(), proof),
        Err(Error::Batch(BatchError::NotFolded(Visibility::Public)))
    ));
    assert!(matches!(
        plain.prove_batch(&items(16), 7),
        Err(Error::Batch(BatchError::NotFolded(Visibility::Public)))
    ));
}
