//! From bytes to a checked plan: decode, read external data, rewrite `Scaler`, select the
//! output, find the chain of operators back to the input, split off the head, and analyse
//! the part of the graph the proven output needs with tract.

use std::{
    collections::{HashMap, HashSet},
    panic::{catch_unwind, AssertUnwindSafe},
    path::Path,
};

use tract_onnx::{
    pb::{
        self,
        tensor_shape_proto::{dimension::Value as Dim, Dimension},
    },
    prelude::{DatumType, Framework, InferenceFact, InferenceModel, InferenceModelExt},
    tract_hir::internal::OutletId,
};

use super::{external, unsupported, OnnxError, OnnxOptions, MAX_ELEMENTS, SUPPORTED_OPS};

/// ONNX `TensorProto.DataType` codes of the accepted input types.
const ONNX_FLOAT: i32 = 1;
const ONNX_DOUBLE: i32 = 11;
/// The scikit-learn operator domain.
pub(super) const ML: &str = "ai.onnx.ml";

/// Operators that may only appear after the proven outputs.
const HEAD_OPS: [&str; 3] = ["Softmax", "ArgMax", "ArrayFeatureExtractor"];

/// Everything the walk needs.
pub(super) struct Prepared {
    /// The graph, with `Scaler` rewritten and external data read in.
    pub graph: pb::GraphProto,
    /// The input's name.
    pub input: String,
    /// Input shape with the batch set to 1.
    pub input_shape: Vec<usize>,
    /// The selected graph output.
    pub output: String,
    /// Nodes from the input to the proven tensor, in order.
    pub body: Vec<usize>,
    /// Nodes after it (softmax, argmax, label lookup, shape no-ops), in order.
    pub head: Vec<usize>,
    /// tract's analysis of the body, and its outlets by ONNX tensor name.
    pub model: InferenceModel,
    /// Outlets by tensor name.
    pub outlets: HashMap<String, OutletId>,
}

