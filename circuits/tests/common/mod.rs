//! Shared helpers for the circuit tests: models, the mock prover, failure matching, and a
//! cell-level rebuild of the MLP witness that lets a test play a dishonest prover.
#![allow(dead_code)]

pub mod range_test;

use std::sync::Arc;

use halo2_proofs::{
    dev::{FailureLocation, MockProver, VerifyFailure},
    halo2curves::bn256::Fr,
    plonk::{Any, Circuit, Column, Fixed},
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use zkmlp_circuits::chips::dot::MAX_DOT_WIDTH;
use zkmlp_circuits::{
    chips::range::running_sum,
    field::i128_to_field,
    layout::{BlockKind, NeuronPlacement},
    min_k, Activation, CellRef, Lane, MlpCircuit, MlpLayout, MlpParams, MlpWitness, QuantizedLayer,
    QuantizedMlp,
};

/// A random model with the given layer sizes; weights in `[-2^s, 2^s]` (real `[-1, 1]`).
pub fn random_model(sizes: &[usize], params: MlpParams, seed: u64) -> QuantizedMlp {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let one = 1i64 << params.scale_bits;
    let layers = sizes
        .windows(2)
        .enumerate()
        .map(|(i, pair)| QuantizedLayer {
            weights: (0..pair[1])
                .map(|_| {
                    (0..pair[0])
                        .map(|_| rng.gen_range(-one..=one) / pair[0] as i64)
                        .collect()
                })
                .collect(),
            biases: (0..pair[1])
                .map(|_| rng.gen_range(-one * one..=one * one) / 4)
                .collect(),
            activation: if i + 2 == sizes.len() {
                Activation::Identity
            } else {
                Activation::Relu
            },
        })
        .collect();
    QuantizedMlp { params, layers }
}

/// Random quantized features in real `[-2, 2]`.
pub fn random_input(model: &QuantizedMlp, seed: u64) -> Vec<i64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
    let bound = 2i64 << model.params.scale_bits;
    (0..model.input_size())
        .map(|_| rng.gen_range(-bound..=bound))
        .collect()
}

/// The binding value every test witness is bound to.
pub fn binding() -> Fr {
    Fr::from(0xb1d)
}

/// Layout and honest witness.
pub fn setup(model: QuantizedMlp, input: &[i64]) -> (Arc<MlpLayout>, MlpWitness) {
    let layout = Arc::new(MlpLayout::with_dot_width(model, MAX_DOT_WIDTH).expect("valid model"));
    let witness = MlpWitness::generate(&layout, input, binding()).expect("honest witness");
    (layout, witness)
}

/// Runs the mock prover on a witness against its own instance.
pub fn mock(layout: &Arc<MlpLayout>, witness: MlpWitness) -> Result<(), Vec<VerifyFailure>> {
    let instance = witness.instance();
    mock_with_instance(layout, witness, instance)
}

/// Runs the mock prover against a given instance.
pub fn mock_with_instance(
    layout: &Arc<MlpLayout>,
    witness: MlpWitness,
    instance: Vec<Fr>,
) -> Result<(), Vec<VerifyFailure>> {
    let circuit = MlpCircuit::new(layout.clone(), Arc::new(witness));
    MockProver::run(min_k(layout), &circuit, vec![instance])
        .expect("synthesis")
        .verify()
}

/// Assigns 0 to `anchor` on row 0, so that the mock prover's region offsets are absolute rows.
pub fn anchor_row_zero(region: &mut halo2_proofs::circuit::Region<'_, Fr>, anchor: Column<Fixed>) {
    region.assign_fixed(anchor, 0, Fr::from(0));
}

/// Runs the mock prover on a chip test circuit without instance columns.
pub fn mock_chip<C: Circuit<Fr>>(k: u32, circuit: &C) -> Result<(), Vec<VerifyFailure>> {
    MockProver::run(k, circuit, vec![])
        .expect("synthesis")
        .verify()
}

/// A column of a failed copy constraint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Col {
    /// Advice column by index (for the MLP circuit, [`Lane::index`]).
    Advice(usize),
    /// Instance column by index.
    Instance(usize),
    /// Fixed column by index.
    Fixed(usize),
}

impl Col {
    /// The advice column of an MLP lane.
    pub fn lane(lane: Lane) -> Self {
        Col::Advice(lane.index())
    }
}

