//! Whole-MLP mock-prover tests: honest witnesses verify, and tampered ones fail with the
//! specific constraint, lookup or copy that catches them, and nothing else.
//!
//! Most tampering goes through [`rebuild`], which plays a prover that carries its lie
//! consistently through the rest of the network (later layers, outputs, instance): the
//! failure list then names only the constraint that the lie itself breaks. Single-cell
//! tampering with `MlpWitness::set` additionally breaks the copies around the cell.
//!
//! The main model is `[7, 10, 1]` with the default parameters (`s = 12`, `b = 24`): a rescale
//! block is `[8 (offset 2^11), 4 | 8 (offset 2^23), 8, 7 | 1]` (6 rows, `q` at offset 2), an
//! input block `[8 (offset 2^23), 8, 7 | 1]` (4 rows), and every neuron's dot chain has 2 rows.

mod common;

use std::{collections::BTreeSet, sync::Arc};

use common::*;
use ff::Field;
use halo2_proofs::halo2curves::bn256::Fr;
use zkmlp_circuits::chips::dot::MAX_DOT_WIDTH;
use zkmlp_circuits::{
    field::i128_to_field, min_k, Activation, CellRef, Lane, MlpLayout, MlpParams, MlpWitness,
    QuantizedLayer, QuantizedMlp, WitnessError,
};

/// Input features of the main model.
const N_IN: usize = 7;
/// `2^(b-1)` for the default parameters.
const HALF: i64 = 1 << 23;
/// `2^s` for the default parameters: the quantized 1.0.
const ONE: i64 = 1 << 12;

/// The main model, `[7, 10, 1]` (ReLU then identity), with its honest witness.
fn setup_main() -> (Arc<MlpLayout>, MlpWitness) {
    let model = random_model(&[N_IN, 10, 1], MlpParams::default(), 7);
    let input = random_input(&model, 7);
    setup(model, &input)
}

/// `q` of a neuron, read from its block.
fn q_of(witness: &MlpWitness, rows: &NeuronRows) -> i128 {
    int(witness.get(CellRef::z(rows.q)))
}

/// The hidden neurons of the main model whose `q` satisfies `pred`.
fn hidden_neurons(
    layout: &MlpLayout,
    witness: &MlpWitness,
    pred: impl Fn(i128) -> bool,
) -> Vec<usize> {
    (0..layout.neurons[0].len())
        .filter(|&j| pred(q_of(witness, &neuron_rows(layout, 0, j))))
        .collect()
}

/// The first hidden neuron of the main model whose `q` satisfies `pred`.
fn hidden_neuron(layout: &MlpLayout, witness: &MlpWitness, pred: impl Fn(i128) -> bool) -> usize {
    hidden_neurons(layout, witness, pred)[0]
}

fn layer(weights: Vec<Vec<i64>>, biases: Vec<i64>, activation: Activation) -> QuantizedLayer {
    QuantizedLayer {
        weights,
        biases,
        activation,
    }
}

/// A one-layer, one-input model `y = act(q)`, `q = round((w x + bias) / 2^s)`.
fn single_neuron(weight: i64, bias: i64, activation: Activation) -> QuantizedMlp {
    QuantizedMlp {
        params: MlpParams::default(),
        layers: vec![layer(vec![vec![weight]], vec![bias], activation)],
    }
}

/// Adds `delta` to a cell holding a small integer.
fn add(witness: &mut MlpWitness, cell: CellRef, delta: i128) {
    let value = witness.get(cell) + i128_to_field(delta);
    witness.set(cell, value);
}

#[test]
fn honest_witness_verifies() {
    let model = random_model(&[8, 16, 16, 1], MlpParams::default(), 1);
    let input = random_input(&model, 1);
    let (layout, witness) = setup(model, &input);
    assert_eq!(min_k(&layout), 9);
    assert_eq!(mock(&layout, witness), Ok(()));
    let (layout, witness) = setup_main();
    assert_eq!(mock(&layout, witness), Ok(()));
}

