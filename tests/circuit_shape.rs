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
fn shape_of_the_433_parameter_mlp_is_pinned() {
    let compiled =
        CompiledModel::new(quantize(&mlp_8_16_16_1(), MlpParams::default()).unwrap()).unwrap();
    let stats = compiled.stats();
    assert_eq!(stats.parameters, 433);
    // One inference: the planner keeps one-bit range limbs checked by a gate (no lookup, no
    // table), at k = 11 instead of the lookup plan's k = 9 (pinned below), for a verifier six
    // commitments cheaper.
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
fn shape_of_the_lookup_plan_is_pinned() {
    use zkmlp_circuits::{chips::LIMB_BITS, min_k, MlpConfig, MlpLayout, VisibilitySettings};
    let model = quantize(&mlp_8_16_16_1(), MlpParams::default()).unwrap();
    let layout =
        MlpLayout::plan_with_limbs(model, 1, 1, VisibilitySettings::default(), LIMB_BITS).unwrap();
    // The table (403 rows) sets k = 9 whatever the width.
    assert_eq!(min_k(&layout), 9);
    assert_eq!(
        (layout.range_len, layout.dot_len(), layout.table_rows()),
        (10 + 32 + 32 * 7 + 6, 1 + 400, 403)
    );
    let mut cs = halo2_proofs::plonk::ConstraintSystem::default();
    let _ = MlpConfig::configure(&mut cs, layout.circuit_params());
    assert_eq!(cs.num_advice_columns(), 3);
    assert_eq!(cs.lookups().len(), 1);
    assert_eq!(cs.degree(), 5);
    // 1 weight, bias, q, the range chip's tag, factor and offset, 2 table columns, the row
    // kind: with one permutation product at degree 5, 26 commitments and a 1,760-byte proof
    // (measured before one-bit limbs, `docs/single-verifier-cost.md`).
    assert_eq!(cs.num_fixed_columns(), 9);
    assert_eq!(cs.num_selectors(), 0);
    assert_eq!(cs.permutation().get_columns().len(), 3);
}