/// Runs tract code, turning its errors and panics into `wrap(message)`.
pub(super) fn guarded<T>(
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

/// Decodes, checks and analyses the model for the output `options` selects.
///
/// # Errors
/// Any [`OnnxError`] but the ones the walk itself finds.
pub(super) fn prepare(
    bytes: &[u8],
    dir: Option<&Path>,
    options: &OnnxOptions,
) -> Result<Prepared, OnnxError> {
    let mut proto = guarded(OnnxError::Decode, || {
        let mut reader = bytes;
        tract_onnx::onnx().proto_model_for_read(&mut reader)
    })?;
    let graph = proto
        .graph
        .as_mut()
        .ok_or_else(|| OnnxError::Decode("the model has no graph".into()))?;
    if let Some(t) = graph.sparse_initializer.first() {
        let name = t.values.as_ref().map_or("", |v| &v.name);
        return Err(unsupported(name, "sparse initializers are not supported"));
    }
    for t in &graph.initializer {
        check_tensor(t)?;
    }
    external::resolve(graph, dir)?;
    rewrite_scalers(graph)?;
    let names: Vec<String> = graph.output.iter().map(|o| o.name.clone()).collect();
    let candidates = match &options.output {
        Some(name) if names.contains(name) => vec![name.clone()],
        Some(name) => {
            return Err(OnnxError::UnknownOutput {
                name: name.clone(),
                available: names,
            })
        }
        None if names.is_empty() => return Err(OnnxError::OutputCount(0)),
        None => {
            // Float tensors (probabilities, values) first, then the others (labels).
            let float = |name: &String| {
                graph
                    .output
                    .iter()
                    .find(|o| &o.name == name)
                    .and_then(|o| o.r#type.as_ref()?.value.as_ref())
                    .is_some_and(|t| {
                        matches!(t, pb::type_proto::Value::TensorType(t)
                            if [ONNX_FLOAT, ONNX_DOUBLE].contains(&t.elem_type))
                    })
            };
            let (floats, others): (Vec<String>, Vec<String>) =
                names.iter().cloned().partition(float);
            match floats.len() {
                0 => others,
                1 if names.len() > 1 => floats,
                _ if names.len() == 1 => names.clone(),
                // Several float outputs: ambiguous, the caller must choose.
                _ => return Err(OnnxError::OutputCount(names.len())),
            }
        }
    };
    let proto = &proto;
    let mut first_error = None;
    for output in candidates {
        match prepare_output(proto, &output) {
            Ok(prepared) => return Ok(prepared),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.unwrap_or(OnnxError::OutputCount(0)))
}

/// [`prepare`] for one output.
fn prepare_output(proto: &pb::ModelProto, output: &str) -> Result<Prepared, OnnxError> {
    let graph = proto.graph.as_ref().expect("checked by prepare");
    let (input, input_shape, input_type) = check_input(graph)?;
    let mut producers: HashMap<&str, usize> = HashMap::new();
    for (index, node) in graph.node.iter().enumerate() {
        for o in node.output.iter().filter(|o| !o.is_empty()) {
            producers.entry(o.as_str()).or_insert(index);
        }
    }
    // tract panics on an output that nothing defines (caught, but better not reached).
    let defined = output == input
        || graph.initializer.iter().any(|t| t.name == output)
        || producers.contains_key(output);
    if output.is_empty() || !defined {
        return Err(unsupported(output, "the graph output is not defined"));
    }
    let constants = constants(graph)?;
    let chain = trace(graph, &input, output, &constants, &producers)?;
    for &index in &chain {
        check_op(&graph.node[index], output)?;
    }
    let split = (chain.iter())
        .position(|&i| HEAD_OPS.contains(&graph.node[i].op_type.as_str()))
        .unwrap_or(chain.len());
    let (body, head) = (chain[..split].to_vec(), chain[split..].to_vec());
    for &index in &body {
        check_attributes(&graph.node[index])?;
    }
    let body_output = match body.last() {
        Some(&last) => graph.node[last].output[0].clone(),
        None => input.clone(),
    };
    let (model, outlets) = guarded(OnnxError::Invalid, || {
        analyse(proto, &body_output, &producers, input_type, &input_shape)
    })?;
    Ok(Prepared {
        graph: graph.clone(),
        input,
        input_shape,
        output: output.to_owned(),
        body,
        head,
        model,
        outlets,
    })
}

/// Replaces every `ai.onnx.ml.Scaler` (`y = (x - offset) * scale`) by `Sub` and `Mul` with
/// new constant tensors, so that tract can analyse it and the walk folds it like any affine op.
fn rewrite_scalers(graph: &mut pb::GraphProto) -> Result<(), OnnxError> {
    let mut nodes = Vec::with_capacity(graph.node.len());
    for (index, node) in std::mem::take(&mut graph.node).into_iter().enumerate() {
        if !(node.domain == ML && node.op_type == "Scaler") {
            nodes.push(node);
            continue;
        }
        let floats = |name: &str| {
            node.attribute
                .iter()
                .find(|a| a.name == name)
                .map(|a| a.floats.clone())
                .filter(|f| !f.is_empty())
        };
        let (Some(offset), Some(scale), [x], [y]) = (
            floats("offset"),
            floats("scale"),
            node.input.as_slice(),
            node.output.as_slice(),
        ) else {
            return Err(unsupported(
                &node.name,
                "Scaler needs one input, one output, offset and scale",
            ));
        };
        let fresh = |what: &str| format!("zkmlp::scaler{index}::{what}");
        for (name, values) in [(fresh("offset"), &offset), (fresh("scale"), &scale)] {
            graph.initializer.push(pb::TensorProto {
                name,
                dims: vec![values.len() as i64],
                data_type: ONNX_FLOAT,
                float_data: values.clone(),
                ..Default::default()
            });
        }
        let op = |op: &str, inputs: [String; 2], output: String| pb::NodeProto {
            op_type: op.into(),
            name: format!("{} ({op})", node.name),
            input: inputs.to_vec(),
            output: vec![output],
            ..Default::default()
        };
        nodes.push(op("Sub", [x.clone(), fresh("offset")], fresh("centred")));
        nodes.push(op("Mul", [fresh("centred"), fresh("scale")], y.clone()));
    }
    graph.node = nodes;
    Ok(())
}

/// Tensors that do not depend on the input: initializers and the outputs of nodes whose
/// inputs are all constant, limited to operators that cannot enlarge the data.
fn constants(graph: &pb::GraphProto) -> Result<HashSet<String>, OnnxError> {
    let mut constants: HashSet<String> = graph.initializer.iter().map(|t| t.name.clone()).collect();
    for node in &graph.node {
        let inputs_constant = (node.input.iter())
            .filter(|i| !i.is_empty())
            .all(|i| constants.contains(i));
        if inputs_constant && node.domain.is_empty() {
            let foldable = [
                "Constant",
                "Identity",
                "Reshape",
                "Flatten",
                "Transpose",
                "Squeeze",
                "Unsqueeze",
                "Cast",
            ];
            if !foldable.contains(&node.op_type.as_str()) {
                continue;
            }
            if let Some(t) = node.attribute.iter().find_map(|a| a.t.as_ref()) {
                if external::is_external(t) {
                    return Err(OnnxError::ExternalData(t.name.clone()));
                }
                check_tensor(t)?;
            }
            constants.extend(node.output.iter().cloned());
        }
    }
    Ok(constants)
}

/// The nodes from `input` to `output`, following in each node the one input computed from
/// the model input.
fn trace(
    graph: &pb::GraphProto,
    input: &str,
    output: &str,
    constants: &HashSet<String>,
    producers: &HashMap<&str, usize>,
) -> Result<Vec<usize>, OnnxError> {
    let mut chain = Vec::new();
    let mut tensor = output.to_owned();
    while tensor != input {
        let Some(&index) = producers.get(tensor.as_str()) else {
            return Err(unsupported(&tensor, "is not computed from the input"));
        };
        let node = &graph.node[index];
        if chain.len() > graph.node.len() || chain.contains(&index) {
            return Err(unsupported(&node.name, "is part of a cycle"));
        }
        if node.output.first() != Some(&tensor) {
            return Err(unsupported(&node.name, "only its first output may be used"));
        }
        chain.push(index);
        if node.op_type == "Concat" {
            tensor = concat_root(graph, node, constants, producers)?;
            continue;
        }
        let mut data: Vec<&String> = (node.input.iter())
            .filter(|i| !i.is_empty() && !constants.contains(*i))
            .collect();
        // One tensor used twice (`Gemm(x, x)`) is followed once; the walk then finds that
        // the operand that must be a constant is not.
        data.dedup();
        tensor = match data.as_slice() {
            [one] => (*one).clone(),
            [] if node.op_type == "Constant" || node.input.is_empty() => {
                return Err(unsupported(&node.name, "does not depend on the input"))
            }
            [] => return Err(unsupported(&node.name, "computes on constants only")),
            _ => {
                return Err(unsupported(
                    &node.name,
                    "combines two values computed from the input (a branch)",
                ))
            }
        };
    }
    chain.reverse();
    Ok(chain)
}

/// The one tensor every input of a `Concat` is computed from: each input is that tensor or
/// one affine op (`Add`, `Sub`, `Mul`, `Div` with a constant) of it.
fn concat_root(
    graph: &pb::GraphProto,
    node: &pb::NodeProto,
    constants: &HashSet<String>,
    producers: &HashMap<&str, usize>,
) -> Result<String, OnnxError> {
    let sources = |tensor: &String| -> Vec<String> {
        let mut out = vec![tensor.clone()];
        if let Some(&i) = producers.get(tensor.as_str()) {
            let p = &graph.node[i];
            let data: Vec<&String> = p.input.iter().filter(|i| !constants.contains(*i)).collect();
            if ["Add", "Sub", "Mul", "Div", "Identity"].contains(&p.op_type.as_str())
                && p.domain.is_empty()
                && data.len() == 1
            {
                out.push(data[0].clone());
            }
        }
        out
    };
    let inputs: Vec<&String> = node.input.iter().filter(|i| !i.is_empty()).collect();
    if inputs.iter().any(|i| constants.contains(*i)) {
        return Err(unsupported(&node.name, "Concat with a constant part"));
    }
    let mut common: Option<Vec<String>> = None;
    for i in &inputs {
        let s = sources(i);
        common = Some(match common {
            None => s,
            Some(c) => c.into_iter().filter(|t| s.contains(t)).collect(),
        });
    }
    common.and_then(|c| c.into_iter().next()).ok_or_else(|| {
        unsupported(
            &node.name,
            "Concat of values that are not affine in one tensor",
        )
    })
}

/// Refuses operators the chain cannot take, with the most useful error for each.
fn check_op(node: &pb::NodeProto, output: &str) -> Result<(), OnnxError> {
    let op = node.op_type.as_str();
    if node.domain == ML {
        match op {
            "ArrayFeatureExtractor" => return Ok(()),
            "Normalizer" => {
                return Err(OnnxError::NotAffine {
                    op: format!("{ML}.Normalizer"),
                    node: node.name.clone(),
                    hint: "L1, L2 and max normalization divide each sample by its own norm; \
                           drop the Normalizer from the pipeline (StandardScaler is affine and \
                           is folded)",
                })
            }
            "ZipMap" => {
                return Err(OnnxError::UnprovableOutput {
                    output: output.to_owned(),
                    hint: "a ZipMap produces a sequence of maps; export the classifier with \
                           options={id(clf): {'zipmap': False}} and prove its probabilities, \
                           or select its label output"
                        .into(),
                })
            }
            _ => {}
        }
    }
    let listed = SUPPORTED_OPS.split(", ").any(|s| s == op);
    if !listed || !(node.domain.is_empty() || node.domain == "ai.onnx") {
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
    Ok(())
}

/// Attribute values that change the meaning, checked before tract infers shapes from them.
fn check_attributes(node: &pb::NodeProto) -> Result<(), OnnxError> {
    for (op, attribute, default, allowed) in [
        ("Gemm", "transA", 0, &[0][..]),
        ("Gemm", "transB", 0, &[0, 1]),
        ("BatchNormalization", "training_mode", 0, &[0]),
        ("Flatten", "axis", 1, &[1]),
        // Casts to float (1) or double (11) only: the model computes in floats anyway.
        ("Cast", "to", 0, &[ONNX_FLOAT as i64, ONNX_DOUBLE as i64]),
    ] {
        if node.op_type == op {
            let value = super::int_attr(node, attribute, default);
            if !allowed.contains(&value) {
                return Err(OnnxError::UnsupportedAttribute {
                    node: node.name.clone(),
                    attribute,
                    value: value.to_string(),
                });
            }
        }
    }
    Ok(())
}

/// The single input: name, shape with batch 1 and type.
fn check_input(graph: &pb::GraphProto) -> Result<(String, Vec<usize>, DatumType), OnnxError> {
    let initialized = |name: &String| graph.initializer.iter().any(|t| &t.name == name);
    let inputs: Vec<_> = (graph.input.iter())
        .filter(|i| !initialized(&i.name))
        .collect();
    let [input] = inputs.as_slice() else {
        return Err(OnnxError::InputCount(inputs.len()));
    };
    let tensor_type = match input.r#type.as_ref().and_then(|t| t.value.as_ref()) {
        Some(pb::type_proto::Value::TensorType(t)) => t,
        _ => &Default::default(),
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
    Ok((input.name.clone(), input_shape, input_type))
}

/// Refuses tensors over [`MAX_ELEMENTS`] or with negative dimensions, and non-numeric
/// element types.
pub(super) fn check_tensor(t: &pb::TensorProto) -> Result<(), OnnxError> {
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

/// Parses the nodes `output` depends on with tract, fixes the input to `[1, features...]` and
/// infers every tensor's shape and constant value.
fn analyse(
    proto: &pb::ModelProto,
    output: &str,
    producers: &HashMap<&str, usize>,
    input_type: DatumType,
    input_shape: &[usize],
) -> tract_onnx::prelude::TractResult<(InferenceModel, HashMap<String, OutletId>)> {
    let graph = proto.graph.as_ref().expect("checked by prepare");
    let mut needed = HashSet::new();
    let mut stack = vec![output.to_owned()];
    while let Some(tensor) = stack.pop() {
        if let Some(&index) = producers.get(tensor.as_str()) {
            if needed.insert(index) {
                stack.extend(graph.node[index].input.iter().cloned());
            }
        }
    }
    // Shapes recorded in the file (value_info, the output's type) may name a symbolic batch
    // that the fixed input contradicts: tract infers them all again.
    let output_info = pb::ValueInfoProto {
        name: output.to_owned(),
        ..Default::default()
    };
    let pruned = pb::ModelProto {
        graph: Some(pb::GraphProto {
            node: (graph.node.iter().enumerate())
                .filter(|(i, _)| needed.contains(i))
                .map(|(_, n)| n.clone())
                .collect(),
            output: vec![output_info],
            value_info: Vec::new(),
            ..graph.clone()
        }),
        ..proto.clone()
    };
    let parsed = tract_onnx::onnx().parse(&pruned, None)?;
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
    model.set_input_fact(0, InferenceFact::dt_shape(input_type, input_shape))?;
    model.analyse(false)?;
    Ok((model, parsed.outlets_by_name))
}