#[test]
fn honest_witness_verifies_at_extreme_params() {
    // The widest supported range: 24 + 40 bits of limbs.
    let params = MlpParams {
        scale_bits: 24,
        activation_bits: 40,
    };
    let model = random_model(&[5, 4, 3], params, 2);
    let input = random_input(&model, 2);
    let (layout, witness) = setup(model, &input);
    assert_eq!(mock(&layout, witness), Ok(()));

    // Whole limbs only: s = 8 -> [8], b - 1 = 8 -> [8]; activations in [-256, 256).
    let params = MlpParams {
        scale_bits: 8,
        activation_bits: 9,
    };
    let hidden = |n1: Vec<i64>| {
        layer(
            vec![vec![128, -64, 32], n1],
            vec![1 << 14, -(1 << 15)],
            Activation::Relu,
        )
    };
    let output = layer(vec![vec![200, -100]], vec![-3], Activation::Identity);
    let model = QuantizedMlp {
        params,
        layers: vec![hidden(vec![-128, 128, 0]), output.clone()],
    };
    // Hidden q = (-115, 128) -> y = (0, 128); output round((-12800 - 3) / 256) = -50.
    let (layout, witness) = setup(model, &[-256, 255, 100]);
    assert_eq!(witness.outputs, vec![-50]);
    assert_eq!(mock(&layout, witness), Ok(()));
    // Doubling the second hidden neuron's weights gives q = 383 >= 256.
    let model = QuantizedMlp {
        params,
        layers: vec![hidden(vec![-256, 256, 0]), output],
    };
    let layout = MlpLayout::with_dot_width(model, MAX_DOT_WIDTH).expect("valid model");
    assert_eq!(
        MlpWitness::generate(&layout, &[-256, 255, 100], binding()),
        Err(WitnessError::ActivationOutOfRange {
            layer: 0,
            neuron: 1,
            value: 383
        })
    );

    // The narrowest: s = 1, b = 2, activations in [-2, 2).
    let params = MlpParams {
        scale_bits: 1,
        activation_bits: 2,
    };
    let model = QuantizedMlp {
        params,
        layers: vec![
            layer(vec![vec![1, -1], vec![2, 1]], vec![0, -1], Activation::Relu),
            layer(vec![vec![-2, 1]], vec![0], Activation::Identity),
        ],
    };
    // Hidden q = (round(2 / 2), round(0 / 2)) = (1, 0); output round(-2 / 2) = -1.
    let (layout, witness) = setup(model, &[1, -1]);
    assert_eq!(witness.outputs, vec![-1]);
    assert_eq!(mock(&layout, witness), Ok(()));
}

#[test]
fn the_layout_is_what_the_tests_assume() {
    let (layout, _) = setup_main();
    let schedule = &layout.schedule;
    assert_eq!((schedule.remainder_rows, schedule.magnitude_rows), (2, 3));
    assert_eq!((schedule.rescale.len(), schedule.signed.len()), (6, 4));
    assert_eq!(layout.binding_row, 0);
    // Public rows 0..1 + N_IN + 1 (binding, inputs, output), then the input blocks.
    let public = 1 + N_IN + 1;
    assert_eq!(
        layout.public_cells(),
        (0..public).map(CellRef::z).collect::<Vec<_>>()
    );
    assert_eq!(
        layout.input_rows,
        (0..N_IN).map(|i| public + 4 * i).collect::<Vec<_>>()
    );
    let mut relu_rows = Vec::new();
    for (l, neurons) in layout.neurons.iter().enumerate() {
        for (j, neuron) in neurons.iter().enumerate() {
            let rows = neuron_rows(&layout, l, j);
            assert_eq!(neuron.dot_rows, 2);
            match layout.model.layers[l].activation {
                // The ReLU gate reads sign at -1 and q at -(n_m + 1): the row right after.
                Activation::Relu => {
                    assert_eq!(rows.output, rows.sign + 1);
                    relu_rows.push(rows.output);
                }
                Activation::Identity => assert_eq!(rows.output, rows.q),
                Activation::LeakyRelu { .. } => unreachable!("leaky_chip.rs covers leaky ReLU"),
                Activation::Squash(_) => unreachable!("squash_chip.rs covers sigmoid and tanh"),
            }
        }
    }
    assert_eq!(layout.relu_rows, relu_rows);
    // Dot row 0 stays empty (its acc_prev would wrap to the last row): the first chain
    // starts on row 1.
    assert_eq!(layout.dot_rows[0], None);
    assert_eq!(layout.neurons[0][0].dot_start, 1);
    let mut expected = vec![CellRef::z(0)];
    expected.extend(layout.input_rows.iter().map(|&r| CellRef::z(r)));
    expected.push(layout.neurons[1][0].output);
    assert_eq!(layout.instance_cells(), expected);
}

