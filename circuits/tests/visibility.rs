//! Visibility modes: public, private and hashed inputs and outputs; fixed, public, private and
//! hashed weights. Each mode proves under the mock prover with the instance the layout says,
//! and each tampering that the mode must catch fails with its specific failure.

mod common;

use std::sync::Arc;

use common::{
    binding, failures, lookup, mock, mock_with_instance, perm, public_value, random_input,
    random_model, Failure,
};
use halo2_proofs::halo2curves::bn256::Fr;
use zkmlp_circuits::{
    chips::{
        pack::pack,
        poseidon::{self, ABSORB, MIX, SQUARE},
        range::running_sum,
    },
    field::i128_to_field,
    layout::Part,
    CellRef, Lane, MlpLayout, MlpParams, MlpWitness, QuantizedMlp, Visibility, VisibilitySettings,
};

const ALL_IO: [Visibility; 3] = [Visibility::Public, Visibility::Private, Visibility::Hashed];
const ALL_WEIGHTS: [Visibility; 4] = [
    Visibility::Fixed,
    Visibility::Public,
    Visibility::Private,
    Visibility::Hashed,
];

fn small_model(seed: u64) -> QuantizedMlp {
    random_model(&[3, 4, 2], MlpParams::default(), seed)
}

fn settings(inputs: Visibility, weights: Visibility, outputs: Visibility) -> VisibilitySettings {
    VisibilitySettings {
        inputs,
        weights,
        outputs,
    }
}

fn honest(
    model: QuantizedMlp,
    visibility: VisibilitySettings,
    width: usize,
) -> (Arc<MlpLayout>, MlpWitness) {
    let layout = Arc::new(MlpLayout::plan_with(model, width, 1, visibility).expect("valid"));
    let input = random_input(&layout.model, 3);
    let witness = MlpWitness::generate(&layout, &input, binding()).expect("honest");
    (layout, witness)
}

/// The instance each mode exposes, computed independently of the layout's cell plan.
fn expected_instance(
    model: &QuantizedMlp,
    visibility: VisibilitySettings,
    witness: &MlpWitness,
) -> Vec<Fr> {
    let bits = model.params.activation_bits;
    let field = |v: &i64| i128_to_field((*v).into());
    let mut instance = vec![binding()];
    let part = |values: &[i64], v: Visibility, instance: &mut Vec<Fr>| match v {
        Visibility::Public => instance.extend(values.iter().map(field)),
        Visibility::Hashed => instance.push(poseidon::hash(&pack(values, bits))),
        _ => {}
    };
    part(&witness.inputs, visibility.inputs, &mut instance);
    let weights: Vec<i64> = model
        .layers
        .iter()
        .flat_map(|l| l.weights.iter().flatten().copied())
        .collect();
    let biases: Vec<i64> = model
        .layers
        .iter()
        .flat_map(|l| l.biases.iter().copied())
        .collect();
    match visibility.weights {
        Visibility::Public => instance.extend(weights.iter().chain(&biases).map(field)),
        Visibility::Hashed => {
            let wb = zkmlp_circuits::spec::signed_bits(&weights);
            let bb = zkmlp_circuits::spec::signed_bits(&biases);
            let mut message = pack(&weights, wb);
            message.extend(pack(&biases, bb));
            instance.push(poseidon::hash(&message));
        }
        _ => {}
    }
    part(&witness.outputs, visibility.outputs, &mut instance);
    instance
}

#[test]
fn every_mode_proves_with_the_instance_it_states() {
    for (index, &inputs) in ALL_IO.iter().enumerate() {
        for &weights in &ALL_WEIGHTS {
            for &outputs in &ALL_IO {
                let visibility = settings(inputs, weights, outputs);
                for width in [1, 2] {
                    let model = small_model(index as u64);
                    let (layout, witness) = honest(model.clone(), visibility, width);
                    assert_eq!(
                        witness.instance(),
                        expected_instance(&model, visibility, &witness),
                        "{visibility:?}"
                    );
                    mock(&layout, witness)
                        .unwrap_or_else(|f| panic!("{visibility:?} width {width}: {f:?}"));
                }
            }
        }
    }
}

fn constraint(gate: &str, constraint: &str, row: usize) -> Failure {
    Failure::Constraint {
        gate: gate.into(),
        constraint: constraint.into(),
        row,
    }
}

/// Runs the mock prover on `witness` with one cell overwritten; returns the failures.
fn tampered(
    layout: &Arc<MlpLayout>,
    witness: &MlpWitness,
    cell: CellRef,
    value: Fr,
) -> Vec<Failure> {
    let mut bad = witness.clone();
    assert_ne!(bad.get(cell), value, "a tampering must change the cell");
    bad.set(cell, value);
    failures(mock(layout, bad))
}

fn assert_contains(found: &[Failure], expected: &[Failure]) {
    for failure in expected {
        assert!(
            found.contains(failure),
            "expected {failure:?} among {found:?}"
        );
    }
}

fn hashed_weights() -> VisibilitySettings {
    settings(Visibility::Public, Visibility::Hashed, Visibility::Public)
}

