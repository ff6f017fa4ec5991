//! Fixed point: from a float [`Mlp`] to the integer [`QuantizedMlp`] the circuit proves, and
//! the integer reference forward pass that serves as the oracle for the circuit.
//!
//! With `s = scale_bits` and `b = activation_bits`:
//!
//! ```text
//! weight_q = round(w * 2^s)      bias_q = round(b * 2^(2s))      x_q = round(x * 2^s)
//! ```
//!
//! rounding half away from zero ([`f64::round`]). [`reference_forward`] then computes the
//! semantics stated in [`zkmlp_circuits::spec`] with plain `i128` arithmetic, independently of
//! the circuit crate's witness code:
//!
//! ```text
//! acc = bias + sum_i w_i x_i;   q = floor((acc + 2^(s-1)) / 2^s);   y = relu(q) or q
//! ```
//!
//! with every input and every `q` in `[-2^(b-1), 2^(b-1))`. Each layer's output is again at
//! scale `2^s`, so [`dequantize`] reads any activation back as `v / 2^s`.
//! [`quantization_report`] measures what this costs against the float model.

use std::fmt;

use zkmlp_circuits::{
    spec::{Squash, SquashSpec, MAX_PARAMETER_MAGNITUDE},
    Activation as QActivation, MlpParams, QuantizedLayer, QuantizedMlp, SpecError,
};

use crate::model::{Activation, Mlp, ModelError};

/// The fixed-point activation of a layer: a leaky ReLU's slope is rounded to `s` fractional
/// bits (half away from zero); sigmoid and tanh get their default grid ([`SquashSpec::new`]:
/// a table lookup in the circuit, see [`zkmlp_circuits::spec::squash`]).
fn quantize_activation(
    activation: Activation,
    scale_bits: u32,
    layer: usize,
) -> Result<QActivation, QuantizeError> {
    let scale = pow2(scale_bits);
    Ok(match activation {
        Activation::Relu => QActivation::Relu,
        Activation::Identity => QActivation::Identity,
        Activation::LeakyRelu { alpha } => QActivation::LeakyRelu {
            alpha: to_parameter(alpha, scale, ParameterKind::Slope, layer)?,
        },
        Activation::Sigmoid => QActivation::Squash(SquashSpec::new(Squash::Sigmoid, scale_bits)),
        Activation::Tanh => QActivation::Squash(SquashSpec::new(Squash::Tanh, scale_bits)),
    })
}

/// `2^exp` as an `f64`, exact for every exponent used here.
fn pow2(exp: u32) -> f64 {
    2f64.powi(exp as i32)
}

/// Quantizes a float model: weights at scale `2^s`, biases at `2^(2s)`.
///
/// # Errors
/// [`QuantizeError::Spec`] for unsupported `params` or a model the circuit cannot take;
/// [`QuantizeError::Model`] for an invalid float model; [`QuantizeError::ParameterOutOfRange`]
/// when a scaled parameter exceeds [`MAX_PARAMETER_MAGNITUDE`].
pub fn quantize(model: &Mlp, params: MlpParams) -> Result<QuantizedMlp, QuantizeError> {
    params.validate().map_err(QuantizeError::Spec)?;
    model.validate()?;
    let weight_scale = pow2(params.scale_bits);
    let bias_scale = pow2(2 * params.scale_bits);
    let layers = model
        .layers
        .iter()
        .enumerate()
        .map(|(l, layer)| {
            let weights = layer
                .weights
                .iter()
                .enumerate()
                .map(|(row, ws)| {
                    ws.iter()
                        .enumerate()
                        .map(|(column, &w)| {
                            to_parameter(w, weight_scale, ParameterKind::Weight { row, column }, l)
                        })
                        .collect::<Result<Vec<_>, _>>()
                })
                .collect::<Result<Vec<_>, _>>()?;
            let biases = layer
                .biases
                .iter()
                .enumerate()
                .map(|(output, &b)| to_parameter(b, bias_scale, ParameterKind::Bias { output }, l))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(QuantizedLayer {
                weights,
                biases,
                activation: quantize_activation(layer.activation, params.scale_bits, l)?,
            })
        })
        .collect::<Result<Vec<_>, QuantizeError>>()?;
    let quantized = QuantizedMlp { params, layers };
    quantized.validate().map_err(QuantizeError::Spec)?;
    Ok(quantized)
}

