//! Pins the circuit's shape for a 433-parameter MLP (8-16-16-1, the size EZKL needs k = 15
//! for): any change to k, columns, lookups, degree or proof size must be deliberate.

use zkmlp::{
    model::{Activation, DenseLayer, Mlp},
    quantize::quantize,
    CompiledModel, MlpParams, ProvingKey, Srs,
};

fn mlp_8_16_16_1() -> Mlp {
    let layer = |inputs: usize, outputs: usize, activation| DenseLayer {
        weights: (0..outputs)
            .map(|j| {
                (0..inputs)
                    .map(|i| ((i * 5 + j * 11) as f64 * 0.13).sin() / (inputs as f64).sqrt())
                    .collect()
            })
            .collect(),
        biases: (0..outputs).map(|j| (j as f64 * 0.7).cos() * 0.1).collect(),
        activation,
    };
    Mlp {
        layers: vec![
            layer(8, 16, Activation::Relu),
            layer(16, 16, Activation::Relu),
            layer(16, 1, Activation::Identity),
        ],
    }
}

#[test]
fn shape_of_the_433_parameter_mlp_planned_for_the_verifier_is_pinned() {
    let quantized = quantize(&mlp_8_16_16_1(), MlpParams::default()).unwrap();
    let (visibility, objective) = (Default::default(), zkmlp::PlanObjective::Verifier);
    let compiled = CompiledModel::with_objective(quantized, 1, visibility, objective).unwrap();
    let stats = compiled.stats();
    assert_eq!(stats.parameters, 433);
    // One inference planned for the verifier: one-bit range limbs checked by a gate (no
    // lookup, no table), at k = 11 instead of the prover plan's k = 9 (pinned below), for a
    // verifier six commitments cheaper.
    assert_eq!(compiled.layout().limb_bits, 1);
    assert_eq!(stats.k, 11);
    assert_eq!(stats.dot_width, 1);
    assert_eq!((stats.advice_columns, stats.lookups), (3, 0));
    // The range lane: 10 public rows (binding, 8 inputs, the output), 8 input blocks of 24
    // rows (23 magnitude bits and a sign bit), 32 ReLU neurons of 12 + 24 + 1, 1 identity
    // neuron of 36. The dot lane: an empty row 0, then 16*8 + 16*16 + 16 chained rows.
    assert_eq!(
        (stats.range_rows, stats.dot_rows, stats.table_rows),
        (10 + 8 * 24 + 32 * 37 + 36, 1 + 400, 0)
    );

    let srs = Srs::unsafe_setup_for_testing(compiled.k(), 3);
    let pk = ProvingKey::generate(&srs, &compiled).unwrap();
    let cs = pk.verifying_key().halo2().cs();
    assert_eq!(cs.num_advice_columns(), 3);
    assert_eq!(cs.num_instance_columns(), 1);
    assert!(cs.lookups().is_empty());
    // the bit gate and the ReLU gate: degree 4
    assert_eq!(cs.degree(), 4);
    // 1 weight, bias, the dot gate's q, the range chip's row kind and offset, the ReLU /
    // public row kind. No selectors.
    assert_eq!(cs.num_fixed_columns(), 6);
    assert_eq!(cs.num_selectors(), 0);
    // The three advice columns are in the permutation, the instance is not: two permutation
    // products at degree 4, three sigma commitments. Proof: 11 points (advice 3, permutation
    // 2, vanishing random 1, quotient 3, SHPLONK 2) and 22 evaluations.
    assert_eq!(cs.permutation().get_columns().len(), 3);
    let proof = pk.prove(&[0.5; 8]).unwrap();
    assert_eq!(proof.bytes.len(), 11 * 64 + 22 * 32);
}

#[test]
fn shape_of_the_433_parameter_mlp_is_pinned() {
    let compiled =
        CompiledModel::new(quantize(&mlp_8_16_16_1(), MlpParams::default()).unwrap()).unwrap();
    let stats = compiled.stats();
    assert_eq!(stats.parameters, 433);
    assert_eq!(stats.k, 9);
    // The table (403 rows) sets k = 9 whatever the width, so the narrowest dot product wins:
    // one multiply-accumulate per row, three advice columns.
    assert_eq!(stats.dot_width, 1);
    assert_eq!((stats.advice_columns, stats.lookups), (3, 1));
    // The range lane: 10 public rows (binding, 8 inputs, the output), 8 input blocks of 4
    // rows, 32 ReLU neurons of 7, 1 identity neuron of 6. The dot lane: an empty row 0, then
    // 16*8 + 16*16 + 16 chained rows.
    assert_eq!(
        (stats.range_rows, stats.dot_rows, stats.table_rows),
        (10 + 32 + 32 * 7 + 6, 1 + 400, 403)
    );

    let srs = Srs::unsafe_setup_for_testing(compiled.k(), 3);
    let pk = ProvingKey::generate(&srs, &compiled).unwrap();
    let cs = pk.verifying_key().halo2().cs();
    assert_eq!(cs.num_advice_columns(), 3);
    assert_eq!(cs.num_instance_columns(), 1);
    assert_eq!(cs.lookups().len(), 1);
    assert_eq!(cs.degree(), 5);
    // 1 weight, bias, the dot gate's q (selector and chain in one), the range chip's tag,
    // factor and offset, 2 table columns, and the ReLU / public row kind. No selectors.
    assert_eq!(cs.num_fixed_columns(), 9);
    assert_eq!(cs.num_selectors(), 0);
    // The three advice columns are in the permutation, the instance is not (it is checked
    // by a gate): one permutation product at degree 5, three sigma commitments.
    assert_eq!(cs.permutation().get_columns().len(), 3);
    let proof = pk.prove(&[0.5; 8]).unwrap();
    assert_eq!(proof.bytes.len(), 1760);
}
