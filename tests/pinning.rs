//! Issue 11: model pinning through the library API, and SRS files checked where they enter.
//!
//! - a relabelled key (another model's key written under this model's digest) verifies a
//!   proof of the other model, and `matches_model` / `verify_pinned` refuse it;
//! - a hashed-weights proof of another model is refused against the published commitment;
//! - public weights are compared with the model's, private weights cannot be pinned;
//! - a halo2 SRS file whose points are valid but not one powers-of-tau sequence fails its
//!   pairing (or Lagrange) check, and a reader of `k` smaller than the file's reads only the
//!   prefix it needs.

use halo2_proofs::{
    halo2curves::{
        bn256::{Fr, G1Affine},
        group::Curve,
    },
    SerdeCurveAffine, SerdeFormat,
};
use zkmlp::{
    artifact::{CompiledFile, KeyFile},
    model::Mlp,
    pin::{check_weights, KeyPart},
    quantize::quantize,
    srs::SrsError,
    verify_pinned, CompiledModel, Error, MlpParams, ModelPin, PinError, ProvingKey, Srs,
    Visibility, VisibilitySettings,
};

const MODEL: &str = r#"{"format": "zkmlp-mlp", "version": 1, "layers": [
  {"weights": [[0.5, -1.25, 2.0], [1.0, 0.0, -0.75]], "biases": [0.1, -0.2], "activation": "relu"},
  {"weights": [[1.5, -0.5]], "biases": [0.25], "activation": "identity"}]}"#;

/// Same shape as [`MODEL`], other weights (same magnitudes, so the same bit-widths).
const SAME_SHAPE: &str = r#"{"format": "zkmlp-mlp", "version": 1, "layers": [
  {"weights": [[0.25, 1.0, -2.0], [-1.0, 0.5, 0.75]], "biases": [0.0, 0.2], "activation": "relu"},
  {"weights": [[-1.5, 0.5]], "biases": [0.25], "activation": "identity"}]}"#;

const FEATURES: [f64; 3] = [0.5, -1.25, 3.0];

fn compiled(json: &str, weights: Visibility) -> CompiledModel {
    let model = Mlp::from_json(json).unwrap();
    let compiled = CompiledModel::new(quantize(&model, MlpParams::default()).unwrap()).unwrap();
    compiled
        .replan(VisibilitySettings {
            weights,
            ..VisibilitySettings::default()
        })
        .unwrap()
}

fn keys(model: &CompiledModel) -> ProvingKey {
    ProvingKey::generate(&Srs::unsafe_setup_for_testing(model.k(), 1), model).unwrap()
}

#[test]
fn a_relabelled_key_verifies_the_other_model_but_is_refused_by_the_pin() {
    let (a, b) = (
        compiled(MODEL, Visibility::Fixed),
        compiled(SAME_SHAPE, Visibility::Fixed),
    );
    let (pk_a, pk_b) = (keys(&a), keys(&b));
    let file_a = CompiledFile::new(a.clone());
    // Model B's key under model A's digest: a valid file that claims A.
    let relabelled = KeyFile::encode_verifying_key(pk_b.verifying_key(), &file_a);
    let (meta, vk) = KeyFile::decode_verifying_key(&relabelled).unwrap();
    assert_eq!(meta.model_digest, file_a.digest);
    let proof_b = pk_b.prove(&FEATURES).unwrap();
    // The label alone lets a proof of B verify "as model A"...
    vk.verify(&proof_b).unwrap();
    // ...regenerating A's key exposes it.
    assert!(matches!(
        vk.matches_model(&a),
        Err(PinError::KeyMismatch(KeyPart::FixedCommitments))
    ));
    assert!(matches!(
        verify_pinned(&vk, &proof_b, &ModelPin::Model(&a)),
        Err(PinError::KeyMismatch(KeyPart::FixedCommitments))
    ));
    // The honest key, also after a round trip through its file, is A's.
    pk_a.verifying_key().matches_model(&a).unwrap();
    let honest = KeyFile::encode_verifying_key(pk_a.verifying_key(), &file_a);
    let (_, vk_a) = KeyFile::decode_verifying_key(&honest).unwrap();
    let proof_a = pk_a.prove(&FEATURES).unwrap();
    verify_pinned(&vk_a, &proof_a, &ModelPin::Model(&a)).unwrap();
    // Another shape or size is named as such.
    let bigger = compiled(MODEL, Visibility::Hashed);
    assert!(matches!(
        vk_a.matches_model(&bigger),
        Err(PinError::KeyMismatch(KeyPart::Size { .. } | KeyPart::Shape))
    ));
}

