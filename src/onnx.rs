//! ONNX import: an MLP exported by PyTorch (`torch.onnx.export`) or scikit-learn (skl2onnx)
//! becomes a float [`Mlp`].
//!
//! The file is decoded and analysed with `tract-onnx` (shapes inferred with the batch fixed to
//! 1, constant sub-graphs folded), then walked from the single input to the single output along
//! a chain of supported operators:
//!
//! | op | accepted as |
//! |---|---|
//! | `Gemm` | a dense layer `alpha * A B' + beta * C`; `transA = 0`, `transB` 0 or 1, `B`, `C` constant |
//! | `MatMul` | a dense layer without bias (`x W`, `W` constant `[in, out]`) |
//! | `Add` | a constant bias added to the preceding dense layer |
//! | `BatchNormalization` | inference mode, folded into the preceding dense layer: `s = gamma / sqrt(var + eps)`, `W' = s W`, `b' = s (b - mean) + beta` |
//! | `Relu` | the preceding dense layer's activation (a dense layer not followed by one gets identity) |
//! | `Flatten` (`axis = 1`), `Reshape` | to a `[batch, features]` vector (row-major, so the order is kept) |
//! | `Identity` | nothing |
//! | `Cast` | nothing, when it casts to `float` or `double` (skl2onnx starts with one) |
//! | `Constant` | weights (alone or through `Identity`, `Reshape`, `Flatten`) |
//!
//! Every other operator is [`OnnxError::UnsupportedOp`]. The input may have a symbolic batch
//! dimension; all other dimensions must be fixed. The input is untrusted: every failure is a
//! typed [`OnnxError`], tract is run under [`std::panic::catch_unwind`], tensors with external
//! data are refused (no file besides the model is ever read) and tensor sizes are capped.

use std::{
    collections::{HashMap, HashSet},
    panic::{catch_unwind, AssertUnwindSafe},
    path::{Path, PathBuf},
    sync::Arc,
};

use tract_onnx::{
    pb::{
        self,
        tensor_proto::DataLocation,
        tensor_shape_proto::{dimension::Value as Dim, Dimension},
    },
    prelude::{DatumType, Framework, InferenceFact, InferenceModel, InferenceModelExt, Tensor},
    tract_hir::internal::{DimLike, Factoid, OutletId},
};

use crate::model::{Activation, DenseLayer, Mlp, ModelError};

/// The operators [`load_onnx_bytes`] accepts, as named in [`OnnxError::UnsupportedOp`].
pub const SUPPORTED_OPS: &str =
    "Gemm, MatMul, Add, Relu, Flatten, Reshape, Identity, Cast, BatchNormalization, Constant";

/// Most elements one tensor (or the input) may have.
const MAX_ELEMENTS: u64 = 1 << 26;

/// ONNX `TensorProto.DataType` codes of the accepted input types.
const ONNX_FLOAT: i32 = 1;
const ONNX_DOUBLE: i32 = 11;

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
    /// The graph has more or fewer than one output.
    #[error("the model must have exactly one output, it has {0}")]
    OutputCount(usize),
    /// The graph is not a single chain from input to output of dense layers.
    #[error("node {node:?}: {reason}")]
    UnsupportedGraph {
        /// Node (or tensor) name.
        node: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// A constant tensor is stored outside the model file.
    #[error("tensor {0:?} has external data, which is not supported")]
    ExternalData(String),
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

/// Reads an ONNX file and imports it (see [`load_onnx_bytes`]).
///
/// # Errors
/// [`OnnxError::Io`] when the file cannot be read, otherwise as [`load_onnx_bytes`].
pub fn load_onnx(path: impl AsRef<Path>) -> Result<Mlp, OnnxError> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|source| OnnxError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    load_onnx_bytes(&bytes)
}

/// Imports an ONNX model (the bytes of a `.onnx` file) as a float [`Mlp`].
///
/// # Errors
/// An [`OnnxError`] naming the node at fault; never panics.
pub fn load_onnx_bytes(bytes: &[u8]) -> Result<Mlp, OnnxError> {
    let proto = guarded(OnnxError::Decode, || {
        let mut reader = bytes;
        tract_onnx::onnx().proto_model_for_read(&mut reader)
    })?;
    let graph = proto
        .graph
        .as_ref()
        .ok_or_else(|| OnnxError::Decode("the model has no graph".into()))?;
    let plan = precheck(graph)?;
    let model = guarded(OnnxError::Invalid, || analyse(&proto, &plan))?;
    Walker {
        graph,
        model: &model.0,
        outlets: &model.1,
        layers: Vec::new(),
        open: false,
    }
    .walk(&plan)
}

