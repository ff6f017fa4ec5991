//! Leaky ReLU (see `chips::leaky`): whole MLPs with leaky layers agree with the spec's
//! integer semantics for several slopes (positive, negative, above one), and a dishonest
//! witness for any of the gadget's cells is rejected by the gate or copy that pins it.

mod common;

use std::sync::Arc;

use common::*;
use zkmlp_circuits::{
    chips::leaky::leaky_relu, field::i128_to_field, Activation, CellRef, Lane, MlpLayout,
    MlpParams, MlpWitness, QuantizedMlp, SpecError,
};

const PARAMS: MlpParams = MlpParams {
    scale_bits: 12,
    activation_bits: 24,
};

/// A 3-4-2 model whose two layers are leaky ReLUs with slope `alpha` (scale 2^12).
fn leaky_model(alpha: i64, seed: u64) -> QuantizedMlp {
    let mut model = random_model(&[3, 4, 2], PARAMS, seed);
    for layer in &mut model.layers {
        layer.activation = Activation::LeakyRelu { alpha };
    }
    model
}

/// The spec computed directly: dense layers, rescale, leaky ReLU.
fn expected(model: &QuantizedMlp, input: &[i64]) -> Vec<i128> {
    let p = model.params;
    forward_with(model, input, |activation, q| {
        let Activation::LeakyRelu { alpha } = activation else {
            unreachable!()
        };
        leaky_relu(q, alpha, p.scale_bits, p.activation_bits).unwrap()
    })
}

#[test]
fn leaky_mlps_match_the_spec_for_several_slopes() {
    let mut negatives = 0;
    // 0.01, 0.1, 0.25, 1, 1.5, -0.5 at scale 2^12.
    for alpha in [41, 410, 1024, 4096, 6144, -2048] {
        for seed in 0..4 {
            let model = leaky_model(alpha, seed);
            let input = random_input(&model, seed);
            let (layout, witness) = setup(model.clone(), &input);
            let want = expected(&model, &input);
            let got: Vec<i128> = witness.outputs.iter().map(|&v| v.into()).collect();
            assert_eq!(got, want, "alpha {alpha}, seed {seed}");
            negatives += layout
                .leaky
                .iter()
                .filter(|p| int(witness.get(CellRef::z(p.q_row))) < 0)
                .count();
            assert_eq!(mock(&layout, witness), Ok(()), "alpha {alpha}, seed {seed}");
        }
    }
    assert!(
        negatives > 20,
        "the inputs must exercise the negative branch ({negatives})"
    );
}

/// An honest witness of a 3-4-2 leaky model with slope 0.1, and the index (in
/// `layout.leaky`) of a neuron of layer 0 whose `q` is negative.
fn negative_neuron() -> (Arc<MlpLayout>, MlpWitness, usize) {
    for seed in 0..16 {
        let model = leaky_model(410, seed);
        let input = random_input(&model, seed);
        let (layout, witness) = setup(model, &input);
        let found = (0..4).find(|&i| int(witness.get(CellRef::z(layout.leaky[i].q_row))) < 0);
        if let Some(i) = found {
            return (layout, witness, i);
        }
    }
    panic!("no negative neuron");
}

fn set(witness: &mut MlpWitness, cell: CellRef, value: i128) {
    witness.set(cell, i128_to_field(value));
}

#[test]
fn a_wrong_frame_product_fails_the_relu_gate() {
    let (layout, mut witness, i) = negative_neuron();
    let p = layout.leaky[i].clone();
    let m = layout.schedule.magnitude_rows;
    // y' = sign * d = 0 here (q < 0); claim y' = d instead, consistently in the dot lane.
    let frame_y = CellRef::z(p.frame + m + 1);
    let d = int(witness.get(CellRef::z(p.frame)));
    assert_ne!(d, 0);
    set(&mut witness, frame_y, d);
    let x = CellRef {
        lane: Lane::Input(1),
        row: p.sum.start,
    };
    set(&mut witness, x, d);
    assert_eq!(p.sum.terms.len(), 2);
    assert_fails(
        mock(&layout, witness),
        vec![relu(p.frame + m + 1), dot(p.sum.start)],
    );
}

#[test]
fn a_wrong_sign_copy_fails_the_copy() {
    let (layout, mut witness, i) = negative_neuron();
    let p = layout.leaky[i].clone();
    let m = layout.schedule.magnitude_rows;
    // sign = 0 for q < 0: claim 1 in the frame, with y' = d and the sum fixed up, so that
    // every gate holds and only the copy from the rescale block's sign bit breaks.
    let d = int(witness.get(CellRef::z(p.frame)));
    let n = int(witness.get(CellRef::z(p.slope_block + layout.schedule.remainder_rows)));
    set(&mut witness, CellRef::z(p.frame + m), 1);
    set(&mut witness, CellRef::z(p.frame + m + 1), d);
    set(
        &mut witness,
        CellRef {
            lane: Lane::Input(1),
            row: p.sum.start,
        },
        d,
    );
    set(
        &mut witness,
        CellRef {
            lane: Lane::Acc,
            row: p.sum.start,
        },
        n + d,
    );
    let result = mock(&layout, witness);
    let reduced = failures(result);
    assert!(
        reduced.contains(&perm(CellRef::z(p.frame + m))),
        "{reduced:?}"
    );
    assert!(
        reduced
            .iter()
            .all(|f| matches!(f, Failure::Permutation { .. })),
        "only copies may fail: {reduced:?}"
    );
}

#[test]
fn a_wrong_rounded_product_fails_the_slope_rescale() {
    let (layout, mut witness, i) = negative_neuron();
    let p = layout.leaky[i].clone();
    let r = layout.schedule.remainder_rows;
    // n + 1 in the slope block's quotient cell: its decomposition no longer matches t.
    let n_cell = CellRef::z(p.slope_block + r);
    let n = int(witness.get(n_cell));
    set(&mut witness, n_cell, n + 1);
    let reduced = failures(mock(&layout, witness));
    assert!(
        reduced.iter().any(|f| matches!(f, Failure::Lookup { .. })),
        "the range lookup must catch it: {reduced:?}"
    );
}

#[test]
fn leaky_relu_needs_fixed_weights() {
    let model = leaky_model(410, 0);
    assert_needs_fixed_weights(&model);
    let mut big = model;
    big.layers[0].activation = Activation::LeakyRelu {
        alpha: (1 << 24) + 1,
    };
    assert!(matches!(
        big.validate(),
        Err(SpecError::UnsupportedActivation { .. })
    ));
}