/// A failure reduced to what a test names: its kind and the gate, constraint or lookup.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Failure {
    /// A gate's named constraint failed on an absolute row.
    Constraint {
        gate: String,
        constraint: String,
        row: usize,
    },
    /// The named lookup failed on an absolute row.
    Lookup { name: String, row: usize },
    /// A copy constraint failed at a cell.
    Permutation { column: Col, row: usize },
    /// Anything else.
    Other(String),
}

/// The range chip's lookup failing on `row`.
pub fn lookup(row: usize) -> Failure {
    Failure::Lookup {
        name: "limb in range".into(),
        row,
    }
}

/// The dot-product constraint failing on `row`.
pub fn dot(row: usize) -> Failure {
    Failure::Constraint {
        gate: "dot product".into(),
        constraint: "acc = (q - 1) * acc_prev + bias + sum w_i x_i".into(),
        row,
    }
}

/// The ReLU constraint failing on `row`.
pub fn relu(row: usize) -> Failure {
    Failure::Constraint {
        gate: "relu".into(),
        constraint: "y = sign * q".into(),
        row,
    }
}

/// A copy constraint failing at an MLP cell.
pub fn perm(cell: CellRef) -> Failure {
    Failure::Permutation {
        column: Col::lane(cell.lane),
        row: cell.row,
    }
}

/// The public-value gate failing on public row `row`: the row's value differs from the
/// instance's `row`-th entry.
pub fn public_value(row: usize) -> Failure {
    Failure::Constraint {
        gate: "public".into(),
        constraint: "z = instance".into(),
        row,
    }
}

/// Absolute row of a failure. halo2-axiom's `SimpleFloorPlanner` places every region at row
/// 0, but its mock prover reports offsets from the first row on which the region assigns a
/// *fixed* cell (advice and selectors do not count). Every test circuit has a single region
/// with a fixed cell on row 0 (the MLP circuit's first dot row; an anchor column in the chip
/// tests), so offsets are absolute rows. Permutation failures name advice or instance cells,
/// which the mock prover never attributes to a region: they come as absolute rows too.
fn row_of(location: &FailureLocation) -> usize {
    match location {
        FailureLocation::InRegion { offset, .. } => *offset,
        FailureLocation::OutsideRegion { row } => *row,
    }
}

fn col_of(column: &halo2_proofs::dev::metadata::Column) -> Col {
    match column.column_type() {
        Any::Advice(_) => Col::Advice(column.index()),
        Any::Instance => Col::Instance(column.index()),
        Any::Fixed => Col::Fixed(column.index()),
    }
}

/// Reduces mock-prover failures for matching, sorted so that a test can state the exact
/// multiset of failures without depending on the order in which halo2 reports them (it
/// sorts lookup failures by the looked-up value, not by row).
pub fn failures(result: Result<(), Vec<VerifyFailure>>) -> Vec<Failure> {
    let Err(failures) = result else {
        return Vec::new();
    };
    let mut reduced: Vec<Failure> = failures
        .iter()
        .map(|f| match f {
            VerifyFailure::ConstraintNotSatisfied {
                constraint,
                location,
                ..
            } => {
                // Display: "Constraint 0 ('name') in gate 1 ('gate')"
                let text = constraint.to_string();
                let names: Vec<&str> = text.split('\'').collect();
                Failure::Constraint {
                    gate: names.get(3).unwrap_or(&"").to_string(),
                    constraint: names.get(1).unwrap_or(&"").to_string(),
                    row: row_of(location),
                }
            }
            VerifyFailure::Lookup { name, location, .. } => Failure::Lookup {
                name: name.clone(),
                row: row_of(location),
            },
            VerifyFailure::Permutation { column, location } => Failure::Permutation {
                column: col_of(column),
                row: row_of(location),
            },
            other => Failure::Other(format!("{other:?}")),
        })
        .collect();
    reduced.sort();
    reduced
}

/// Asserts that `result` failed with exactly `expected` (as a multiset).
#[track_caller]
pub fn assert_fails(result: Result<(), Vec<VerifyFailure>>, mut expected: Vec<Failure>) {
    expected.sort();
    assert!(
        !expected.is_empty(),
        "use assert_eq!(.., Ok(())) for success"
    );
    assert_eq!(failures(result), expected);
}

/// Integer value of a field element that encodes a small signed integer.
pub fn int(value: Fr) -> i128 {
    zkmlp_circuits::field::field_to_i128(&value).expect("small value")
}