#[test]
fn a_hashed_weights_proof_of_another_model_is_refused_by_the_published_commitment() {
    let (a, b) = (
        compiled(MODEL, Visibility::Hashed),
        compiled(SAME_SHAPE, Visibility::Hashed),
    );
    assert_ne!(a.weight_commitment(), b.weight_commitment());
    let pk_b = keys(&b);
    let vk_b = pk_b.verifying_key();
    let proof_b = pk_b.prove(&FEATURES).unwrap();
    let published = a.weight_commitment();
    match verify_pinned(vk_b, &proof_b, &ModelPin::WeightCommitment(published)) {
        Err(PinError::WeightCommitmentMismatch { expected, got }) => {
            assert_eq!(expected, published);
            assert_eq!(got, b.weight_commitment());
        }
        other => panic!("expected a commitment mismatch, got {other:?}"),
    }
    // Against model A itself: its key may equal B's (it holds no weights), the commitment
    // does not.
    let refused = verify_pinned(vk_b, &proof_b, &ModelPin::Model(&a)).unwrap_err();
    assert!(
        matches!(
            refused,
            PinError::WeightCommitmentMismatch { .. } | PinError::KeyMismatch(_)
        ),
        "{refused:?}"
    );
    verify_pinned(
        vk_b,
        &proof_b,
        &ModelPin::WeightCommitment(b.weight_commitment()),
    )
    .unwrap();
    verify_pinned(vk_b, &proof_b, &ModelPin::Model(&b)).unwrap();
}

#[test]
fn public_weights_are_compared_and_private_weights_cannot_be_pinned() {
    let (a, b) = (
        compiled(MODEL, Visibility::Public),
        compiled(SAME_SHAPE, Visibility::Public),
    );
    let pk_b = keys(&b);
    let proof_b = pk_b.prove(&FEATURES).unwrap();
    let vk_b = pk_b.verifying_key();
    assert!(matches!(
        check_weights(vk_b, &proof_b, &ModelPin::Model(&a)),
        Err(PinError::PublicWeightsMismatch { index: 0, .. })
    ));
    check_weights(vk_b, &proof_b, &ModelPin::Model(&b)).unwrap();
    assert!(matches!(
        check_weights(vk_b, &proof_b, &ModelPin::WeightCommitment([0; 32])),
        Err(PinError::NotPinnable {
            weights: Visibility::Public,
            ..
        })
    ));

    let private = compiled(MODEL, Visibility::Private);
    let pk = keys(&private);
    let proof = pk.prove(&FEATURES).unwrap();
    let refused = verify_pinned(pk.verifying_key(), &proof, &ModelPin::Model(&private));
    let message = refused.as_ref().unwrap_err().to_string();
    assert!(
        matches!(
            refused,
            Err(PinError::NotPinnable {
                weights: Visibility::Private,
                ..
            })
        ),
        "{message}"
    );
    assert!(
        message.contains("some weights of this shape give this output"),
        "{message}"
    );
    // A rejected proof stays a rejection, not a pin error.
    let mut forged = proof_b.clone();
    forged.public_inputs.outputs[0] += 1;
    let rejected = verify_pinned(vk_b, &forged, &ModelPin::Model(&b)).unwrap_err();
    assert!(rejected.is_rejection(), "{rejected:?}");
    assert!(matches!(rejected, PinError::Proof(Error::InvalidProof(_))));
}

/// Byte offset of monomial point `i` in a halo2 SRS file.
fn g_at(i: usize) -> usize {
    4 + 64 * i
}

fn point_bytes(p: &G1Affine) -> Vec<u8> {
    let mut out = Vec::new();
    p.write(&mut out, SerdeFormat::RawBytes).unwrap();
    out
}

