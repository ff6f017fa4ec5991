//! Sigmoid and tanh (see `chips::squash`): models with squash layers agree with the spec's
//! integer semantics, including both clamp boundaries and grid ties, and a dishonest output,
//! clamp or grid rescale is rejected by the lookup, gate or range check that pins it.

mod common;

use std::sync::Arc;

use common::*;
use zkmlp_circuits::{
    chips::{range::running_sum, squash::SquashPlacement},
    field::i128_to_field,
    layout::BlockKind,
    spec::{Squash, SquashSpec},
    Activation, CellRef, Lane, MlpLayout, MlpParams, MlpWitness, QuantizedLayer, QuantizedMlp,
    SpecError, Visibility, VisibilitySettings,
};

const PARAMS: MlpParams = MlpParams {
    scale_bits: 12,
    activation_bits: 24,
};

fn squash(function: Squash) -> Activation {
    Activation::Squash(SquashSpec::new(function, PARAMS.scale_bits))
}

/// `y = f(x)` for one feature: a 1-1 layer of weight 1 (so `q = x`) and the function.
fn unary(function: Squash) -> QuantizedMlp {
    QuantizedMlp {
        params: PARAMS,
        layers: vec![QuantizedLayer {
            weights: vec![vec![1 << PARAMS.scale_bits]],
            biases: vec![0],
            activation: squash(function),
        }],
    }
}

/// The spec by hand: the grid rescale, the clamp, the table.
fn expected(spec: SquashSpec, q: i128) -> i128 {
    let (s, g) = (PARAMS.scale_bits, spec.grid_bits);
    let t_half = i128::from(spec.half_range());
    // u = floor(q 2^g / 2^s) + T: the cell of x.
    let u = (q << g).div_euclid(1 << s) + t_half;
    let l = u.clamp(0, 2 * t_half - 1);
    spec.value(s, l as i64).into()
}

/// Inputs around both clamp boundaries, the cells' edges and middles, and zero.
fn boundary_inputs(spec: SquashSpec) -> Vec<i64> {
    let step = 1i64 << (PARAMS.scale_bits - spec.grid_bits);
    let t = spec.half_range();
    let mut inputs = Vec::new();
    for grid in [-t - 2, -t - 1, -t, -t + 1, -1, 0, 1, t - 2, t - 1, t, t + 1] {
        for offset in [-step / 2 - 1, -step / 2, 0, step / 2 - 1, step / 2] {
            inputs.push(grid * step + offset);
        }
    }
    inputs.extend([-(1 << 23), (1 << 23) - 1, 3 << 20, -(3 << 20)]);
    inputs
}

#[test]
fn clamp_boundaries_and_cell_edges_match_the_spec() {
    for function in [Squash::Sigmoid, Squash::Tanh] {
        let model = unary(function);
        let Activation::Squash(spec) = model.layers[0].activation else {
            unreachable!()
        };
        let inputs = boundary_inputs(spec);
        let layout = Arc::new(MlpLayout::new_batch(model, inputs.len()).unwrap());
        let witness = MlpWitness::generate(&layout, &inputs, binding()).unwrap();
        for (x, &y) in inputs.iter().zip(&witness.outputs) {
            assert_eq!(
                i128::from(y),
                expected(spec, (*x).into()),
                "{function:?} x = {x}"
            );
        }
        // Saturation at both ends, and the sign of x kept exactly (cells end and start at 0).
        let one = 1i64 << PARAMS.scale_bits;
        let (low, high) = (
            witness.outputs[0],
            witness.outputs[witness.outputs.len() - 3],
        );
        let middle = match function {
            Squash::Sigmoid => {
                assert!(low <= 2 && high >= one - 2, "{low} {high}");
                one / 2
            }
            Squash::Tanh => {
                assert!(low <= -one + 3 && high >= one - 3, "{low} {high}");
                0
            }
        };
        for (x, &y) in inputs.iter().zip(&witness.outputs) {
            assert_eq!(y > middle, *x >= 0, "{function:?} x = {x}: y = {y}");
        }
        assert_eq!(mock(&layout, witness), Ok(()), "{function:?}");
    }
}