/// Named rows of one neuron's cells.
#[derive(Clone, Copy, Debug)]
pub struct NeuronRows {
    /// The neuron's placement.
    pub placement: NeuronPlacement,
    /// Its last accumulator cell.
    pub last_acc: CellRef,
    /// First row of the rescale block, holding `z_0 = acc`.
    pub block: usize,
    /// Row of the top remainder limb (`z_(n_r - 1)`).
    pub top_remainder: usize,
    /// Row holding `q`.
    pub q: usize,
    /// Row of the top magnitude limb.
    pub top_magnitude: usize,
    /// Row holding the sign bit.
    pub sign: usize,
    /// Row holding the neuron's activation (`q` for identity).
    pub output: usize,
}

/// The rows of neuron `j` of layer `l`.
pub fn neuron_rows(layout: &MlpLayout, l: usize, j: usize) -> NeuronRows {
    let placement = layout.neurons[l][j];
    let block = placement.block_start;
    let len = layout.schedule.rescale.len();
    NeuronRows {
        placement,
        last_acc: CellRef {
            lane: Lane::Acc,
            row: placement.dot_start + placement.dot_rows - 1,
        },
        block,
        top_remainder: block + layout.schedule.remainder_rows - 1,
        q: block + layout.schedule.remainder_rows,
        top_magnitude: block + len - 2,
        sign: block + len - 1,
        output: placement.output.row,
    }
}

/// The dot-lane cell through which neuron `j` of layer `l` reads input `i`.
pub fn x_cell(layout: &MlpLayout, l: usize, j: usize, i: usize) -> CellRef {
    let dot = layout.dot_width;
    CellRef {
        lane: Lane::Input(i % dot),
        row: layout.neurons[l][j].dot_start + i / dot,
    }
}

/// Every advice cell the circuit assigns and constrains: the range lane (but a leaky ReLU
/// frame's filler rows), the accumulators, and the input slots that have a source (slots without one carry weight 0 and are free).
/// Dot row 0 is left out: a dot-gate failure there makes halo2-axiom's mock prover panic
/// while it formats the report (the gate's `acc_prev` query wraps to a poisoned row).
pub fn constrained_cells(layout: &MlpLayout) -> Vec<CellRef> {
    // The range lane's blocks and ReLU rows (Poseidon blocks there are listed below).
    let z_end = layout
        .blocks
        .iter()
        .map(|&(start, kind)| start + layout.block_schedule(kind).len())
        .chain(layout.relu_rows.iter().map(|row| row + 1))
        .max()
        .unwrap_or(1);
    // A leaky ReLU's frame rows between `d` and the sign hold nothing (see `chips::leaky`).
    let m = layout.schedule.magnitude_rows;
    let mut free: std::collections::HashSet<usize> = (layout.leaky.iter())
        .flat_map(|p| p.frame + 1..p.frame + m)
        .collect();
    // A split range lane's rows skipped at column ends hold nothing (see `layout::lanes`).
    if layout.lane_rows > 0 {
        let mut used: std::collections::HashSet<usize> = (0..layout.public_len()).collect();
        for &(start, kind) in &layout.blocks {
            used.extend(start..start + layout.block_schedule(kind).len());
        }
        used.extend(layout.relu_rows.iter().copied());
        free.extend((0..z_end).filter(|row| !used.contains(row)));
    }
    let mut cells: Vec<CellRef> = (0..z_end)
        .filter(|row| !free.contains(row))
        .map(CellRef::z)
        .collect();
    for (row, sources) in layout.dot_sources.iter().enumerate().skip(1) {
        let bias_row = layout
            .neurons
            .iter()
            .flatten()
            .any(|n| n.bias_row == Some(row));
        if layout.dot_rows[row].is_some() || bias_row {
            cells.push(CellRef {
                lane: Lane::Acc,
                row,
            });
        }
        for (slot, source) in sources.iter().enumerate() {
            if source.is_some() {
                cells.push(CellRef {
                    lane: Lane::Input(slot),
                    row,
                });
                if layout.visibility.weights_are_witnessed() {
                    cells.push(CellRef {
                        lane: Lane::Weight {
                            slot,
                            dot_width: layout.dot_width,
                        },
                        row,
                    });
                }
            }
        }
    }
    cells.extend(hash_cells(layout));
    cells
}

