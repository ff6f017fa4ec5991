//! The float multi-layer perceptron: the model as trained, before quantization.
//!
//! An [`Mlp`] is a stack of [`DenseLayer`]s, each computing `y = act(W x + b)` with `W`
//! stored as `weights[out][in]`. Every way of obtaining one from outside
//! ([`Mlp::from_json`], [`Mlp::from_json_file`], serde deserialization) runs
//! [`Mlp::validate`], so a loaded model always has consistent shapes and finite values.
//!
//! # JSON format
//!
//! ```json
//! {
//!   "format": "zkmlp-mlp",
//!   "version": 1,
//!   "layers": [
//!     {
//!       "weights": [[0.5, -1.25, 2.0], [1.0, 0.0, -0.75]],
//!       "biases": [0.1, -0.2],
//!       "activation": "relu"
//!     },
//!     {
//!       "weights": [[1.5, -0.5]],
//!       "biases": [0.25],
//!       "activation": "identity"
//!     }
//!   ]
//! }
//! ```
//!
//! - `format` must be `"zkmlp-mlp"` and `version` must be `1`
//!   ([`ModelError::UnsupportedFormat`] otherwise);
//! - `weights[j][i]` multiplies input `i` for output `j`; `biases[j]` is added to output `j`;
//! - `activation` is `"relu"` (`max(z, 0)`), `"identity"` (`z`), `"sigmoid"`
//!   (`1 / (1 + e^-z)`), `"tanh"`, or `{"leaky_relu": {"alpha": a}}` (`z` for `z >= 0`,
//!   `a z` below; PyTorch's `LeakyReLU` and a `PReLU` with one slope);
//! - layer `l`'s rows have as many entries as layer `l - 1` has outputs;
//! - unknown fields are rejected, so a misspelled key is an error rather than silently ignored.
//!
//! The model above maps 3 features to 1 output through 2 hidden ReLU units.

use std::{fs, path::Path, path::PathBuf};

use serde::{Deserialize, Serialize};

/// Value of the `format` field of a model file.
pub const FORMAT: &str = "zkmlp-mlp";
/// Value of the `version` field of a model file.
pub const FORMAT_VERSION: u64 = 1;

/// The non-linearity applied after a layer's affine map. Serialized as `"relu"`,
/// `"identity"`, `"sigmoid"`, `"tanh"` or `{"leaky_relu": {"alpha": a}}`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    /// `y = max(z, 0)`.
    Relu,
    /// `y = z`.
    Identity,
    /// `y = z` for `z >= 0`, `alpha * z` below.
    LeakyRelu {
        /// The slope below zero.
        alpha: f64,
    },
    /// `y = 1 / (1 + e^-z)`.
    Sigmoid,
    /// `y = tanh(z)`.
    Tanh,
}

impl Activation {
    /// Applies the activation to one value.
    pub fn apply(self, z: f64) -> f64 {
        match self {
            Self::Relu => z.max(0.0),
            Self::Identity => z,
            Self::LeakyRelu { alpha } => {
                if z >= 0.0 {
                    z
                } else {
                    alpha * z
                }
            }
            Self::Sigmoid => 1.0 / (1.0 + (-z).exp()),
            Self::Tanh => z.tanh(),
        }
    }
}

/// What a classifier's exported graph does after the proven outputs (see [`crate::onnx`]).
///
/// The circuit proves the last layer's outputs (logits or probabilities); a head is a
/// deterministic function of them that a verifier applies to the public outputs itself.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Head {
    /// The outputs are the model's result.
    #[default]
    Values,
    /// `softmax(outputs)`: probabilities of the classes. Monotone, so the class is the
    /// argmax of the proven logits.
    Softmax,
    /// `sigmoid(outputs)`: the proven outputs are logits (see [`Mlp::split_output_squash`]).
    Sigmoid,
    /// `tanh(outputs)` (see [`Mlp::split_output_squash`]).
    Tanh,
    /// The index of the largest output (the first on a tie, as ONNX `ArgMax`), mapped
    /// through `labels` when the export names its classes (scikit-learn's `classes_`).
    ArgMax {
        /// `labels[i]` is the class label of output `i`; `None` for the index itself.
        labels: Option<Vec<i64>>,
    },
}