fn to_parameter(
    value: f64,
    scale: f64,
    kind: ParameterKind,
    layer: usize,
) -> Result<i64, QuantizeError> {
    let scaled = (value * scale).round();
    // 2^62 is exactly representable, and every f64 in [-2^62, 2^62] converts to i64 exactly.
    // `value` is finite, so `scaled` is finite or infinite, never NaN.
    if scaled.abs() > MAX_PARAMETER_MAGNITUDE as f64 {
        return Err(QuantizeError::ParameterOutOfRange {
            layer,
            kind,
            value,
            max: MAX_PARAMETER_MAGNITUDE as f64 / scale,
        });
    }
    Ok(scaled as i64)
}

/// Quantizes input features: `x_q = round(x * 2^s)`.
///
/// # Errors
/// [`QuantizeError::Spec`] for unsupported `params`; [`QuantizeError::NonFiniteFeature`] for
/// NaN or infinity; [`QuantizeError::InputOutOfRange`] when `x_q` leaves
/// `[-2^(b-1), 2^(b-1))`.
pub fn quantize_input(params: MlpParams, features: &[f64]) -> Result<Vec<i64>, QuantizeError> {
    params.validate().map_err(QuantizeError::Spec)?;
    let scale = pow2(params.scale_bits);
    let (min, max) = (params.min_activation(), params.max_activation());
    features
        .iter()
        .enumerate()
        .map(|(index, &x)| {
            if !x.is_finite() {
                return Err(QuantizeError::NonFiniteFeature { index });
            }
            let scaled = (x * scale).round();
            // min and max are below 2^40 in magnitude, hence exact as f64.
            if scaled < min as f64 || scaled > max as f64 {
                return Err(QuantizeError::InputOutOfRange {
                    index,
                    value: x,
                    min: min as f64 / scale,
                    max: max as f64 / scale,
                });
            }
            Ok(scaled as i64)
        })
        .collect()
}

/// Reads a fixed-point value (an input or any layer's output) back as a real: `v / 2^s`.
pub fn dequantize(params: MlpParams, v: i64) -> f64 {
    v as f64 / pow2(params.scale_bits)
}

mod reference;
mod report;

pub use reference::reference_forward;
pub use report::{quantization_report, QuantizationReport};

/// Which parameter of a layer a [`QuantizeError::ParameterOutOfRange`] names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParameterKind {
    /// `weights[row][column]`.
    Weight {
        /// Output index.
        row: usize,
        /// Input index.
        column: usize,
    },
    /// `biases[output]`.
    Bias {
        /// Output index.
        output: usize,
    },
    /// The layer's leaky-ReLU slope.
    Slope,
}

impl fmt::Display for ParameterKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Weight { row, column } => write!(f, "weight [{row}][{column}]"),
            Self::Bias { output } => write!(f, "bias [{output}]"),
            Self::Slope => write!(f, "leaky ReLU slope"),
        }
    }
}

