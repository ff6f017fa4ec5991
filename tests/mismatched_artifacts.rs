//! Issue 6, item 5: mismatched artifacts and bad inputs, one table.
//!
//! Each row names a way to put the wrong thing where an artifact or input is expected
//! (a key of another model or setup, a foreign, empty, truncated or corrupted file, a wrong
//! format version or kind, bad features, a binding outside the field, a broken model) and
//! the typed error variant it must give. Fixtures are built once.

use std::{
    io::Write,
    path::{Path, PathBuf},
    sync::OnceLock,
};

use zkmlp::{
    artifact::{ArtifactError, ArtifactKind, CompiledFile, KeyFile, ProofFile},
    model::{Activation, DenseLayer, Mlp, ModelError},
    quantize::{quantize, QuantizeError},
    srs::{PtauError, SrsError},
    CompiledModel, Error, MlpParams, Proof, ProvingKey, Srs,
};
use zkmlp_circuits::{SpecError, WitnessError};

const MODEL: &str = r#"{"format": "zkmlp-mlp", "version": 1, "layers": [
  {"weights": [[0.5, -1.25, 2.0], [1.0, 0.0, -0.75]], "biases": [0.1, -0.2], "activation": "relu"},
  {"weights": [[1.5, -0.5]], "biases": [0.25], "activation": "identity"}]}"#;

/// Same shape as [`MODEL`] (3 features, 1 output), other weights.
const SAME_SHAPE: &str = r#"{"format": "zkmlp-mlp", "version": 1, "layers": [
  {"weights": [[0.25, 1.0, -2.0], [-1.0, 0.5, 0.75]], "biases": [0.0, 0.3], "activation": "relu"},
  {"weights": [[-1.5, 0.5]], "biases": [0.5], "activation": "identity"}]}"#;

/// Another shape: 2 features, 1 output.
const OTHER_SHAPE: &str = r#"{"format": "zkmlp-mlp", "version": 1, "layers": [
  {"weights": [[1.0, 2.0]], "biases": [0.0], "activation": "identity"}]}"#;

const FEATURES: [f64; 3] = [0.5, -1.25, 3.0];

struct Fixtures {
    compiled: CompiledFile,
    same_shape: CompiledFile,
    k: u32,
    /// Setups 1 and 2 at the circuit's `k`.
    srs1: Srs,
    srs2: Srs,
    pk: ProvingKey,
    pk_other_srs: ProvingKey,
    pk_same_shape: ProvingKey,
    pk_other_shape: ProvingKey,
    proof: Proof,
    vk_bytes: Vec<u8>,
    vk_bytes_other_srs: Vec<u8>,
    vk_bytes_same_shape: Vec<u8>,
    pk_bytes: Vec<u8>,
    proof_json: String,
    compiled_json: String,
}

fn compile(json: &str) -> CompiledFile {
    let model = Mlp::from_json(json).unwrap();
    CompiledFile::new(CompiledModel::new(quantize(&model, MlpParams::default()).unwrap()).unwrap())
}

fn fixtures() -> &'static Fixtures {
    static FIXTURES: OnceLock<Fixtures> = OnceLock::new();
    FIXTURES.get_or_init(|| {
        let compiled = compile(MODEL);
        let same_shape = compile(SAME_SHAPE);
        let other_shape = compile(OTHER_SHAPE);
        let k = compiled.compiled.k();
        assert_eq!(same_shape.compiled.k(), k);
        assert!(other_shape.compiled.k() <= k);
        let srs1 = Srs::unsafe_setup_for_testing(k, 1);
        let srs2 = Srs::unsafe_setup_for_testing(k, 2);
        let pk = ProvingKey::generate(&srs1, &compiled.compiled).unwrap();
        let pk_other_srs = ProvingKey::generate(&srs2, &compiled.compiled).unwrap();
        let pk_same_shape = ProvingKey::generate(&srs1, &same_shape.compiled).unwrap();
        let pk_other_shape = ProvingKey::generate(&srs1, &other_shape.compiled).unwrap();
        let proof = pk.prove(&FEATURES).unwrap();
        zkmlp::verify(pk.verifying_key(), &proof).unwrap();
        let vk_bytes = KeyFile::encode_verifying_key(pk.verifying_key(), &compiled);
        let vk_bytes_other_srs =
            KeyFile::encode_verifying_key(pk_other_srs.verifying_key(), &compiled);
        let vk_bytes_same_shape =
            KeyFile::encode_verifying_key(pk_same_shape.verifying_key(), &same_shape);
        let pk_bytes = KeyFile::encode_proving_key(&pk);
        let meta = KeyFile::decode_header(&vk_bytes).unwrap();
        let proof_json = ProofFile {
            proof: proof.clone(),
            model_digest: meta.model_digest,
            srs_digest: meta.srs_digest,
        }
        .to_json();
        let compiled_json = compiled.to_json();
        Fixtures {
            compiled,
            same_shape,
            k,
            srs1,
            srs2,
            pk,
            pk_other_srs,
            pk_same_shape,
            pk_other_shape,
            proof,
            vk_bytes,
            vk_bytes_other_srs,
            vk_bytes_same_shape,
            pk_bytes,
            proof_json,
            compiled_json,
        }
    })
}

