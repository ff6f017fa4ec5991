//! Property tests over random models: the witness agrees with a plain-integer reference
//! forward pass (or fails where the reference leaves the range), the honest witness verifies,
//! and changing any constrained cell makes it fail.

mod common;

use std::sync::Arc;

use common::*;
use ff::Field;
use halo2_proofs::halo2curves::bn256::Fr;
use proptest::{prelude::*, test_runner::FileFailurePersistence};
use zkmlp_circuits::chips::dot::MAX_DOT_WIDTH;
use zkmlp_circuits::{
    Activation, MlpLayout, MlpParams, MlpWitness, QuantizedLayer, QuantizedMlp, WitnessError,
};

/// Why the reference forward pass has no result.
#[derive(Clone, Debug, PartialEq, Eq)]
enum RefError {
    /// The first input feature outside `[-2^(b-1), 2^(b-1))`.
    Input { index: usize, value: i64 },
    /// The first layer with a rescaled value out of range, with every such `(neuron, q)`.
    Activation {
        layer: usize,
        neurons: Vec<(usize, i128)>,
    },
}

/// The integer semantics of `spec`, written out independently of the crate:
/// `acc = bias + sum w x`, `q = floor((acc + 2^(s-1)) / 2^s)`, `y = max(q, 0)` or `q`.
fn reference(model: &QuantizedMlp, input: &[i64]) -> Result<Vec<i64>, RefError> {
    let s = model.params.scale_bits;
    let half = 1i128 << (model.params.activation_bits - 1);
    let in_range = |v: i128| (-half..half).contains(&v);
    if let Some(index) = input.iter().position(|&x| !in_range(x.into())) {
        return Err(RefError::Input {
            index,
            value: input[index],
        });
    }
    let mut activations: Vec<i128> = input.iter().map(|&x| x.into()).collect();
    for (l, layer) in model.layers.iter().enumerate() {
        let mut next = Vec::new();
        let mut out_of_range = Vec::new();
        for (j, (weights, &bias)) in layer.weights.iter().zip(&layer.biases).enumerate() {
            let acc = weights
                .iter()
                .zip(&activations)
                .fold(i128::from(bias), |acc, (&w, &x)| acc + i128::from(w) * x);
            let q = (acc + (1 << (s - 1))).div_euclid(1 << s);
            if !in_range(q) {
                out_of_range.push((j, q));
            }
            next.push(match layer.activation {
                Activation::Relu => q.max(0),
                Activation::Identity => q,
                Activation::LeakyRelu { .. } => unreachable!("leaky_chip.rs covers leaky ReLU"),
                Activation::Squash(_) => unreachable!("squash_chip.rs covers sigmoid and tanh"),
            });
        }
        if !out_of_range.is_empty() {
            return Err(RefError::Activation {
                layer: l,
                neurons: out_of_range,
            });
        }
        activations = next;
    }
    Ok(activations.into_iter().map(|y| y as i64).collect())
}

/// Magnitudes of a model: bits of its weights, biases and inputs.
#[derive(Clone, Copy, Debug)]
struct Magnitudes {
    weight_bits: u32,
    bias_bits: u32,
    input_bits: u32,
}

/// Random parameters (`s` in 4..=14, `b` in 12..=30), 1 to 3 layers of 1 to 12 neurons with
/// ReLU or identity, and magnitudes from one of two regimes: small (weights up to real 1,
/// inputs well inside the range: most models stay in range) or large (weights up to real 4,
/// inputs up to 9/8 of the range: most overflow, and some inputs are out of range).
fn model_and_input() -> impl Strategy<Value = (QuantizedMlp, Vec<i64>)> {
    let shape = (
        4u32..=14,
        12u32..=30,
        1usize..=12,
        prop::collection::vec((1usize..=12, any::<bool>()), 1..=3),
    );
    shape
        .prop_flat_map(|(s, b, n_in, layers)| {
            let params = MlpParams {
                scale_bits: s,
                activation_bits: b,
            };
            let small = (0..=s, 0..=s + b / 2, 1..=b - 4);
            let large = (s - 1..=s + 2, s..=s + b - 2, b - 3..=b);
            let magnitudes =
                prop_oneof![small, large].prop_map(|(weight_bits, bias_bits, input_bits)| {
                    Magnitudes {
                        weight_bits,
                        bias_bits,
                        input_bits,
                    }
                });
            (Just(params), Just(n_in), Just(layers), magnitudes)
        })
        .prop_flat_map(|(params, n_in, shape, magnitudes)| {
            let mut fan_in = n_in;
            let layers: Vec<_> = shape
                .iter()
                .map(|&(n_out, relu)| {
                    let w = 1i64 << magnitudes.weight_bits;
                    let b = 1i64 << magnitudes.bias_bits;
                    let weights =
                        prop::collection::vec(prop::collection::vec(-w..=w, fan_in), n_out);
                    fan_in = n_out;
                    (weights, prop::collection::vec(-b..=b, n_out)).prop_map(
                        move |(weights, biases)| QuantizedLayer {
                            weights,
                            biases,
                            activation: if relu {
                                Activation::Relu
                            } else {
                                Activation::Identity
                            },
                        },
                    )
                })
                .collect();
            let x = 1i64 << (magnitudes.input_bits - 1);
            let x = x + x / 8;
            (Just(params), layers, prop::collection::vec(-x..=x, n_in))
        })
        .prop_map(|(params, layers, input)| (QuantizedMlp { params, layers }, input))
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 24,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "tests/proptest-regressions/mlp_proptest.txt",
        ))),
        ..ProptestConfig::default()
    })]

    /// The witness matches the reference, verifies, and any constrained cell plus one fails.
    #[test]
    fn honest_witness_matches_the_reference_and_verifies(
        (model, input) in model_and_input(),
        dot_width in 1..=MAX_DOT_WIDTH,
        pick in any::<prop::sample::Index>(),
    ) {
        let layout = Arc::new(MlpLayout::with_dot_width(model.clone(), dot_width).expect("valid model"));
        let generated = MlpWitness::generate(&layout, &input, binding());
        match reference(&model, &input) {
            Ok(outputs) => {
                let witness = generated.expect("in range");
                prop_assert_eq!(&witness.outputs, &outputs);
                prop_assert_eq!(mock(&layout, witness.clone()), Ok(()));
                let cell = *pick.get(&constrained_cells(&layout));
                let mut tampered = witness;
                let value = tampered.get(cell) + Fr::ONE;
                tampered.set(cell, value);
                prop_assert!(mock(&layout, tampered).is_err(), "{:?} + 1 verifies", cell);
            }
            Err(RefError::Input { index, value }) => {
                prop_assert_eq!(generated, Err(WitnessError::InputOutOfRange { index, value }));
            }
            Err(RefError::Activation { layer, neurons }) => match generated {
                // Which of several out-of-range neurons is reported is not deterministic
                // (see `the_first_out_of_range_neuron_is_reported` in mlp_circuit.rs).
                Err(WitnessError::ActivationOutOfRange { layer: l, neuron, value }) => {
                    prop_assert_eq!(l, layer);
                    prop_assert!(neurons.contains(&(neuron, value)), "{:?} not in {:?}", (neuron, value), neurons);
                }
                other => prop_assert!(false, "expected layer {} out of range, got {:?}", layer, other),
            },
        }
    }
}