/// Runs tract code, turning its errors and panics into `wrap(message)`.
fn guarded<T>(
    wrap: fn(String) -> OnnxError,
    f: impl FnOnce() -> tract_onnx::prelude::TractResult<T>,
) -> Result<T, OnnxError> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(wrap(format!("{e:#}"))),
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Err(wrap(format!("tract panicked: {message}")))
        }
    }
}

/// What the pre-check learnt about the graph's single input and output.
struct Plan {
    input: String,
    /// Input shape with the batch set to 1.
    input_shape: Vec<usize>,
    input_type: DatumType,
    output: String,
    /// Tensors that do not depend on the input.
    constants: HashSet<String>,
}

/// Checks operators, tensor storage and sizes, inputs and outputs on the raw protobuf, before
/// tract sees the graph.
fn precheck(graph: &pb::GraphProto) -> Result<Plan, OnnxError> {
    let mut constants: HashSet<String> = HashSet::new();
    for t in &graph.initializer {
        check_tensor(t)?;
        constants.insert(t.name.clone());
    }
    if let Some(t) = graph.sparse_initializer.first() {
        let name = t.values.as_ref().map_or("", |v| &v.name);
        return Err(unsupported(name, "sparse initializers are not supported"));
    }
    for node in &graph.node {
        let supported = SUPPORTED_OPS.split(", ").any(|op| op == node.op_type);
        if !supported || !(node.domain.is_empty() || node.domain == "ai.onnx") {
            let op = if node.domain.is_empty() {
                node.op_type.clone()
            } else {
                format!("{}.{}", node.domain, node.op_type)
            };
            return Err(OnnxError::UnsupportedOp {
                op,
                node: node.name.clone(),
                supported: SUPPORTED_OPS,
            });
        }
        // Attributes that change the meaning, checked before tract infers shapes from them.
        for (op, attribute, default, allowed) in [
            ("Gemm", "transA", 0, &[0][..]),
            ("Gemm", "transB", 0, &[0, 1]),
            ("BatchNormalization", "training_mode", 0, &[0]),
            ("Flatten", "axis", 1, &[1]),
            // Casts to float (1) or double (11) only: the model computes in floats anyway.
            ("Cast", "to", 0, &[ONNX_FLOAT as i64, ONNX_DOUBLE as i64]),
        ] {
            let value = int_attr(node, attribute, default);
            if node.op_type == op && !allowed.contains(&value) {
                return Err(attr_error(node, attribute, value));
            }
        }
        if node.op_type == "Constant" {
            match node.attribute.as_slice() {
                [pb::AttributeProto {
                    name, t: Some(t), ..
                }] if name == "value" => check_tensor(t)?,
                _ => return Err(attr_error(node, "value", "not a single dense tensor")),
            }
        }
        let inputs_constant = node
            .input
            .iter()
            .filter(|i| !i.is_empty())
            .all(|i| constants.contains(i));
        if inputs_constant {
            // Folding is limited to operators that cannot enlarge the data.
            if !["Constant", "Identity", "Reshape", "Flatten"].contains(&node.op_type.as_str()) {
                let reason = "computes on constants only; only Identity, Reshape and Flatten may";
                return Err(unsupported(&node.name, reason));
            }
            constants.extend(node.output.iter().cloned());
        }
    }
    let initialized = |name: &String| graph.initializer.iter().any(|t| &t.name == name);
    let inputs: Vec<_> = graph
        .input
        .iter()
        .filter(|i| !initialized(&i.name))
        .collect();
    let [input] = inputs.as_slice() else {
        return Err(OnnxError::InputCount(inputs.len()));
    };
    let [output] = graph.output.as_slice() else {
        return Err(OnnxError::OutputCount(graph.output.len()));
    };
    // tract panics on an output that nothing defines (caught, but better not reached).
    let defined = |name: &String| {
        graph.input.iter().any(|i| &i.name == name)
            || graph.initializer.iter().any(|t| &t.name == name)
            || graph.node.iter().any(|n| n.output.contains(name))
    };
    if output.name.is_empty() || !defined(&output.name) {
        return Err(unsupported(&output.name, "the graph output is not defined"));
    }
    let tensor_type = match input.r#type.as_ref().and_then(|t| t.value.as_ref()) {
        Some(pb::type_proto::Value::TensorType(t)) => t,
        None => &Default::default(),
    };
    let input_type = match tensor_type.elem_type {
        ONNX_FLOAT => DatumType::F32,
        ONNX_DOUBLE => DatumType::F64,
        elem_type => {
            let input = input.name.clone();
            return Err(OnnxError::InputType { input, elem_type });
        }
    };
    // Fixed dimensions as numbers, symbolic or missing ones as `None`.
    let dims: Vec<Option<usize>> = tensor_type.shape.as_ref().map_or(vec![], |s| {
        let value = |d: &Dimension| match d.value {
            Some(Dim::DimValue(v)) => usize::try_from(v).ok().filter(|&v| v > 0),
            _ => None,
        };
        s.dim.iter().map(value).collect()
    });
    let features = dims.get(1..).unwrap_or_default();
    let elements = (features.iter()).try_fold(1u64, |acc, d| acc.checked_mul(d.map(|d| d as u64)?));
    if dims.len() < 2 || elements.is_none_or(|n| n > MAX_ELEMENTS) {
        let shown: Vec<String> = (dims.iter())
            .map(|d| d.map_or("?".into(), |d| d.to_string()))
            .collect();
        let dims = format!("[{}]", shown.join(", "));
        return Err(OnnxError::DynamicInput {
            input: input.name.clone(),
            dims,
        });
    }
    let input_shape = std::iter::once(1)
        .chain(features.iter().map(|d| d.unwrap_or(1)))
        .collect();
    Ok(Plan {
        input: input.name.clone(),
        input_shape,
        input_type,
        output: output.name.clone(),
        constants,
    })
}

