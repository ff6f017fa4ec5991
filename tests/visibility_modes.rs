//! Every visibility mode end to end with real keys and proofs, and the tamperings each mode
//! must reject: wrong weights against a committed model, a changed commitment, a changed
//! public weight, a proof that does not match the key's visibility.

use zkmlp::{
    artifact::{CompiledFile, KeyFile},
    model::Mlp,
    quantize::{quantize, quantize_input},
    CompiledModel, Error, MlpParams, ProvingKey, QuantizedMlp, Srs,
};
use zkmlp_circuits::{Visibility, VisibilitySettings};

fn model(seed: u64) -> QuantizedMlp {
    quantize(&Mlp::random(&[4, 5, 2], seed), MlpParams::default()).expect("quantizes")
}

fn features() -> Vec<f64> {
    vec![0.5, -1.25, 0.75, 2.0]
}

fn settings(inputs: Visibility, weights: Visibility, outputs: Visibility) -> VisibilitySettings {
    VisibilitySettings {
        inputs,
        weights,
        outputs,
    }
}

fn key(model: QuantizedMlp, visibility: VisibilitySettings) -> ProvingKey {
    let compiled = CompiledModel::with_visibility(model, 1, visibility).expect("compiles");
    // Unsafe, for testing: a seeded setup.
    let srs = Srs::unsafe_setup_for_testing(compiled.k(), 5);
    ProvingKey::generate(&srs, &compiled).expect("keygen")
}

fn hashed_weights() -> VisibilitySettings {
    settings(Visibility::Public, Visibility::Hashed, Visibility::Public)
}

#[test]
fn every_mode_proves_and_verifies_with_what_it_reveals() {
    let io = [Visibility::Public, Visibility::Private, Visibility::Hashed];
    let weights = [
        Visibility::Fixed,
        Visibility::Public,
        Visibility::Private,
        Visibility::Hashed,
    ];
    let quantized = model(1);
    let input = quantize_input(MlpParams::default(), &features()).expect("in range");
    let reference = zkmlp::quantize::reference_forward(&quantized, &input).expect("in range");
    for &i in &io {
        for &w in &weights {
            for &o in &io {
                let visibility = settings(i, w, o);
                let pk = key(quantized.clone(), visibility);
                let proof = pk.prove(&features()).expect("proves");
                zkmlp::verify(pk.verifying_key(), &proof)
                    .unwrap_or_else(|e| panic!("{visibility:?}: {e}"));
                let public = &proof.public_inputs;
                let compiled = pk.model();
                assert_eq!(!public.features.is_empty(), i == Visibility::Public);
                assert_eq!(!public.weights.is_empty(), w == Visibility::Public);
                assert_eq!(!public.outputs.is_empty(), o == Visibility::Public);
                if o == Visibility::Public {
                    assert_eq!(public.outputs, reference);
                }
                let expect = |v: Visibility, c: [u8; 32]| (v == Visibility::Hashed).then_some(c);
                assert_eq!(
                    public.commitments.inputs,
                    expect(i, compiled.input_commitment(&input))
                );
                assert_eq!(
                    public.commitments.weights,
                    expect(w, compiled.weight_commitment())
                );
                assert_eq!(
                    public.commitments.outputs,
                    expect(o, compiled.output_commitment(&reference))
                );
            }
        }
    }
}

#[test]
fn hashed_weights_keep_the_model_out_of_the_verifying_key() {
    let mut other = model(2);
    other.layers[0].weights[0][0] += 1;
    other.layers[1].weights[1][3] -= 2;
    other.layers[1].biases[0] += 7;
    let a = key(model(2), hashed_weights());
    let b = key(other, hashed_weights());
    let vk_bytes = |pk: &ProvingKey| {
        let mut bytes = Vec::new();
        pk.verifying_key()
            .halo2()
            .write(&mut bytes, halo2_proofs::SerdeFormat::RawBytes)
            .expect("writes");
        bytes
    };
    let (a_bits, b_bits) = (
        a.model().layout().weight_bits,
        b.model().layout().weight_bits,
    );
    assert_eq!(a_bits, b_bits);
    assert_eq!(a.model().layout().bias_bits, b.model().layout().bias_bits);
    assert_eq!(
        vk_bytes(&a),
        vk_bytes(&b),
        "the key must not depend on weight values"
    );
    let fixed_a = key(model(2), VisibilitySettings::default());
    let fixed_b = key(model(3), VisibilitySettings::default());
    assert_ne!(
        vk_bytes(&fixed_a),
        vk_bytes(&fixed_b),
        "fixed weights are in the key"
    );
}