#[test]
fn rebuild_reproduces_the_honest_witness() {
    for (sizes, seed) in [
        (&[N_IN, 10, 1][..], 7),
        (&[8, 16, 16, 1][..], 1),
        (&[13, 3, 5][..], 3),
    ] {
        let model = random_model(sizes, MlpParams::default(), seed);
        let input = random_input(&model, seed);
        let (layout, honest) = setup(model, &input);
        let mut rebuilt = honest.clone();
        for column in &mut rebuilt.columns {
            column.iter_mut().for_each(|v| *v = Fr::ZERO);
        }
        rebuilt.set(CellRef::z(layout.binding_row), honest.binding);
        rebuilt.outputs.clear();
        rebuild(&layout, &mut rebuilt, |_, _, _| None);
        assert_eq!(rebuilt, honest);
    }
}

#[test]
fn a_wrong_quotient_fails_the_top_remainder_limb() {
    let (layout, honest) = setup_main();
    // (q + 1, r - 2^s) on a hidden neuron with q >= 0 (so that y changes too), and on the
    // output, claiming output + 1.
    let hidden = hidden_neuron(&layout, &honest, |q| q >= 0);
    for (l, j) in [(0, hidden), (1, 0)] {
        let rows = neuron_rows(&layout, l, j);
        let activation = layout.model.layers[l].activation;
        let q = q_of(&honest, &rows);
        let mut witness = honest.clone();
        rebuild(&layout, &mut witness, |ll, jj, acc| {
            ((ll, jj) == (l, j)).then(|| block_with_q(&layout, activation, acc, q + 1))
        });
        if l == 1 {
            assert_eq!(witness.outputs[0], honest.outputs[0] + 1);
        }
        assert_fails(mock(&layout, witness), vec![lookup(rows.top_remainder)]);
    }
}

#[test]
fn a_remainder_of_2_pow_s_or_more_fails_the_top_remainder_limb() {
    // (q - 1, r + 2^s).
    let (layout, honest) = setup_main();
    let j = hidden_neuron(&layout, &honest, |q| q > 0);
    for (l, j) in [(0, j), (1, 0)] {
        let rows = neuron_rows(&layout, l, j);
        let activation = layout.model.layers[l].activation;
        let q = q_of(&honest, &rows);
        let mut witness = honest.clone();
        rebuild(&layout, &mut witness, |ll, jj, acc| {
            ((ll, jj) == (l, j)).then(|| block_with_q(&layout, activation, acc, q - 1))
        });
        assert_fails(mock(&layout, witness), vec![lookup(rows.top_remainder)]);
    }
}

#[test]
fn a_wrong_remainder_fails() {
    // Remainder limbs: low = acc + 2^11 - 2^8 z_1 in [0, 2^8), top = z_1 - 2^4 q in [0, 2^4).
    let (layout, honest) = setup_main();
    let limbs = |j: usize| {
        let rows = neuron_rows(&layout, 0, j);
        let acc = int(honest.get(CellRef::z(rows.block)));
        let z1 = int(honest.get(CellRef::z(rows.block + 1)));
        (rows, acc + 2048 - 256 * z1, z1 - 16 * q_of(&honest, &rows))
    };
    let j = (0..10)
        .find(|&j| {
            let (_, low, top) = limbs(j);
            low < 255 && top < 15
        })
        .expect("a neuron with spare room in both limbs");
    let (rows, _, _) = limbs(j);
    let z1 = CellRef::z(rows.block + 1);
    // z_1 + 1: the low limb drops by 2^8, the top one grows by 1 and stays in range.
    let mut witness = honest.clone();
    add(&mut witness, z1, 1);
    assert_fails(mock(&layout, witness), vec![lookup(rows.block)]);
    // z_1 - 1/2^8: the low limb grows by 1 (in range), the top one is no integer.
    let mut witness = honest.clone();
    let value = witness.get(z1) - Fr::from(256).invert().unwrap();
    witness.set(z1, value);
    assert_fails(mock(&layout, witness), vec![lookup(rows.top_remainder)]);
    // The block of acc + 1 instead of acc (its own remainder): the copy from the dot chain
    // breaks on both ends (the lie stays local when q does not change).
    let mut witness = honest.clone();
    let activation = Activation::Relu;
    rebuild(&layout, &mut witness, |l, jj, acc| {
        ((l, jj) == (0, j)).then(|| honest_block(&layout, activation, acc + 1))
    });
    assert_eq!(q_of(&witness, &rows), q_of(&honest, &rows));
    assert_fails(
        mock(&layout, witness),
        vec![perm(rows.last_acc), perm(CellRef::z(rows.block))],
    );
}