/// Every error type the table can produce.
#[derive(Debug)]
#[allow(dead_code)] // the payloads are read through `Debug` only
enum Failure {
    Lib(Error),
    Artifact(ArtifactError),
    Srs(SrsError),
    Model(ModelError),
    Quantize(QuantizeError),
}

macro_rules! failure_from {
    ($($variant:ident($ty:ty)),*) => {$(
        impl From<$ty> for Failure {
            fn from(e: $ty) -> Self {
                Self::$variant(e)
            }
        }
    )*};
}
failure_from!(
    Lib(Error),
    Artifact(ArtifactError),
    Srs(SrsError),
    Model(ModelError),
    Quantize(QuantizeError)
);

type Outcome = Result<(), Failure>;

/// Drops the success value and lifts the error into [`Failure`].
fn run<T, E: Into<Failure>>(result: Result<T, E>) -> Outcome {
    result.map(drop).map_err(Into::into)
}

struct Case {
    name: &'static str,
    action: fn(&Fixtures, &Path) -> Outcome,
    expected: &'static str,
    check: fn(&Failure) -> bool,
}

macro_rules! case {
    ($name:expr, $action:expr, $pattern:pat $(if $guard:expr)?) => {
        Case {
            name: $name,
            action: $action,
            expected: stringify!($pattern $(if $guard)?),
            check: |failure| matches!(failure, $pattern $(if $guard)?),
        }
    };
}

/// Writes `bytes` to a new file in `dir` and returns its path.
fn file(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::File::create(&path)
        .and_then(|mut f| f.write_all(bytes))
        .unwrap();
    path
}

fn edit_json(json: &str, edit: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let mut value: serde_json::Value = serde_json::from_str(json).unwrap();
    edit(&mut value);
    value.to_string().into_bytes()
}

fn ptau() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pot10.ptau")
}

fn proof_with(fx: &Fixtures, edit: impl FnOnce(&mut Proof)) -> Proof {
    let mut proof = fx.proof.clone();
    edit(&mut proof);
    proof
}

