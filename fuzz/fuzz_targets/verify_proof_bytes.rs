//! Arbitrary bytes as the proof bytes of an otherwise valid proof: `zkmlp::verify` must
//! return, never panic. (Proofs are randomized, so `Ok` is no finding by itself: the seed
//! corpus holds another valid proof of the same statement, made with the same key.)
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use zkmlp::{model::Mlp, quantize::quantize, CompiledModel, MlpParams, Proof, ProvingKey, Srs};

const MODEL: &str = r#"{"format": "zkmlp-mlp", "version": 1, "layers": [
  {"weights": [[0.5, -1.25, 2.0], [1.0, 0.0, -0.75]], "biases": [0.1, -0.2], "activation": "relu"},
  {"weights": [[1.5, -0.5]], "biases": [0.25], "activation": "identity"}]}"#;

/// A small model's proving key (unsafe seeded SRS) and one valid proof, built once.
static FIXTURE: LazyLock<(ProvingKey, Proof)> = LazyLock::new(|| {
    let model = Mlp::from_json(MODEL).expect("model");
    let compiled =
        CompiledModel::new(quantize(&model, MlpParams::default()).expect("quantize")).expect("compile");
    let srs = Srs::unsafe_setup_for_testing(compiled.k(), 42);
    let pk = ProvingKey::generate(&srs, &compiled).expect("keygen");
    let proof = pk.prove(&[0.5, -1.25, 3.0]).expect("prove");
    zkmlp::verify(pk.verifying_key(), &proof).expect("the genuine proof verifies");
    (pk, proof)
});

fuzz_target!(|data: &[u8]| {
    let (pk, genuine) = &*FIXTURE;
    let proof = Proof {
        bytes: data.to_vec(),
        ..genuine.clone()
    };
    let _ = zkmlp::verify(pk.verifying_key(), &proof);
});