#[test]
fn another_model_cannot_pass_for_the_committed_one() {
    let committed = key(model(4), hashed_weights());
    let published = committed.model().weight_commitment();
    // Same shape, one weight changed: same circuit, so the prover holds a valid key for it.
    let mut other_model = model(4);
    other_model.layers[0].weights[1][2] += 1;
    let other = key(other_model, hashed_weights());
    let mut proof = other.prove(&features()).expect("proves");
    zkmlp::verify(other.verifying_key(), &proof).expect("valid for its own commitment");
    assert_ne!(proof.public_inputs.commitments.weights, Some(published));
    // Claiming the published commitment instead fails.
    proof.public_inputs.commitments.weights = Some(published);
    assert!(matches!(
        zkmlp::verify(committed.verifying_key(), &proof),
        Err(Error::InvalidProof(_))
    ));
}

#[test]
fn changed_commitments_and_public_weights_are_rejected() {
    let all_hashed = settings(Visibility::Hashed, Visibility::Hashed, Visibility::Hashed);
    let pk = key(model(5), all_hashed);
    let proof = pk.prove(&features()).expect("proves");
    let vk = pk.verifying_key();
    zkmlp::verify(vk, &proof).expect("valid");
    for part in 0..3 {
        let mut bad = proof.clone();
        let c = &mut bad.public_inputs.commitments;
        let slot = [&mut c.inputs, &mut c.weights, &mut c.outputs][part]
            .as_mut()
            .expect("hashed");
        slot[31] ^= 1;
        assert!(
            matches!(zkmlp::verify(vk, &bad), Err(Error::InvalidProof(_))),
            "part {part}"
        );
    }
    let mut missing = proof.clone();
    missing.public_inputs.commitments.outputs = None;
    assert!(matches!(
        zkmlp::verify(vk, &missing),
        Err(Error::VisibilityMismatch(_))
    ));
    let mut out_of_field = proof.clone();
    out_of_field.public_inputs.commitments.inputs = Some([0xff; 32]);
    assert!(matches!(
        zkmlp::verify(vk, &out_of_field),
        Err(Error::BindingOutOfField)
    ));

    let public_weights = settings(Visibility::Public, Visibility::Public, Visibility::Public);
    let pk = key(model(5), public_weights);
    let proof = pk.prove(&features()).expect("proves");
    let mut bad = proof.clone();
    bad.public_inputs.weights[3] += 1;
    assert!(matches!(
        zkmlp::verify(pk.verifying_key(), &bad),
        Err(Error::InvalidProof(_))
    ));
    let mut short = proof;
    short.public_inputs.weights.pop();
    assert!(matches!(
        zkmlp::verify(pk.verifying_key(), &short),
        Err(Error::VisibilityMismatch(_))
    ));
}

#[test]
fn key_and_compiled_files_keep_the_visibility() {
    let visibility = settings(Visibility::Private, Visibility::Hashed, Visibility::Public);
    let pk = key(model(6), visibility);
    let compiled = CompiledFile::new(pk.model().clone());
    let reread = CompiledFile::from_json(compiled.to_json().as_bytes()).expect("reads");
    assert_eq!(reread.compiled.visibility(), visibility);
    assert_eq!(reread.digest, compiled.digest);
    let default = CompiledFile::new(CompiledModel::new(model(6)).expect("compiles"));
    assert_ne!(
        default.digest, compiled.digest,
        "the digest covers the visibility"
    );

    let bytes = KeyFile::encode_verifying_key(pk.verifying_key(), &compiled);
    let (meta, vk) = KeyFile::decode_verifying_key(&bytes).expect("decodes");
    assert_eq!(meta.circuit.visibility, visibility);
    let proof = pk.prove(&features()).expect("proves");
    zkmlp::verify(&vk, &proof).expect("the re-read key verifies");
}

#[test]
fn a_batch_commits_to_all_its_outputs_in_one_hash() {
    let visibility = settings(Visibility::Public, Visibility::Fixed, Visibility::Hashed);
    let compiled = CompiledModel::with_visibility(model(7), 3, visibility).expect("compiles");
    // Unsafe, for testing: a seeded setup.
    let srs = Srs::unsafe_setup_for_testing(compiled.k(), 5);
    let pk = ProvingKey::generate(&srs, &compiled).expect("keygen");
    let items = vec![
        features(),
        vec![1.0, 0.5, -0.5, 0.25],
        vec![-1.5, 0.0, 1.0, 0.5],
    ];
    let proof = pk.prove_items(&items, [0; 32]).expect("proves");
    zkmlp::verify(pk.verifying_key(), &proof).expect("valid");
    let mut outputs = Vec::new();
    for item in &items {
        let input = quantize_input(MlpParams::default(), item).expect("in range");
        outputs.extend(zkmlp::quantize::reference_forward(pk.model().model(), &input).unwrap());
    }
    assert!(proof.public_inputs.outputs.is_empty());
    assert_eq!(pk.verifying_key().instance_len(), 1 + 3 * 4 + 1);
    assert_eq!(
        proof.public_inputs.commitments.outputs,
        Some(pk.model().output_commitment(&outputs))
    );
}
