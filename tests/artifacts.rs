//! SRS files, snarkjs `.ptau` import and artifact files, through the library API.

use std::{
    io::Write,
    path::{Path, PathBuf},
};

use halo2_proofs::{
    halo2curves::{
        bn256::{Bn256, Fr, G1Affine, G2Affine},
        group::Curve,
    },
    poly::{commitment::Params, kzg::commitment::ParamsKZG},
    SerdeCurveAffine, SerdeFormat,
};
use zkmlp::{
    artifact::{ArtifactError, CompiledFile, KeyFile, ProofFile},
    model::Mlp,
    quantize::quantize,
    srs::{params_to_bytes, PtauError, SrsError},
    CompiledModel, Error, MlpParams, ProvingKey, Srs,
};

const MODEL: &str = r#"{"format": "zkmlp-mlp", "version": 1, "layers": [
  {"weights": [[0.5, -1.25, 2.0], [1.0, 0.0, -0.75]], "biases": [0.1, -0.2], "activation": "relu"},
  {"weights": [[1.5, -0.5]], "biases": [0.25], "activation": "identity"}]}"#;

fn ptau() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pot10.ptau")
}

fn compiled() -> CompiledModel {
    let model = Mlp::from_json(MODEL).unwrap();
    CompiledModel::new(quantize(&model, MlpParams::default()).unwrap()).unwrap()
}

fn temp_file(bytes: &[u8]) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(bytes).unwrap();
    file
}

#[test]
fn a_snarkjs_ceremony_gives_keys_whose_proofs_verify() {
    let compiled = compiled();
    let srs = Srs::from_ptau(&ptau(), Some(compiled.k())).unwrap();
    assert!(!srs.is_unsafe());
    assert_eq!(srs.k(), compiled.k());
    let pk = ProvingKey::generate(&srs, &compiled).unwrap();
    let proof = pk.prove(&[0.5, -1.25, 3.0]).unwrap();
    zkmlp::verify(pk.verifying_key(), &proof).unwrap();

    // The whole file (2^10 powers) names the same setup once cut to the circuit's k.
    let full = Srs::from_ptau(&ptau(), None).unwrap();
    assert_eq!(full.k(), 10);
    assert_eq!(
        full.digest_at(compiled.k()).unwrap(),
        srs.digest_at(compiled.k()).unwrap()
    );
    assert_eq!(Srs::ptau_header(&ptau()).unwrap().power, 10);
}

#[test]
fn a_proof_from_another_ceremony_fails_against_the_ptau_key() {
    let compiled = compiled();
    let ceremony = Srs::from_ptau(&ptau(), Some(compiled.k())).unwrap();
    let other = Srs::unsafe_setup_for_testing(compiled.k(), 42);
    let pk = ProvingKey::generate(&ceremony, &compiled).unwrap();
    let forged_pk = ProvingKey::generate(&other, &compiled).unwrap();
    let proof = forged_pk.prove(&[0.5, -1.25, 3.0]).unwrap();
    zkmlp::verify(forged_pk.verifying_key(), &proof).unwrap();
    assert!(matches!(
        zkmlp::verify(pk.verifying_key(), &proof),
        Err(Error::InvalidProof(_))
    ));
}