impl Head {
    /// The class the outputs select: argmax (first on a tie) of the outputs, or, for a
    /// single output (a binary classifier's probability or logit), `1` when it is above
    /// `threshold` (`0.5` for probabilities, `0` for logits), mapped through the labels.
    pub fn class(&self, outputs: &[f64], threshold: f64) -> i64 {
        let index = match outputs {
            [single] => i64::from(*single > threshold),
            _ => {
                let mut best = 0;
                for (i, v) in outputs.iter().enumerate() {
                    if *v > outputs[best] {
                        best = i;
                    }
                }
                best as i64
            }
        };
        match self {
            Self::ArgMax {
                labels: Some(labels),
            } => usize::try_from(index)
                .ok()
                .and_then(|i| labels.get(i))
                .copied()
                .unwrap_or(index),
            _ => index,
        }
    }

    /// The head applied to the outputs: softmax probabilities for [`Head::Softmax`], the
    /// class (as one value) for [`Head::ArgMax`], the outputs themselves otherwise.
    pub fn apply(&self, outputs: &[f64]) -> Vec<f64> {
        match self {
            Self::Values => outputs.to_vec(),
            Self::Softmax => softmax(outputs),
            Self::Sigmoid => outputs
                .iter()
                .map(|&v| Activation::Sigmoid.apply(v))
                .collect(),
            Self::Tanh => outputs.iter().map(|v| v.tanh()).collect(),
            Self::ArgMax { .. } => vec![self.class(outputs, 0.0) as f64],
        }
    }
}

/// `e^(v_i - max) / sum_j e^(v_j - max)`.
pub fn softmax(values: &[f64]) -> Vec<f64> {
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let exps: Vec<f64> = values.iter().map(|v| (v - max).exp()).collect();
    let sum: f64 = exps.iter().sum();
    exps.into_iter().map(|e| e / sum).collect()
}

/// One dense layer: `y_j = act(biases[j] + sum_i weights[j][i] * x_i)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DenseLayer {
    /// `weights[j][i]` multiplies input `i` for output `j` (`[out][in]`).
    pub weights: Vec<Vec<f64>>,
    /// `biases[j]` is added to output `j`.
    pub biases: Vec<f64>,
    /// Applied after the affine map.
    pub activation: Activation,
}

impl DenseLayer {
    /// Number of inputs (the length of the first weight row; 0 without rows).
    pub fn input_size(&self) -> usize {
        self.weights.first().map_or(0, Vec::len)
    }

    /// Number of outputs (the number of weight rows).
    pub fn output_size(&self) -> usize {
        self.weights.len()
    }
}

/// A float multi-layer perceptron: layers applied in order.
///
/// Serializes to and deserializes from the JSON format in the [module docs](self);
/// deserialization checks the format header and runs [`Mlp::validate`].
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(try_from = "MlpFile")]
pub struct Mlp {
    /// Layers, applied in order.
    pub layers: Vec<DenseLayer>,
}

/// The on-disk shape of a model file.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct MlpFile {
    format: String,
    version: u64,
    layers: Vec<DenseLayer>,
}

/// Only the header, read first so that a foreign file fails with a format error.
#[derive(Deserialize)]
struct Header {
    format: String,
    version: u64,
}

/// Borrowed form of [`MlpFile`] for serialization.
#[derive(Serialize)]
struct MlpFileRef<'a> {
    format: &'static str,
    version: u64,
    layers: &'a [DenseLayer],
}

impl TryFrom<MlpFile> for Mlp {
    type Error = ModelError;

    fn try_from(file: MlpFile) -> Result<Self, ModelError> {
        check_header(&file.format, file.version)?;
        let model = Mlp {
            layers: file.layers,
        };
        model.validate()?;
        Ok(model)
    }
}

impl Serialize for Mlp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        MlpFileRef {
            format: FORMAT,
            version: FORMAT_VERSION,
            layers: &self.layers,
        }
        .serialize(serializer)
    }
}

fn check_header(format: &str, version: u64) -> Result<(), ModelError> {
    if format != FORMAT || version != FORMAT_VERSION {
        return Err(ModelError::UnsupportedFormat {
            format: format.to_owned(),
            version,
        });
    }
    Ok(())
}

