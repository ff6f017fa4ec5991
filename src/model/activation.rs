//! Activations and heads: the non-linearity after each layer ([`Activation`]), what a
//! classifier applies to the proven outputs ([`Head`]), and [`softmax`].

use serde::{Deserialize, Serialize};

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
    /// `sigmoid(outputs)`: the proven outputs are logits (see
    /// [`Mlp::split_output_squash`](super::Mlp::split_output_squash)).
    Sigmoid,
    /// `tanh(outputs)` (see [`Mlp::split_output_squash`](super::Mlp::split_output_squash)).
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
