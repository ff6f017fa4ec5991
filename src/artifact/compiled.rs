//! The compiled-circuit file: a quantized model, its batch size, `k` and digest, as JSON.

use std::path::Path;

use serde::{Deserialize, Serialize};
use zkmlp_circuits::{Activation, MlpParams, QuantizedLayer, QuantizedMlp};

use super::{check_json_header, read_bytes, ArtifactError, ArtifactKind, Digest, FORMAT_VERSION};
use crate::compiled::CompiledModel;

/// Value of the `format` field of a compiled-circuit file.
pub const COMPILED_FORMAT: &str = "zkmlp-compiled";

/// The quantized model as JSON; its compact serialization is what the model digest hashes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelJson {
    scale_bits: u32,
    activation_bits: u32,
    layers: Vec<LayerJson>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LayerJson {
    weights: Vec<Vec<i64>>,
    biases: Vec<i64>,
    activation: ActivationJson,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum ActivationJson {
    Relu,
    Identity,
}

impl From<&QuantizedMlp> for ModelJson {
    fn from(model: &QuantizedMlp) -> Self {
        Self {
            scale_bits: model.params.scale_bits,
            activation_bits: model.params.activation_bits,
            layers: model
                .layers
                .iter()
                .map(|l| LayerJson {
                    weights: l.weights.clone(),
                    biases: l.biases.clone(),
                    activation: match l.activation {
                        Activation::Relu => ActivationJson::Relu,
                        Activation::Identity => ActivationJson::Identity,
                    },
                })
                .collect(),
        }
    }
}

impl From<ModelJson> for QuantizedMlp {
    fn from(model: ModelJson) -> Self {
        Self {
            params: MlpParams {
                scale_bits: model.scale_bits,
                activation_bits: model.activation_bits,
            },
            layers: model
                .layers
                .into_iter()
                .map(|l| QuantizedLayer {
                    weights: l.weights,
                    biases: l.biases,
                    activation: match l.activation {
                        ActivationJson::Relu => Activation::Relu,
                        ActivationJson::Identity => Activation::Identity,
                    },
                })
                .collect(),
        }
    }
}

/// The on-disk shape.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CompiledJson {
    format: String,
    version: u64,
    model_digest: Digest,
    k: u32,
    batch_size: usize,
    model: ModelJson,
}

/// What the model digest hashes: everything that fixes the circuit.
#[derive(Serialize)]
struct DigestJson<'a> {
    batch_size: usize,
    model: &'a ModelJson,
}

/// The digest of a compiled model: SHA-256 of the compact canonical JSON
/// `{"batch_size":..,"model":{"scale_bits":..,"activation_bits":..,"layers":[{"weights":..,
/// "biases":..,"activation":..}]}}`. It covers the fixed-point settings and the batch size,
/// so keys for other settings are refused too.
pub fn model_digest(compiled: &CompiledModel) -> Digest {
    digest_of(compiled.model(), compiled.batch_size())
}

fn digest_of(model: &QuantizedMlp, batch_size: usize) -> Digest {
    let json = serde_json::to_vec(&DigestJson {
        batch_size,
        model: &ModelJson::from(model),
    })
    .expect("a model always serializes");
    Digest::of(&json)
}

/// A compiled circuit as a file: the model the keys bind, and its digest.
#[derive(Clone, Debug)]
pub struct CompiledFile {
    /// The compiled model.
    pub compiled: CompiledModel,
    /// Its digest ([`model_digest`]).
    pub digest: Digest,
}

impl CompiledFile {
    /// Wraps a compiled model.
    pub fn new(compiled: CompiledModel) -> Self {
        let digest = model_digest(&compiled);
        Self { compiled, digest }
    }

    /// The JSON encoding.
    pub fn to_json(&self) -> String {
        let file = CompiledJson {
            format: COMPILED_FORMAT.into(),
            version: FORMAT_VERSION.into(),
            model_digest: self.digest,
            k: self.compiled.k(),
            batch_size: self.compiled.batch_size(),
            model: ModelJson::from(self.compiled.model()),
        };
        serde_json::to_string_pretty(&file).expect("a compiled model always serializes") + "\n"
    }

    /// Decodes and checks a compiled-circuit file: its digest must match its model and the
    /// model must compile to the recorded `k`.
    ///
    /// # Errors
    /// [`ArtifactError::Empty`], [`ArtifactError::WrongKind`],
    /// [`ArtifactError::UnsupportedVersion`], [`ArtifactError::Malformed`] or
    /// [`ArtifactError::Corrupted`].
    pub fn from_json(bytes: &[u8]) -> Result<Self, ArtifactError> {
        let kind = ArtifactKind::Compiled;
        check_json_header(bytes, kind, COMPILED_FORMAT)?;
        let malformed = |detail: String| ArtifactError::Malformed { kind, detail };
        let file: CompiledJson =
            serde_json::from_slice(bytes).map_err(|e| malformed(e.to_string()))?;
        let model = QuantizedMlp::from(file.model);
        let digest = digest_of(&model, file.batch_size);
        if digest != file.model_digest {
            return Err(ArtifactError::Corrupted {
                kind,
                detail: format!(
                    "it records model digest {}, its model hashes to {digest}",
                    file.model_digest
                ),
            });
        }
        let compiled = CompiledModel::new_batch(model, file.batch_size)
            .map_err(|e| malformed(e.to_string()))?;
        if compiled.k() != file.k {
            return Err(ArtifactError::Corrupted {
                kind,
                detail: format!(
                    "it records k = {}, its model needs k = {}",
                    file.k,
                    compiled.k()
                ),
            });
        }
        Ok(Self { compiled, digest })
    }

    /// Reads a compiled-circuit file.
    ///
    /// # Errors
    /// [`ArtifactError::Io`], then as [`CompiledFile::from_json`].
    pub fn read(path: &Path) -> Result<Self, ArtifactError> {
        Self::from_json(&read_bytes(path)?)
    }
}