impl Mlp {
    /// Parses a model from the JSON format in the [module docs](self) and validates it.
    ///
    /// # Errors
    /// [`ModelError::Json`] for malformed JSON, wrong types, missing or unknown fields and
    /// numbers out of `f64` range; [`ModelError::UnsupportedFormat`] for a wrong header; any
    /// [`Mlp::validate`] error.
    pub fn from_json(json: &str) -> Result<Self, ModelError> {
        let header: Header = serde_json::from_str(json)?;
        check_header(&header.format, header.version)?;
        let file: MlpFile = serde_json::from_str(json)?;
        Mlp::try_from(file)
    }

    /// Reads and parses a model file (see [`Mlp::from_json`]).
    ///
    /// # Errors
    /// [`ModelError::Io`] when the file cannot be read, otherwise as [`Mlp::from_json`].
    pub fn from_json_file(path: impl AsRef<Path>) -> Result<Self, ModelError> {
        let path = path.as_ref();
        let json = fs::read_to_string(path).map_err(|source| ModelError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_json(&json)
    }

    /// The model in the JSON format of the [module docs](self), pretty-printed.
    pub fn to_json(&self) -> String {
        let file = MlpFileRef {
            format: FORMAT,
            version: FORMAT_VERSION,
            layers: &self.layers,
        };
        // Serializing plain structs of strings, integers and f64 cannot fail: serde_json only
        // errors on non-string map keys or a failing writer, and non-finite floats become null.
        serde_json::to_string_pretty(&file).unwrap_or_default()
    }

    /// Writes [`Mlp::to_json`] to `path`.
    ///
    /// # Errors
    /// [`ModelError::Io`] when the file cannot be written.
    pub fn save_json(&self, path: impl AsRef<Path>) -> Result<(), ModelError> {
        let path = path.as_ref();
        fs::write(path, self.to_json()).map_err(|source| ModelError::Io {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Checks that the model has layers, that no layer is empty, that shapes chain, and that
    /// every weight and bias is finite.
    ///
    /// # Errors
    /// The first problem found, as [`ModelError::NoLayers`], [`ModelError::EmptyLayer`],
    /// [`ModelError::ShapeMismatch`], [`ModelError::BiasCount`] or [`ModelError::NonFinite`].
    pub fn validate(&self) -> Result<(), ModelError> {
        if self.layers.is_empty() {
            return Err(ModelError::NoLayers);
        }
        let mut expected_inputs = self.input_size();
        for (index, layer) in self.layers.iter().enumerate() {
            let outputs = layer.output_size();
            if outputs == 0 || expected_inputs == 0 {
                return Err(ModelError::EmptyLayer { layer: index });
            }
            if let Some(row) = layer
                .weights
                .iter()
                .position(|r| r.len() != expected_inputs)
            {
                return Err(ModelError::ShapeMismatch {
                    layer: index,
                    row,
                    expected: expected_inputs,
                    got: layer.weights[row].len(),
                });
            }
            if layer.biases.len() != outputs {
                return Err(ModelError::BiasCount {
                    layer: index,
                    expected: outputs,
                    got: layer.biases.len(),
                });
            }
            if let Some(flat) = layer.weights.iter().flatten().position(|w| !w.is_finite()) {
                return Err(ModelError::NonFinite {
                    layer: index,
                    what: "weight",
                    index: flat,
                });
            }
            if let Some(bias) = layer.biases.iter().position(|b| !b.is_finite()) {
                return Err(ModelError::NonFinite {
                    layer: index,
                    what: "bias",
                    index: bias,
                });
            }
            if let Activation::LeakyRelu { alpha } = layer.activation {
                if !alpha.is_finite() {
                    return Err(ModelError::NonFinite {
                        layer: index,
                        what: "slope",
                        index: 0,
                    });
                }
            }
            expected_inputs = outputs;
        }
        Ok(())
    }

    /// The model with a final sigmoid or tanh replaced by identity, and the head that applies
    /// it to the outputs: the circuit proves the logits, and both functions are monotone, so a
    /// threshold on the probability is a threshold on the logit. Other models are returned as
    /// they are, with [`Head::Values`].
    pub fn split_output_squash(&self) -> (Mlp, Head) {
        let mut model = self.clone();
        let head = match model.layers.last_mut() {
            Some(last) if last.activation == Activation::Sigmoid => {
                last.activation = Activation::Identity;
                Head::Sigmoid
            }
            Some(last) if last.activation == Activation::Tanh => {
                last.activation = Activation::Identity;
                Head::Tanh
            }
            _ => Head::Values,
        };
        (model, head)
    }

    /// Number of input features (0 for a model without layers).
    pub fn input_size(&self) -> usize {
        self.layers.first().map_or(0, DenseLayer::input_size)
    }

    /// Number of outputs (0 for a model without layers).
    pub fn output_size(&self) -> usize {
        self.layers.last().map_or(0, DenseLayer::output_size)
    }

    /// A random model with the given layer sizes (`sizes[0]` inputs, then each layer's
    /// outputs), ReLU between layers and identity at the end: weights uniform in
    /// `[-1.7, 1.7] / sqrt(fan_in)` (about unit variance per output), biases uniform in
    /// `[-0.1, 0.1]`, deterministic in `seed`. For benchmarks, examples and tests.
    ///
    /// # Panics
    /// If `sizes` has fewer than two entries or contains a zero.
    pub fn random(sizes: &[usize], seed: u64) -> Self {
        use rand::{Rng, SeedableRng};
        assert!(
            sizes.len() >= 2 && !sizes.contains(&0),
            "an MLP needs nonzero layer sizes"
        );
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let layers = sizes
            .windows(2)
            .enumerate()
            .map(|(i, pair)| {
                let scale = (pair[0] as f64).sqrt().recip();
                DenseLayer {
                    weights: (0..pair[1])
                        .map(|_| {
                            (0..pair[0])
                                .map(|_| rng.gen_range(-1.7..1.7) * scale)
                                .collect()
                        })
                        .collect(),
                    biases: (0..pair[1]).map(|_| rng.gen_range(-0.1..0.1)).collect(),
                    activation: if i + 2 == sizes.len() {
                        Activation::Identity
                    } else {
                        Activation::Relu
                    },
                }
            })
            .collect();
        Self { layers }
    }

    /// Number of weights and biases.
    pub fn parameter_count(&self) -> usize {
        self.layers
            .iter()
            .map(|l| l.weights.iter().map(Vec::len).sum::<usize>() + l.biases.len())
            .sum()
    }

    /// Runs the model on one feature vector.
    ///
    /// # Errors
    /// Any [`Mlp::validate`] error; [`ModelError::FeatureCount`] when `x` has the wrong
    /// length; [`ModelError::NonFiniteFeature`] for a NaN or infinite feature;
    /// [`ModelError::NonFiniteActivation`] when a value overflows to infinity on the way.
    pub fn forward(&self, x: &[f64]) -> Result<Vec<f64>, ModelError> {
        self.validate()?;
        if x.len() != self.input_size() {
            return Err(ModelError::FeatureCount {
                expected: self.input_size(),
                got: x.len(),
            });
        }
        if let Some(index) = x.iter().position(|v| !v.is_finite()) {
            return Err(ModelError::NonFiniteFeature { index });
        }
        let mut values = x.to_vec();
        for (index, layer) in self.layers.iter().enumerate() {
            let next: Vec<f64> = layer
                .weights
                .iter()
                .zip(&layer.biases)
                .map(|(row, bias)| {
                    let z = bias + row.iter().zip(&values).map(|(w, v)| w * v).sum::<f64>();
                    layer.activation.apply(z)
                })
                .collect();
            if let Some(neuron) = next.iter().position(|v| !v.is_finite()) {
                return Err(ModelError::NonFiniteActivation {
                    layer: index,
                    neuron,
                });
            }
            values = next;
        }
        Ok(values)
    }
}

/// Why a float model cannot be loaded, saved or run.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The JSON is malformed, has wrong types, missing or unknown fields, or a number out of
    /// `f64` range.
    #[error("invalid model JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The model file cannot be read or written.
    #[error("cannot access model file {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file's header is not `"format": "zkmlp-mlp", "version": 1`.
    #[error("unsupported model format {format:?} version {version} (expected {FORMAT:?} version {FORMAT_VERSION})")]
    UnsupportedFormat {
        /// The file's `format`.
        format: String,
        /// The file's `version`.
        version: u64,
    },
    /// The model has no layers.
    #[error("the model has no layers")]
    NoLayers,
    /// A layer has no outputs, or no inputs.
    #[error("layer {layer} has no inputs or no outputs")]
    EmptyLayer {
        /// Layer index.
        layer: usize,
    },
    /// A weight row's length differs from the layer's input count.
    #[error("layer {layer}: expected {expected} weights per row, got {got} in row {row}")]
    ShapeMismatch {
        /// Layer index.
        layer: usize,
        /// Output row.
        row: usize,
        /// Inputs the layer has (the previous layer's outputs, or the first row's length).
        expected: usize,
        /// Length of the row.
        got: usize,
    },
    /// The bias count differs from the output count.
    #[error("layer {layer}: expected {expected} biases (one per output), got {got}")]
    BiasCount {
        /// Layer index.
        layer: usize,
        /// Outputs of the layer.
        expected: usize,
        /// Number of biases.
        got: usize,
    },
    /// A weight or bias is NaN or infinite.
    #[error("layer {layer}: {what} {index} is not finite")]
    NonFinite {
        /// Layer index.
        layer: usize,
        /// `"weight"`, `"bias"` or `"slope"` (a leaky ReLU's).
        what: &'static str,
        /// For a bias, its output; for a weight, its row-major index `row * inputs + column`.
        index: usize,
    },
    /// The input has the wrong number of features.
    #[error("the model expects {expected} features, got {got}")]
    FeatureCount {
        /// Input size of the model.
        expected: usize,
        /// Features given.
        got: usize,
    },
    /// An input feature is NaN or infinite.
    #[error("feature {index} is not finite")]
    NonFiniteFeature {
        /// Feature index.
        index: usize,
    },
    /// A neuron's value overflowed to infinity (or NaN) during [`Mlp::forward`].
    #[error("layer {layer}, neuron {neuron}: activation is not finite")]
    NonFiniteActivation {
        /// Layer index.
        layer: usize,
        /// Output index within the layer.
        neuron: usize,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"{
      "format": "zkmlp-mlp",
      "version": 1,
      "layers": [
        {
          "weights": [[0.5, -1.25, 2.0], [1.0, 0.0, -0.75]],
          "biases": [0.1, -0.2],
          "activation": "relu"
        },
        {
          "weights": [[1.5, -0.5]],
          "biases": [0.25],
          "activation": "identity"
        }
      ]
    }"#;

    fn example() -> Mlp {
        Mlp::from_json(EXAMPLE).unwrap()
    }

    fn layer(weights: Vec<Vec<f64>>, biases: Vec<f64>, activation: Activation) -> DenseLayer {
        DenseLayer {
            weights,
            biases,
            activation,
        }
    }

    #[test]
    fn module_doc_example_loads() {
        let model = example();
        assert_eq!(model.input_size(), 3);
        assert_eq!(model.output_size(), 1);
        assert_eq!(model.parameter_count(), 2 * 3 + 2 + 2 + 1);
        assert_eq!(model.layers[0].activation, Activation::Relu);
        assert_eq!(model.layers[1].activation, Activation::Identity);
    }

    #[test]
    fn forward_matches_hand_computation() {
        // h0 = relu(0.1 + 0.5*1 - 1.25*2 + 2*(-1)) = relu(-3.9) = 0
        // h1 = relu(-0.2 + 1*1 + 0 - 0.75*(-1)) = 1.55
        // y  = 0.25 + 1.5*0 - 0.5*1.55 = -0.525
        let y = example().forward(&[1.0, 2.0, -1.0]).unwrap();
        assert_eq!(y.len(), 1);
        assert!((y[0] - -0.525).abs() < 1e-12, "{y:?}");
    }

    #[test]
    fn json_round_trip_is_exact() {
        let model = example();
        let json = model.to_json();
        assert!(json.contains("\"format\": \"zkmlp-mlp\""));
        assert!(json.contains("\"activation\": \"relu\""));
        assert_eq!(Mlp::from_json(&json).unwrap(), model);
        // serde's Deserialize goes through the same checks.
        let via_serde: Mlp = serde_json::from_str(&json).unwrap();
        assert_eq!(via_serde, model);
        let value = |s: &str| serde_json::from_str::<serde_json::Value>(s).unwrap();
        assert_eq!(value(&serde_json::to_string(&model).unwrap()), value(&json));
        assert_eq!(value(&json), value(EXAMPLE));
    }

    #[test]
    fn file_round_trip_and_missing_file() {
        let dir = std::env::temp_dir().join(format!("zkmlp-model-test-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("model.json");
        example().save_json(&path).unwrap();
        assert_eq!(Mlp::from_json_file(&path).unwrap(), example());
        fs::remove_dir_all(&dir).unwrap();
        match Mlp::from_json_file(&path) {
            Err(ModelError::Io { path: p, .. }) => assert_eq!(p, path),
            other => panic!("expected Io, got {other:?}"),
        }
    }

    #[test]
    fn wrong_header_is_unsupported_format() {
        let json = EXAMPLE.replace("zkmlp-mlp", "onnx");
        assert!(matches!(
            Mlp::from_json(&json),
            Err(ModelError::UnsupportedFormat { format, version: 1 }) if format == "onnx"
        ));
        let json = EXAMPLE.replace("\"version\": 1", "\"version\": 2");
        assert!(matches!(
            Mlp::from_json(&json),
            Err(ModelError::UnsupportedFormat { version: 2, .. })
        ));
        // The header wins even when the rest would not parse.
        let json = r#"{"format":"other","version":1,"layers":"nonsense"}"#;
        assert!(matches!(
            Mlp::from_json(json),
            Err(ModelError::UnsupportedFormat { .. })
        ));
    }

    #[test]
    fn malformed_json_is_a_json_error() {
        for json in [
            "",
            "{",
            "[]",
            "null",
            r#"{"format":"zkmlp-mlp"}"#,
            r#"{"format":"zkmlp-mlp","version":-1,"layers":[]}"#,
            r#"{"format":"zkmlp-mlp","version":1}"#,
            r#"{"format":"zkmlp-mlp","version":1,"layers":{}}"#,
            r#"{"format":"zkmlp-mlp","version":1,"layers":[{"weights":[[1]],"biases":[0]}]}"#,
            r#"{"format":"zkmlp-mlp","version":1,"layers":[{"weights":[["a"]],"biases":[0],"activation":"relu"}]}"#,
            r#"{"format":"zkmlp-mlp","version":1,"layers":[{"weights":[[1]],"biases":[0],"activation":"gelu"}]}"#,
            r#"{"format":"zkmlp-mlp","version":1,"layers":[{"weights":[[1]],"biases":[0],"activation":"Relu"}]}"#,
            r#"{"format":"zkmlp-mlp","version":1,"layers":[{"weights":[[1]],"bias":[0],"activation":"relu"}]}"#,
            r#"{"format":"zkmlp-mlp","version":1,"layers":[],"extra":1}"#,
            // Out of f64 range: serde_json rejects rather than parsing to infinity.
            r#"{"format":"zkmlp-mlp","version":1,"layers":[{"weights":[[1e400]],"biases":[0],"activation":"relu"}]}"#,
            r#"{"format":"zkmlp-mlp","version":1,"layers":[{"weights":[[1]],"biases":[-1e309],"activation":"relu"}]}"#,
            r#"{"format":"zkmlp-mlp","version":1,"layers":[{"weights":[[NaN]],"biases":[0],"activation":"relu"}]}"#,
        ] {
            assert!(
                matches!(Mlp::from_json(json), Err(ModelError::Json(_))),
                "{json}: {:?}",
                Mlp::from_json(json)
            );
        }
    }

    #[test]
    fn structural_errors_are_typed() {
        let json =
            |layers: &str| format!(r#"{{"format":"zkmlp-mlp","version":1,"layers":{layers}}}"#);
        assert!(matches!(
            Mlp::from_json(&json("[]")),
            Err(ModelError::NoLayers)
        ));
        assert!(matches!(
            Mlp::from_json(&json(r#"[{"weights":[],"biases":[],"activation":"relu"}]"#)),
            Err(ModelError::EmptyLayer { layer: 0 })
        ));
        assert!(matches!(
            Mlp::from_json(&json(
                r#"[{"weights":[[]],"biases":[0],"activation":"relu"}]"#
            )),
            Err(ModelError::EmptyLayer { layer: 0 })
        ));
        assert!(matches!(
            Mlp::from_json(&json(
                r#"[{"weights":[[1,2],[3]],"biases":[0,0],"activation":"relu"}]"#
            )),
            Err(ModelError::ShapeMismatch {
                layer: 0,
                row: 1,
                expected: 2,
                got: 1
            })
        ));
        assert!(matches!(
            Mlp::from_json(&json(
                r#"[{"weights":[[1,2],[3,4]],"biases":[0,0],"activation":"relu"},
                    {"weights":[[1,2,3]],"biases":[0],"activation":"identity"}]"#
            )),
            Err(ModelError::ShapeMismatch {
                layer: 1,
                row: 0,
                expected: 2,
                got: 3
            })
        ));
        assert!(matches!(
            Mlp::from_json(&json(
                r#"[{"weights":[[1,2]],"biases":[0,0],"activation":"relu"}]"#
            )),
            Err(ModelError::BiasCount {
                layer: 0,
                expected: 1,
                got: 2
            })
        ));
    }

    #[test]
    fn non_finite_parameters_are_rejected() {
        let mut model = example();
        model.layers[1].weights[0][1] = f64::NAN;
        assert!(matches!(
            model.validate(),
            Err(ModelError::NonFinite {
                layer: 1,
                what: "weight",
                index: 1
            })
        ));
        let mut model = example();
        model.layers[0].weights[1][2] = f64::INFINITY;
        assert!(matches!(
            model.validate(),
            Err(ModelError::NonFinite {
                layer: 0,
                what: "weight",
                index: 5
            })
        ));
        let mut model = example();
        model.layers[0].biases[1] = f64::NEG_INFINITY;
        assert!(matches!(
            model.forward(&[0.0; 3]),
            Err(ModelError::NonFinite {
                layer: 0,
                what: "bias",
                index: 1
            })
        ));
        // serde_json writes non-finite floats as null, which does not load back.
        assert!(matches!(
            Mlp::from_json(&model.to_json()),
            Err(ModelError::Json(_))
        ));
    }

    #[test]
    fn forward_checks_its_input() {
        let model = example();
        assert!(matches!(
            model.forward(&[1.0, 2.0]),
            Err(ModelError::FeatureCount {
                expected: 3,
                got: 2
            })
        ));
        assert!(matches!(
            model.forward(&[1.0, f64::NAN, 0.0]),
            Err(ModelError::NonFiniteFeature { index: 1 })
        ));
        assert!(matches!(
            model.forward(&[1.0, 0.0, f64::NEG_INFINITY]),
            Err(ModelError::NonFiniteFeature { index: 2 })
        ));
        let huge = Mlp {
            layers: vec![layer(vec![vec![1e300]], vec![0.0], Activation::Identity)],
        };
        assert!(matches!(
            huge.forward(&[1e300]),
            Err(ModelError::NonFiniteActivation {
                layer: 0,
                neuron: 0
            })
        ));
        assert!(matches!(
            Mlp { layers: vec![] }.forward(&[]),
            Err(ModelError::NoLayers)
        ));
    }

    #[test]
    fn new_activations_round_trip_and_apply() {
        let mut model = example();
        model.layers[0].activation = Activation::LeakyRelu { alpha: 0.25 };
        model.layers[1].activation = Activation::Sigmoid;
        let json = model.to_json();
        assert!(
            json.contains("\"leaky_relu\"") && json.contains("\"sigmoid\""),
            "{json}"
        );
        assert_eq!(Mlp::from_json(&json).unwrap(), model);
        assert_eq!(Activation::LeakyRelu { alpha: 0.25 }.apply(-2.0), -0.5);
        assert_eq!(Activation::LeakyRelu { alpha: 0.25 }.apply(3.0), 3.0);
        assert_eq!(Activation::Sigmoid.apply(0.0), 0.5);
        assert!((Activation::Tanh.apply(1.0) - 1f64.tanh()).abs() < 1e-15);
        let p = softmax(&[1.0, 2.0, 3.0]);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12 && p[2] > p[1]);
        let labels = Head::ArgMax {
            labels: Some(vec![7, 9, 11]),
        };
        assert_eq!(labels.class(&[0.1, 0.5, 0.5], 0.0), 9);
        assert_eq!(Head::Values.class(&[0.7], 0.5), 1);
        assert_eq!(Head::Values.class(&[-0.2], 0.0), 0);
    }

    #[test]
    fn errors_read_well() {
        let e = ModelError::ShapeMismatch {
            layer: 1,
            row: 2,
            expected: 3,
            got: 4,
        };
        assert_eq!(
            e.to_string(),
            "layer 1: expected 3 weights per row, got 4 in row 2"
        );
        let e = ModelError::UnsupportedFormat {
            format: "x".into(),
            version: 3,
        };
        assert_eq!(
            e.to_string(),
            r#"unsupported model format "x" version 3 (expected "zkmlp-mlp" version 1)"#
        );
    }
}
