//! ONNX import: an MLP exported by PyTorch (`torch.onnx.export`, the dynamo exporter as well as
//! the legacy one) or scikit-learn (skl2onnx) becomes a float [`Mlp`], plus the [`Head`] the
//! export applies to the proven outputs.
//!
//! The file is decoded, external data is read from beside it (`onnx::external`: path-safe and
//! bounds-checked), scikit-learn's `Scaler` is rewritten as `Sub` and `Mul`, and the chain of
//! operators from the selected output back to the single input is found. The part of the
//! graph that output needs is analysed with `tract-onnx` (shapes inferred with the batch fixed
//! to 1, constant sub-graphs folded), then walked from the input along the chain:
//!
//! | op | accepted as |
//! |---|---|
//! | `Gemm` | a dense layer `alpha * A B' + beta * C`; `transA = 0`, `transB` 0 or 1, `B`, `C` constant |
//! | `MatMul` | a dense layer without bias (`x W`, `W` constant `[in, out]`) |
//! | `Add`, `Sub`, `Mul`, `Div` by a constant (per feature or scalar), `ai.onnx.ml.Scaler`, `BatchNormalization` (inference) | an affine map `y = a x + c` per feature, folded exactly (in `f64`, before quantization): into the preceding dense layer when one is open (`W' = diag(a) W`, `b' = a b + c`), otherwise into the next one (`W' = W diag(a)`, `b' = b + W c`), or, after the last activation, as one more (diagonal) layer |
//! | `Concat` of affine maps of one tensor | one more dense layer (scikit-learn's binary classifier: `[1 - p, p]`) |
//! | `Relu`, `LeakyRelu`, `PRelu` (one constant slope), `Sigmoid`, `Tanh` | the preceding dense layer's activation (a dense layer not followed by one gets identity); all proven in the circuit |
//! | `Softmax` (last axis), `ArgMax` (last axis), then `ai.onnx.ml.ArrayFeatureExtractor` of integer classes | the [`Head`]: the circuit proves the logits; softmax is monotone, so the class is their argmax |
//! | `Flatten` (`axis = 1`), `Reshape`, `Squeeze`, `Unsqueeze` | shape changes that keep the values in order (batch axis) |
//! | `Identity`, `Dropout` (inference), `Cast` to float or double | nothing |
//! | `Constant` and constant sub-graphs | weights |
//!
//! `ai.onnx.ml.Normalizer` (L1, L2 or max norm) is refused with [`OnnxError::NotAffine`]: it
//! divides by a norm of the input. Every other operator on the path is
//! [`OnnxError::UnsupportedOp`]; operators off the path (the label branch of a classifier)
//! are ignored.
//!
//! **Which output.** [`OnnxOptions::output`] selects one; by default the only output, else the
//! only float-tensor output (the probabilities of a scikit-learn classifier exported with
//! `zipmap=False`), else the first output that imports (the label of a classifier exported
//! with its `ZipMap`). A `ZipMap`'s sequence of maps cannot be proven:
//! [`OnnxError::UnprovableOutput`] says to export with
//! `options={id(clf): {'zipmap': False}}`.
//!
//! The input is untrusted: every failure is a typed [`OnnxError`], tract is run under
//! [`std::panic::catch_unwind`], and tensor sizes are capped.

use std::path::{Path, PathBuf};

use crate::model::{Head, Mlp, ModelError};

mod external;
mod prepare;
mod walk;

/// The operators the import accepts on the path from input to output, as named in
/// [`OnnxError::UnsupportedOp`].
pub const SUPPORTED_OPS: &str = "Gemm, MatMul, Add, Sub, Mul, Div, Relu, LeakyRelu, PRelu, \
Sigmoid, Tanh, Softmax, ArgMax, Flatten, Reshape, Squeeze, Unsqueeze, Identity, Dropout, Cast, \
BatchNormalization, Concat, Constant, ai.onnx.ml.Scaler, ai.onnx.ml.ArrayFeatureExtractor";

/// Most elements one tensor (or the input) may have.
pub(crate) const MAX_ELEMENTS: u64 = 1 << 26;

/// Choices for [`import_onnx`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OnnxOptions {
    /// The graph output to prove; `None` for the default rule of the [module docs](self).
    pub output: Option<String>,
}

