//! The integer reference forward pass: the oracle the circuit is tested against.

use zkmlp_circuits::{Activation as QActivation, QuantizedMlp};

use super::QuantizeError;

/// The integer reference forward pass: the semantics of [`zkmlp_circuits::spec`], computed
/// with `i128` arithmetic. The circuit must agree with it on every input it accepts.
///
/// # Errors
/// [`QuantizeError::Spec`] when `model` does not validate; [`QuantizeError::FeatureCount`];
/// [`QuantizeError::QuantizedInputOutOfRange`] for an input outside `[-2^(b-1), 2^(b-1))`;
/// [`QuantizeError::ActivationOutOfRange`] for the first rescaled value outside it.
pub fn reference_forward(model: &QuantizedMlp, input: &[i64]) -> Result<Vec<i64>, QuantizeError> {
    model.validate().map_err(QuantizeError::Spec)?;
    let params = model.params;
    if input.len() != model.input_size() {
        return Err(QuantizeError::FeatureCount {
            expected: model.input_size(),
            got: input.len(),
        });
    }
    let bits = params.activation_bits;
    let min = -(1i128 << (bits - 1));
    let max = (1i128 << (bits - 1)) - 1;
    if let Some(index) = input
        .iter()
        .position(|&x| !(min..=max).contains(&i128::from(x)))
    {
        return Err(QuantizeError::QuantizedInputOutOfRange {
            index,
            value: input[index],
            min: min as i64,
            max: max as i64,
        });
    }
    let divisor = 1i128 << params.scale_bits;
    let half = 1i128 << (params.scale_bits - 1);
    let mut values: Vec<i128> = input.iter().map(|&x| i128::from(x)).collect();
    for (layer_index, layer) in model.layers.iter().enumerate() {
        let mut next = Vec::with_capacity(layer.biases.len());
        for (neuron, (row, &bias)) in layer.weights.iter().zip(&layer.biases).enumerate() {
            // |acc| < 2^62 + 2^20 * 2^62 * 2^39: no i128 overflow for a validated model.
            let acc = i128::from(bias)
                + row
                    .iter()
                    .zip(&values)
                    .map(|(&w, &x)| i128::from(w) * x)
                    .sum::<i128>();
            // Euclidean division by a positive divisor is floor division.
            let q = (acc + half).div_euclid(divisor);
            if !(min..=max).contains(&q) {
                return Err(QuantizeError::ActivationOutOfRange {
                    layer: layer_index,
                    neuron,
                    value: q,
                    bits,
                });
            }
            next.push(match layer.activation {
                QActivation::Relu => q.max(0),
                QActivation::Identity => q,
                // n = floor((alpha q + 2^(s-1)) / 2^s), computed (and bounded) for every q.
                QActivation::LeakyRelu { alpha } => {
                    let n = (i128::from(alpha) * q + half).div_euclid(divisor);
                    if !(min..=max).contains(&n) {
                        return Err(QuantizeError::ActivationOutOfRange {
                            layer: layer_index,
                            neuron,
                            value: n,
                            bits,
                        });
                    }
                    if q >= 0 {
                        q
                    } else {
                        n
                    }
                }
                // u = floor((2^g q + T 2^s) / 2^s), bounded; y = F(clamp(u, 0, 2T-1)).
                QActivation::Squash(spec) => {
                    let t_half = i128::from(spec.half_range());
                    let shifted = (q << spec.grid_bits) + t_half * divisor;
                    let u = shifted.div_euclid(divisor);
                    if !(min..=max).contains(&u) {
                        return Err(QuantizeError::ActivationOutOfRange {
                            layer: layer_index,
                            neuron,
                            value: u,
                            bits,
                        });
                    }
                    let index = u.clamp(0, 2 * t_half - 1) as i64;
                    i128::from(spec.value(params.scale_bits, index))
                }
            });
        }
        values = next;
    }
    // Every value is within [min, max], which fits i64 (bits <= 40).
    Ok(values.into_iter().map(|v| v as i64).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quantize::tests::{neuron, params, qlayer};
    use proptest::prelude::*;
    use zkmlp_circuits::SpecError;

    #[test]
    fn rescale_rounds_half_up_with_floor_on_negative_accumulators() {
        // s = 2: q = floor((acc + 2) / 4), i.e. acc / 4 rounded half up.
        let p = params(2, 8);
        for (acc, q) in [
            (-7, -2), // -1.75; truncation toward zero would give -1
            (-6, -1), // -1.5 rounds up
            (-5, -1), // -1.25; truncation would give 0
            (-4, -1),
            (-3, -1),
            (-2, 0), // -0.5 rounds up
            (-1, 0),
            (0, 0),
            (1, 0),
            (2, 1), // 0.5 rounds up
            (5, 1),
            (6, 2), // 1.5 rounds up
            (7, 2),
        ] {
            let model = neuron(p, vec![4], acc, QActivation::Identity);
            assert_eq!(
                reference_forward(&model, &[0]).unwrap(),
                vec![q],
                "acc {acc}"
            );
            let relu = neuron(p, vec![4], acc, QActivation::Relu);
            assert_eq!(
                reference_forward(&relu, &[0]).unwrap(),
                vec![q.max(0)],
                "acc {acc}"
            );
        }
        assert_eq!(
            (-5i64 + 2) / 4,
            0,
            "Rust's / truncates: the reference must not use it"
        );
    }

    #[test]
    fn two_layer_hand_example() {
        // s = 2. Layer 0 (ReLU): acc0 = 8 + 4*6 + (-2)(-3) = 38 -> floor(40/4) = 10;
        //                        acc1 = -16 + (-3)(6) + 5(-3) = -49 -> floor(-47/4) = -12 -> 0.
        // Layer 1 (identity):    acc = 5 + (-6)(10) + 3*0 = -55 -> floor(-53/4) = -14.
        let model = QuantizedMlp {
            params: params(2, 8),
            layers: vec![
                qlayer(
                    vec![vec![4, -2], vec![-3, 5]],
                    vec![8, -16],
                    QActivation::Relu,
                ),
                qlayer(vec![vec![-6, 3]], vec![5], QActivation::Identity),
            ],
        };
        assert_eq!(reference_forward(&model, &[6, -3]).unwrap(), vec![-14]);
    }

    #[test]
    fn reference_forward_checks_ranges_and_shapes() {
        // s = 1, b = 4: values in [-8, 7].
        let p = params(1, 4);
        // acc = 4 * 7 = 28 -> q = floor(29 / 2) = 14.
        assert!(matches!(
            reference_forward(&neuron(p, vec![4], 0, QActivation::Relu), &[7]),
            Err(QuantizeError::ActivationOutOfRange {
                layer: 0,
                neuron: 0,
                value: 14,
                bits: 4
            })
        ));
        // acc = -16 -> q = floor(-15 / 2) = -8: the lowest allowed value.
        assert_eq!(
            reference_forward(&neuron(p, vec![2], 0, QActivation::Identity), &[-8]).unwrap(),
            vec![-8]
        );
        // acc = -18 -> q = -9: out of range even though ReLU would clamp it.
        assert!(matches!(
            reference_forward(&neuron(p, vec![2], -2, QActivation::Relu), &[-8]),
            Err(QuantizeError::ActivationOutOfRange { value: -9, .. })
        ));
        let model = neuron(p, vec![1, 1], 0, QActivation::Identity);
        assert!(matches!(
            reference_forward(&model, &[0, 8]),
            Err(QuantizeError::QuantizedInputOutOfRange {
                index: 1,
                value: 8,
                min: -8,
                max: 7
            })
        ));
        assert!(matches!(
            reference_forward(&model, &[0]),
            Err(QuantizeError::FeatureCount {
                expected: 2,
                got: 1
            })
        ));
        let ragged = QuantizedMlp {
            params: p,
            layers: vec![qlayer(
                vec![vec![1, 1], vec![1]],
                vec![0, 0],
                QActivation::Relu,
            )],
        };
        assert!(matches!(
            reference_forward(&ragged, &[0, 0]),
            Err(QuantizeError::Spec(SpecError::ShapeMismatch { .. }))
        ));
    }

    /// The spec computed a second way: arithmetic right shift instead of Euclidean division.
    #[allow(clippy::needless_range_loop)] // deliberately naive, unlike the iterator version
    fn naive_forward(
        model: &QuantizedMlp,
        input: &[i64],
    ) -> Result<Vec<i64>, (usize, usize, i128)> {
        let s = model.params.scale_bits;
        let limit = 1i128 << (model.params.activation_bits - 1);
        let mut x: Vec<i128> = input.iter().map(|&v| v as i128).collect();
        for (l, layer) in model.layers.iter().enumerate() {
            let mut y = Vec::new();
            for j in 0..layer.biases.len() {
                let mut acc = layer.biases[j] as i128;
                for i in 0..x.len() {
                    acc += layer.weights[j][i] as i128 * x[i];
                }
                let q = (acc + (1i128 << (s - 1))) >> s;
                if q < -limit || q >= limit {
                    return Err((l, j, q));
                }
                y.push(if layer.activation == QActivation::Relu && q < 0 {
                    0
                } else {
                    q
                });
            }
            x = y;
        }
        Ok(x.into_iter().map(|v| v as i64).collect())
    }

    fn arb_quantized_model() -> impl Strategy<Value = (QuantizedMlp, Vec<i64>)> {
        (
            1u32..=20,
            2u32..=40,
            prop::collection::vec(1usize..=5, 2..=4),
        )
            .prop_flat_map(|(s, b, sizes)| {
                // Real weights in (-1, 1), biases below 2^(b-3) after rescale, inputs over the
                // whole range: layers overflow sometimes, not always.
                let (w, bias, x) = (1i64 << s, 1i64 << (s + b - 3).min(60), 1i64 << (b - 1));
                let layers: Vec<_> = sizes
                    .windows(2)
                    .map(|pair| {
                        let weights =
                            prop::collection::vec(prop::collection::vec(-w..w, pair[0]), pair[1]);
                        let biases = prop::collection::vec(-bias..bias, pair[1]);
                        (weights, biases, any::<bool>()).prop_map(|(weights, biases, relu)| {
                            qlayer(
                                weights,
                                biases,
                                if relu {
                                    QActivation::Relu
                                } else {
                                    QActivation::Identity
                                },
                            )
                        })
                    })
                    .collect();
                (layers, prop::collection::vec(-x..x, sizes[0])).prop_map(move |(layers, input)| {
                    (
                        QuantizedMlp {
                            params: params(s, b),
                            layers,
                        },
                        input,
                    )
                })
            })
    }

    proptest! {
        #[test]
        fn reference_matches_shift_formulation((model, input) in arb_quantized_model()) {
            match (reference_forward(&model, &input), naive_forward(&model, &input)) {
                (Ok(a), Ok(b)) => prop_assert_eq!(a, b),
                (Err(QuantizeError::ActivationOutOfRange { layer, neuron, value, bits }), Err(naive)) => {
                    prop_assert_eq!((layer, neuron, value), naive);
                    prop_assert_eq!(bits, model.params.activation_bits);
                }
                (a, b) => prop_assert!(false, "reference {a:?}, naive {b:?}"),
            }
        }
    }
}
