//! The compiled-circuit file: a quantized model, its batch size, `k` and digest, as JSON.

use std::path::Path;

use serde::{Deserialize, Serialize};
use zkmlp_circuits::{
    layout::PlanObjective,
    spec::{Squash, SquashSpec},
    Activation, MlpParams, QuantizedLayer, QuantizedMlp, Visibility, VisibilitySettings,
};

use super::{check_json_header, read_bytes, ArtifactError, ArtifactKind, Digest, FORMAT_VERSION};
use crate::{calibrate::InputRange, compiled::CompiledModel};

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
#[serde(rename_all = "snake_case")]
enum ActivationJson {
    Relu,
    Identity,
    /// The slope at scale `2^s`.
    LeakyRelu {
        alpha: i64,
    },
    /// Sigmoid on a grid of `2^-grid_bits`, clamped to `[-bound, bound)`.
    Sigmoid {
        grid_bits: u32,
        bound: u32,
    },
    /// Tanh on a grid of `2^-grid_bits`, clamped to `[-bound, bound)`.
    Tanh {
        grid_bits: u32,
        bound: u32,
    },
}

impl From<Activation> for ActivationJson {
    fn from(activation: Activation) -> Self {
        match activation {
            Activation::Relu => Self::Relu,
            Activation::Identity => Self::Identity,
            Activation::LeakyRelu { alpha } => Self::LeakyRelu { alpha },
            Activation::Squash(SquashSpec {
                function,
                grid_bits,
                bound,
            }) => match function {
                Squash::Sigmoid => Self::Sigmoid { grid_bits, bound },
                Squash::Tanh => Self::Tanh { grid_bits, bound },
            },
        }
    }
}

impl From<ActivationJson> for Activation {
    fn from(activation: ActivationJson) -> Self {
        let squash = |function, grid_bits, bound| {
            Activation::Squash(SquashSpec {
                function,
                grid_bits,
                bound,
            })
        };
        match activation {
            ActivationJson::Relu => Self::Relu,
            ActivationJson::Identity => Self::Identity,
            ActivationJson::LeakyRelu { alpha } => Self::LeakyRelu { alpha },
            ActivationJson::Sigmoid { grid_bits, bound } => {
                squash(Squash::Sigmoid, grid_bits, bound)
            }
            ActivationJson::Tanh { grid_bits, bound } => squash(Squash::Tanh, grid_bits, bound),
        }
    }
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
                    activation: l.activation.into(),
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
                    activation: l.activation.into(),
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
    #[serde(default, skip_serializing_if = "VisibilityJson::is_default")]
    visibility: VisibilityJson,
    /// What the planner minimized; absent (as in earlier files) for the prover.
    #[serde(default, skip_serializing_if = "ObjectiveJson::is_default")]
    objective: ObjectiveJson,
    /// The calibrated input range; absent (as in earlier files) when there is none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    input_range: Option<InputRangeJson>,
    model: ModelJson,
}

/// A calibrated input range: per-feature real bounds, as decimal strings (Rust's shortest
/// round-trip form) so that they reload bit for bit: serde_json's default float parser may
/// be off by one ulp, which would change the range and its digest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct InputRangeJson {
    lo: Vec<String>,
    hi: Vec<String>,
}

impl From<&InputRange> for InputRangeJson {
    fn from(range: &InputRange) -> Self {
        let text = |v: &[f64]| v.iter().map(f64::to_string).collect();
        Self {
            lo: text(range.lo()),
            hi: text(range.hi()),
        }
    }
}

impl InputRangeJson {
    fn parse(&self) -> Result<InputRange, String> {
        let numbers = |v: &[String]| {
            v.iter()
                .map(|s| s.parse::<f64>().map_err(|e| format!("{s:?}: {e}")))
                .collect::<Result<Vec<_>, _>>()
        };
        InputRange::new(numbers(&self.lo)?, numbers(&self.hi)?).map_err(|e| e.to_string())
    }
}

/// Who sees inputs, weights and outputs: `"public"`, `"private"`, `"hashed"`, `"fixed"` or
/// `"folded"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct VisibilityJson {
    inputs: VisibilityName,
    weights: VisibilityName,
    outputs: VisibilityName,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum VisibilityName {
    Public,
    Private,
    Hashed,
    Fixed,
    Folded,
}

impl From<Visibility> for VisibilityName {
    fn from(v: Visibility) -> Self {
        match v {
            Visibility::Public => Self::Public,
            Visibility::Private => Self::Private,
            Visibility::Hashed => Self::Hashed,
            Visibility::Fixed => Self::Fixed,
            Visibility::Folded => Self::Folded,
        }
    }
}