/// Why a model or an input cannot be put in fixed point, or a fixed-point pass failed.
#[derive(Debug, thiserror::Error)]
pub enum QuantizeError {
    /// The float model is invalid, or failed on a sample.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// The parameters or the quantized model are not supported by the circuit.
    #[error("{0}")]
    Spec(SpecError),
    /// A scaled weight or bias exceeds [`MAX_PARAMETER_MAGNITUDE`].
    #[error(
        "layer {layer}: {kind} = {value} is too large to quantize (|value| must be at most {max})"
    )]
    ParameterOutOfRange {
        /// Layer index.
        layer: usize,
        /// Which parameter.
        kind: ParameterKind,
        /// Its real value.
        value: f64,
        /// Largest magnitude that quantizes within range, as a real value.
        max: f64,
    },
    /// The input has the wrong number of features.
    #[error("the model expects {expected} features, got {got}")]
    FeatureCount {
        /// Input size of the model.
        expected: usize,
        /// Features given.
        got: usize,
    },
    /// A real input feature is NaN or infinite.
    #[error("feature {index} is not finite")]
    NonFiniteFeature {
        /// Feature index.
        index: usize,
    },
    /// A real input feature quantizes outside `[-2^(b-1), 2^(b-1))`.
    #[error("feature {index} = {value} is outside the fixed-point range [{min}, {max}]")]
    InputOutOfRange {
        /// Feature index.
        index: usize,
        /// The feature.
        value: f64,
        /// Smallest representable real value, `-2^(b-1) / 2^s`.
        min: f64,
        /// Largest representable real value, `(2^(b-1) - 1) / 2^s`.
        max: f64,
    },
    /// A quantized input lies outside `[-2^(b-1), 2^(b-1))`.
    #[error("quantized feature {index} = {value} is outside [{min}, {max}]")]
    QuantizedInputOutOfRange {
        /// Feature index.
        index: usize,
        /// The quantized feature.
        value: i64,
        /// `-2^(b-1)`.
        min: i64,
        /// `2^(b-1) - 1`.
        max: i64,
    },
    /// A rescaled activation lies outside `[-2^(b-1), 2^(b-1))`.
    #[error(
        "layer {layer}, neuron {neuron}: rescaled value {value} does not fit in {bits} signed bits"
    )]
    ActivationOutOfRange {
        /// Layer index.
        layer: usize,
        /// Output index within the layer.
        neuron: usize,
        /// The rescaled value `q`, before the activation.
        value: i128,
        /// `activation_bits`.
        bits: u32,
    },
    /// The float and quantized models given to [`quantization_report`] differ in shape.
    #[error("the float model has {float} {what}, the quantized model {quantized}")]
    ModelMismatch {
        /// `"inputs"` or `"outputs"`.
        what: &'static str,
        /// Count in the float model.
        float: usize,
        /// Count in the quantized model.
        quantized: usize,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DenseLayer;
    use proptest::prelude::*;

    pub(super) fn params(scale_bits: u32, activation_bits: u32) -> MlpParams {
        MlpParams {
            scale_bits,
            activation_bits,
        }
    }

    pub(super) fn qlayer(
        weights: Vec<Vec<i64>>,
        biases: Vec<i64>,
        activation: QActivation,
    ) -> QuantizedLayer {
        QuantizedLayer {
            weights,
            biases,
            activation,
        }
    }

    /// One neuron `y = act(bias + w . x)`.
    pub(super) fn neuron(
        p: MlpParams,
        weights: Vec<i64>,
        bias: i64,
        act: QActivation,
    ) -> QuantizedMlp {
        QuantizedMlp {
            params: p,
            layers: vec![qlayer(vec![weights], vec![bias], act)],
        }
    }

    pub(super) fn float_layer(
        weights: Vec<Vec<f64>>,
        biases: Vec<f64>,
        activation: Activation,
    ) -> DenseLayer {
        DenseLayer {
            weights,
            biases,
            activation,
        }
    }

    #[test]
    fn quantize_rounds_half_away_from_zero() {
        // s = 1: weights * 2, biases * 4.
        let model = Mlp {
            layers: vec![float_layer(
                vec![vec![0.25, -0.25, 0.75], vec![-0.75, 0.2, 0.0]],
                vec![0.125, -0.375],
                Activation::Relu,
            )],
        };
        let q = quantize(&model, params(1, 8)).unwrap();
        assert_eq!(q.params, params(1, 8));
        assert_eq!(q.layers[0].weights, vec![vec![1, -1, 2], vec![-2, 0, 0]]);
        assert_eq!(q.layers[0].biases, vec![1, -2]);
        assert_eq!(q.layers[0].activation, QActivation::Relu);
        assert_eq!(
            quantize_activation(Activation::LeakyRelu { alpha: 0.1 }, 12, 0).unwrap(),
            QActivation::LeakyRelu { alpha: 410 }
        );
        assert_eq!(
            quantize_activation(Activation::Sigmoid, 12, 3).unwrap(),
            QActivation::Squash(SquashSpec {
                function: Squash::Sigmoid,
                grid_bits: 6,
                bound: 8
            })
        );
    }

    #[test]
    fn quantize_rejects_what_it_cannot_represent() {
        let one = |w: f64, b: f64| Mlp {
            layers: vec![float_layer(vec![vec![w]], vec![b], Activation::Identity)],
        };
        let p = params(12, 24);
        // 2^50 * 2^12 = 2^62 is the largest allowed magnitude.
        assert_eq!(
            quantize(&one(-(2f64.powi(50)), 0.0), p).unwrap().layers[0].weights,
            vec![vec![-(1i64 << 62)]]
        );
        match quantize(&one(2f64.powi(51), 0.0), p) {
            Err(QuantizeError::ParameterOutOfRange {
                layer: 0,
                kind: ParameterKind::Weight { row: 0, column: 0 },
                max,
                ..
            }) => {
                assert_eq!(max, 2f64.powi(50));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            quantize(&one(0.0, 1e300), p),
            Err(QuantizeError::ParameterOutOfRange {
                layer: 0,
                kind: ParameterKind::Bias { output: 0 },
                ..
            })
        ));
        assert!(matches!(
            quantize(&one(f64::NAN, 0.0), p),
            Err(QuantizeError::Model(ModelError::NonFinite {
                layer: 0,
                what: "weight",
                index: 0
            }))
        ));
        assert!(matches!(
            quantize(&one(1.0, 0.0), params(0, 24)),
            Err(QuantizeError::Spec(SpecError::InvalidParams(_)))
        ));
        assert!(matches!(
            quantize(&Mlp { layers: vec![] }, p),
            Err(QuantizeError::Model(ModelError::NoLayers))
        ));
    }

    #[test]
    fn quantize_input_rounds_and_checks_range() {
        // s = 2, b = 4: integers in [-8, 7], reals in [-2, 1.75].
        let p = params(2, 4);
        assert_eq!(
            quantize_input(p, &[1.75, -2.0, -2.1, 0.125, -0.125, 1.8]).unwrap(),
            vec![7, -8, -8, 1, -1, 7]
        );
        match quantize_input(p, &[0.0, 1.875]) {
            Err(QuantizeError::InputOutOfRange {
                index: 1,
                value,
                min,
                max,
            }) => {
                assert_eq!((value, min, max), (1.875, -2.0, 1.75));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            quantize_input(p, &[-2.125]),
            Err(QuantizeError::InputOutOfRange { index: 0, .. })
        ));
        assert!(matches!(
            quantize_input(p, &[0.0, 0.0, f64::NAN]),
            Err(QuantizeError::NonFiniteFeature { index: 2 })
        ));
        assert!(matches!(
            quantize_input(params(25, 40), &[0.0]),
            Err(QuantizeError::Spec(SpecError::InvalidParams(_)))
        ));
        assert_eq!(dequantize(params(12, 24), 4096), 1.0);
        assert_eq!(dequantize(params(12, 24), -2048), -0.5);
    }

    /// Random float MLPs with weights and biases in [-1, 1], and an input in [-2, 2].
    fn arb_float_model() -> impl Strategy<Value = (Mlp, Vec<f64>)> {
        prop::collection::vec(1usize..=6, 2..=4).prop_flat_map(|sizes| {
            let depth = sizes.len() - 1;
            let layers: Vec<_> = sizes
                .windows(2)
                .enumerate()
                .map(|(i, w)| {
                    let weights =
                        prop::collection::vec(prop::collection::vec(-1.0f64..1.0, w[0]), w[1]);
                    let biases = prop::collection::vec(-1.0f64..1.0, w[1]);
                    (weights, biases, any::<bool>()).prop_map(move |(weights, biases, relu)| {
                        let act = if relu && i + 1 < depth {
                            Activation::Relu
                        } else {
                            Activation::Identity
                        };
                        float_layer(weights, biases, act)
                    })
                })
                .collect();
            (layers, prop::collection::vec(-2.0f64..2.0, sizes[0]))
                .prop_map(|(layers, x)| (Mlp { layers }, x))
        })
    }

    /// A rigorous error bound: with e the input error and X a bound on |input|, one layer's
    /// output error is at most 2^-(2s+1) + sum_i (2^-(s+1) (X + e) + |w_i| e) + 2^-(s+1)
    /// (bias, weight and input rounding, then the rescale); ReLU is 1-Lipschitz.
    fn error_bound(model: &Mlp, x: &[f64], s: u32) -> f64 {
        let u = 2f64.powi(-(s as i32) - 1);
        let mut e = u;
        let mut bound = x.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        for layer in &model.layers {
            let (mut next_e, mut next_bound) = (0.0f64, 0.0f64);
            for (row, b) in layer.weights.iter().zip(&layer.biases) {
                let abs_w: f64 = row.iter().map(|w| w.abs()).sum();
                let n = row.len() as f64;
                next_e = next_e.max(u * u * 2.0 + n * u * (bound + e) + abs_w * e + u);
                next_bound = next_bound.max(b.abs() + abs_w * bound);
            }
            (e, bound) = (next_e, next_bound);
        }
        e
    }

    proptest! {
        #[test]
        fn dequantized_reference_is_close_to_float((model, x) in arb_float_model(), s in 6u32..=16) {
            // Activations stay below 1 + 6 (1 + 6 (1 + 6 * 2)) < 2^9 in magnitude.
            let p = params(s, s + 12);
            let q = quantize(&model, p).unwrap();
            let out = reference_forward(&q, &quantize_input(p, &x).unwrap()).unwrap();
            let float = model.forward(&x).unwrap();
            let bound = error_bound(&model, &x, s);
            prop_assert!(bound < 1e4 * 2f64.powi(-(s as i32)));
            for (f, v) in float.iter().zip(&out) {
                let err = (f - dequantize(p, *v)).abs();
                prop_assert!(err <= bound + 1e-9, "error {err} above bound {bound}");
            }
        }
    }
}