/// A `.ptau` file (sections 1 to 3, as snarkjs lays them out) for the secret `tau`.
fn write_ptau(power: u32, tau: Fr) -> Vec<u8> {
    let section = |out: &mut Vec<u8>, kind: u32, data: &[u8]| {
        out.extend_from_slice(&kind.to_le_bytes());
        out.extend_from_slice(&(data.len() as u64).to_le_bytes());
        out.extend_from_slice(data);
    };
    let mut header = 32u32.to_le_bytes().to_vec();
    let q =
        hex::decode("30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47").unwrap();
    header.extend(q.iter().rev());
    header.extend_from_slice(&power.to_le_bytes());
    header.extend_from_slice(&power.to_le_bytes());
    let (mut g1, mut g2) = (Vec::new(), Vec::new());
    let mut t = Fr::one();
    for i in 0..(2u64 << power) - 1 {
        let p = (G1Affine::generator() * t).to_affine();
        SerdeCurveAffine::write(&p, &mut g1, SerdeFormat::RawBytes).unwrap();
        if i < 1 << power {
            let p = (G2Affine::generator() * t).to_affine();
            SerdeCurveAffine::write(&p, &mut g2, SerdeFormat::RawBytes).unwrap();
        }
        t *= tau;
    }
    let mut out = b"ptau".to_vec();
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(&3u32.to_le_bytes());
    section(&mut out, 1, &header);
    section(&mut out, 2, &g1);
    section(&mut out, 3, &g2);
    out
}

#[test]
fn a_proof_from_another_ptau_ceremony_fails_against_the_snarkjs_key() {
    let compiled = compiled();
    let k = compiled.k();
    let other_file = temp_file(&write_ptau(k, Fr::from(123_456_789u64)));
    let other = Srs::from_ptau(other_file.path(), None).unwrap();
    assert!(!other.is_unsafe());
    let ours = Srs::from_ptau(&ptau(), Some(k)).unwrap();
    assert_ne!(other.digest_at(k).unwrap(), ours.digest_at(k).unwrap());

    let other_pk = ProvingKey::generate(&other, &compiled).unwrap();
    let pk = ProvingKey::generate(&ours, &compiled).unwrap();
    let proof = other_pk.prove(&[0.5, -1.25, 3.0]).unwrap();
    zkmlp::verify(other_pk.verifying_key(), &proof).unwrap();
    assert!(matches!(
        zkmlp::verify(pk.verifying_key(), &proof),
        Err(Error::InvalidProof(_))
    ));
    // The CLI-level check names both setups before any pairing is computed.
    let compiled_file = CompiledFile::new(compiled);
    let vk_bytes = KeyFile::encode_verifying_key(pk.verifying_key(), &compiled_file);
    let (meta, _) = KeyFile::decode_verifying_key(&vk_bytes).unwrap();
    let message = meta.check_srs(&other).unwrap_err().to_string();
    assert!(
        message.contains(&hex::encode(other.digest_at(k).unwrap())),
        "{message}"
    );
    assert!(
        message.contains(&hex::encode(ours.digest_at(k).unwrap())),
        "{message}"
    );
}

#[test]
fn srs_files_round_trip_and_stay_readable_by_halo2() {
    let unsafe_srs = Srs::unsafe_setup_for_testing(5, 1);
    let bytes = unsafe_srs.to_bytes();
    let read = Srs::from_bytes(&bytes).unwrap();
    assert!(read.is_unsafe());
    assert_eq!(
        params_to_bytes(read.params()),
        params_to_bytes(unsafe_srs.params())
    );
    // halo2's own reader takes the file and ignores the unsafe marker.
    let halo2 = ParamsKZG::<Bn256>::read(&mut bytes.as_slice()).unwrap();
    assert_eq!(halo2.k(), 5);
    assert_eq!(
        params_to_bytes(&halo2),
        params_to_bytes(unsafe_srs.params())
    );
    // Without the marker it is a trusted file.
    let trusted = Srs::from_bytes(&params_to_bytes(unsafe_srs.params())).unwrap();
    assert!(!trusted.is_unsafe());
    // The ceremony converted to a file reads back as the same trusted SRS.
    let ceremony = Srs::from_ptau(&ptau(), Some(6)).unwrap();
    let again = Srs::from_bytes(&ceremony.to_bytes()).unwrap();
    assert!(!again.is_unsafe());
    assert_eq!(again.digest_at(6).unwrap(), ceremony.digest_at(6).unwrap());
}

