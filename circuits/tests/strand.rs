//! Packed ("stranded") fixed weights (`chips::strand`): packed circuits compute exactly the
//! integer reference, the planner packs only where it pays, and a prover cannot move value
//! between slots.

mod common;

use std::sync::Arc;

use common::*;
use ff::Field;
use halo2_proofs::halo2curves::bn256::Fr;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use zkmlp_circuits::{
    chips::{
        leaky::leaky_relu,
        strand::{accumulator_bound, slot_bits, Strands, STRAND_FIELD_BITS},
        LIMB_BITS, WIDE_LIMB_BITS,
    },
    field::i128_to_field,
    Activation, CellRef, Lane, MlpLayout, MlpParams, MlpWitness, QuantizedMlp, Visibility,
    VisibilitySettings, WitnessError,
};

/// The spec's integer forward pass, written out independently of the crate; `None` where a
/// value leaves `[-2^(b-1), 2^(b-1))`.
fn reference(model: &QuantizedMlp, input: &[i64]) -> Option<Vec<i64>> {
    let (s, b) = (model.params.scale_bits, model.params.activation_bits);
    let half = 1i128 << (b - 1);
    let in_range = |v: i128| (-half..half).contains(&v);
    let mut x: Vec<i128> = input.iter().map(|&v| v.into()).collect();
    if !x.iter().all(|&v| in_range(v)) {
        return None;
    }
    for layer in &model.layers {
        let mut next = Vec::new();
        for (weights, &bias) in layer.weights.iter().zip(&layer.biases) {
            let acc = (weights.iter().zip(&x))
                .fold(i128::from(bias), |a, (&w, &v)| a + i128::from(w) * v);
            let q = (acc + (1 << (s - 1))).div_euclid(1 << s);
            if !in_range(q) {
                return None;
            }
            next.push(match layer.activation {
                Activation::Relu => q.max(0),
                Activation::Identity => q,
                Activation::LeakyRelu { alpha } => leaky_relu(q, alpha, s, b)?,
                Activation::Squash(spec) => spec.apply(q, s, b)?.2.into(),
            });
        }
        x = next;
    }
    Some(x.into_iter().map(|v| v as i64).collect())
}

/// A layout with every packable layer packed.
fn packed(model: QuantizedMlp, width: usize, batch: usize, limb_bits: u32) -> Arc<MlpLayout> {
    let layout = MlpLayout::plan_packed(
        model,
        width,
        batch,
        VisibilitySettings::default(),
        limb_bits,
        true,
    )
    .expect("valid model");
    assert!(
        layout.strands.iter().any(Strands::is_packed),
        "some layer is packed"
    );
    Arc::new(layout)
}

/// The range-lane row of `z0` of neuron `j` of layer `l`, and its value.
fn z0(layout: &MlpLayout, witness: &MlpWitness, l: usize, j: usize) -> (CellRef, Fr) {
    let cell = CellRef::z(layout.neurons[l][j].block_start);
    (cell, witness.get(cell))
}

/// The dot-lane cell holding the copy of slot `p`'s `z0` in the unpacking terms of neuron
/// `j`'s chain (`p >= 1`).
fn unpack_cell(layout: &MlpLayout, l: usize, j: usize) -> CellRef {
    let neuron = layout.neurons[l][j];
    assert!(neuron.strand >= 1);
    let term = layout.model.layers[l].input_size() + neuron.strand - 1;
    CellRef {
        lane: Lane::Input(term % layout.dot_width),
        row: neuron.dot_start + term / layout.dot_width,
    }
}