/// Refuses external data, tensors over [`MAX_ELEMENTS`] or with negative dimensions, and
/// non-numeric element types.
fn check_tensor(t: &pb::TensorProto) -> Result<(), OnnxError> {
    if t.data_location == Some(DataLocation::External as i32) || !t.external_data.is_empty() {
        return Err(OnnxError::ExternalData(t.name.clone()));
    }
    let elements = t.dims.iter().try_fold(1u64, |acc, &d| {
        u64::try_from(d).ok().and_then(|d| acc.checked_mul(d))
    });
    if elements.is_none_or(|n| n > MAX_ELEMENTS) {
        return Err(OnnxError::TensorSize(t.name.clone()));
    }
    // Integers, booleans and floats of 16, 32 and 64 bits (tract cannot load the others).
    if !matches!(t.data_type, 1..=7 | 9..=13) {
        let name = t.name.clone();
        return Err(OnnxError::TensorType {
            name,
            data_type: t.data_type,
        });
    }
    Ok(())
}

/// Parses the graph with tract, fixes the input to `[1, features...]` and infers every
/// tensor's shape and constant value. Returns the model and its outlets by ONNX tensor name.
fn analyse(
    proto: &pb::ModelProto,
    plan: &Plan,
) -> tract_onnx::prelude::TractResult<(InferenceModel, HashMap<String, OutletId>)> {
    let parsed = tract_onnx::onnx().parse(proto, None)?;
    if !parsed.unresolved_inputs.is_empty() {
        return Err(tract_onnx::prelude::TractError::msg(format!(
            "undefined tensors {:?}",
            parsed.unresolved_inputs
        )));
    }
    let mut model = parsed.model;
    if model.input_outlets()?.len() != 1 {
        return Err(tract_onnx::prelude::TractError::msg("expected one input"));
    }
    let fact = InferenceFact::dt_shape(plan.input_type, plan.input_shape.as_slice());
    model.set_input_fact(0, fact)?;
    model.analyse(false)?;
    Ok((model, parsed.outlets_by_name))
}

/// A constant tensor, as f64, with its shape.
struct Konst {
    shape: Vec<usize>,
    data: Vec<f64>,
}

/// Follows the chain from the input to the output, building layers.
struct Walker<'a> {
    graph: &'a pb::GraphProto,
    model: &'a InferenceModel,
    outlets: &'a HashMap<String, OutletId>,
    layers: Vec<DenseLayer>,
    /// Whether the last layer still takes a bias, a normalization or an activation.
    open: bool,
}