#[test]
fn malformed_srs_files_are_errors() {
    let bytes = Srs::unsafe_setup_for_testing(4, 1).to_bytes();
    for bad in [
        &[][..],
        &bytes[..3],
        &bytes[..bytes.len() / 2],
        &bytes[..bytes.len() - 1],
    ] {
        assert!(matches!(Srs::from_bytes(bad), Err(SrsError::Malformed(_))));
    }
    let mut huge_k = bytes.clone();
    huge_k[..4].copy_from_slice(&40u32.to_le_bytes());
    assert!(matches!(
        Srs::from_bytes(&huge_k),
        Err(SrsError::Malformed(_))
    ));
    // A changed Lagrange point (after 4 + 16 monomial points) no longer matches.
    let mut lagrange = Srs::unsafe_setup_for_testing(4, 1).to_bytes();
    let at = 4 + 16 * 64 + 64 * 3;
    let original = params_to_bytes(Srs::unsafe_setup_for_testing(4, 1).params());
    lagrange[at..at + 64].copy_from_slice(&original[4 + 64..4 + 128]);
    assert!(matches!(
        Srs::from_bytes(&lagrange),
        Err(SrsError::NotPowersOfTau(_))
    ));
}

#[test]
fn malformed_ptau_files_are_errors() {
    let bytes = std::fs::read(ptau()).unwrap();
    let read = |bytes: &[u8], k| Srs::from_ptau(temp_file(bytes).path(), k);
    assert!(matches!(
        read(b"not a ptau", None),
        Err(SrsError::Ptau(PtauError::BadMagic(_)))
    ));
    assert!(matches!(
        read(&bytes[..4], None),
        Err(SrsError::Ptau(PtauError::Io(_)))
    ));
    for cut in [12, 100, bytes.len() / 2, bytes.len() - 1] {
        assert!(read(&bytes[..cut], Some(4)).is_err(), "cut at {cut}");
    }
    assert!(matches!(
        read(&bytes, Some(11)),
        Err(SrsError::Ptau(PtauError::TooSmall {
            power: 10,
            needed_k: 11
        }))
    ));
    // Sections start after "ptau", version, count; the header section is first: its
    // modulus begins at 12 + 12 + 4.
    let mut wrong_curve = bytes.clone();
    wrong_curve[12 + 12 + 4] ^= 1;
    assert!(matches!(
        read(&wrong_curve, Some(4)),
        Err(SrsError::Ptau(PtauError::WrongCurve { .. }))
    ));
    // Replace tauG1[3] by tauG1[2]: still curve points, no longer powers of tau.
    let tau_g1 = find_section(&bytes, 2);
    let mut spliced = bytes.clone();
    spliced.copy_within(tau_g1 + 2 * 64..tau_g1 + 3 * 64, tau_g1 + 3 * 64);
    assert!(matches!(
        read(&spliced, Some(4)),
        Err(SrsError::Ptau(PtauError::Inconsistent(_)))
    ));
    // A coordinate out of the field or off the curve.
    let mut off_curve = bytes.clone();
    off_curve[tau_g1 + 64 + 1] ^= 1;
    assert!(matches!(
        read(&off_curve, Some(4)),
        Err(SrsError::Ptau(PtauError::BadPoint {
            section: 2,
            index: 1
        }))
    ));
}

/// Offset of the data of the first section of type `kind`.
fn find_section(bytes: &[u8], kind: u32) -> usize {
    let count = u32::from_le_bytes(bytes[8..12].try_into().unwrap());
    let mut at = 12;
    for _ in 0..count {
        let t = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
        let size = u64::from_le_bytes(bytes[at + 4..at + 12].try_into().unwrap()) as usize;
        if t == kind {
            return at + 12;
        }
        at += 12 + size;
    }
    panic!("no section {kind}");
}