#[test]
fn squash_mlps_match_the_spec_with_two_tables() {
    for seed in 0..3 {
        let mut model = random_model(&[3, 4, 2], PARAMS, seed);
        model.layers[0].activation = squash(Squash::Tanh);
        model.layers[1].activation = squash(Squash::Sigmoid);
        let input = random_input(&model, seed);
        let (layout, witness) = setup(model.clone(), &input);
        assert_eq!(layout.squash_tables.len(), 2);
        assert_eq!(layout.squash.len(), 6);
        // The spec by hand, layer by layer.
        let x = forward_with(&model, &input, |activation, q| {
            let Activation::Squash(spec) = activation else {
                unreachable!()
            };
            expected(spec, q)
        });
        let got: Vec<i128> = witness.outputs.iter().map(|&v| v.into()).collect();
        assert_eq!(got, x, "seed {seed}");
        assert_eq!(mock(&layout, witness), Ok(()), "seed {seed}");
    }
}

fn set(witness: &mut MlpWitness, cell: CellRef, value: i128) {
    witness.set(cell, i128_to_field(value));
}

/// Writes the running sum of `value` under the signed schedule from `row` on.
fn write_signed(layout: &MlpLayout, witness: &mut MlpWitness, row: usize, value: i128) {
    let schedule = layout.block_schedule(BlockKind::Signed);
    for (i, z) in running_sum(value, schedule).into_iter().enumerate() {
        set(witness, CellRef::z(row + i), z);
    }
}

fn x0(row: usize) -> CellRef {
    CellRef {
        lane: Lane::Input(0),
        row,
    }
}

fn acc(row: usize) -> CellRef {
    CellRef {
        lane: Lane::Acc,
        row,
    }
}

/// An honest witness of `y = sigmoid(x)` at `x`, and its placement.
fn sigmoid_at(x: i64) -> (Arc<MlpLayout>, MlpWitness, SquashPlacement) {
    let (layout, witness) = setup(unary(Squash::Sigmoid), &[x]);
    let placement = layout.squash[0].clone();
    (layout, witness, placement)
}

/// Claims `y` (decomposed honestly) and publishes it.
fn claim_output(layout: &MlpLayout, witness: &mut MlpWitness, p: &SquashPlacement, y: i128) {
    write_signed(layout, witness, p.output(), y);
    witness.outputs[0] = y as i64;
}

#[test]
fn a_wrong_output_fails_the_table_lookup() {
    let (layout, honest, p) = sigmoid_at(1 << 12);
    let y = int(honest.get(CellRef::z(p.output())));
    assert_eq!(y, i128::from(p.spec.value(12, 512 + 64)));
    // One more, and the table's value at the neighbouring index: both miss the table.
    for wrong in [y + 1, i128::from(p.spec.value(12, 512 + 65))] {
        let mut witness = honest.clone();
        claim_output(&layout, &mut witness, &p, wrong);
        assert_fails(mock_claimed(&layout, witness), vec![lookup(p.lookup_row)]);
    }
    // The lookup alone does not bound y: y = F(l') + (l' - l) / 2^c passes it, and only y's
    // range check stops it.
    let mut witness = honest.clone();
    let c = i128_to_field(1 << p.spec.index_bits());
    let forged = i128_to_field(p.spec.value(12, 600).into())
        + i128_to_field(600 - (512 + 64)) * c.invert().unwrap();
    witness.set(CellRef::z(p.output()), forged);
    let reduced = failures(mock_claimed(&layout, witness));
    assert!(!reduced.contains(&lookup(p.lookup_row)), "{reduced:?}");
    assert!(reduced.contains(&lookup(p.output())), "{reduced:?}");
}

