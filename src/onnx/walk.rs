//! The walk along the prepared chain: dense layers, affine maps folded into them, activations,
//! then the head.
//!
//! An affine map `y = a x + c` (per feature) is folded exactly in `f64`:
//! - into the open layer (a dense layer not yet followed by an activation):
//!   `W' = diag(a) W`, `b' = a b + c`;
//! - otherwise it is kept pending and folded into the next dense layer:
//!   `W' = W diag(a)`, `b' = b + W c`;
//! - a map still pending at the end (after the last activation) becomes one more, diagonal,
//!   identity layer.

use std::sync::Arc;

use tract_onnx::{
    pb,
    prelude::Tensor,
    tract_hir::internal::{DimLike, Factoid},
};

use super::{
    float_attr, int_attr,
    prepare::{guarded, Prepared, ML},
    unsupported, OnnxError, OnnxModel,
};
use crate::model::{Activation, DenseLayer, Head, Mlp};

/// A constant tensor, as f64, with its shape.
struct Konst {
    shape: Vec<usize>,
    data: Vec<f64>,
}

/// `y = scale * x + shift`, per feature.
struct Affine {
    scale: Vec<f64>,
    shift: Vec<f64>,
}

/// Walks the body from the input, then the head.
pub(super) fn walk(p: &Prepared) -> Result<OnnxModel, OnnxError> {
    let width: usize = p.input_shape.iter().product();
    let mut walker = Walker {
        p,
        layers: Vec::new(),
        open: false,
        pending: None,
        width,
        flat: is_flat(&p.input_shape, width),
    };
    let mut current = p.input.clone();
    for &index in &p.body {
        let node = &p.graph.node[index];
        walker.step(node, &current)?;
        current = node.output[0].clone();
    }
    walker.finish();
    let head = walker.head(&current)?;
    let model = Mlp {
        layers: walker.layers,
    };
    model.validate()?;
    Ok(OnnxModel {
        model,
        head,
        output: p.output.clone(),
    })
}

/// `[1, ..., 1, width]`: a feature vector that dense layers can take.
fn is_flat(shape: &[usize], width: usize) -> bool {
    shape.last() == Some(&width) && shape.iter().rev().skip(1).all(|&d| d == 1)
}

struct Walker<'a> {
    p: &'a Prepared,
    layers: Vec<DenseLayer>,
    /// Whether the last layer still takes an affine map or an activation.
    open: bool,
    /// An affine map waiting for the next dense layer.
    pending: Option<Affine>,
    /// Features of the current tensor.
    width: usize,
    /// Whether the current tensor is `[1, ..., 1, width]`.
    flat: bool,
}