impl Walker<'_> {
    fn walk(mut self, plan: &Plan) -> Result<Mlp, OnnxError> {
        let mut consumers: HashMap<&str, Vec<usize>> = HashMap::new();
        for (index, node) in self.graph.node.iter().enumerate() {
            for input in node.input.iter().filter(|i| !i.is_empty()) {
                let users = consumers.entry(input.as_str()).or_default();
                if users.last() != Some(&index) {
                    users.push(index);
                }
            }
        }
        let mut visited = HashSet::new();
        let mut current = plan.input.clone();
        let mut width: usize = plan.input_shape.iter().product();
        let mut flat = plan.input_shape.len() == 2;
        loop {
            let users = consumers
                .get(current.as_str())
                .map_or(&[][..], Vec::as_slice);
            let index = match users {
                [] if current == plan.output => break,
                [] => return Err(unsupported(&current, "does not lead to the graph output")),
                [index] if current != plan.output => *index,
                _ => return Err(unsupported(&current, "is used twice (a branch)")),
            };
            visited.insert(index);
            let node = &self.graph.node[index];
            let [output] = node.output.as_slice() else {
                return Err(unsupported(&node.name, "must have exactly one output"));
            };
            let first_is_current = node.input.first() == Some(&current);
            match node.op_type.as_str() {
                "Identity" => {}
                "Cast" if first_is_current => {}
                "Flatten" | "Reshape" => {
                    if !first_is_current {
                        return Err(unsupported(&node.name, "reshapes a constant by the input"));
                    }
                    let shape = self.shape(output)?;
                    if shape != [1, width] {
                        return Err(OnnxError::ShapeMismatch {
                            node: node.name.clone(),
                            what: "output",
                            expected: format!("[batch, {width}]"),
                            got: shape,
                        });
                    }
                    flat = true;
                }
                "Gemm" | "MatMul" if !flat || !first_is_current => {
                    return Err(unsupported(
                        &node.name,
                        "must take [batch, features] as input A",
                    ));
                }
                "Gemm" | "MatMul" => width = self.dense(node, width)?,
                "Add" => {
                    let other = usize::from(first_is_current);
                    let bias = self.konst(node, other)?;
                    let bias = broadcast(node, bias, width)?;
                    let layer = self.open_layer(node)?;
                    layer.biases.iter_mut().zip(bias).for_each(|(b, c)| *b += c);
                }
                "BatchNormalization" => self.batch_norm(node, first_is_current, width)?,
                "Relu" => {
                    if !(first_is_current && self.open) {
                        return Err(unsupported(&node.name, "Relu must follow a dense layer"));
                    }
                    if let Some(layer) = self.layers.last_mut() {
                        layer.activation = Activation::Relu;
                    }
                    self.open = false;
                }
                _ => return Err(unsupported(&node.name, "Constant cannot consume the input")),
            }
            current = output.clone();
        }
        if let Some((_, node)) = self.graph.node.iter().enumerate().find(|(i, n)| {
            !visited.contains(i) && !n.output.iter().all(|o| plan.constants.contains(o))
        }) {
            return Err(unsupported(
                &node.name,
                "is not on the path from input to output",
            ));
        }
        let model = Mlp {
            layers: self.layers,
        };
        model.validate()?;
        Ok(model)
    }

    /// `Y = alpha * A B' + beta * C` with `B' = B` or `B^T` (a MatMul has no attributes and
    /// no `C`: `Y = A B`).
    fn dense(&mut self, node: &pb::NodeProto, width: usize) -> Result<usize, OnnxError> {
        let trans_b = int_attr(node, "transB", 0);
        let alpha = f64::from(float_attr(node, "alpha", 1.0));
        let beta = f64::from(float_attr(node, "beta", 1.0));
        let b = self.konst(node, 1)?;
        let out = match (b.shape.as_slice(), trans_b) {
            ([k, n], 0) | ([n, k], 1) if *k == width => *n,
            _ => return Err(shape_error(node, "weights", format!("{width} inputs"), b)),
        };
        let at = |j: usize, i: usize| match trans_b {
            1 => b.data[j * width + i],
            _ => b.data[i * out + j],
        };
        let weights = (0..out)
            .map(|j| (0..width).map(|i| alpha * at(j, i)).collect())
            .collect();
        let biases = match node.input.get(2).filter(|c| !c.is_empty()) {
            Some(_) => {
                let c = broadcast(node, self.konst(node, 2)?, out)?;
                c.into_iter().map(|c| beta * c).collect()
            }
            None => vec![0.0; out],
        };
        self.push(weights, biases);
        Ok(out)
    }

    /// Folds `y = gamma (x - mean) / sqrt(var + eps) + beta` into the open layer.
    fn batch_norm(
        &mut self,
        node: &pb::NodeProto,
        first_is_current: bool,
        width: usize,
    ) -> Result<(), OnnxError> {
        let eps = f64::from(float_attr(node, "epsilon", 1e-5));
        if !first_is_current || node.input.len() != 5 {
            return Err(unsupported(
                &node.name,
                "must normalize the input with 4 constants",
            ));
        }
        let mut params = Vec::with_capacity(4);
        for (index, what) in [(1, "scale"), (2, "B"), (3, "mean"), (4, "var")] {
            let k = self.konst(node, index)?;
            if k.shape != [width] {
                return Err(shape_error(node, what, format!("[{width}]"), k));
            }
            params.push(k.data);
        }
        let layer = self.open_layer(node)?;
        for (j, (row, bias)) in layer.weights.iter_mut().zip(&mut layer.biases).enumerate() {
            let scale = params[0][j] / (params[3][j] + eps).sqrt();
            row.iter_mut().for_each(|w| *w *= scale);
            *bias = scale * (*bias - params[2][j]) + params[1][j];
        }
        Ok(())
    }

    fn push(&mut self, weights: Vec<Vec<f64>>, biases: Vec<f64>) {
        self.layers.push(DenseLayer {
            weights,
            biases,
            activation: Activation::Identity,
        });
        self.open = true;
    }

    /// The last layer, if nothing but biases and normalizations followed it.
    fn open_layer(&mut self, node: &pb::NodeProto) -> Result<&mut DenseLayer, OnnxError> {
        match self.layers.last_mut() {
            Some(layer) if self.open => Ok(layer),
            _ => Err(unsupported(
                &node.name,
                "must directly follow Gemm or MatMul",
            )),
        }
    }

    fn shape(&self, name: &str) -> Result<Vec<usize>, OnnxError> {
        let fact = self
            .outlets
            .get(name)
            .and_then(|&o| self.model.outlet_fact(o).ok());
        fact.and_then(|f| f.shape.concretize())
            .and_then(|dims| dims.iter().map(|d| d.to_usize().ok()).collect())
            .ok_or_else(|| OnnxError::Invalid(format!("shape of {name:?} is unknown")))
    }

    /// Input `index` of `node`, which must be a finite constant.
    fn konst(&self, node: &pb::NodeProto, index: usize) -> Result<Konst, OnnxError> {
        let name = node.input.get(index).cloned().unwrap_or_default();
        let value: Option<Arc<Tensor>> = self
            .outlets
            .get(&name)
            .and_then(|&o| self.model.outlet_fact(o).ok())
            .and_then(|f| f.value.concretize());
        let tensor = value.ok_or_else(|| OnnxError::NonConstantWeights {
            node: node.name.clone(),
            input: name.clone(),
        })?;
        let data: Vec<f64> = guarded(OnnxError::Invalid, || {
            let cast = tensor.cast_to::<f64>()?;
            let view = cast.to_plain_array_view::<f64>()?;
            Ok(view.iter().copied().collect())
        })?;
        if data.iter().any(|v| !v.is_finite()) {
            return Err(OnnxError::NonFinite {
                node: node.name.clone(),
                input: name,
            });
        }
        Ok(Konst {
            shape: tensor.shape().to_vec(),
            data,
        })
    }
}

