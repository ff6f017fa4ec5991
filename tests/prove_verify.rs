//! Real KZG proofs: a valid proof verifies, and every tampering is rejected with an error,
//! never a panic.

mod common;

use std::sync::OnceLock;

use zkmlp::{
    quantize::{quantize, quantize_input, reference_forward},
    CompiledModel, Error, MlpParams, Proof, ProvingKey, Srs,
};
use zkmlp_circuits::WitnessError;

struct Fixture {
    pk: ProvingKey,
    proof: Proof,
    features: Vec<f64>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let compiled = CompiledModel::new(
            quantize(&common::small_model_salted(0.3), MlpParams::default()).unwrap(),
        )
        .unwrap();
        let srs = Srs::unsafe_setup_for_testing(compiled.k(), 1);
        let pk = ProvingKey::generate(&srs, &compiled).unwrap();
        let features = vec![0.5, -1.25, 2.0, 0.125];
        let proof = pk.prove(&features).unwrap();
        Fixture {
            pk,
            proof,
            features,
        }
    })
}

#[test]
fn valid_proof_verifies_and_matches_the_integer_reference() {
    let f = fixture();
    assert_eq!(
        zkmlp::verify(f.pk.verifying_key(), &f.proof).map_err(|e| e.to_string()),
        Ok(())
    );
    let input = quantize_input(MlpParams::default(), &f.features).unwrap();
    let expected = reference_forward(f.pk.model().model(), &input).unwrap();
    assert_eq!(f.proof.public_inputs.outputs, expected);
    assert_eq!(f.proof.public_inputs.features, input);
}

fn assert_invalid(result: Result<(), Error>) {
    match result {
        Err(Error::InvalidProof(_)) => {}
        other => panic!("expected InvalidProof, got {other:?}"),
    }
}

#[test]
fn changed_output_is_rejected() {
    let f = fixture();
    for delta in [1, -1] {
        let mut proof = f.proof.clone();
        proof.public_inputs.outputs[0] += delta;
        assert_invalid(zkmlp::verify(f.pk.verifying_key(), &proof));
    }
}

#[test]
fn changed_feature_is_rejected() {
    let f = fixture();
    let mut proof = f.proof.clone();
    proof.public_inputs.features[2] += 1;
    assert_invalid(zkmlp::verify(f.pk.verifying_key(), &proof));
}

#[test]
fn flipped_proof_bytes_are_rejected_without_panic() {
    let f = fixture();
    let len = f.proof.bytes.len();
    // One flip in every 32-byte word: points, scalars and the final opening proofs.
    for position in (0..len).step_by(32).chain([len - 1]) {
        let mut proof = f.proof.clone();
        proof.bytes[position] ^= 0x01;
        assert_invalid(zkmlp::verify(f.pk.verifying_key(), &proof));
    }
}

#[test]
fn truncated_and_extended_proofs_are_rejected() {
    let f = fixture();
    for len in [
        0,
        1,
        32,
        64,
        f.proof.bytes.len() / 2,
        f.proof.bytes.len() - 1,
    ] {
        let mut proof = f.proof.clone();
        proof.bytes.truncate(len);
        assert_invalid(zkmlp::verify(f.pk.verifying_key(), &proof));
    }
    let mut proof = f.proof.clone();
    proof.bytes.extend_from_slice(&[0u8; 32]);
    assert_invalid(zkmlp::verify(f.pk.verifying_key(), &proof));
}

#[test]
fn malformed_public_inputs_get_typed_errors() {
    let f = fixture();
    let mut proof = f.proof.clone();
    proof.public_inputs.outputs.push(0);
    assert!(matches!(
        zkmlp::verify(f.pk.verifying_key(), &proof),
        Err(Error::InstanceShape {
            expected_outputs: 1,
            got_outputs: 2,
            ..
        })
    ));
    let mut proof = f.proof.clone();
    proof.public_inputs.features[0] = 1 << 40;
    assert!(matches!(
        zkmlp::verify(f.pk.verifying_key(), &proof),
        Err(Error::PublicInputOutOfRange { index: 0, .. })
    ));
}

#[test]
fn proof_for_another_model_is_rejected() {
    let f = fixture();
    let other = CompiledModel::new(
        quantize(&common::small_model_salted(1.7), MlpParams::default()).unwrap(),
    )
    .unwrap();
    let srs = Srs::unsafe_setup_for_testing(other.k(), 1);
    let other_pk = ProvingKey::generate(&srs, &other).unwrap();
    let proof = other_pk.prove(&f.features).unwrap();
    assert_eq!(
        zkmlp::verify(other_pk.verifying_key(), &proof).map_err(|e| e.to_string()),
        Ok(())
    );
    assert_invalid(zkmlp::verify(f.pk.verifying_key(), &proof));
}

#[test]
fn proof_against_another_srs_is_rejected() {
    let f = fixture();
    let srs = Srs::unsafe_setup_for_testing(f.pk.model().k(), 2);
    let pk = ProvingKey::generate(&srs, f.pk.model()).unwrap();
    assert_invalid(zkmlp::verify(pk.verifying_key(), &f.proof));
}

#[test]
fn out_of_range_feature_is_refused_before_proving() {
    let f = fixture();
    let result = f.pk.prove(&[5000.0, 0.0, 0.0, 0.0]);
    assert!(matches!(result, Err(Error::Quantize(_))), "{result:?}");
    let result = f.pk.prove(&[f64::NAN, 0.0, 0.0, 0.0]);
    assert!(matches!(result, Err(Error::Quantize(_))), "{result:?}");
    let result = f.pk.prove(&[0.0; 3]);
    assert!(
        matches!(
            result,
            Err(Error::Witness(WitnessError::FeatureCount {
                expected: 4,
                got: 3
            }))
        ),
        "{result:?}"
    );
}

#[test]
fn proof_bound_to_one_subject_fails_for_another() {
    let f = fixture();
    let mut subject = [0u8; 32];
    subject[31] = 7;
    let proof = f.pk.prove_bound(&f.features, subject).unwrap();
    assert_eq!(proof.public_inputs.binding, subject);
    assert_eq!(
        zkmlp::verify(f.pk.verifying_key(), &proof).map_err(|e| e.to_string()),
        Ok(())
    );
    let mut replayed = proof.clone();
    replayed.public_inputs.binding[31] = 8;
    assert_invalid(zkmlp::verify(f.pk.verifying_key(), &replayed));
    // A binding at or above the modulus is not a field element: typed error, both ways.
    let mut above = proof;
    above.public_inputs.binding = [0xff; 32];
    assert!(matches!(
        zkmlp::verify(f.pk.verifying_key(), &above),
        Err(Error::BindingOutOfField)
    ));
    assert!(matches!(
        f.pk.prove_bound(&f.features, [0xff; 32]),
        Err(Error::BindingOutOfField)
    ));
}