#[test]
fn permutation_matches_the_published_test_vector() {
    // poseidonperm_x5_254_3 from the reference implementation (Grassi et al.); circomlib's
    // Poseidon(1, 2) is the first element.
    let mut state = [Fr::from(0), Fr::from(1), Fr::from(2)];
    poseidon::permute(&mut state);
    let hex: Vec<String> = state.iter().map(|v| format!("{v:?}")).collect();
    assert_eq!(
        hex,
        [
            "0x115cc0f5e7d690413df64c6b9662e9cf2a3617f2743245519e19607a4417189a",
            "0x0fca49b798923ab0239de1c9e7a4a9a2210312b6a2f616d18b5a87f9b628ae29",
            "0x0e7ae82e40091e63cbd4f16a6d16310b3729d4b6e138fcf54110e2867045a30c",
        ]
    );
}

#[derive(Debug)]
struct Reference;

impl poseidon_primitives::poseidon::primitives::Spec<Fr, 3, 2> for Reference {
    fn full_rounds() -> usize {
        8
    }
    fn partial_rounds() -> usize {
        57
    }
    fn sbox(value: Fr) -> Fr {
        value.square().square() * value
    }
    fn secure_mds() -> usize {
        0
    }
}

fn reference_hash<const L: usize>(message: [Fr; L]) -> Fr {
    use poseidon_primitives::poseidon::primitives::{ConstantLength, Hash};
    Hash::<Fr, Reference, ConstantLength<L>, 3, 2>::init().hash(message)
}

#[test]
fn sponge_matches_poseidon_primitives_constant_length_hash() {
    let m = |i: u64| Fr::from(i * 7919 + 3);
    assert_eq!(poseidon::hash(&[m(1)]), reference_hash([m(1)]));
    assert_eq!(poseidon::hash(&[m(1), m(2)]), reference_hash([m(1), m(2)]));
    assert_eq!(
        poseidon::hash(&[m(1), m(2), m(3)]),
        reference_hash([m(1), m(2), m(3)])
    );
    let five = [m(1), m(2), m(3), m(4), -m(5)];
    assert_eq!(poseidon::hash(&five), reference_hash(five));
    assert_ne!(
        poseidon::hash(&[m(1), m(2)]),
        poseidon::hash(&[m(1), m(2), Fr::from(0)])
    );
}

#[test]
fn wrong_weights_fail_against_the_committed_hash() {
    let model = small_model(7);
    let mut other = model.clone();
    other.layers[1].weights[0][2] += 1;
    let (layout, witness) = honest(model, hashed_weights(), 1);
    let (other_layout, other_witness) = honest(other, hashed_weights(), 1);
    assert_eq!(layout.weight_bits, other_layout.weight_bits);
    let digest_index = 1 + layout.model.input_size();
    assert_ne!(
        witness.instance()[digest_index],
        other_witness.instance()[digest_index]
    );
    // The other model's honest witness, checked against this model's commitment.
    let mut instance = other_witness.instance();
    instance[digest_index] = witness.instance()[digest_index];
    let found = failures(mock_with_instance(&other_layout, other_witness, instance));
    assert_contains(&found, &[public_value(digest_index)]);
}

#[test]
fn other_features_fail_against_the_committed_input_hash() {
    let visibility = settings(Visibility::Hashed, Visibility::Fixed, Visibility::Public);
    let (layout, witness) = honest(small_model(8), visibility, 1);
    let mut input = witness.inputs.clone();
    input[1] += 1;
    let other = MlpWitness::generate(&layout, &input, binding()).expect("honest");
    let found = failures(mock_with_instance(&layout, other, witness.instance()));
    assert_contains(&found, &[public_value(1)]);
}

#[test]
fn tampered_poseidon_cells_fail_their_round_gates() {
    for width in [1, 2] {
        let (layout, witness) = honest(small_model(9), hashed_weights(), width);
        let plan = &layout.hashes[0];
        let lanes = layout.hash_lanes;
        let state_row = |round: usize| plan.start + 1 + 2 * round;
        let cell = |lane: Lane, row: usize| CellRef { lane, row };
        let one = Fr::from(1);

        // A state element entering full round 2: round 1 no longer mixes into it.
        let target = cell(lanes[1], state_row(2));
        let found = tampered(&layout, &witness, target, witness.get(target) + one);
        assert_contains(
            &found,
            &[
                constraint("poseidon full round", MIX[1], state_row(1)),
                constraint("poseidon full round", SQUARE[1], state_row(2)),
            ],
        );

        // The stored square of a partial round's S-box.
        let target = cell(lanes[0], state_row(10) + 1);
        let found = tampered(&layout, &witness, target, witness.get(target) + one);
        assert_contains(
            &found,
            &[constraint(
                "poseidon partial round",
                SQUARE[0],
                state_row(10),
            )],
        );

        // A state element of a partial round that the S-box does not touch.
        let target = cell(lanes[2], state_row(20));
        let found = tampered(&layout, &witness, target, witness.get(target) + one);
        assert_contains(
            &found,
            &[
                constraint("poseidon partial round", MIX[2], state_row(19)),
                constraint("poseidon partial round", MIX[0], state_row(20)),
            ],
        );

        // An absorbed element: the absorb gate and its copy from the packing chain fail.
        let target = cell(lanes[0], plan.start);
        let found = tampered(&layout, &witness, target, witness.get(target) + one);
        assert_contains(
            &found,
            &[
                constraint("poseidon absorb", ABSORB[0], plan.start),
                perm(target),
            ],
        );

        // The capacity element of the first block.
        let target = cell(lanes[2], state_row(0));
        let found = tampered(&layout, &witness, target, witness.get(target) + one);
        assert_contains(
            &found,
            &[constraint("poseidon absorb", ABSORB[2], plan.start)],
        );

        // The digest itself.
        let digest = layout.digest_cell(plan);
        let found = tampered(&layout, &witness, digest, witness.get(digest) + one);
        assert_contains(
            &found,
            &[
                constraint("poseidon full round", MIX[0], digest.row - 2),
                perm(digest),
            ],
        );
    }
}