/// The packing cells of a segment: every packed value and running packed element.
fn packing_cells(segment: &zkmlp_circuits::layout::PackSegment) -> Vec<CellRef> {
    (segment.start..segment.start + segment.cells.len())
        .flat_map(|row| [Lane::Input(0), Lane::Acc].map(|lane| CellRef { lane, row }))
        .collect()
}

/// The packing, Poseidon and Horner cells that a gate or copy reads: every packed value and
/// running packed element; every state row; the squares of S-boxed elements; the absorbed
/// elements (the second only when it is not padding); every Horner `acc`, and `c` and `w`
/// on the gated rows (all but the chain's first).
pub fn hash_cells(layout: &MlpLayout) -> Vec<CellRef> {
    use zkmlp_circuits::chips::poseidon::{
        is_full_round, permutations, ROUNDS, ROWS_PER_PERMUTATION,
    };
    let mut cells = Vec::new();
    if let Some(fold) = &layout.fold {
        cells.extend(packing_cells(&fold.segment));
        for t in 0..fold.words() {
            let [acc, c, w] = fold.row_cells(t);
            cells.push(acc);
            if t > 0 {
                cells.extend([c, w]);
            }
        }
    }
    for plan in &layout.hashes {
        for segment in &plan.segments {
            cells.extend(packing_cells(segment));
        }
        let len = plan.message_cells().len();
        let lane = |i: usize| layout.hash_lanes[i];
        for block in 0..permutations(len) {
            let absorb = plan.start + block * ROWS_PER_PERMUTATION;
            cells.push(CellRef {
                lane: lane(0),
                row: absorb,
            });
            if 2 * block + 1 < len {
                cells.push(CellRef {
                    lane: lane(1),
                    row: absorb,
                });
            }
            for round in 0..=ROUNDS {
                let state = absorb + 1 + 2 * round;
                cells.extend((0..3).map(|i| CellRef {
                    lane: lane(i),
                    row: state,
                }));
                if round < ROUNDS {
                    let squared = if is_full_round(round) { 3 } else { 1 };
                    cells.extend((0..squared).map(|i| CellRef {
                        lane: lane(i),
                        row: state + 1,
                    }));
                }
            }
        }
    }
    cells
}

/// A neuron's rescale block and activation as a (possibly dishonest) prover fills them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Forged {
    /// The block's running sum `z_0 .. z_(n-1)`.
    pub block: Vec<i128>,
    /// The activation written to the output cell and fed to the next layer.
    pub y: i128,
}

/// The spec's dense layers and rescale computed directly, with `activate(activation, q)` after
/// each neuron.
pub fn forward_with(
    model: &QuantizedMlp,
    input: &[i64],
    activate: impl Fn(Activation, i128) -> i128,
) -> Vec<i128> {
    let s = model.params.scale_bits;
    let mut x: Vec<i128> = input.iter().map(|&v| v.into()).collect();
    for layer in &model.layers {
        x = (layer.weights.iter().zip(&layer.biases))
            .map(|(row, &b)| {
                let products = row.iter().zip(&x).map(|(&w, &v)| i128::from(w) * v);
                let acc = i128::from(b) + products.sum::<i128>();
                activate(layer.activation, (acc + (1 << (s - 1))).div_euclid(1 << s))
            })
            .collect();
    }
    x
}

/// Asserts that `model` (whose layer 0 has a fixed-weight activation) is refused under every
/// witnessed-weight visibility.
#[track_caller]
pub fn assert_needs_fixed_weights(model: &QuantizedMlp) {
    use zkmlp_circuits::{SpecError, Visibility, VisibilitySettings};
    for weights in [Visibility::Private, Visibility::Public, Visibility::Hashed] {
        let visibility = VisibilitySettings {
            weights,
            ..Default::default()
        };
        assert!(matches!(
            MlpLayout::with_visibility(model.clone(), 1, visibility),
            Err(SpecError::UnsupportedActivation { layer: 0, .. })
        ));
    }
}

/// `y` for a given `q` under `activation`.
pub fn activate(activation: Activation, q: i128) -> i128 {
    match activation {
        Activation::Relu => q.max(0),
        Activation::Identity => q,
        Activation::LeakyRelu { .. } => unreachable!("leaky_chip.rs covers leaky ReLU"),
        Activation::Squash(_) => unreachable!("squash_chip.rs covers sigmoid and tanh"),
    }
}