fn cases() -> Vec<Case> {
    use ArtifactKind::{Compiled as C, Proof as P, ProvingKey as Pk, VerifyingKey as Vk};
    use Failure::{Artifact as A, Lib as L, Model as M, Quantize as Q, Srs as S};
    vec![
        // Keys and setups that belong to something else.
        case!(
            "verifying key of another model (same shape)",
            |fx, _| run(zkmlp::verify(fx.pk_same_shape.verifying_key(), &fx.proof)),
            L(Error::InvalidProof(_))
        ),
        case!(
            "verifying key of another model (other shape)",
            |fx, _| run(zkmlp::verify(fx.pk_other_shape.verifying_key(), &fx.proof)),
            L(Error::InstanceShape {
                expected_features: 2,
                got_features: 3,
                ..
            })
        ),
        case!(
            "verifying key made with another SRS",
            |fx, _| run(zkmlp::verify(fx.pk_other_srs.verifying_key(), &fx.proof)),
            L(Error::InvalidProof(_))
        ),
        case!(
            "verifying-key file read back, key of another model",
            |fx, _| {
                let (_, vk) = KeyFile::decode_verifying_key(&fx.vk_bytes_same_shape)?;
                run(vk.verify(&fx.proof))
            },
            L(Error::InvalidProof(_))
        ),
        case!(
            "SRS of another setup given with the verifying-key file",
            |fx, _| run(KeyFile::decode_header(&fx.vk_bytes)?.check_srs(&fx.srs2)),
            A(ArtifactError::SrsMismatch { .. })
        ),
        case!(
            "proof file checked against a key of another model",
            |fx, _| {
                let proof = ProofFile::from_json(fx.proof_json.as_bytes())?;
                run(proof.check_key(&KeyFile::decode_header(&fx.vk_bytes_same_shape)?))
            },
            A(ArtifactError::ModelMismatch {
                left: Vk,
                right: P,
                ..
            })
        ),
        case!(
            "proof file checked against a key made with another SRS",
            |fx, _| {
                let proof = ProofFile::from_json(fx.proof_json.as_bytes())?;
                run(proof.check_key(&KeyFile::decode_header(&fx.vk_bytes_other_srs)?))
            },
            A(ArtifactError::SrsMismatch { .. })
        ),
        case!(
            "proving-key file loaded for another compiled model",
            |fx, _| run(KeyFile::decode_proving_key(&fx.pk_bytes, &fx.same_shape)),
            A(ArtifactError::ModelMismatch {
                left: Pk,
                right: C,
                ..
            })
        ),
        case!(
            "SRS too small for key generation",
            |fx, _| {
                let small = Srs::unsafe_setup_for_testing(fx.k - 1, 1);
                run(ProvingKey::generate(&small, &fx.compiled.compiled))
            },
            L(Error::SrsTooSmall { srs_k, needed_k }) if *srs_k + 1 == *needed_k
        ),
        case!(
            "SRS too small for the verifying-key file",
            |fx, _| {
                let small = fx.srs1.downsized(fx.k - 1).map_err(Failure::Lib)?;
                run(KeyFile::decode_header(&fx.vk_bytes)?.check_srs(&small))
            },
            A(ArtifactError::Malformed { kind: Vk, .. })
        ),
        case!(
            "ptau ceremony too small for the circuit",
            |_, _| run(Srs::from_ptau(&ptau(), Some(11))),
            S(SrsError::Ptau(PtauError::TooSmall {
                power: 10,
                needed_k: 11
            }))
        ),
        // Key files.
        case!(
            "empty verifying-key file",
            |_, dir| run(KeyFile::read_verifying_key(&file(dir, "empty.vk", b""))),
            A(ArtifactError::Empty { kind: Vk })
        ),
        case!(
            "missing verifying-key file",
            |_, dir| run(KeyFile::read_verifying_key(&dir.join("absent.vk"))),
            A(ArtifactError::Io { .. })
        ),
        case!(
            "truncated verifying-key file",
            |fx, dir| {
                let cut = &fx.vk_bytes[..fx.vk_bytes.len() / 2];
                run(KeyFile::read_verifying_key(&file(dir, "cut.vk", cut)))
            },
            A(ArtifactError::Truncated { kind: Vk, .. })
        ),
        case!(
            "verifying-key file cut inside its header",
            |fx, _| run(KeyFile::decode_verifying_key(&fx.vk_bytes[..20])),
            A(ArtifactError::Truncated { kind: Vk, .. })
        ),
        case!(
            "corrupted verifying-key file (one byte of the halo2 key)",
            |fx, dir| {
                let mut bytes = fx.vk_bytes.clone();
                let at = bytes.len() - 100;
                bytes[at] ^= 0x10;
                run(KeyFile::read_verifying_key(&file(dir, "flip.vk", &bytes)))
            },
            A(ArtifactError::Corrupted { kind: Vk, .. })
        ),
        case!(
            "verifying-key file with format version 4 (header field)",
            |fx, _| {
                let mut bytes = fx.vk_bytes.clone();
                bytes[8..12].copy_from_slice(&4u32.to_le_bytes());
                run(KeyFile::decode_verifying_key(&bytes))
            },
            A(ArtifactError::UnsupportedVersion {
                kind: Vk,
                found: 4,
                supported: 3
            })
        ),
        case!(
            "verifying-key file of the older format version 2 (no batch size)",
            |fx, _| {
                let mut bytes = fx.vk_bytes.clone();
                bytes[8..12].copy_from_slice(&2u32.to_le_bytes());
                run(KeyFile::decode_verifying_key(&bytes))
            },
            A(ArtifactError::UnsupportedVersion {
                kind: Vk,
                found: 2,
                supported: 3
            })
        ),
        case!(
            "key file with an unknown kind byte",
            |fx, _| {
                let mut bytes = fx.vk_bytes.clone();
                bytes[12] = 7;
                run(KeyFile::decode_verifying_key(&bytes))
            },
            A(ArtifactError::Malformed { kind: Vk, .. })
        ),
        case!(
            "verifying key where a proving key is expected",
            |fx, _| run(KeyFile::decode_proving_key(&fx.vk_bytes, &fx.compiled)),
            A(ArtifactError::WrongKind {
                expected: Pk,
                found: Some(Vk)
            })
        ),
        case!(
            "proving key where a verifying key is expected",
            |fx, _| run(KeyFile::decode_verifying_key(&fx.pk_bytes)),
            A(ArtifactError::WrongKind {
                expected: Vk,
                found: Some(Pk)
            })
        ),
        case!(
            "proof file where a verifying key is expected",
            |fx, _| run(KeyFile::decode_verifying_key(fx.proof_json.as_bytes())),
            A(ArtifactError::WrongKind {
                expected: Vk,
                found: Some(P)
            })
        ),
        case!(
            "SRS file where a verifying key is expected",
            |fx, _| run(KeyFile::decode_verifying_key(&fx.srs1.to_bytes())),
            A(ArtifactError::WrongKind {
                expected: Vk,
                found: None
            })
        ),
        // SRS files.
        case!(
            "empty SRS file",
            |_, dir| run(Srs::read_file(&file(dir, "empty.srs", b""), None)),
            S(SrsError::Malformed(_))
        ),
        case!(
            "missing SRS file",
            |_, dir| run(Srs::read_file(&dir.join("absent.srs"), None)),
            S(SrsError::Io { .. })
        ),
        case!(
            "truncated SRS file",
            |fx, dir| {
                let bytes = fx.srs1.to_bytes();
                run(Srs::read_file(
                    &file(dir, "cut.srs", &bytes[..bytes.len() / 2]),
                    None,
                ))
            },
            S(SrsError::Malformed(_))
        ),
        case!(
            "corrupted SRS file (one coordinate byte)",
            |fx, dir| {
                let mut bytes = fx.srs1.to_bytes();
                bytes[4 + 64 + 1] ^= 1;
                run(Srs::read_file(&file(dir, "flip.srs", &bytes), None))
            },
            S(SrsError::Malformed(_))
        ),
        case!(
            "SRS file whose k field claims 2^40 rows",
            |fx, _| {
                let mut bytes = fx.srs1.to_bytes();
                bytes[..4].copy_from_slice(&40u32.to_le_bytes());
                run(Srs::from_bytes(&bytes))
            },
            S(SrsError::Malformed(_))
        ),
        case!(
            "verifying-key file where an SRS is expected",
            |fx, _| run(Srs::from_bytes(&fx.vk_bytes)),
            S(SrsError::Malformed(_))
        ),
        case!(
            "ptau import of a file that is not a ptau",
            |fx, dir| run(Srs::from_ptau(&file(dir, "not.ptau", &fx.vk_bytes), None)),
            S(SrsError::Ptau(PtauError::BadMagic(_)))
        ),
        case!(
            "truncated ptau file",
            |_, dir| {
                let bytes = std::fs::read(ptau()).unwrap();
                let path = file(dir, "cut.ptau", &bytes[..bytes.len() / 2]);
                run(Srs::read_file(&path, Some(4)))
            },
            S(SrsError::Ptau(_))
        ),
        // Compiled-model files.
        case!(
            "empty compiled-model file",
            |_, dir| run(CompiledFile::read(&file(dir, "empty.json", b""))),
            A(ArtifactError::Empty { kind: C })
        ),
        case!(
            "truncated compiled-model file",
            |fx, dir| {
                let json = fx.compiled_json.as_bytes();
                run(CompiledFile::read(&file(
                    dir,
                    "cut.json",
                    &json[..json.len() / 2],
                )))
            },
            A(ArtifactError::Malformed { kind: C, .. })
        ),
        case!(
            "compiled-model file with an edited weight",
            |fx, _| run(CompiledFile::from_json(&edit_json(
                &fx.compiled_json,
                |v| {
                    v["model"]["layers"][0]["biases"][0] = 1.into();
                }
            ))),
            A(ArtifactError::Corrupted { kind: C, .. })
        ),
        case!(
            "compiled-model file with format version 3",
            |fx, _| run(CompiledFile::from_json(&edit_json(
                &fx.compiled_json,
                |v| {
                    v["version"] = 3.into();
                }
            ))),
            A(ArtifactError::UnsupportedVersion {
                kind: C,
                found: 3,
                ..
            })
        ),
        case!(
            "proof file where a compiled model is expected",
            |fx, _| run(CompiledFile::from_json(fx.proof_json.as_bytes())),
            A(ArtifactError::WrongKind {
                expected: C,
                found: Some(P)
            })
        ),
        // Proof files and proofs.
        case!(
            "empty proof file",
            |_, dir| run(ProofFile::read(&file(dir, "empty.proof", b" \n"))),
            A(ArtifactError::Empty { kind: P })
        ),
        case!(
            "truncated proof file",
            |fx, dir| {
                let json = fx.proof_json.as_bytes();
                run(ProofFile::read(&file(
                    dir,
                    "cut.proof",
                    &json[..json.len() / 2],
                )))
            },
            A(ArtifactError::Malformed { kind: P, .. })
        ),
        case!(
            "proof file with non-hex proof bytes",
            |fx, _| run(ProofFile::from_json(&edit_json(&fx.proof_json, |v| {
                v["proof"] = "0xzz".into();
            }))),
            A(ArtifactError::Malformed { kind: P, .. })
        ),
        case!(
            "proof file with format version 3",
            |fx, _| run(ProofFile::from_json(&edit_json(&fx.proof_json, |v| {
                v["version"] = 3.into();
            }))),
            A(ArtifactError::UnsupportedVersion {
                kind: P,
                found: 3,
                ..
            })
        ),
        case!(
            "compiled-model file where a proof is expected",
            |fx, _| run(ProofFile::from_json(fx.compiled_json.as_bytes())),
            A(ArtifactError::WrongKind {
                expected: P,
                found: Some(C)
            })
        ),
        case!(
            "corrupted proof file (one bit of the proof bytes)",
            |fx, dir| {
                let mut file_ = ProofFile::from_json(fx.proof_json.as_bytes())?;
                file_.proof.bytes[100] ^= 1;
                let path = file(dir, "flip.proof", file_.to_json().as_bytes());
                run(fx.pk.verifying_key().verify(&ProofFile::read(&path)?.proof))
            },
            L(Error::InvalidProof(_))
        ),
        case!(
            "proof with no proof bytes",
            |fx, _| run(zkmlp::verify(
                fx.pk.verifying_key(),
                &proof_with(fx, |p| p.bytes.clear())
            )),
            L(Error::InvalidProof(_))
        ),
        case!(
            "proof with the wrong scale bits",
            |fx, _| run(zkmlp::verify(
                fx.pk.verifying_key(),
                &proof_with(fx, |p| p.scale_bits += 1)
            )),
            L(Error::InvalidProof(message)) if message.contains("scale")
        ),
        case!(
            "proof with a feature missing",
            |fx, _| run(zkmlp::verify(
                fx.pk.verifying_key(),
                &proof_with(fx, |p| {
                    p.public_inputs.features.pop();
                })
            )),
            L(Error::InstanceShape {
                expected_features: 3,
                got_features: 2,
                ..
            })
        ),
        case!(
            "proof with a public feature outside the activation range",
            |fx, _| run(zkmlp::verify(
                fx.pk.verifying_key(),
                &proof_with(fx, |p| p.public_inputs.features[1] = 1 << 23)
            )),
            L(Error::PublicInputOutOfRange { index: 1, .. })
        ),
        case!(
            "proof with a binding >= the field modulus",
            |fx, _| run(zkmlp::verify(
                fx.pk.verifying_key(),
                &proof_with(fx, |p| p.public_inputs.binding = [0xff; 32])
            )),
            L(Error::BindingOutOfField)
        ),
        // Inputs to the prover.
        case!(
            "binding >= the field modulus at proving",
            |fx, _| run(fx.pk.prove_bound(&FEATURES, [0xff; 32])),
            L(Error::BindingOutOfField)
        ),
        case!(
            "too few features",
            |fx, _| run(fx.pk.prove(&FEATURES[..2])),
            L(Error::Witness(WitnessError::FeatureCount {
                expected: 3,
                got: 2
            }))
        ),
        case!(
            "too many features",
            |fx, _| run(fx.pk.prove(&[0.5, -1.25, 3.0, 1.0])),
            L(Error::Witness(WitnessError::FeatureCount {
                expected: 3,
                got: 4
            }))
        ),
        case!(
            "NaN feature",
            |fx, _| run(fx.pk.prove(&[0.5, f64::NAN, 3.0])),
            L(Error::Quantize(QuantizeError::NonFiniteFeature {
                index: 1
            }))
        ),
        case!(
            "+infinite feature",
            |fx, _| run(fx.pk.prove(&[f64::INFINITY, -1.25, 3.0])),
            L(Error::Quantize(QuantizeError::NonFiniteFeature {
                index: 0
            }))
        ),
        case!(
            "-infinite feature",
            |fx, _| run(fx.pk.prove(&[0.5, -1.25, f64::NEG_INFINITY])),
            L(Error::Quantize(QuantizeError::NonFiniteFeature {
                index: 2
            }))
        ),
        case!(
            "feature above the fixed-point range",
            |fx, _| run(fx.pk.prove(&[0.5, 1e9, 3.0])),
            L(Error::Quantize(QuantizeError::InputOutOfRange {
                index: 1,
                ..
            }))
        ),
        case!(
            "feature just below the fixed-point range (-2^11 - 1/2^12)",
            |fx, _| run(fx.pk.prove(&[-2048.0 - 1.0 / 4096.0, -1.25, 3.0])),
            L(Error::Quantize(QuantizeError::InputOutOfRange {
                index: 0,
                ..
            }))
        ),
        case!(
            "in-range features whose activation overflows",
            |fx, _| run(fx.pk.prove(&[2047.0, -2047.0, 2047.0])),
            L(Error::Witness(WitnessError::ActivationOutOfRange { .. }))
        ),
        case!(
            "zero-size batch given to a single-inference key",
            |fx, _| run(fx.pk.prove_items(&[], [0; 32])),
            L(Error::BatchSize {
                expected: 1,
                got: 0
            })
        ),
        case!(
            "zero-size batch circuit",
            |fx, _| run(CompiledModel::new_batch(
                fx.compiled.compiled.model().clone(),
                0
            )),
            L(Error::Spec(SpecError::EmptyBatch))
        ),
        // Models.
        case!(
            "malformed model JSON",
            |_, _| run(Mlp::from_json(&MODEL[..MODEL.len() - 3])),
            M(ModelError::Json(_))
        ),
        case!(
            "empty model JSON",
            |_, _| run(Mlp::from_json("")),
            M(ModelError::Json(_))
        ),
        case!(
            "model file with format version 3",
            |_, _| run(Mlp::from_json(
                &MODEL.replace("\"version\": 1", "\"version\": 2")
            )),
            M(ModelError::UnsupportedFormat { version: 2, .. })
        ),
        case!(
            "model with a NaN weight (built in code)",
            |_, _| {
                let mut model = Mlp::from_json(MODEL)?;
                model.layers[1].weights[0][1] = f64::NAN;
                run(quantize(&model, MlpParams::default()))
            },
            Q(QuantizeError::Model(ModelError::NonFinite { layer: 1, .. }))
        ),
        case!(
            "model with an infinite bias (built in code)",
            |_, _| run(Mlp {
                layers: vec![DenseLayer {
                    weights: vec![vec![1.0, 2.0]],
                    biases: vec![f64::INFINITY],
                    activation: Activation::Identity,
                }],
            }
            .validate()),
            M(ModelError::NonFinite { layer: 0, .. })
        ),
        case!(
            "model whose layer shapes do not chain",
            |_, _| run(Mlp::from_json(
                &MODEL.replace("[[1.5, -0.5]]", "[[1.5, -0.5, 2.0]]")
            )),
            M(ModelError::ShapeMismatch {
                layer: 1,
                expected: 2,
                got: 3,
                ..
            })
        ),
        case!(
            "model with a wrong bias count",
            |_, _| run(Mlp::from_json(&MODEL.replace("[0.25]", "[0.25, 1.0]"))),
            M(ModelError::BiasCount { layer: 1, .. })
        ),
        case!(
            "model with no layers",
            |_, _| run(Mlp::from_json(
                r#"{"format": "zkmlp-mlp", "version": 1, "layers": []}"#
            )),
            M(ModelError::NoLayers)
        ),
    ]
}

#[test]
fn every_mismatched_artifact_gives_its_typed_error() {
    let fx = fixtures();
    // The fixtures are sound: the valid key verifies the valid proof.
    zkmlp::verify(fx.pk.verifying_key(), &fx.proof).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cases = cases();
    let mut failures = Vec::new();
    for case in &cases {
        match (case.action)(fx, dir.path()) {
            Err(failure) if (case.check)(&failure) => {}
            outcome => failures.push(format!(
                "{}: expected {}, got {outcome:?}",
                case.name, case.expected
            )),
        }
    }
    println!(
        "mismatched artifacts: {} cases, {} as expected",
        cases.len(),
        cases.len() - failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