impl Walker<'_> {
    fn step(&mut self, node: &pb::NodeProto, current: &str) -> Result<(), OnnxError> {
        let first_is_current = node.input.first().map(String::as_str) == Some(current);
        let output = &node.output[0];
        match node.op_type.as_str() {
            "Identity" => {}
            "Dropout" => {
                // Inference: the identity, unless a training_mode input says otherwise.
                if node.input.get(2).is_some_and(|t| !t.is_empty())
                    && self.konst(node, 2)?.data.iter().any(|&v| v != 0.0)
                {
                    return Err(attr_error(node, "training_mode", 1));
                }
            }
            "Cast" if first_is_current => {}
            "Flatten" | "Reshape" | "Squeeze" | "Unsqueeze" => {
                if !first_is_current {
                    return Err(unsupported(&node.name, "reshapes a constant by the input"));
                }
                let shape = self.shape(output)?;
                if shape.iter().product::<usize>() != self.width || shape.first() != Some(&1) {
                    return Err(OnnxError::ShapeMismatch {
                        node: node.name.clone(),
                        what: "output",
                        expected: format!("[batch, {}] in some shape", self.width),
                        got: shape,
                    });
                }
                self.flat = is_flat(&shape, self.width);
            }
            "Gemm" | "MatMul" if !self.flat || !first_is_current => {
                return Err(unsupported(
                    &node.name,
                    "must take [batch, features] as input A",
                ));
            }
            "Gemm" | "MatMul" => self.dense(node)?,
            "Add" | "Sub" | "Mul" | "Div" => {
                let affine = self.elementwise(node, current)?;
                self.affine(affine);
            }
            "BatchNormalization" => {
                let affine = self.batch_norm(node, first_is_current)?;
                self.affine(affine);
            }
            "Concat" => self.concat(node, current)?,
            "Relu" | "LeakyRelu" | "PRelu" | "Sigmoid" | "Tanh" => {
                let activation = self.activation(node)?;
                match self.layers.last_mut() {
                    Some(layer) if first_is_current && self.open => {
                        layer.activation = activation;
                    }
                    _ => {
                        let reason = "an activation must follow a dense layer";
                        return Err(unsupported(&node.name, reason));
                    }
                }
                self.open = false;
            }
            _ => return Err(unsupported(&node.name, "cannot consume the input")),
        }
        Ok(())
    }

    fn activation(&self, node: &pb::NodeProto) -> Result<Activation, OnnxError> {
        Ok(match node.op_type.as_str() {
            "Relu" => Activation::Relu,
            "Sigmoid" => Activation::Sigmoid,
            "Tanh" => Activation::Tanh,
            "LeakyRelu" => Activation::LeakyRelu {
                alpha: f64::from(float_attr(node, "alpha", 0.01)),
            },
            _ => {
                // PRelu: one slope, however it is shaped.
                let slope = self.konst(node, 1)?;
                match slope.data.split_first() {
                    Some((&alpha, rest)) if rest.iter().all(|&v| v == alpha) => {
                        Activation::LeakyRelu { alpha }
                    }
                    _ => return Err(attr_error(node, "slope", "one value per channel")),
                }
            }
        })
    }

    /// `Add`, `Sub`, `Mul` or `Div` of the current tensor and a constant, as an affine map.
    fn elementwise(&self, node: &pb::NodeProto, current: &str) -> Result<Affine, OnnxError> {
        let first_is_current = node.input.first().map(String::as_str) == Some(current);
        let other = usize::from(first_is_current);
        let k = broadcast(node, self.konst(node, other)?, self.width)?;
        let n = self.width;
        Ok(match (node.op_type.as_str(), first_is_current) {
            ("Add", _) => Affine {
                scale: vec![1.0; n],
                shift: k,
            },
            ("Sub", true) => Affine {
                scale: vec![1.0; n],
                shift: k.iter().map(|v| -v).collect(),
            },
            ("Sub", false) => Affine {
                scale: vec![-1.0; n],
                shift: k,
            },
            ("Mul", _) => Affine {
                scale: k,
                shift: vec![0.0; n],
            },
            ("Div", true) => {
                if k.contains(&0.0) {
                    return Err(OnnxError::NonFinite {
                        node: node.name.clone(),
                        input: node.input[other].clone(),
                    });
                }
                Affine {
                    scale: k.iter().map(|v| 1.0 / v).collect(),
                    shift: vec![0.0; n],
                }
            }
            _ => {
                return Err(OnnxError::NotAffine {
                    op: "Div".into(),
                    node: node.name.clone(),
                    hint: "a constant divided by the input is not an affine map",
                })
            }
        })
    }

    /// Applies an affine map to the current tensor (see the module docs).
    fn affine(&mut self, map: Affine) {
        match self.layers.last_mut() {
            Some(layer) if self.open => {
                for (j, (row, bias)) in layer.weights.iter_mut().zip(&mut layer.biases).enumerate()
                {
                    row.iter_mut().for_each(|w| *w *= map.scale[j]);
                    *bias = map.scale[j] * *bias + map.shift[j];
                }
            }
            _ => {
                self.pending = Some(match self.pending.take() {
                    None => map,
                    // y = a (s x + t) + c = (a s) x + (a t + c)
                    Some(p) => Affine {
                        scale: (map.scale.iter().zip(&p.scale))
                            .map(|(a, s)| a * s)
                            .collect(),
                        shift: (map.scale.iter().zip(&p.shift).zip(&map.shift))
                            .map(|((a, t), c)| a * t + c)
                            .collect(),
                    },
                });
            }
        }
    }

    /// A linear map `y = W x + b` of the current tensor: composed with the open layer, or a
    /// new layer (with any pending affine map folded in).
    fn linear(&mut self, mut weights: Vec<Vec<f64>>, mut biases: Vec<f64>) {
        if let (true, Some(layer)) = (self.open, self.layers.last_mut()) {
            // W (W_open x + b_open) + b
            let composed: Vec<Vec<f64>> = (weights.iter())
                .map(|row| {
                    (0..layer.input_size())
                        .map(|i| {
                            (row.iter().zip(&layer.weights))
                                .map(|(w, r)| w * r[i])
                                .sum()
                        })
                        .collect()
                })
                .collect();
            for (b, row) in biases.iter_mut().zip(&weights) {
                *b += row
                    .iter()
                    .zip(&layer.biases)
                    .map(|(w, c)| w * c)
                    .sum::<f64>();
            }
            layer.weights = composed;
            layer.biases = biases;
        } else {
            if let Some(p) = self.pending.take() {
                for (row, b) in weights.iter_mut().zip(&mut biases) {
                    *b += row.iter().zip(&p.shift).map(|(w, t)| w * t).sum::<f64>();
                    row.iter_mut().zip(&p.scale).for_each(|(w, s)| *w *= s);
                }
            }
            self.layers.push(DenseLayer {
                weights,
                biases,
                activation: Activation::Identity,
            });
            self.open = true;
        }
        self.width = self.layers.last().map_or(0, DenseLayer::output_size);
        self.flat = true;
    }

    /// A pending affine map at the end becomes a diagonal identity layer.
    fn finish(&mut self) {
        if let Some(p) = self.pending.take() {
            let n = p.scale.len();
            let weights = (0..n)
                .map(|j| {
                    (0..n)
                        .map(|i| if i == j { p.scale[j] } else { 0.0 })
                        .collect()
                })
                .collect();
            self.layers.push(DenseLayer {
                weights,
                biases: p.shift,
                activation: Activation::Identity,
            });
            self.open = false;
        }
    }

    /// `Y = alpha * A B' + beta * C` with `B' = B` or `B^T` (a MatMul has no attributes and
    /// no `C`: `Y = A B`).
    fn dense(&mut self, node: &pb::NodeProto) -> Result<(), OnnxError> {
        let width = self.width;
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
        // A dense layer always starts a new layer (never composed into an open one).
        self.open = false;
        self.linear(weights, biases);
        Ok(())
    }

    /// `y = gamma (x - mean) / sqrt(var + eps) + beta` as an affine map.
    fn batch_norm(
        &self,
        node: &pb::NodeProto,
        first_is_current: bool,
    ) -> Result<Affine, OnnxError> {
        let width = self.width;
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
        let scale: Vec<f64> = (0..width)
            .map(|j| params[0][j] / (params[3][j] + eps).sqrt())
            .collect();
        let shift = (0..width)
            .map(|j| params[1][j] - scale[j] * params[2][j])
            .collect();
        Ok(Affine { scale, shift })
    }

    /// `Concat` (last axis) of affine maps of the current tensor: one linear map.
    fn concat(&mut self, node: &pb::NodeProto, current: &str) -> Result<(), OnnxError> {
        let axis = int_attr(node, "axis", 1);
        if !self.flat || !(axis == -1 || axis == 1) {
            return Err(attr_error(node, "axis", axis));
        }
        let n = self.width;
        let (mut weights, mut biases) = (Vec::new(), Vec::new());
        for input in node.input.iter().filter(|i| !i.is_empty()) {
            let part = if input == current {
                Affine {
                    scale: vec![1.0; n],
                    shift: vec![0.0; n],
                }
            } else {
                let producer = (self.p.graph.node.iter())
                    .find(|m| m.output.first() == Some(input))
                    .ok_or_else(|| unsupported(input, "Concat input is not defined"))?;
                if producer.op_type == "Identity" {
                    Affine {
                        scale: vec![1.0; n],
                        shift: vec![0.0; n],
                    }
                } else {
                    self.elementwise(producer, current)?
                }
            };
            for j in 0..n {
                let mut row = vec![0.0; n];
                row[j] = part.scale[j];
                weights.push(row);
            }
            biases.extend(part.shift);
        }
        self.linear(weights, biases);
        Ok(())
    }

    /// The head: softmax, argmax, the label lookup and shape changes after them.
    fn head(&self, current: &str) -> Result<Head, OnnxError> {
        let mut current = current.to_owned();
        let mut head = Head::Values;
        for &index in &self.p.head {
            let node = &self.p.graph.node[index];
            let axis_last = |default: i64| {
                let axis = int_attr(node, "axis", default);
                if axis == -1 || axis == 1 {
                    Ok(())
                } else {
                    Err(attr_error(node, "axis", axis))
                }
            };
            match (node.domain.as_str(), node.op_type.as_str()) {
                ("", "Softmax") => {
                    axis_last(-1)?;
                    head = Head::Softmax;
                }
                ("", "ArgMax") => {
                    axis_last(0)?;
                    if int_attr(node, "select_last_index", 0) != 0 {
                        return Err(attr_error(node, "select_last_index", 1));
                    }
                    head = Head::ArgMax { labels: None };
                }
                (ML, "ArrayFeatureExtractor")
                    if matches!(head, Head::ArgMax { labels: None })
                        && node.input.get(1) == Some(&current) =>
                {
                    head = Head::ArgMax {
                        labels: Some(self.labels(node)?),
                    };
                }
                ("", "Identity" | "Cast" | "Reshape" | "Squeeze" | "Unsqueeze" | "Flatten")
                    if node.input.first() == Some(&current) => {}
                _ => {
                    return Err(unsupported(
                        &node.name,
                        "only shape changes and the label lookup may follow Softmax or ArgMax",
                    ))
                }
            }
            current = node.output[0].clone();
        }
        Ok(head)
    }

    /// The integer class labels of an `ArrayFeatureExtractor` (scikit-learn's `classes_`).
    fn labels(&self, node: &pb::NodeProto) -> Result<Vec<i64>, OnnxError> {
        let name = &node.input[0];
        let tensor = (self.p.graph.initializer.iter())
            .find(|t| &t.name == name)
            .ok_or_else(|| OnnxError::NonConstantWeights {
                node: node.name.clone(),
                input: name.clone(),
            })?;
        match tensor.data_type {
            7 if !tensor.int64_data.is_empty() => Ok(tensor.int64_data.clone()),
            7 => Ok(tensor
                .raw_data
                .chunks_exact(8)
                .map(|c| i64::from_le_bytes(c.try_into().expect("8 bytes")))
                .collect()),
            6 => Ok(tensor.int32_data.iter().map(|&v| i64::from(v)).collect()),
            _ => Err(OnnxError::UnprovableOutput {
                output: self.p.output.clone(),
                hint: "the class labels are not integers; prove the probabilities output \
                       (options={id(clf): {'zipmap': False}}) and map the argmax to the \
                       class names outside the proof"
                    .into(),
            }),
        }
    }

    fn shape(&self, name: &str) -> Result<Vec<usize>, OnnxError> {
        let fact = (self.p.outlets.get(name)).and_then(|&o| self.p.model.outlet_fact(o).ok());
        fact.and_then(|f| f.shape.concretize())
            .and_then(|dims| dims.iter().map(|d| d.to_usize().ok()).collect())
            .ok_or_else(|| OnnxError::Invalid(format!("shape of {name:?} is unknown")))
    }

    /// Input `index` of `node`, which must be a finite constant.
    fn konst(&self, node: &pb::NodeProto, index: usize) -> Result<Konst, OnnxError> {
        let name = node.input.get(index).cloned().unwrap_or_default();
        let value: Option<Arc<Tensor>> = (self.p.outlets.get(&name))
            .and_then(|&o| self.p.model.outlet_fact(o).ok())
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

/// A per-feature constant of shape `[]`, `[1]`, `[n]`, `[1, n]`, `[1, 1]`... as `n` values.
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