/// Recomputes every packed chain's accumulators from the fixed rows and the `z` cells the
/// chain reads, and every copied input from its source: what a prover who changed some `z0`
/// cells must do for the dot gate and the copies to hold.
fn resync_dot_lane(layout: &MlpLayout, witness: &mut MlpWitness) {
    for (row, sources) in layout.dot_sources.iter().enumerate() {
        for (slot, source) in sources.iter().enumerate() {
            if let Some(source) = source {
                let value = witness.get(CellRef::z(*source));
                witness.set(
                    CellRef {
                        lane: Lane::Input(slot),
                        row,
                    },
                    value,
                );
            }
        }
    }
    for neuron in layout.neurons.iter().flatten() {
        if neuron.strand != 0
            || layout.dot_rows[neuron.dot_start]
                .as_ref()
                .unwrap()
                .packed
                .is_none()
        {
            continue;
        }
        let mut running = Fr::ZERO;
        for row in neuron.dot_start..neuron.dot_start + neuron.dot_rows {
            let dot = layout.dot_rows[row].as_ref().unwrap();
            let (weights, bias) = dot.field_values();
            running = if dot.chain { running } else { Fr::ZERO } + bias;
            for (slot, weight) in weights.iter().enumerate() {
                let x = witness.get(CellRef {
                    lane: Lane::Input(slot),
                    row,
                });
                running += *weight * x;
            }
            witness.set(
                CellRef {
                    lane: Lane::Acc,
                    row,
                },
                running,
            );
        }
    }
}

#[test]
fn slot_width_bounds_the_accumulator_and_the_rescale_range() {
    let params = MlpParams::default();
    let (s, b) = (params.scale_bits, params.activation_bits);
    for seed in 0..20 {
        let model = random_model(&[1 + seed as usize * 7, 9, 1], params, seed);
        for layer in &model.layers {
            let bits = slot_bits(layer, params);
            let z = (1u128 << (b + s - 1)) + (1u128 << (s - 1));
            let d = z + accumulator_bound(layer, params);
            // Z + M < 2^S, and S is the least such width.
            assert!(d < 1u128 << bits && d >= 1u128 << (bits - 1));
            assert!(bits >= b + s);
            let strands = Strands::widest(layer, params);
            if strands.is_packed() {
                assert!(strands.slots as u32 * strands.slot_bits <= STRAND_FIELD_BITS);
                assert!(strands.slots <= layer.output_size());
            }
        }
    }
    // The largest parameters a model may hold leave room for two slots at most.
    let mut huge = random_model(&[4, 3, 1], params, 1);
    huge.layers[0].weights[1][2] = 1 << 62;
    let strands = Strands::widest(&huge.layers[0], params);
    assert!(strands.slot_bits > 64 && strands.slots <= 3);
}

#[test]
fn packed_circuits_match_the_integer_reference() {
    let small = MlpParams {
        scale_bits: 4,
        activation_bits: 8,
    };
    let mut checked = 0;
    for seed in 0..24u64 {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let params = if seed % 3 == 0 {
            small
        } else {
            MlpParams::default()
        };
        let sizes: Vec<usize> = (0..rng.gen_range(2..=4))
            .map(|_| rng.gen_range(1..=13))
            .collect();
        let mut model = random_model(&sizes, params, seed);
        if seed % 4 == 1 {
            model.layers[0].activation = Activation::LeakyRelu { alpha: 410 };
        }
        if model
            .layers
            .iter()
            .all(|l| !Strands::widest(l, params).is_packed())
        {
            continue;
        }
        let width = 1 + seed as usize % 6;
        let batch = if seed.is_multiple_of(5) { 2 } else { 1 };
        let limbs = if seed % 2 == 0 {
            LIMB_BITS
        } else {
            WIDE_LIMB_BITS
        };
        let layout = packed(model.clone(), width, batch, limbs);
        let mut input = random_input(&model, seed);
        if batch == 2 {
            input.extend(random_input(&model, seed + 100));
        }
        let expected: Option<Vec<i64>> = input
            .chunks(model.input_size())
            .map(|item| reference(&model, item))
            .collect::<Option<Vec<_>>>()
            .map(|items| items.concat());
        match MlpWitness::generate(&layout, &input, binding()) {
            Ok(witness) => {
                assert_eq!(Some(witness.outputs.clone()), expected, "seed {seed}");
                assert_eq!(mock(&layout, witness), Ok(()), "seed {seed}");
                checked += 1;
            }
            Err(WitnessError::ActivationOutOfRange { .. }) => assert_eq!(expected, None),
            Err(e) => panic!("seed {seed}: {e}"),
        }
    }
    assert!(checked >= 12, "only {checked} models verified");
}