#[test]
fn a_tampered_halo2_srs_file_fails_its_pairing_check() {
    let srs = Srs::unsafe_setup_for_testing(6, 3);
    let bytes = srs.to_bytes();
    Srs::from_bytes(&bytes).unwrap();
    // g[5] replaced by another valid curve point: on the curve, not tau^5 G1.
    let mut tampered = bytes.clone();
    let other = (G1Affine::generator() * Fr::from(12345)).to_affine();
    tampered[g_at(5)..g_at(6)].copy_from_slice(&point_bytes(&other));
    assert!(matches!(
        Srs::from_bytes(&tampered),
        Err(SrsError::NotPowersOfTau(
            "the G1 points are not successive powers of the G2 secret"
        ))
    ));
    // [tau] G2 of another secret.
    let mut other_g2 = bytes.clone();
    let end = zkmlp::srs::params_len(6);
    let foreign = Srs::unsafe_setup_for_testing(6, 4).to_bytes();
    other_g2[end - 128..end].copy_from_slice(&foreign[end - 128..end]);
    assert!(matches!(
        Srs::from_bytes(&other_g2),
        Err(SrsError::NotPowersOfTau(_))
    ));
    // A Lagrange point swapped with another: still curve points, no longer the basis.
    let mut lagrange = bytes.clone();
    let (l3, l4) = (g_at(64 + 3), g_at(64 + 4));
    let p3 = lagrange[l3..l3 + 64].to_vec();
    lagrange.copy_within(l4..l4 + 64, l3);
    lagrange[l4..l4 + 64].copy_from_slice(&p3);
    assert!(matches!(
        Srs::from_bytes(&lagrange),
        Err(SrsError::NotPowersOfTau(
            "the Lagrange points do not match the monomial points"
        ))
    ));
    // The files enter through `read_file` too (as `setup --srs` and `srs info` read them).
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tampered.srs");
    std::fs::write(&path, &tampered).unwrap();
    assert!(matches!(
        Srs::read_file(&path, None),
        Err(SrsError::NotPowersOfTau(_))
    ));
    assert!(matches!(
        Srs::read_file(&path, Some(4)),
        Err(SrsError::NotPowersOfTau(_))
    ));
}

#[test]
fn a_smaller_circuit_reads_only_the_powers_it_needs() {
    let big = Srs::unsafe_setup_for_testing(10, 5);
    let mut bytes = big.to_bytes();
    // Tamper with g[600], beyond the 2^9 powers the test model (k = 9) needs.
    let other = (G1Affine::generator() * Fr::from(7)).to_affine();
    bytes[g_at(600)..g_at(601)].copy_from_slice(&point_bytes(&other));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.srs");
    std::fs::write(&path, &bytes).unwrap();
    let small = Srs::read_file(&path, Some(5)).unwrap();
    assert_eq!(small.k(), 5);
    assert!(small.is_unsafe());
    // Same parameters as cutting the whole SRS in memory (Lagrange points of size 2^5).
    assert_eq!(small.digest_at(5).unwrap(), big.digest_at(5).unwrap());
    assert_eq!(
        zkmlp::srs::params_to_bytes(small.params()),
        zkmlp::srs::params_to_bytes(&big.for_k(5).unwrap())
    );
    // The whole file is checked when read whole, and too small a file is typed.
    assert!(matches!(
        Srs::read_file(&path, None),
        Err(SrsError::NotPowersOfTau(_))
    ));
    assert!(matches!(
        Srs::read_file(&path, Some(11)),
        Err(SrsError::TooSmall {
            srs_k: 10,
            needed_k: 11
        })
    ));
    // Keys made from the prefix verify proofs, as from the whole SRS.
    let model = compiled(MODEL, Visibility::Fixed);
    assert!(model.k() <= 9);
    let srs = Srs::read_file(&path, Some(model.k())).unwrap();
    let pk = ProvingKey::generate(&srs, &model).unwrap();
    let proof = pk.prove(&FEATURES).unwrap();
    zkmlp::verify(pk.verifying_key(), &proof).unwrap();
}

#[test]
fn a_seeded_ptau_converts_to_the_seeded_srs_with_or_without_its_lagrange_section() {
    let dir = tempfile::tempdir().unwrap();
    let seeded = Srs::unsafe_setup_for_testing(6, 9);
    for prepared in [false, true] {
        let path = dir.path().join(format!("seeded-{prepared}.ptau"));
        std::fs::write(&path, Srs::unsafe_ptau_for_testing(6, 9, prepared)).unwrap();
        assert_eq!(Srs::ptau_header(&path).unwrap().power, 6);
        for k in [5, 6] {
            let from_ptau = Srs::from_ptau(&path, Some(k)).unwrap();
            assert_eq!(
                zkmlp::srs::params_to_bytes(from_ptau.params()),
                zkmlp::srs::params_to_bytes(&seeded.for_k(k).unwrap()),
                "k = {k}, prepared: {prepared}"
            );
        }
    }
}