/// The honest block of an accumulator (even out of range: the running sum of `acc`).
pub fn honest_block(layout: &MlpLayout, activation: Activation, acc: i128) -> Forged {
    let block = running_sum(acc, layout.block_schedule(BlockKind::Rescale));
    let y = activate(activation, block[layout.schedule.remainder_rows]);
    Forged { block, y }
}

/// A block claiming quotient `q` for `acc`: the remainder limbs below the top one are the
/// honest ones, so the discrepancy lands on the top remainder limb; `q` is decomposed
/// honestly into magnitude and sign.
pub fn block_with_q(layout: &MlpLayout, activation: Activation, acc: i128, q: i128) -> Forged {
    let n_r = layout.schedule.remainder_rows;
    let mut block = running_sum(acc, layout.block_schedule(BlockKind::Rescale));
    block.truncate(n_r);
    block.extend(running_sum(q, &layout.schedule.signed));
    Forged {
        block,
        y: activate(activation, q),
    }
}

/// Recomputes every advice cell from `witness.inputs` (and leaves the binding alone), exactly
/// as the layout describes, independently of [`MlpWitness::generate`]. Values are not
/// range-checked, so out-of-range inputs and activations are written as they are.
/// `forge(layer, neuron, acc)` may replace a neuron's rescale block and activation; the rest of
/// the network, `witness.outputs` and the public rows follow the forged activation.
pub fn rebuild(
    layout: &MlpLayout,
    witness: &mut MlpWitness,
    mut forge: impl FnMut(usize, usize, i128) -> Option<Forged>,
) {
    let dot = layout.dot_width;
    let signed = layout.block_schedule(BlockKind::Signed).to_vec();
    let inputs = witness.inputs.clone();
    for (&value, &row) in inputs.iter().zip(&layout.input_rows) {
        for (i, z) in running_sum(value.into(), &signed).into_iter().enumerate() {
            witness.set(CellRef::z(row + i), i128_to_field(z));
        }
    }
    let mut activations: Vec<i128> = inputs.iter().map(|&v| v.into()).collect();
    for (l, (layer, placements)) in layout.model.layers.iter().zip(&layout.neurons).enumerate() {
        let mut next = Vec::with_capacity(placements.len());
        for (j, placement) in placements.iter().enumerate() {
            let mut acc = i128::from(layer.biases[j]);
            for (i, (&w, &x)) in layer.weights[j].iter().zip(&activations).enumerate() {
                acc += i128::from(w) * x;
                witness.set(x_cell(layout, l, j, i), i128_to_field(x));
                let last_in_row = i % dot == dot - 1 || i + 1 == activations.len();
                if last_in_row {
                    let row = placement.dot_start + i / dot;
                    witness.set(
                        CellRef {
                            lane: Lane::Acc,
                            row,
                        },
                        i128_to_field(acc),
                    );
                }
            }
            let forged =
                forge(l, j, acc).unwrap_or_else(|| honest_block(layout, layer.activation, acc));
            for (i, &z) in forged.block.iter().enumerate() {
                witness.set(CellRef::z(placement.block_start + i), i128_to_field(z));
            }
            witness.set(placement.output, i128_to_field(forged.y));
            next.push(forged.y);
        }
        activations = next;
    }
    witness.outputs = activations
        .into_iter()
        .map(|y| i64::try_from(y).expect("test outputs fit i64"))
        .collect();
    witness.copy_public_rows(layout);
}

/// The instance a witness claims: the values of its own instance cells (binding, inputs,
/// outputs), so that a tampered input or output cell is checked by the circuit's own
/// constraints rather than by its copy to an honest instance.
pub fn claimed_instance(layout: &MlpLayout, witness: &MlpWitness) -> Vec<Fr> {
    layout
        .instance_cells()
        .into_iter()
        .map(|cell| witness.get(cell))
        .collect()
}

/// Runs the mock prover on a witness against the instance its cells claim (copied to the
/// public rows, as a prover claiming them would).
pub fn mock_claimed(
    layout: &Arc<MlpLayout>,
    mut witness: MlpWitness,
) -> Result<(), Vec<VerifyFailure>> {
    witness.copy_public_rows(layout);
    let instance = claimed_instance(layout, &witness);
    mock_with_instance(layout, witness, instance)
}