#[test]
fn an_unpacked_neuron_count_that_is_not_a_multiple_of_p_verifies() {
    // 13 outputs in slots of 7: groups of 7 and 6 (the last chain one unpacking term short).
    let model = random_model(&[5, 13, 2], MlpParams::default(), 3);
    let layout = packed(model.clone(), 4, 1, LIMB_BITS);
    assert_eq!(layout.strands[0].slots, 7);
    let slots: Vec<usize> = layout.neurons[0].iter().map(|n| n.strand).collect();
    assert_eq!(slots, [0, 1, 2, 3, 4, 5, 6, 0, 1, 2, 3, 4, 5]);
    let input = random_input(&model, 3);
    let witness = MlpWitness::generate(&layout, &input, binding()).expect("honest");
    assert_eq!(Some(witness.outputs.clone()), reference(&model, &input));
    assert_eq!(mock(&layout, witness), Ok(()));
}

/// A packed 5-13-2 circuit, its honest witness, and the two neurons (1 and 2 of layer 0)
/// whose slots the attacks move value between.
fn attack_setup() -> (Arc<MlpLayout>, MlpWitness) {
    let model = random_model(&[5, 13, 2], MlpParams::default(), 3);
    let layout = packed(model.clone(), 4, 1, LIMB_BITS);
    let witness = MlpWitness::generate(&layout, &random_input(&model, 3), binding()).unwrap();
    assert_eq!(mock(&layout, witness.clone()), Ok(()));
    (layout, witness)
}

/// Moves `2^S * carry` from slot `p + 1` into slot `p` of the chain of neurons `p`, `p + 1`
/// of layer 0 (`z0_p + carry 2^S`, `z0_(p+1) - carry`), keeps the chain consistent, and
/// returns the mock prover's verdict.
fn shift_between_slots(p: usize, carry: i64) -> (Arc<MlpLayout>, Vec<Failure>) {
    let (layout, mut witness) = attack_setup();
    let bits = layout.strands[0].slot_bits;
    let (low, low_value) = z0(&layout, &witness, 0, p);
    let (high, high_value) = z0(&layout, &witness, 0, p + 1);
    let shift = i128_to_field(i128::from(carry) << bits);
    witness.set(low, low_value + shift);
    witness.set(high, high_value - i128_to_field(carry.into()));
    resync_dot_lane(&layout, &mut witness);
    (layout.clone(), failures(mock_claimed(&layout, witness)))
}

#[test]
fn a_carry_into_the_next_slot_fails_the_rescale_lookup() {
    // acc_p + 2^S, acc_(p+1) - 1: the packed sum and the chain still hold, but z0_p leaves
    // the rescale block's range: its first limb no longer fits.
    for p in [0, 1, 4] {
        let (layout, found) = shift_between_slots(p, 1);
        assert_eq!(
            found,
            vec![lookup(layout.neurons[0][p].block_start)],
            "slot {p}"
        );
    }
}

#[test]
fn a_slot_that_borrows_from_its_neighbour_fails_the_rescale_lookup() {
    // acc_p - 2^S, acc_(p+1) + 1.
    for p in [0, 2] {
        let (layout, found) = shift_between_slots(p, -1);
        assert_eq!(
            found,
            vec![lookup(layout.neurons[0][p].block_start)],
            "slot {p}"
        );
    }
}

#[test]
fn a_fully_decomposed_carry_fails_the_top_limb() {
    // The strongest carry: z0_p + 2^S with its whole block recomputed, so every limb but the
    // sign row fits; q is out of range, so the sign row's lookup fails.
    let (layout, mut witness) = attack_setup();
    let bits = layout.strands[0].slot_bits;
    let rescale = layout.schedule.rescale.clone();
    let neuron = layout.neurons[0][1];
    let acc = int(witness.get(CellRef::z(neuron.block_start)));
    let forged = zkmlp_circuits::chips::range::running_sum(acc + (1i128 << bits), &rescale);
    for (i, &v) in forged.iter().enumerate() {
        witness.set(CellRef::z(neuron.block_start + i), i128_to_field(v));
    }
    let (high, value) = z0(&layout, &witness, 0, 2);
    witness.set(high, value - Fr::ONE);
    resync_dot_lane(&layout, &mut witness);
    let found = failures(mock_claimed(&layout, witness));
    let sign_row = neuron.block_start + rescale.len() - 1;
    assert!(found.contains(&lookup(sign_row)), "{found:?}");
    assert!(found
        .iter()
        .all(|f| matches!(f, Failure::Lookup { .. } | Failure::Constraint { .. })));
}