#[test]
fn a_relu_output_must_follow_the_sign() {
    let (layout, honest) = setup_main();
    let negative = hidden_neuron(&layout, &honest, |q| q < 0);
    let positive = hidden_neuron(&layout, &honest, |q| q > 0);
    for (j, wrong_y) in [(negative, None), (positive, Some(0))] {
        let rows = neuron_rows(&layout, 0, j);
        let q = q_of(&honest, &rows);
        // y = q for q < 0, y = 0 for q > 0, carried through the output layer.
        let y = wrong_y.unwrap_or(q);
        let mut witness = honest.clone();
        rebuild(&layout, &mut witness, |l, jj, acc| {
            ((l, jj) == (0, j)).then(|| Forged {
                y,
                ..honest_block(&layout, Activation::Relu, acc)
            })
        });
        assert_fails(mock(&layout, witness), vec![relu(rows.output)]);
        // The same lie in one cell: the output neuron's copy of y breaks too.
        let mut witness = honest.clone();
        witness.set(CellRef::z(rows.output), i128_to_field(y));
        assert_fails(
            mock(&layout, witness),
            vec![
                relu(rows.output),
                perm(CellRef::z(rows.output)),
                perm(x_cell(&layout, 1, 0, j)),
            ],
        );
    }
}

#[test]
fn an_activation_out_of_range_has_no_witness_and_fails_the_sign_limb() {
    // acc = 2^s x + bias: with bias = 2^s, q = floor((acc + 2^(s-1)) / 2^s) = x + 1; with
    // bias = -2^s, q = x - 1.
    let high = single_neuron(ONE, ONE, Activation::Identity);
    let low = single_neuron(ONE, -ONE, Activation::Identity);
    for (model, x, q) in [(&high, HALF - 2, HALF - 1), (&low, -HALF + 1, -HALF)] {
        let (layout, witness) = setup(model.clone(), &[x]);
        assert_eq!(witness.outputs, vec![q]);
        assert_eq!(mock(&layout, witness), Ok(()));
    }
    for (model, x, q) in [(&high, HALF - 1, HALF), (&low, -HALF, -HALF - 1)] {
        let layout =
            Arc::new(MlpLayout::with_dot_width(model.clone(), MAX_DOT_WIDTH).expect("valid model"));
        assert_eq!(
            MlpWitness::generate(&layout, &[x], binding()),
            Err(WitnessError::ActivationOutOfRange {
                layer: 0,
                neuron: 0,
                value: q.into()
            })
        );
        // Forcing the cells: the sign limb is 2 (q = 2^(b-1)) or p - 1 (q = -2^(b-1) - 1).
        for activation in [Activation::Identity, Activation::Relu] {
            let mut model = model.clone();
            model.layers[0].activation = activation;
            let (layout, mut witness) = setup(model, &[0]);
            witness.inputs = vec![x];
            rebuild(&layout, &mut witness, |_, _, _| None);
            let rows = neuron_rows(&layout, 0, 0);
            let mut expected = vec![lookup(rows.sign)];
            if activation == Activation::Relu {
                // y = max(q, 0) but sign * q = 2q, or -q.
                expected.push(relu(rows.output));
            }
            assert_fails(mock(&layout, witness), expected);
        }
    }

    // A huge weight in a random model.
    let mut model = random_model(&[4, 5, 2], MlpParams::default(), 4);
    model.layers[0].weights[2][1] = 1 << 40;
    let input = random_input(&model, 4);
    let layer = &model.layers[0];
    let acc: i128 = i128::from(layer.biases[2])
        + layer.weights[2]
            .iter()
            .zip(&input)
            .map(|(&w, &x)| i128::from(w) * i128::from(x))
            .sum::<i128>();
    let q = (acc + 2048).div_euclid(4096);
    assert!(q.abs() >= HALF.into());
    let layout = MlpLayout::with_dot_width(model, MAX_DOT_WIDTH).expect("valid model");
    assert_eq!(
        MlpWitness::generate(&layout, &input, binding()),
        Err(WitnessError::ActivationOutOfRange {
            layer: 0,
            neuron: 2,
            value: q
        })
    );
}