#[test]
fn key_and_proof_files_round_trip() {
    let compiled = CompiledFile::new(compiled());
    let reread = CompiledFile::from_json(compiled.to_json().as_bytes()).unwrap();
    assert_eq!(reread.digest, compiled.digest);
    let srs = Srs::from_ptau(&ptau(), None).unwrap();
    let pk = ProvingKey::generate(&srs, &compiled.compiled).unwrap();
    let pk_bytes = KeyFile::encode_proving_key(&pk);
    let vk_bytes = KeyFile::encode_verifying_key(pk.verifying_key(), &compiled);

    let (pk_meta, pk2) = KeyFile::decode_proving_key(&pk_bytes, &reread).unwrap();
    let (vk_meta, vk2) = KeyFile::decode_verifying_key(&vk_bytes).unwrap();
    assert_eq!(pk_meta.model_digest, compiled.digest);
    assert_eq!(
        vk_meta.srs_digest.0,
        srs.digest_at(compiled.compiled.k()).unwrap()
    );
    vk_meta.check_srs(&srs).unwrap();
    assert!(vk_meta
        .check_srs(&Srs::unsafe_setup_for_testing(10, 3))
        .unwrap_err()
        .is_mismatch());

    let proof = pk2.prove_bound(&[0.5, -1.25, 3.0], [7; 32]).unwrap();
    let file = ProofFile {
        proof,
        model_digest: pk_meta.model_digest,
        srs_digest: pk_meta.srs_digest,
    };
    let file2 = ProofFile::from_json(file.to_json().as_bytes()).unwrap();
    assert_eq!(file2, file);
    file2.check_key(&vk_meta).unwrap();
    vk2.verify(&file2.proof).unwrap();
    pk.verifying_key().verify(&file2.proof).unwrap();
}

#[test]
fn every_truncation_and_flip_of_a_key_file_is_an_error() {
    let compiled = CompiledFile::new(compiled());
    let srs = Srs::unsafe_setup_for_testing(compiled.compiled.k(), 5);
    let pk = ProvingKey::generate(&srs, &compiled.compiled).unwrap();
    let vk_bytes = KeyFile::encode_verifying_key(pk.verifying_key(), &compiled);
    let (meta, _) = KeyFile::decode_verifying_key(&vk_bytes).unwrap();
    assert!(meta.srs_is_unsafe);
    let step = (vk_bytes.len() / 97).max(1);
    for cut in (0..vk_bytes.len()).step_by(step) {
        assert!(
            KeyFile::decode_verifying_key(&vk_bytes[..cut]).is_err(),
            "cut {cut}"
        );
    }
    for at in (0..vk_bytes.len()).step_by(step) {
        let mut flipped = vk_bytes.clone();
        flipped[at] ^= 0x80;
        assert!(
            KeyFile::decode_verifying_key(&flipped).is_err(),
            "flip {at}"
        );
    }
    let mut longer = vk_bytes.clone();
    longer.push(0);
    assert!(matches!(
        KeyFile::decode_verifying_key(&longer),
        Err(ArtifactError::Corrupted { .. })
    ));
    assert!(matches!(
        KeyFile::decode_verifying_key(&[]),
        Err(ArtifactError::Empty { .. })
    ));
    // A proving key for another model is refused before it is parsed.
    let other = Mlp::from_json(
        r#"{"format": "zkmlp-mlp", "version": 1, "layers": [
        {"weights": [[1.0, 2.0, 3.0]], "biases": [0.0], "activation": "identity"}]}"#,
    )
    .unwrap();
    let other = CompiledFile::new(
        CompiledModel::new(quantize(&other, MlpParams::default()).unwrap()).unwrap(),
    );
    let pk_bytes = KeyFile::encode_proving_key(&pk);
    match KeyFile::decode_proving_key(&pk_bytes, &other) {
        Err(e @ ArtifactError::ModelMismatch { .. }) => {
            let message = e.to_string();
            assert!(message.contains(&compiled.digest.to_string()), "{message}");
            assert!(message.contains(&other.digest.to_string()), "{message}");
        }
        other => panic!("expected a model mismatch, got {other:?}"),
    }
}