#[test]
fn a_wrong_unpack_cell_fails_its_copy_and_the_dot_gate() {
    let (layout, mut witness) = attack_setup();
    let cell = unpack_cell(&layout, 0, 3);
    witness.set(cell, witness.get(cell) + Fr::ONE);
    let source = CellRef::z(layout.neurons[0][3].block_start);
    assert_fails(
        mock_claimed(&layout, witness),
        vec![perm(cell), perm(source), dot(cell.row)],
    );
}

#[test]
fn a_wrong_unpack_cell_with_a_consistent_chain_fails_its_copy() {
    // The prover changes the copy of z0_3 and recomputes the chain from there: the dot gate
    // holds, slot 0's block start no longer equals the chain's end, and the copy is wrong.
    let (layout, mut witness) = attack_setup();
    let cell = unpack_cell(&layout, 0, 3);
    let (z0_3, value) = z0(&layout, &witness, 0, 3);
    witness.set(z0_3, value + Fr::ONE);
    resync_dot_lane(&layout, &mut witness);
    witness.set(z0_3, value);
    let leader = layout.neurons[0][0];
    let end = CellRef {
        lane: Lane::Acc,
        row: leader.dot_start + leader.dot_rows - 1,
    };
    let found = failures(mock_claimed(&layout, witness));
    assert!(found.contains(&perm(cell)), "{found:?}");
    assert!(found.contains(&perm(end)) || found.contains(&perm(CellRef::z(leader.block_start))));
    assert!(
        found
            .iter()
            .all(|f| matches!(f, Failure::Permutation { .. })),
        "{found:?}"
    );
}

#[test]
fn the_planner_keeps_the_unpacked_circuit_where_packing_does_not_pay() {
    // The example's shape is range-lane bound: packing saves dot rows but not k.
    let model = random_model(&[8, 16, 16, 1], MlpParams::default(), 1);
    let planned = MlpLayout::new(model.clone()).unwrap();
    let unpacked = MlpLayout::with_packing(model, 1, VisibilitySettings::default(), false).unwrap();
    assert!(planned.strands.iter().all(|s| !s.is_packed()));
    assert_eq!(planned.dot_rows, unpacked.dot_rows);
    assert_eq!(planned.dot_sources, unpacked.dot_sources);
    assert_eq!(planned.blocks, unpacked.blocks);
    assert_eq!(planned.neurons, unpacked.neurons);
    assert_eq!(planned.dot_width, unpacked.dot_width);
}

#[test]
fn the_planner_packs_a_dot_bound_model_and_it_verifies() {
    let model = random_model(&[48, 96, 1], MlpParams::default(), 5);
    let planned = Arc::new(MlpLayout::new(model.clone()).unwrap());
    let unpacked =
        MlpLayout::with_packing(model.clone(), 1, VisibilitySettings::default(), false).unwrap();
    assert!(planned.strands[0].is_packed(), "{:?}", planned.strands);
    let cost = |l: &MlpLayout| l.prover_columns() << zkmlp_circuits::min_k(l);
    assert!(cost(&planned) < cost(&unpacked));
    assert!(planned.dot_len() < unpacked.dot_len());
    let input = random_input(&model, 5);
    let witness = MlpWitness::generate(&planned, &input, binding()).unwrap();
    assert_eq!(Some(witness.outputs.clone()), reference(&model, &input));
    assert_eq!(mock(&planned, witness), Ok(()));
}

#[test]
fn witnessed_weights_are_never_packed() {
    let model = random_model(&[48, 96, 1], MlpParams::default(), 5);
    for weights in [Visibility::Private, Visibility::Public, Visibility::Hashed] {
        let visibility = VisibilitySettings {
            weights,
            ..VisibilitySettings::default()
        };
        let layout = MlpLayout::with_visibility(model.clone(), 1, visibility).unwrap();
        assert!(layout.strands.iter().all(|s| !s.is_packed()));
        let forced =
            MlpLayout::plan_packed(model.clone(), 2, 1, visibility, LIMB_BITS, true).unwrap();
        assert!(forced.strands.iter().all(|s| !s.is_packed()));
        assert!(forced.dot_rows.iter().flatten().all(|r| r.packed.is_none()));
    }
}