impl From<VisibilityName> for Visibility {
    fn from(v: VisibilityName) -> Self {
        match v {
            VisibilityName::Public => Self::Public,
            VisibilityName::Private => Self::Private,
            VisibilityName::Hashed => Self::Hashed,
            VisibilityName::Fixed => Self::Fixed,
            VisibilityName::Folded => Self::Folded,
        }
    }
}

impl From<VisibilitySettings> for VisibilityJson {
    fn from(v: VisibilitySettings) -> Self {
        Self {
            inputs: v.inputs.into(),
            weights: v.weights.into(),
            outputs: v.outputs.into(),
        }
    }
}

impl From<VisibilityJson> for VisibilitySettings {
    fn from(v: VisibilityJson) -> Self {
        Self {
            inputs: v.inputs.into(),
            weights: v.weights.into(),
            outputs: v.outputs.into(),
        }
    }
}

impl Default for VisibilityJson {
    fn default() -> Self {
        VisibilitySettings::default().into()
    }
}

impl VisibilityJson {
    fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

/// What the model digest hashes: everything that fixes the circuit. The visibility appears
/// only when it is not the default, so default digests are those of earlier versions.
#[derive(Serialize)]
struct DigestJson<'a> {
    batch_size: usize,
    #[serde(skip_serializing_if = "VisibilityJson::is_default")]
    visibility: VisibilityJson,
    #[serde(skip_serializing_if = "ObjectiveJson::is_default")]
    objective: ObjectiveJson,
    #[serde(skip_serializing_if = "Option::is_none")]
    input_range: Option<InputRangeJson>,
    model: &'a ModelJson,
}

/// What the planner minimized; absent (the prover) in files written before the choice existed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ObjectiveJson {
    #[default]
    Prover,
    Verifier,
}

impl ObjectiveJson {
    fn is_default(&self) -> bool {
        *self == Self::Prover
    }
}

impl From<PlanObjective> for ObjectiveJson {
    fn from(objective: PlanObjective) -> Self {
        match objective {
            PlanObjective::Prover => Self::Prover,
            PlanObjective::Verifier => Self::Verifier,
        }
    }
}

impl From<ObjectiveJson> for PlanObjective {
    fn from(objective: ObjectiveJson) -> Self {
        match objective {
            ObjectiveJson::Prover => Self::Prover,
            ObjectiveJson::Verifier => Self::Verifier,
        }
    }
}

/// The digest of a compiled model: SHA-256 of the compact canonical JSON
/// `{"batch_size":..,"model":{"scale_bits":..,"activation_bits":..,"layers":[{"weights":..,
/// "biases":..,"activation":..}]}}`. It covers the fixed-point settings and the batch size,
/// so keys for other settings are refused too. A calibrated input range appears (as
/// `"input_range":{"lo":[..],"hi":[..]}` before `"model"`) only when there is one, so
/// uncalibrated digests are those of earlier versions. So does the planning objective
/// (`"objective":"verifier"` after the visibility), only when it is not the default.
pub fn model_digest(compiled: &CompiledModel) -> Digest {
    digest_of(
        compiled.model(),
        compiled.batch_size(),
        compiled.visibility(),
        compiled.objective(),
        compiled.input_range(),
    )
}

fn digest_of(
    model: &QuantizedMlp,
    batch_size: usize,
    visibility: VisibilitySettings,
    objective: PlanObjective,
    input_range: Option<&InputRange>,
) -> Digest {
    let json = serde_json::to_vec(&DigestJson {
        batch_size,
        visibility: visibility.into(),
        objective: objective.into(),
        input_range: input_range.map(InputRangeJson::from),
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
            visibility: self.compiled.visibility().into(),
            objective: self.compiled.objective().into(),
            input_range: self.compiled.input_range().map(InputRangeJson::from),
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
        let visibility = VisibilitySettings::from(file.visibility);
        let input_range = file
            .input_range
            .map(|r| r.parse())
            .transpose()
            .map_err(|e| malformed(format!("input_range: {e}")))?;
        let objective = PlanObjective::from(file.objective);
        let digest = digest_of(
            &model,
            file.batch_size,
            visibility,
            objective,
            input_range.as_ref(),
        );
        if digest != file.model_digest {
            return Err(ArtifactError::Corrupted {
                kind,
                detail: format!(
                    "it records model digest {}, its model hashes to {digest}",
                    file.model_digest
                ),
            });
        }
        let mut compiled =
            CompiledModel::with_objective(model, file.batch_size, visibility, objective)
                .map_err(|e| malformed(e.to_string()))?;
        if let Some(range) = input_range {
            compiled = compiled
                .with_input_range(range)
                .map_err(|e| malformed(e.to_string()))?;
        }
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