/// An imported model: the float MLP the circuit proves and what the export does after it.
#[derive(Clone, Debug, PartialEq)]
pub struct OnnxModel {
    /// The float model (its outputs are what a proof shows).
    pub model: Mlp,
    /// What the export computes from those outputs.
    pub head: Head,
    /// The graph output that was imported.
    pub output: String,
}

/// Why an ONNX file cannot be imported as an [`Mlp`].
#[derive(Debug, thiserror::Error)]
pub enum OnnxError {
    /// The file cannot be read.
    #[error("cannot read ONNX file {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The bytes are not an ONNX model (not protobuf, truncated, or no graph).
    #[error("not a readable ONNX model: {0}")]
    Decode(String),
    /// tract rejects the graph (inconsistent types or shapes, bad operator arguments).
    #[error("invalid ONNX graph: {0}")]
    Invalid(String),
    /// An operator outside [`SUPPORTED_OPS`].
    #[error("unsupported ONNX operator {op} (node {node:?}); supported: {supported}")]
    UnsupportedOp {
        /// Operator type, with its domain when not the default one.
        op: String,
        /// Node name.
        node: String,
        /// The supported operators ([`SUPPORTED_OPS`]).
        supported: &'static str,
    },
    /// A supported operator with an attribute value the import does not handle.
    #[error("node {node:?}: unsupported attribute {attribute} = {value}")]
    UnsupportedAttribute {
        /// Node name.
        node: String,
        /// Attribute name.
        attribute: &'static str,
        /// The value found.
        value: String,
    },
    /// A weight, bias or normalization input is computed from the model input.
    #[error("node {node:?}: input {input:?} must be a constant")]
    NonConstantWeights {
        /// Node name.
        node: String,
        /// Name of the non-constant tensor.
        input: String,
    },
    /// A tensor has a shape the layer cannot use.
    #[error("node {node:?}: {what} has shape {got:?}, expected {expected}")]
    ShapeMismatch {
        /// Node name.
        node: String,
        /// Which tensor (`"weights"`, `"bias"`, `"output"`...).
        what: &'static str,
        /// What was expected, in words.
        expected: String,
        /// The shape found.
        got: Vec<usize>,
    },
    /// The input's feature dimensions are symbolic, unknown or zero.
    #[error("input {input:?} must have fixed feature dimensions, got {dims}")]
    DynamicInput {
        /// Input name.
        input: String,
        /// The declared dimensions, `?` for unknown ones.
        dims: String,
    },
    /// The input is not a float tensor.
    #[error("input {input:?} has ONNX element type {elem_type}; expected float or double")]
    InputType {
        /// Input name.
        input: String,
        /// ONNX `TensorProto.DataType` code.
        elem_type: i32,
    },
    /// The graph has more or fewer than one input.
    #[error("the model must have exactly one input, it has {0}")]
    InputCount(usize),
    /// The graph has no output, or several and none that can be proven (choose one with
    /// [`OnnxOptions::output`]).
    #[error("the model has {0} outputs and none was chosen (see OnnxOptions::output)")]
    OutputCount(usize),
    /// The graph is not a single chain from input to output of dense layers.
    #[error("node {node:?}: {reason}")]
    UnsupportedGraph {
        /// Node (or tensor) name.
        node: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// A constant tensor is stored outside the model file, and the model was given as bytes
    /// (no folder to read it from): load it with [`load_onnx`] from its file instead.
    #[error("tensor {0:?} has external data: load the model from its file, beside its data")]
    ExternalData(String),
    /// An external-data `location` that is absolute, climbs out of the model's folder or
    /// resolves (through symlinks) outside it.
    #[error("tensor {tensor:?}: external data location {location:?} {reason}")]
    ExternalPath {
        /// Tensor name.
        tensor: String,
        /// The `location` entry.
        location: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// An external-data file that cannot be opened or read.
    #[error("tensor {tensor:?}: cannot read external data {}: {source}", path.display())]
    ExternalIo {
        /// Tensor name.
        tensor: String,
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// An external-data file shorter than `offset + length`.
    #[error("tensor {tensor:?}: external data {} has {available} bytes, {needed} needed", path.display())]
    ExternalShort {
        /// Tensor name.
        tensor: String,
        /// The file.
        path: PathBuf,
        /// `offset + length`.
        needed: u64,
        /// The file's size.
        available: u64,
    },
    /// An operator that is not an affine map where the import needs one (an L1/L2/max
    /// `Normalizer` divides by a norm of the input; `Div` by the input).
    #[error("node {node:?}: {op} is not affine and cannot be folded into a dense layer: {hint}")]
    NotAffine {
        /// Operator.
        op: String,
        /// Node name.
        node: String,
        /// What to do instead.
        hint: &'static str,
    },
    /// The selected output cannot be proven (a scikit-learn `ZipMap`'s sequence of maps, a
    /// string label...).
    #[error("output {output:?} cannot be proven: {hint}")]
    UnprovableOutput {
        /// Output name.
        output: String,
        /// What to drop or select instead.
        hint: String,
    },
    /// [`OnnxOptions::output`] names no graph output.
    #[error("the model has no output {name:?}; its outputs are {available:?}")]
    UnknownOutput {
        /// The requested name.
        name: String,
        /// The graph's outputs.
        available: Vec<String>,
    },
    /// A constant tensor exceeds the size limit or its dimensions are invalid.
    #[error("tensor {0:?} is too large or has invalid dimensions")]
    TensorSize(String),
    /// A constant tensor's element type is not a number (string, complex, bfloat16...).
    #[error("tensor {name:?} has unsupported ONNX element type {data_type}")]
    TensorType {
        /// Tensor name.
        name: String,
        /// ONNX `TensorProto.DataType` code.
        data_type: i32,
    },
    /// A weight or bias is NaN or infinite.
    #[error("node {node:?}: input {input:?} has a non-finite value")]
    NonFinite {
        /// Node name.
        node: String,
        /// Tensor name.
        input: String,
    },
    /// The imported model fails [`Mlp::validate`] (e.g. non-finite after folding).
    #[error("imported model is invalid: {0}")]
    Model(#[from] ModelError),
}

/// Reads an ONNX file and imports it with the default options (see [`import_onnx`]).
///
/// # Errors
/// As [`import_onnx`].
pub fn load_onnx(path: impl AsRef<Path>) -> Result<Mlp, OnnxError> {
    import_onnx(path, &OnnxOptions::default()).map(|m| m.model)
}

/// Reads an ONNX file, with its external data from the same folder, and imports it.
///
/// # Errors
/// [`OnnxError::Io`] when the file cannot be read, otherwise as [`import_onnx_bytes`].
pub fn import_onnx(path: impl AsRef<Path>, options: &OnnxOptions) -> Result<OnnxModel, OnnxError> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|source| OnnxError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    import_onnx_bytes(&bytes, Some(dir), options)
}

/// Imports an ONNX model (the bytes of a `.onnx` file) as a float [`Mlp`], with the default
/// options and no external data.
///
/// # Errors
/// As [`import_onnx_bytes`].
pub fn load_onnx_bytes(bytes: &[u8]) -> Result<Mlp, OnnxError> {
    import_onnx_bytes(bytes, None, &OnnxOptions::default()).map(|m| m.model)
}

/// Imports an ONNX model given as bytes; external data is read from `dir` (refused without
/// one).
///
/// # Errors
/// An [`OnnxError`] naming the node, tensor or output at fault; never panics.
pub fn import_onnx_bytes(
    bytes: &[u8],
    dir: Option<&Path>,
    options: &OnnxOptions,
) -> Result<OnnxModel, OnnxError> {
    let prepared = prepare::prepare(bytes, dir, options)?;
    walk::walk(&prepared)
}

fn unsupported(node: &str, reason: &'static str) -> OnnxError {
    let node = node.to_owned();
    OnnxError::UnsupportedGraph { node, reason }
}

fn attr<'a>(
    node: &'a tract_onnx::pb::NodeProto,
    name: &str,
) -> Option<&'a tract_onnx::pb::AttributeProto> {
    node.attribute.iter().find(|a| a.name == name)
}

fn int_attr(node: &tract_onnx::pb::NodeProto, name: &str, default: i64) -> i64 {
    attr(node, name).map_or(default, |a| a.i)
}

fn float_attr(node: &tract_onnx::pb::NodeProto, name: &str, default: f32) -> f32 {
    attr(node, name).map_or(default, |a| a.f)
}