#[test]
fn each_input_is_copied_once_per_chain() {
    let model = random_model(&[10, 12, 1], MlpParams::default(), 9);
    let layout = packed(model, 3, 1, LIMB_BITS);
    let slots = layout.strands[0].slots;
    let copies_of_input_0 = (layout.dot_sources.iter().flatten())
        .filter(|s| **s == Some(layout.input_rows[0]))
        .count();
    assert_eq!(copies_of_input_0, 12usize.div_ceil(slots));
}

#[test]
fn packed_weights_verify_under_hashed_inputs_and_folded_outputs() {
    // Fixed weights with hashed inputs and outputs, and with folded outputs (a batch of 2):
    // the packing and Poseidon rows share the side lanes with the packed chains.
    let model = random_model(&[6, 9, 3], MlpParams::default(), 21);
    let mut input = random_input(&model, 21);
    input.extend(random_input(&model, 22));
    for outputs in [Visibility::Hashed, Visibility::Folded] {
        let visibility = VisibilitySettings {
            inputs: Visibility::Hashed,
            weights: Visibility::Fixed,
            outputs,
        };
        let layout = MlpLayout::plan_packed(model.clone(), 3, 2, visibility, LIMB_BITS, true)
            .expect("valid model");
        assert!(layout.strands[0].is_packed());
        let layout = Arc::new(layout);
        let witness = MlpWitness::generate(&layout, &input, binding()).expect("honest");
        let expected: Vec<i64> = input
            .chunks(6)
            .flat_map(|item| reference(&model, item).expect("in range"))
            .collect();
        assert_eq!(witness.outputs, expected);
        assert_eq!(mock(&layout, witness), Ok(()), "{outputs}");
    }
}

#[test]
fn packed_chains_are_grouped_for_the_fewest_dot_rows() {
    // 16 neurons of 8, then of 16 inputs, at W = 4: a group of p neurons has inputs + p - 1
    // terms, so groups of `slots` (13 or 14 terms with 6 or 7 slots, 4 rows) waste a row that
    // groups of 5 (12 terms, 3 rows) do not
    let model = random_model(&[8, 16, 16, 1], MlpParams::default(), 7);
    let width = 4;
    let layout = packed(model.clone(), width, 1, LIMB_BITS);
    for layer in 0..2 {
        let slots = layout.strands[layer].slots;
        let inputs = model.layers[layer].input_size();
        let rows = |p: usize| (inputs + p - 1).div_ceil(width);
        // each group: its neurons share a chain start; sizes in order
        let mut chains: Vec<(usize, usize, usize)> = Vec::new();
        for n in &layout.neurons[layer] {
            match chains.last_mut() {
                Some((start, _, size)) if *start == n.dot_start => *size += 1,
                _ => chains.push((n.dot_start, n.dot_rows, 1)),
            }
        }
        assert!(chains.iter().all(|&(_, r, p)| p <= slots && r == rows(p)));
        let planned: usize = chains.iter().map(|&(_, r, _)| r).sum();
        // the fewest rows over every split of 16 neurons into groups of at most `slots`
        // (an independent search), and what chunks of `slots` would take
        fn fewest(n: usize, slots: usize, rows: &dyn Fn(usize) -> usize) -> usize {
            (1..=slots.min(n))
                .map(|p| {
                    rows(p)
                        + if p == n {
                            0
                        } else {
                            fewest(n - p, slots, rows)
                        }
                })
                .min()
                .unwrap_or(0)
        }
        let chunked: usize = (0..16)
            .collect::<Vec<usize>>()
            .chunks(slots)
            .map(|g| rows(g.len()))
            .sum();
        assert_eq!(planned, fewest(16, slots, &rows), "layer {layer}");
        assert!(
            planned < chunked,
            "layer {layer}: {planned} rows, chunks {chunked}"
        );
    }
    let input = random_input(&model, 7);
    let witness = MlpWitness::generate(&layout, &input, binding()).expect("honest");
    assert_eq!(Some(witness.outputs.clone()), reference(&model, &input));
    assert_eq!(mock(&layout, witness), Ok(()));
}