#[test]
fn a_compiled_file_whose_model_was_edited_is_corrupted() {
    let compiled = CompiledFile::new(compiled());
    let json = compiled.to_json();
    let mut value: serde_json::Value = serde_json::from_str(&json).unwrap();
    value["model"]["layers"][0]["biases"][0] = 1.into();
    assert!(matches!(
        CompiledFile::from_json(value.to_string().as_bytes()),
        Err(ArtifactError::Corrupted { .. })
    ));
    let mut newer = serde_json::from_str::<serde_json::Value>(&json).unwrap();
    newer["version"] = 3.into();
    assert!(matches!(
        CompiledFile::from_json(newer.to_string().as_bytes()),
        Err(ArtifactError::UnsupportedVersion { found: 3, .. })
    ));
    assert!(matches!(
        CompiledFile::from_json(b"  \n"),
        Err(ArtifactError::Empty { .. })
    ));
    assert!(matches!(
        CompiledFile::from_json(b"[1, 2"),
        Err(ArtifactError::Malformed { .. })
    ));
}

#[test]
fn a_key_file_keeps_the_range_limb_width_and_columns() {
    let model = quantize(&Mlp::from_json(MODEL).unwrap(), MlpParams::default()).unwrap();
    // One inference: 8-bit limbs, header byte 15 stays 0 as in every earlier key file.
    let narrow = CompiledFile::new(compiled());
    assert_eq!(narrow.compiled.layout().limb_bits, 8);
    let srs = Srs::unsafe_setup_for_testing(narrow.compiled.k(), 5);
    let pk = ProvingKey::generate(&srs, &narrow.compiled).unwrap();
    assert_eq!(
        KeyFile::encode_verifying_key(pk.verifying_key(), &narrow)[15],
        0
    );
    // Planned for the verifier: one-bit limbs checked by a gate (header byte 15 is 1), a key
    // file that round-trips and verifies, and a compiled file that keeps the objective.
    let (visibility, objective) = (Default::default(), zkmlp::PlanObjective::Verifier);
    let bits = CompiledModel::with_objective(model.clone(), 1, visibility, objective).unwrap();
    let bits = CompiledFile::new(bits);
    assert_eq!(bits.compiled.layout().limb_bits, 1);
    assert_ne!(bits.digest, narrow.digest);
    let reread = CompiledFile::from_json(bits.to_json().as_bytes()).unwrap();
    assert_eq!(reread.compiled.objective(), objective);
    assert_eq!(reread.digest, bits.digest);
    assert_eq!(reread.compiled.layout().limb_bits, 1);
    assert!(bits.to_json().contains("\"objective\": \"verifier\""));
    assert!(!narrow.to_json().contains("objective"));
    let srs = Srs::unsafe_setup_for_testing(bits.compiled.k(), 5);
    let pk = ProvingKey::generate(&srs, &bits.compiled).unwrap();
    let vk_bytes = KeyFile::encode_verifying_key(pk.verifying_key(), &bits);
    assert_eq!(vk_bytes[15], 1);
    let (meta, vk) = KeyFile::decode_verifying_key(&vk_bytes).unwrap();
    assert_eq!(meta.circuit.limb_bits, 1);
    vk.verify(&pk.prove(&[0.5, -1.25, 3.0]).unwrap()).unwrap();
    // one-bit limbs over two range columns: no circuit has them (a split range lane is
    // lookup-checked), so the header is refused before halo2 configures anything
    let mut forged = vk_bytes.clone();
    forged[15] = 0x11;
    let body = forged.len() - 32;
    let checksum = zkmlp::artifact::Digest::of(&forged[..body]);
    forged[body..].copy_from_slice(&checksum.0);
    match KeyFile::decode_verifying_key(&forged) {
        Err(ArtifactError::Malformed { detail, .. }) => assert!(detail.contains("limb byte 17")),
        other => panic!("{:?}", other.map(|(meta, _)| meta)),
    }
    // 256 inferences: the range lane is the longest, so the planner splits it over several
    // columns (`layout::lanes`); byte 15 holds the columns minus one in bits 4 to 6, beside
    // the limb width (0 for 8 bits).
    let wide = CompiledFile::new(CompiledModel::new_batch(model, 256).unwrap());
    let layout = wide.compiled.layout();
    let lanes = layout.range_lanes();
    assert!(lanes > 1, "the batch's range lane is split");
    let width = match layout.limb_bits {
        8 => 0,
        bits => bits as u8,
    };
    let srs = Srs::unsafe_setup_for_testing(wide.compiled.k(), 5);
    let pk = ProvingKey::generate(&srs, &wide.compiled).unwrap();
    let vk_bytes = KeyFile::encode_verifying_key(pk.verifying_key(), &wide);
    assert_eq!(vk_bytes[15], width | ((lanes as u8 - 1) << 4));
    // its public values are copied to the instance (flags bit 1), the SRS is unsafe (bit 0)
    assert!(layout.public_copies());
    assert_eq!(vk_bytes[13], 0b11);
    let (meta, vk) = KeyFile::decode_verifying_key(&vk_bytes).unwrap();
    assert_eq!(meta.circuit.limb_bits, layout.limb_bits);
    assert_eq!(meta.circuit.range_lanes, lanes);
    assert!(meta.circuit.public_copies);
    // a flag no version defines is refused
    let mut forged = vk_bytes.clone();
    forged[13] |= 0x04;
    let body = forged.len() - 32;
    let checksum = zkmlp::artifact::Digest::of(&forged[..body]);
    forged[body..].copy_from_slice(&checksum.0);
    match KeyFile::decode_verifying_key(&forged) {
        Err(ArtifactError::Malformed { detail, .. }) => {
            assert!(detail.contains("unknown flags 0x07"), "{detail}")
        }
        other => panic!("{:?}", other.map(|(meta, _)| meta)),
    }
    assert_eq!(meta.circuit, zkmlp_circuits::CircuitParams::of(layout));
    let (_, pk2) = KeyFile::decode_proving_key(&KeyFile::encode_proving_key(&pk), &wide).unwrap();
    let items = vec![vec![0.5, -1.25, 3.0]; 256];
    let proof = pk2.prove_items(&items, [7; 32]).unwrap();
    vk.verify(&proof).unwrap();
}