#[test]
fn tampered_packing_cells_fail_the_pack_gate() {
    let (layout, witness) = honest(small_model(10), hashed_weights(), 1);
    let segment = &layout.hashes[0].segments[0];
    let one = Fr::from(1);
    let pack_gate = |row| constraint("pack", "acc = factor * acc_prev + offset + value", row);
    // A running packed value mid-chain.
    let target = CellRef {
        lane: Lane::Acc,
        row: segment.start + 2,
    };
    let found = tampered(&layout, &witness, target, witness.get(target) + one);
    assert_contains(
        &found,
        &[pack_gate(segment.start + 2), pack_gate(segment.start + 3)],
    );
    // A packed value: its copy from the range-checked weight fails, and so does the gate.
    let target = CellRef {
        lane: Lane::Input(0),
        row: segment.start + 4,
    };
    let found = tampered(&layout, &witness, target, witness.get(target) + one);
    assert_contains(&found, &[pack_gate(segment.start + 4), perm(target)]);
}

#[test]
fn witnessed_weights_are_tied_to_their_range_checked_cells() {
    let visibility = settings(Visibility::Public, Visibility::Private, Visibility::Public);
    for width in [1, 2] {
        let (layout, witness) = honest(small_model(11), visibility, width);
        let weight_lane = Lane::Weight {
            slot: 0,
            dot_width: width,
        };
        let neuron = layout.neurons[0][1];
        let one = Fr::from(1);
        // The weight a dot row multiplies by.
        let target = CellRef {
            lane: weight_lane,
            row: neuron.dot_start,
        };
        let found = tampered(&layout, &witness, target, witness.get(target) + one);
        assert_contains(&found, &[perm(target), common::dot(neuron.dot_start)]);
        // The bias the chain starts from.
        let bias = CellRef {
            lane: Lane::Acc,
            row: neuron.bias_row.expect("witnessed bias"),
        };
        let found = tampered(&layout, &witness, bias, witness.get(bias) + one);
        assert_contains(&found, &[perm(bias), common::dot(neuron.dot_start)]);
    }
}

#[test]
fn an_out_of_range_weight_fails_its_range_check() {
    let visibility = settings(Visibility::Public, Visibility::Private, Visibility::Public);
    let (layout, witness) = honest(small_model(12), visibility, 1);
    let row = layout.weight_rows[0][0][0];
    let out_of_range = 1i128 << (layout.weight_bits - 1);
    let mut bad = witness.clone();
    let sums = running_sum(out_of_range, &layout.weight_schedule);
    for (i, &v) in sums.iter().enumerate() {
        bad.set(CellRef::z(row + i), i128_to_field(v));
    }
    let sign_row = row + sums.len() - 1;
    let found = failures(mock(&layout, bad));
    assert_contains(&found, &[lookup(sign_row)]);
}

#[test]
fn private_parts_leave_the_instance() {
    let visibility = settings(
        Visibility::Private,
        Visibility::Private,
        Visibility::Private,
    );
    let (layout, witness) = honest(small_model(13), visibility, 1);
    assert_eq!(
        layout.instance_cells(),
        vec![CellRef::z(layout.binding_row)]
    );
    assert_eq!(witness.instance(), vec![binding()]);
    for part in [Part::Inputs, Part::Weights, Part::Outputs] {
        assert!(layout.part_instance_cells(part).is_empty());
    }
}

#[test]
fn hashed_weights_layouts_do_not_depend_on_weight_values() {
    let model = small_model(14);
    let mut other = model.clone();
    other.layers[0].weights[1][0] -= 3;
    other.layers[1].biases[0] += 5;
    let a = MlpLayout::plan_with(model, 1, 1, hashed_weights()).expect("valid");
    let b = MlpLayout::plan_with(other, 1, 1, hashed_weights()).expect("valid");
    assert_eq!((a.weight_bits, a.bias_bits), (b.weight_bits, b.bias_bits));
    assert_eq!(
        a.dot_rows, b.dot_rows,
        "fixed columns must not carry witnessed weights"
    );
    assert_eq!(a.circuit_params(), b.circuit_params());
}