#[test]
fn a_wrong_clamp_fails_the_relu_gate() {
    // x = 20: u = 20 * 64 + 512 > M = 1023, so w = M - u < 0, max(w, 0) = 0 and l = M.
    let (layout, mut witness, p) = sigmoid_at(20 << 12);
    assert_eq!(int(witness.get(CellRef::z(p.lookup_row))), 1023);
    // Claim max(w, 0) = 1 (so l = M - 1, looked up honestly): only the ReLU gate objects.
    set(&mut witness, CellRef::z(p.high_relu), 1);
    set(&mut witness, x0(p.index.row), 1);
    set(&mut witness, acc(p.index.row), 1022);
    set(&mut witness, CellRef::z(p.lookup_row), 1022);
    claim_output(&layout, &mut witness, &p, p.spec.value(12, 1022).into());
    assert_fails(mock_claimed(&layout, witness), vec![relu(p.high_relu)]);

    // x = -20: u < 0, so max(u, 0) = 0. Claim max(u, 0) = u + 2000 > 0 instead.
    let (layout, mut witness, p) = sigmoid_at(-(20 << 12));
    let u = int(witness.get(CellRef::z(p.low_relu - 1 - layout.schedule.magnitude_rows)));
    assert!(u < 0);
    let a = u + 2000;
    set(&mut witness, CellRef::z(p.low_relu), a);
    set(&mut witness, x0(p.flip.row), a);
    let w = 1023 - a;
    set(&mut witness, acc(p.flip.row), w);
    write_signed(&layout, &mut witness, p.high_block, w);
    set(&mut witness, CellRef::z(p.high_relu), w.max(0));
    set(&mut witness, x0(p.index.row), w.max(0));
    let l = 1023 - w.max(0);
    set(&mut witness, acc(p.index.row), l);
    set(&mut witness, CellRef::z(p.lookup_row), l);
    claim_output(&layout, &mut witness, &p, p.spec.value(12, l as i64).into());
    assert_fails(mock_claimed(&layout, witness), vec![relu(p.low_relu)]);
}

#[test]
fn a_wrong_grid_rescale_fails_the_remainder_range_check() {
    // x = 20: u and u + 1 both clamp to l = M, so only the grid block's remainder shows it.
    let (layout, mut witness, p) = sigmoid_at(20 << 12);
    let r = layout.schedule.remainder_rows;
    let u = int(witness.get(CellRef::z(p.grid_block + r)));
    write_signed(&layout, &mut witness, p.grid_block + r, u + 1);
    set(&mut witness, CellRef::z(p.low_relu), u + 1);
    set(&mut witness, x0(p.flip.row), u + 1);
    set(&mut witness, acc(p.flip.row), 1023 - u - 1);
    write_signed(&layout, &mut witness, p.high_block, 1023 - u - 1);
    assert_fails(
        mock_claimed(&layout, witness),
        vec![lookup(p.grid_block + r - 1)],
    );
}

#[test]
fn squash_needs_fixed_weights_and_a_valid_grid() {
    let model = unary(Squash::Tanh);
    assert_needs_fixed_weights(&model);
    let mut narrow = model.clone();
    narrow.params.activation_bits = 13;
    assert!(matches!(
        narrow.validate(),
        Err(SpecError::UnsupportedActivation { layer: 0, .. })
    ));
    // Hashed or folded outputs are fine: y is range-checked like every output.
    let visibility = VisibilitySettings {
        outputs: Visibility::Hashed,
        ..Default::default()
    };
    let layout = Arc::new(MlpLayout::with_visibility(model, 1, visibility).unwrap());
    let witness = MlpWitness::generate(&layout, &[1234], binding()).unwrap();
    assert_eq!(mock(&layout, witness), Ok(()));
}

#[test]
fn models_without_squash_keep_their_table_and_rows() {
    let model = random_model(&[3, 4, 2], PARAMS, 1);
    let plain = MlpLayout::new(model.clone()).unwrap();
    let mut with = model;
    with.layers[1].activation = squash(Squash::Sigmoid);
    let squashed = MlpLayout::with_dot_width(with, plain.dot_width).unwrap();
    assert!(plain.squash_tables.is_empty());
    assert_eq!(squashed.table_rows(), plain.table_rows() + 1024);
    let (r, m) = (plain.schedule.remainder_rows, plain.schedule.magnitude_rows);
    // Per neuron: the grid block and its ReLU row, the clamp's block and ReLU row, the lookup
    // row and y's block, minus the identity output's nothing; three dot rows.
    let per_neuron = (r + m + 1) + 1 + (m + 1) + 1 + 1 + (m + 1);
    assert_eq!(squashed.range_len, plain.range_len + 2 * per_neuron);
    assert_eq!(squashed.dot_len(), plain.dot_len() + 2 * 3);
}