#[test]
fn a_split_key_with_public_rows_clears_the_copies_flag() {
    // 16-64-64-1: two range columns, its 18 public values on public rows (flags bit 1 clear)
    let model = zkmlp::model::Mlp::random(&[16, 64, 64, 1], 7);
    let quantized = zkmlp::quantize::quantize(&model, MlpParams::default()).unwrap();
    let file = CompiledFile::new(CompiledModel::new(quantized).unwrap());
    let layout = file.compiled.layout();
    assert_eq!(layout.range_lanes(), 2);
    assert!(!layout.public_copies());
    let srs = Srs::unsafe_setup_for_testing(file.compiled.k(), 5);
    let pk = ProvingKey::generate(&srs, &file.compiled).unwrap();
    let vk_bytes = KeyFile::encode_verifying_key(pk.verifying_key(), &file);
    assert_eq!(vk_bytes[13], 0b01, "unsafe SRS, no public copies");
    assert_eq!(vk_bytes[15] >> 4 & 0b111, 1, "two range columns");
    let (meta, vk) = KeyFile::decode_verifying_key(&vk_bytes).unwrap();
    assert!(!meta.circuit.public_copies);
    assert_eq!(meta.circuit, zkmlp_circuits::CircuitParams::of(layout));
    let features: Vec<f64> = (0..16).map(|i| (i as f64 * 0.3).cos()).collect();
    vk.verify(&pk.prove(&features).unwrap()).unwrap();
}
