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
//!
//! This module holds the model types, their file format and [`ModelError`]; [`Activation`],
//! [`Head`] and [`softmax`] are defined in the `activation` submodule, validation and the
//! forward pass ([`Mlp::validate`], [`Mlp::forward`]) in the `eval` submodule.

mod activation;
mod eval;

use std::{fs, path::Path, path::PathBuf};

use serde::{Deserialize, Serialize};

pub use activation::{softmax, Activation, Head};

/// Value of the `format` field of a model file.
pub const FORMAT: &str = "zkmlp-mlp";
/// Value of the `version` field of a model file.
pub const FORMAT_VERSION: u64 = 1;

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

    /// The model of the module docs' example, loaded from JSON (shared with the other
    /// modules' tests).
    pub(super) fn example() -> Mlp {
        Mlp::from_json(EXAMPLE).unwrap()
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