#[test]
fn an_accumulator_off_by_one_fails_the_dot_gate() {
    let (layout, honest) = setup_main();
    let rows = neuron_rows(&layout, 0, 3);
    let first = rows.placement.dot_start;
    assert_eq!(rows.last_acc.row, first + 1);
    // The chain's first accumulator: its own row and the chained row that reads it.
    let mut witness = honest.clone();
    add(
        &mut witness,
        CellRef {
            lane: Lane::Acc,
            row: first,
        },
        1,
    );
    assert_fails(mock(&layout, witness), vec![dot(first), dot(first + 1)]);
    // The last accumulator alone: its row, and the copy into the rescale block.
    let mut witness = honest.clone();
    add(&mut witness, rows.last_acc, 1);
    assert_fails(
        mock(&layout, witness),
        vec![
            dot(rows.last_acc.row),
            perm(rows.last_acc),
            perm(CellRef::z(rows.block)),
        ],
    );
    // The last accumulator and everything after it follow acc + 1: only the gate fails.
    let mut witness = honest.clone();
    rebuild(&layout, &mut witness, |l, j, acc| {
        ((l, j) == (0, 3)).then(|| honest_block(&layout, Activation::Relu, acc + 1))
    });
    add(&mut witness, rows.last_acc, 1);
    assert_fails(mock(&layout, witness), vec![dot(rows.last_acc.row)]);
}

#[test]
fn an_input_cell_must_equal_its_source() {
    // The output neuron reads hidden activation 8 through slot 2 of its second row; that
    // activation has no other reader, so its copy cycle is {y, x}.
    let (layout, honest) = setup_main();
    let x = x_cell(&layout, 1, 0, 8);
    assert_eq!(
        x,
        CellRef {
            lane: Lane::Input(2),
            row: layout.neurons[1][0].dot_start + 1
        }
    );
    let source = layout.neurons[0][8].output;
    let weight = layout.model.layers[1].weights[0][8];
    assert_ne!(weight, 0);
    // x + 1 alone: the dot gate and both ends of the copy.
    let mut witness = honest.clone();
    add(&mut witness, x, 1);
    assert_fails(
        mock(&layout, witness),
        vec![dot(x.row), perm(x), perm(source)],
    );
    // x + 1 with the accumulator and the output following: only the copy.
    let mut witness = honest.clone();
    rebuild(&layout, &mut witness, |l, j, acc| {
        ((l, j) == (1, 0))
            .then(|| honest_block(&layout, Activation::Identity, acc + i128::from(weight)))
    });
    add(&mut witness, x, 1);
    add(
        &mut witness,
        CellRef {
            lane: Lane::Acc,
            row: x.row,
        },
        weight.into(),
    );
    assert_fails(mock(&layout, witness), vec![perm(x), perm(source)]);
}

#[test]
fn the_instance_is_bound_to_the_cells() {
    let (layout, honest) = setup_main();
    let output_row = 1 + N_IN;
    // An entry changed in the instance (the output, the binding, an input) fails the public
    // gate on its public row, and nothing else: the cells keep their honest values.
    for index in [output_row, 0, 1 + 3] {
        let mut instance = honest.instance();
        instance[index] += Fr::ONE;
        assert_fails(
            mock_with_instance(&layout, honest.clone(), instance),
            vec![public_value(index)],
        );
    }
    // The public rows carry the instance cells' values by copy constraints: an output row
    // changed together with the instance fails the copy to the output cell.
    let mut witness = honest.clone();
    let public = CellRef::z(output_row);
    add(&mut witness, public, 1);
    let mut instance = honest.instance();
    instance[output_row] += Fr::ONE;
    assert_fails(
        mock_with_instance(&layout, witness, instance),
        vec![perm(public), perm(layout.neurons[1][0].output)],
    );
}

#[test]
fn an_input_out_of_range_has_no_witness_and_fails_the_sign_limb() {
    let (layout, honest) = setup_main();
    for (value, fits) in [
        (HALF - 1, true),
        (-HALF, true),
        (HALF, false),
        (-HALF - 1, false),
    ] {
        let mut input = honest.inputs.clone();
        input[2] = value;
        let generated = MlpWitness::generate(&layout, &input, binding());
        if fits {
            assert_eq!(mock(&layout, generated.expect("in range")), Ok(()));
            continue;
        }
        assert_eq!(
            generated,
            Err(WitnessError::InputOutOfRange { index: 2, value })
        );
        // Forced: the sign limb of the input's block is 2 or p - 1; the network downstream
        // stays in range.
        let mut witness = honest.clone();
        witness.inputs = input;
        rebuild(&layout, &mut witness, |_, _, _| None);
        assert_fails(
            mock(&layout, witness),
            vec![lookup(layout.input_rows[2] + 3)],
        );
    }
}