/// A bias of shape `[]`, `[1]`, `[n]`, `[1, n]` or `[1, 1]` as `n` values.
fn broadcast(node: &pb::NodeProto, k: Konst, n: usize) -> Result<Vec<f64>, OnnxError> {
    let leading_ones = k.shape.iter().rev().skip(1).all(|&d| d == 1);
    match (k.shape.last(), k.data.len()) {
        (_, 1) => Ok(vec![k.data[0]; n]),
        (Some(&last), len) if last == n && len == n && leading_ones => Ok(k.data),
        _ => Err(shape_error(
            node,
            "bias",
            format!("[{n}] or broadcastable"),
            k,
        )),
    }
}

fn shape_error(node: &pb::NodeProto, what: &'static str, expected: String, k: Konst) -> OnnxError {
    OnnxError::ShapeMismatch {
        node: node.name.clone(),
        what,
        expected,
        got: k.shape,
    }
}

fn attr_error(node: &pb::NodeProto, attribute: &'static str, value: impl ToString) -> OnnxError {
    OnnxError::UnsupportedAttribute {
        node: node.name.clone(),
        attribute,
        value: value.to_string(),
    }
}

fn unsupported(node: &str, reason: &'static str) -> OnnxError {
    let node = node.to_owned();
    OnnxError::UnsupportedGraph { node, reason }
}

fn attr(node: &pb::NodeProto, name: &str) -> Option<pb::AttributeProto> {
    node.attribute.iter().find(|a| a.name == name).cloned()
}

fn int_attr(node: &pb::NodeProto, name: &str, default: i64) -> i64 {
    attr(node, name).map_or(default, |a| a.i)
}

fn float_attr(node: &pb::NodeProto, name: &str, default: f32) -> f32 {
    attr(node, name).map_or(default, |a| a.f)
}