#[test]
fn zero_has_one_encoding() {
    // Input 0 and two neurons with q = 0 (one ReLU, one identity).
    let (layout, honest) = {
        let mut model = random_model(&[N_IN, 10, 1], MlpParams::default(), 7);
        model.layers[0].weights[5] = vec![0; N_IN];
        model.layers[0].biases[5] = 0;
        model.layers[1].weights[0] = (0..10).map(|j| if j == 5 { ONE } else { 0 }).collect();
        model.layers[1].biases[0] = 0;
        let mut input = random_input(&model, 7);
        input[4] = 0;
        setup(model, &input)
    };
    assert_eq!(honest.outputs, vec![0]);
    assert_eq!(mock(&layout, honest.clone()), Ok(()));
    // The other encoding (m = 2^(b-1), sign = 0): the top magnitude limb is 2^7.
    let input_block = layout.input_rows[4];
    let hidden = neuron_rows(&layout, 0, 5);
    let output = neuron_rows(&layout, 1, 0);
    for (sign, top_magnitude) in [
        (input_block + 3, input_block + 2),
        (hidden.sign, hidden.top_magnitude),
        (output.sign, output.top_magnitude),
    ] {
        assert_eq!(honest.get(CellRef::z(sign)), Fr::ONE);
        assert_eq!(honest.get(CellRef::z(top_magnitude)), Fr::from(128));
        let mut witness = honest.clone();
        witness.set(CellRef::z(sign), Fr::ZERO);
        // For the ReLU neuron y = 0 = sign * q still holds: only the limb fails.
        assert_fails(mock(&layout, witness), vec![lookup(top_magnitude)]);
    }
}

/// `MlpWitness::generate` computes a layer's neurons with rayon and collects them into a
/// `Result`, which keeps whichever error a thread reports first: with several neurons out of
/// range, the reported neuron varies from run to run.
#[test]
fn the_first_out_of_range_neuron_is_reported() {
    let n = 64;
    let weights = (0..n)
        .map(|j| {
            vec![
                if j == 20 || j == 32 || j == 48 {
                    1 << 40
                } else {
                    1
                };
                4
            ]
        })
        .collect();
    let model = QuantizedMlp {
        params: MlpParams::default(),
        layers: vec![layer(weights, vec![0; n], Activation::Identity)],
    };
    let layout = MlpLayout::with_dot_width(model, MAX_DOT_WIDTH).expect("valid model");
    let reported: BTreeSet<usize> = (0..200)
        .map(
            |_| match MlpWitness::generate(&layout, &[4096; 4], binding()) {
                Err(WitnessError::ActivationOutOfRange { neuron, .. }) => neuron,
                other => panic!("{other:?}"),
            },
        )
        .collect();
    assert_eq!(reported, BTreeSet::from([20]));
}

#[test]
fn every_constrained_cell_is_checked_and_only_weightless_slots_are_free() {
    let (layout, honest) = setup_main();
    let cells = constrained_cells(&layout);
    // All of the range lane (9 public rows: binding, 7 inputs, the output; 7 input blocks of
    // 4, 10 rescale blocks of 6 with a ReLU row, one of 6), every accumulator after the empty
    // dot row 0, and every sourced input slot (10 neurons read 7 inputs, the output neuron 10
    // activations).
    assert_eq!((layout.range_len, layout.dot_len()), (9 + 28 + 70 + 6, 23));
    assert_eq!(layout.dot_rows[0], None);
    assert_eq!(cells.len(), layout.range_len + 22 + (10 * N_IN + 10));
    for cell in cells {
        let mut witness = honest.clone();
        add(&mut witness, cell, 1);
        assert!(mock(&layout, witness).is_err(), "{cell:?} + 1 verifies");
    }
    // Input slots without a source (weight 0) are unconstrained, and harmless.
    let mut free = 0;
    for (row, sources) in layout.dot_sources.iter().enumerate().skip(1) {
        for (slot, source) in sources.iter().enumerate() {
            if source.is_none() {
                assert_eq!(
                    layout.dot_rows[row].as_ref().map(|r| r.weights[slot]),
                    Some(0)
                );
                let mut witness = honest.clone();
                add(
                    &mut witness,
                    CellRef {
                        lane: Lane::Input(slot),
                        row,
                    },
                    12345,
                );
                assert_eq!(mock(&layout, witness), Ok(()));
                free += 1;
            }
        }
    }
    // Each hidden neuron reads 7 inputs in 12 slots, the output neuron 10.
    assert_eq!(free, 10 * 5 + 2);
}
