//! Witness mutation harness: every advice cell that a gate, the lookup or a copy constraint
//! reads ([`constrained_cells`]) is replaced, one at a time, by a list of wrong values, and
//! the mock prover must reject every mutant.
//!
//! Each mutant is checked against the instance its own cells claim ([`claimed_instance`]): a
//! prover who changes an input or output cell also publishes the changed value, so the
//! mutant must be caught by the circuit's constraints, not by a copy to the honest
//! instance. The binding cell is the exception: any binding is a valid statement (the
//! circuit only carries it), so a changed binding is checked against the honest instance,
//! where the public-value gate must catch it. A changed public row (rows `1..n` of the range
//! lane, which carry copies of the public values for the gate of `chips::public`) is
//! published as is, and its copy to the value's cell must catch it.
//!
//! Wrong values, for an honest value `v`: `v + 1`, `v - 1`, `0`, `p - 1` (`-1`), `-v`,
//! `(p + 1) / 2` (`1/2`), `2^b`, `2^(b-1)`, `-2^(b-1) - 1` (`b = activation_bits`, the bounds of
//! the sign and magnitude limbs), `2^s`, `v + 2^s`, `v - 2^s` (the remainder's bound), `2^8`
//! and `2^12` (a full limb's bound, narrow and wide), and one random field element. A value
//! equal to `v` is skipped (at the default `s = 12`, `2^12` is `2^s`).
//!
//! Small models run exhaustively, one of them as a batch of two inferences in one circuit,
//! the same batch again with 12-bit range limbs (`MlpLayout::plan_with_limbs`), one with
//! one-bit limbs checked by the bit gate (`chips::range`, no lookup); two of
//! them have leaky ReLU layers (a positive and a negative slope) and tanh and sigmoid layers
//! (every cell of their gadgets: grid blocks, clamps, lookup rows, output blocks).
//! The 8-16-16-1 model (the example's shape, planned with the production dot width) runs on
//! a fixed-seed sample of 250 of its 1,072 cells by default; set `ZKMLP_EXHAUSTIVE=1` (or
//! run the ignored test) for every cell (14,118 mutants). The same shape planned for the
//! verifier (`PlanObjective::Verifier`: one-bit limbs, k = 11) runs on a sample of 250 cells,
//! every cell with `ZKMLP_EXHAUSTIVE=1` (2,222 cells, 30,038 mutants, 0 accepted on
//! 2026-12-02, as was the 4-6-1 model under one-bit limbs: 420 cells, 5,769 mutants):
//!
//! ```text
//! ZKMLP_EXHAUSTIVE=1 cargo test --release -p zkmlp-circuits --test mutation -- --nocapture
//! cargo test --release -p zkmlp-circuits --test mutation -- --ignored --nocapture
//! ```
//!
//! Nine small models under the visibility modes that add cells (witnessed weights, packing and
//! Poseidon rows, folded outputs; the last one with 12-bit range limbs) run on a sample of 120
//! cells each by default (1,080 cells, 14,846 mutants) and on every cell with
//! `ZKMLP_EXHAUSTIVE=1` (6,735 cells, 92,494 mutants, 0 accepted on 2026-12-01).
//!
//! Three small models with packed fixed weights (`chips::strand`: a short last chain, a batch
//! of two with 12-bit limbs, a leaky ReLU layer) run exhaustively, with two more wrong values
//! per cell, `v + 2^S` and `v - 2^S` (`S` the slot width: a carry into or a borrow from the
//! neighbouring slot): 425 cells, 6,512 mutants, 0 accepted.
//!
//! Three batches of two with every layer Freivalds-checked (`chips::freivalds`, forced on: a
//! 3-4-3-2 model, a leaky ReLU with 12-bit limbs, folded outputs) run on every first-phase
//! cell (the folded one on 150 cells unless exhaustive): 600 cells and 8,051 mutants by
//! default, 0 accepted. Their second-phase cells are mutated in `freivalds.rs`.
//!
//! [`constrained_cells`] leaves out dot row 0 and the input slots without a source: no
//! constraint reads them (the dot gate is off on row 0, the gate on row 1 multiplies its
//! `acc` by `q - 1 = 0`, and sourceless slots carry weight 0), so any value there is
//! harmless; `dot_row_0_is_read_by_nothing` checks this, and `mlp_circuit.rs` checks the
//! sourceless slots. No mutant makes the mock prover panic, and no `catch_unwind` is used.
//!
//! Real key generation and proving of a sample of such mutants (a remainder limb, the sign
//! bit, an accumulator, a copied input, a claimed output) is in `tests/malformed_proofs.rs`
//! (`mutated_witnesses_give_no_valid_proof`), which can reach the prover of the `zkmlp`
//! crate.

mod common;

use std::sync::Arc;

use common::*;
use ff::{Field, PrimeField};
use halo2_proofs::halo2curves::bn256::Fr;
use rand::{seq::SliceRandom, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use zkmlp_circuits::{
    chips::{dot::MAX_DOT_WIDTH, range::BIT_LIMBS, LIMB_BITS, WIDE_LIMB_BITS},
    spec::{Squash, SquashSpec},
    Activation, CellRef, MlpLayout, MlpParams, MlpWitness, QuantizedMlp,
};

/// What one harness run tried.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Counts {
    cells: usize,
    mutants: usize,
    accepted: usize,
}

impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, other: Self) {
        self.cells += other.cells;
        self.mutants += other.mutants;
        self.accepted += other.accepted;
    }
}

/// The wrong values tried for a cell holding `honest`, without duplicates or `honest` itself;
/// `slot_bits` are the slot widths `S` of packed layers, each adding `v + 2^S` and `v - 2^S`
/// (a carry into, or a borrow from, the neighbouring slot).
fn mutations(honest: Fr, params: MlpParams, slot_bits: &[u32], rng: &mut ChaCha8Rng) -> Vec<Fr> {
    let (s, b) = (params.scale_bits, params.activation_bits);
    let pow = |e: u32| Fr::from(2).pow_vartime([u64::from(e)]);
    let shifts = slot_bits
        .iter()
        .flat_map(|&bits| [honest + pow(bits), honest - pow(bits)]);
    let candidates = [
        honest + Fr::ONE,
        honest - Fr::ONE,
        Fr::ZERO,
        -Fr::ONE,
        -honest,
        Fr::from(2).invert().unwrap(),
        pow(b),
        pow(b - 1),
        -pow(b - 1) - Fr::ONE,
        pow(s),
        honest + pow(s),
        honest - pow(s),
        pow(8),
        pow(WIDE_LIMB_BITS),
        Fr::random(&mut *rng),
    ]
    .into_iter()
    .chain(shifts);
    let mut values: Vec<Fr> = Vec::new();
    for value in candidates {
        if value != honest && !values.contains(&value) {
            values.push(value);
        }
    }
    values
}

/// A layout and honest witness; `dot_width = None` plans it as production does.
fn honest(
    model: QuantizedMlp,
    dot_width: Option<usize>,
    seed: u64,
) -> (Arc<MlpLayout>, MlpWitness) {
    let input = random_input(&model, seed);
    let layout = match dot_width {
        Some(width) => MlpLayout::with_dot_width(model, width),
        None => MlpLayout::new(model),
    }
    .expect("valid model");
    let layout = Arc::new(layout);
    let witness = MlpWitness::generate(&layout, &input, binding()).expect("honest witness");
    assert_eq!(mock(&layout, witness.clone()), Ok(()), "the honest witness");
    (layout, witness)
}

/// Mutates `cells` (all constrained cells when `None`) and counts the accepted mutants.
fn run_harness(
    name: &str,
    layout: &Arc<MlpLayout>,
    honest: &MlpWitness,
    sample: Option<usize>,
    seed: u64,
) -> Counts {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut cells = constrained_cells(layout);
    let total = cells.len();
    if let Some(n) = sample {
        cells.shuffle(&mut rng);
        cells.truncate(n);
    }
    let binding_cell = CellRef::z(layout.binding_row);
    let public_rows = layout.public_cells();
    let honest_instance = honest.instance();
    let slot_bits: Vec<u32> = (layout.strands.iter())
        .filter(|s| s.is_packed())
        .map(|s| s.slot_bits)
        .collect();
    let mutants: Vec<(CellRef, Fr)> = cells
        .iter()
        .flat_map(|&cell| {
            mutations(honest.get(cell), layout.model.params, &slot_bits, &mut rng)
                .into_iter()
                .map(move |value| (cell, value))
        })
        .collect();
    let accepted: Vec<(CellRef, Fr)> = mutants
        .par_iter()
        .filter(|&&(cell, value)| {
            let mut witness = honest.clone();
            witness.set(cell, value);
            let result = if cell == binding_cell {
                mock_with_instance(layout, witness, honest_instance.clone())
            } else if public_rows.contains(&cell) {
                // A changed public row, published as is: its copy to the value's cell must
                // catch it.
                let instance = public_rows.iter().map(|&c| witness.get(c)).collect();
                mock_with_instance(layout, witness, instance)
            } else {
                mock_claimed(layout, witness)
            };
            result.is_ok()
        })
        .copied()
        .collect();
    let counts = Counts {
        cells: cells.len(),
        mutants: mutants.len(),
        accepted: accepted.len(),
    };
    println!(
        "mutation {name}: {} of {total} constrained cells tried, {} mutants, {} accepted",
        counts.cells, counts.mutants, counts.accepted
    );
    assert!(accepted.is_empty(), "{name}: accepted mutants {accepted:?}");
    counts
}

/// A batch of two inferences of `model` in one circuit, planned as production plans it.
fn honest_batch(model: QuantizedMlp, seed: u64) -> (Arc<MlpLayout>, MlpWitness) {
    let mut input = random_input(&model, seed);
    input.extend(random_input(&model, seed + 1));
    let layout = Arc::new(MlpLayout::new_batch(model, 2).expect("valid model"));
    let witness = MlpWitness::generate(&layout, &input, binding()).expect("honest witness");
    assert_eq!(mock(&layout, witness.clone()), Ok(()), "the honest witness");
    (layout, witness)
}

/// A batch of two inferences of `model` planned with 12-bit range limbs (`W = 2`).
fn honest_wide_batch(model: QuantizedMlp, seed: u64) -> (Arc<MlpLayout>, MlpWitness) {
    let mut input = random_input(&model, seed);
    input.extend(random_input(&model, seed + 1));
    let layout = MlpLayout::plan_with_limbs(
        model,
        2,
        2,
        zkmlp_circuits::VisibilitySettings::default(),
        WIDE_LIMB_BITS,
    )
    .expect("valid model");
    let layout = Arc::new(layout);
    assert_eq!(layout.limb_bits, WIDE_LIMB_BITS);
    let witness = MlpWitness::generate(&layout, &input, binding()).expect("honest witness");
    assert_eq!(mock(&layout, witness.clone()), Ok(()), "the honest witness");
    (layout, witness)
}

/// One inference of `model` planned with one-bit limbs, checked by the bit gate (`W = 2`).
fn honest_bit_limbs(model: QuantizedMlp, seed: u64) -> (Arc<MlpLayout>, MlpWitness) {
    let input = random_input(&model, seed);
    let visibility = zkmlp_circuits::VisibilitySettings::default();
    let layout = MlpLayout::plan_with_limbs(model, 2, 1, visibility, BIT_LIMBS);
    let layout = Arc::new(layout.expect("valid model"));
    let witness = MlpWitness::generate(&layout, &input, binding()).expect("honest witness");
    assert_eq!(mock(&layout, witness.clone()), Ok(()), "the honest witness");
    (layout, witness)
}

/// The small models, each run exhaustively.
fn small_models() -> Vec<(&'static str, Arc<MlpLayout>, MlpWitness)> {
    let small = MlpParams {
        scale_bits: 4,
        activation_bits: 6,
    };
    let mut identity_hidden = random_model(&[3, 4, 3, 2], MlpParams::default(), 13);
    identity_hidden.layers[1].activation = Activation::Identity;
    let (a, wa) = honest(
        random_model(&[2, 3, 1], MlpParams::default(), 11),
        Some(MAX_DOT_WIDTH),
        11,
    );
    let (b, wb) = honest(random_model(&[3, 4, 2], small, 12), Some(2), 12);
    let (c, wc) = honest(identity_hidden, Some(2), 13);
    let (d, wd) = honest(random_model(&[4, 6, 1], MlpParams::default(), 14), None, 14);
    let (e, we) = honest(
        random_model(&[7, 10, 1], MlpParams::default(), 7),
        Some(MAX_DOT_WIDTH),
        7,
    );
    let (f, wf) = honest_batch(random_model(&[3, 4, 2], MlpParams::default(), 15), 15);
    let (g, wg) = honest_wide_batch(random_model(&[3, 4, 2], MlpParams::default(), 16), 16);
    let mut leaky = random_model(&[3, 4, 2], MlpParams::default(), 17);
    leaky.layers[0].activation = Activation::LeakyRelu { alpha: 410 };
    leaky.layers[1].activation = Activation::LeakyRelu { alpha: -2048 };
    let (h, wh) = honest(leaky, Some(2), 17);
    let mut squashed = random_model(&[2, 2, 1], MlpParams::default(), 18);
    let s = MlpParams::default().scale_bits;
    squashed.layers[0].activation = Activation::Squash(SquashSpec::new(Squash::Tanh, s));
    squashed.layers[1].activation = Activation::Squash(SquashSpec::new(Squash::Sigmoid, s));
    let (i, wi) = honest(squashed, Some(1), 18);
    let (j, wj) = honest_bit_limbs(random_model(&[3, 4, 2], small, 19), 19);
    vec![
        ("2-3-1 (W = 6)", a, wa),
        ("3-4-2 (s = 4, b = 6, W = 2)", b, wb),
        ("3-4-3-2 (identity hidden layer, W = 2)", c, wc),
        ("4-6-1 (production W)", d, wd),
        ("7-10-1 (W = 6)", e, we),
        ("3-4-2, a batch of 2 (production W)", f, wf),
        ("3-4-2, a batch of 2, 12-bit limbs (W = 2)", g, wg),
        ("3-4-2, leaky ReLU slopes 0.1 and -0.5 (W = 2)", h, wh),
        ("2-2-1, tanh then sigmoid (W = 1)", i, wi),
        ("3-4-2 (s = 4, b = 6, W = 2), one-bit limbs", j, wj),
    ]
}

/// The example's shape, planned as production plans it (`W = 1`, `k = 9`).
fn example_model() -> (Arc<MlpLayout>, MlpWitness) {
    let (layout, witness) = honest(
        random_model(&[8, 16, 16, 1], MlpParams::default(), 1),
        None,
        1,
    );
    assert_eq!(layout.dot_width, 1);
    (layout, witness)
}

fn exhaustive() -> bool {
    std::env::var("ZKMLP_EXHAUSTIVE").is_ok_and(|v| v == "1")
}

/// Cells of the 8-16-16-1 model sampled by default (out of 1,063).
const EXAMPLE_SAMPLE: usize = 250;

/// A small model under each visibility that adds cells: witnessed weights (private, public),
/// hashed weights, hashed inputs and outputs, everything hashed, folded outputs (once with
/// 12-bit range limbs).
fn visibility_models() -> Vec<(String, Arc<MlpLayout>, MlpWitness)> {
    use zkmlp_circuits::{Visibility::*, VisibilitySettings};
    let v = |inputs, weights, outputs| VisibilitySettings {
        inputs,
        weights,
        outputs,
    };
    [
        (v(Public, Private, Public), 1, 1, LIMB_BITS),
        (v(Public, Public, Public), 2, 1, LIMB_BITS),
        (v(Public, Hashed, Public), 1, 1, LIMB_BITS),
        (v(Hashed, Fixed, Hashed), 1, 1, LIMB_BITS),
        (v(Hashed, Fixed, Hashed), 2, 1, LIMB_BITS),
        (v(Hashed, Hashed, Hashed), 2, 1, LIMB_BITS),
        // Six items, twelve outputs: two words, so the Horner gate runs.
        (v(Hashed, Fixed, Folded), 1, 6, LIMB_BITS),
        (v(Public, Hashed, Folded), 2, 6, LIMB_BITS),
        // The batch collection mode with 12-bit limbs (weight and bias blocks included).
        (v(Hashed, Hashed, Folded), 2, 6, WIDE_LIMB_BITS),
    ]
    .into_iter()
    .enumerate()
    .map(|(i, (visibility, width, batch, limb_bits))| {
        let model = random_model(&[3, 4, 2], MlpParams::default(), 20 + i as u64);
        let input: Vec<i64> = (0..batch)
            .flat_map(|item| random_input(&model, (20 + i + 1000 * item) as u64))
            .collect();
        let layout = MlpLayout::plan_with_limbs(model, width, batch, visibility, limb_bits);
        let layout = Arc::new(layout.expect("valid"));
        let witness = MlpWitness::generate(&layout, &input, binding()).expect("honest witness");
        assert_eq!(mock(&layout, witness.clone()), Ok(()), "the honest witness");
        let name = format!(
            "3-4-2 x {batch}, inputs {} / weights {} / outputs {}, W = {width}, {limb_bits}-bit limbs",
            visibility.inputs, visibility.weights, visibility.outputs
        );
        (name, layout, witness)
    })
    .collect()
}

/// Cells sampled per visibility model by default (each has one to three thousand).
const VISIBILITY_SAMPLE: usize = 120;

#[test]
fn sampled_mutants_of_every_visibility_mode_are_rejected() {
    let mut total = Counts::default();
    let sample = (!exhaustive()).then_some(VISIBILITY_SAMPLE);
    for (index, (name, layout, witness)) in visibility_models().into_iter().enumerate() {
        total += run_harness(&name, &layout, &witness, sample, 300 + index as u64);
    }
    println!(
        "mutation, visibility modes: {} cells, {} mutants, {} accepted",
        total.cells, total.mutants, total.accepted
    );
    assert_eq!(total.accepted, 0);
}

#[test]
fn every_mutant_of_a_small_model_is_rejected() {
    let mut total = Counts::default();
    for (index, (name, layout, witness)) in small_models().into_iter().enumerate() {
        total += run_harness(name, &layout, &witness, None, 100 + index as u64);
    }
    println!(
        "mutation, small models: {} cells, {} mutants, {} accepted",
        total.cells, total.mutants, total.accepted
    );
    assert_eq!(total.accepted, 0);
}

/// Small models with their fixed weights packed (`chips::strand`): one with a short last
/// chain, a batch of two with 12-bit limbs, and one with a leaky ReLU.
fn packed_models() -> Vec<(&'static str, Arc<MlpLayout>, MlpWitness)> {
    let plan = |model: QuantizedMlp, width: usize, batch: usize, limbs: u32, seed: u64| {
        let mut input = random_input(&model, seed);
        if batch == 2 {
            input.extend(random_input(&model, seed + 1));
        }
        let visibility = zkmlp_circuits::VisibilitySettings::default();
        let layout = MlpLayout::plan_packed(model, width, batch, visibility, limbs, true)
            .expect("valid model");
        assert!(layout.strands[0].is_packed());
        let layout = Arc::new(layout);
        let witness = MlpWitness::generate(&layout, &input, binding()).expect("honest witness");
        assert_eq!(mock(&layout, witness.clone()), Ok(()), "the honest witness");
        (layout, witness)
    };
    let mut leaky = random_model(&[3, 5, 2], MlpParams::default(), 19);
    leaky.layers[0].activation = Activation::LeakyRelu { alpha: 410 };
    let (a, wa) = plan(
        random_model(&[5, 9, 2], MlpParams::default(), 17),
        4,
        1,
        LIMB_BITS,
        17,
    );
    let (b, wb) = plan(
        random_model(&[3, 4, 2], MlpParams::default(), 18),
        2,
        2,
        WIDE_LIMB_BITS,
        18,
    );
    let (c, wc) = plan(leaky, 3, 1, LIMB_BITS, 19);
    vec![
        ("5-9-2 packed (P = 7, W = 4)", a, wa),
        ("3-4-2 packed, a batch of 2, 12-bit limbs (W = 2)", b, wb),
        ("3-5-2 packed, leaky ReLU (W = 3)", c, wc),
    ]
}

#[test]
fn every_mutant_of_a_packed_model_is_rejected() {
    let mut total = Counts::default();
    for (index, (name, layout, witness)) in packed_models().into_iter().enumerate() {
        total += run_harness(name, &layout, &witness, None, 400 + index as u64);
    }
    println!(
        "mutation, packed models: {} cells, {} mutants, {} accepted",
        total.cells, total.mutants, total.accepted
    );
    assert_eq!(total.accepted, 0);
}

/// Circuits whose range lane is split over several columns (`layout::lanes`): every block
/// in a column of its own, columns of a few dozen rows so that blocks, ReLU rows and copies
/// sit in every column and at column ends; public values copied to the instance, or on public
/// rows at the top of the first column.
fn split_models() -> Vec<(&'static str, Arc<MlpLayout>, MlpWitness)> {
    let plan = |model: QuantizedMlp, width: usize, packed: bool, lane_rows: usize, seed: u64| {
        let copies = lane_rows < 64;
        let mut input = random_input(&model, seed);
        input.extend(random_input(&model, seed + 1));
        let visibility = zkmlp_circuits::VisibilitySettings::default();
        let options = (LIMB_BITS, packed, copies);
        let layout = MlpLayout::plan_split_with(model, width, 2, visibility, options, lane_rows)
            .expect("a splittable model");
        assert_eq!(layout.public_copies(), copies);
        assert!(layout.range_lanes() >= 3);
        let layout = Arc::new(layout);
        let witness = MlpWitness::generate(&layout, &input, binding()).expect("honest witness");
        assert_eq!(mock(&layout, witness.clone()), Ok(()), "the honest witness");
        (layout, witness)
    };
    let (a, wa) = plan(
        random_model(&[4, 6, 3, 2], MlpParams::default(), 23),
        2,
        false,
        48,
        23,
    );
    let (b, wb) = plan(
        random_model(&[5, 7, 2], MlpParams::default(), 24),
        2,
        true,
        40,
        24,
    );
    // 15 public rows (binding, 2 x 5 features, 2 x 2 outputs) at the top of column 0
    let (c, wc) = plan(
        random_model(&[5, 7, 2], MlpParams::default(), 25),
        2,
        true,
        64,
        25,
    );
    vec![
        (
            "4-6-3-2, a batch of 2, range lane over 48-row columns (W = 2)",
            a,
            wa,
        ),
        (
            "5-7-2 packed, a batch of 2, range lane over 64-row columns with public rows (W = 2)",
            c,
            wc,
        ),
        (
            "5-7-2 packed, a batch of 2, range lane over 40-row columns (W = 2)",
            b,
            wb,
        ),
    ]
}

#[test]
fn every_mutant_of_a_split_range_lane_is_rejected() {
    let mut total = Counts::default();
    for (index, (name, layout, witness)) in split_models().into_iter().enumerate() {
        total += run_harness(name, &layout, &witness, None, 600 + index as u64);
    }
    println!(
        "mutation, split range lanes: {} cells, {} mutants, {} accepted",
        total.cells, total.mutants, total.accepted
    );
    assert_eq!(total.accepted, 0);
}

/// Batches with every layer Freivalds-checked (`chips::freivalds`, forced on): the first-phase
/// cells, i.e. the copied `x` and `y` values on `Input(0)` and the rescale blocks whose first
/// cell no chain ties any more. The second-phase cells (computed in synthesis from `ρ`) are
/// mutated in `freivalds.rs` (`every_second_phase_cell_is_constrained`).
fn freivalds_models() -> Vec<(&'static str, Arc<MlpLayout>, MlpWitness)> {
    use zkmlp_circuits::{layout::FreivaldsMode, Visibility, VisibilitySettings};
    let plan = |model: QuantizedMlp, width, limbs, visibility, seed: u64| {
        let input: Vec<i64> = (0..2)
            .flat_map(|k| random_input(&model, seed + k))
            .collect();
        let mode = FreivaldsMode::On;
        let layout = MlpLayout::plan_options(model, width, 2, visibility, limbs, false, mode)
            .expect("valid model");
        assert!(!layout.freivalds.is_empty());
        let layout = Arc::new(layout);
        let witness = MlpWitness::generate(&layout, &input, binding()).expect("honest witness");
        assert_eq!(mock(&layout, witness.clone()), Ok(()), "the honest witness");
        (layout, witness)
    };
    let plain = VisibilitySettings::default();
    let folded = VisibilitySettings {
        inputs: Visibility::Hashed,
        weights: Visibility::Fixed,
        outputs: Visibility::Folded,
    };
    let mut leaky = random_model(&[3, 5, 2], MlpParams::default(), 21);
    leaky.layers[0].activation = Activation::LeakyRelu { alpha: 410 };
    let model = |sizes: &[usize], seed| random_model(sizes, MlpParams::default(), seed);
    let (a, wa) = plan(model(&[3, 4, 3, 2], 20), 1, LIMB_BITS, plain, 20);
    let (b, wb) = plan(leaky, 2, WIDE_LIMB_BITS, plain, 21);
    let (c, wc) = plan(model(&[3, 4, 2], 22), 1, LIMB_BITS, folded, 22);
    vec![
        ("3-4-3-2 Freivalds, a batch of 2 (W = 1)", a, wa),
        ("3-5-2 Freivalds, leaky ReLU, 12-bit limbs (W = 2)", b, wb),
        ("3-4-2 Freivalds, folded outputs (W = 1)", c, wc),
    ]
}

#[test]
fn every_mutant_of_a_freivalds_batch_is_rejected() {
    let mut total = Counts::default();
    for (index, (name, layout, witness)) in freivalds_models().into_iter().enumerate() {
        // The folded one (Poseidon rows) is sampled unless exhaustive.
        let sample = (index == 2 && !exhaustive()).then_some(150);
        total += run_harness(name, &layout, &witness, sample, 500 + index as u64);
    }
    println!(
        "mutation, Freivalds batches: {} cells, {} mutants, {} accepted",
        total.cells, total.mutants, total.accepted
    );
    assert_eq!(total.accepted, 0);
}

#[test]
fn sampled_mutants_of_the_example_shape_are_rejected() {
    let (layout, witness) = example_model();
    let sample = (!exhaustive()).then_some(EXAMPLE_SAMPLE);
    let counts = run_harness("8-16-16-1", &layout, &witness, sample, 200);
    assert_eq!(counts.accepted, 0);
}

/// The example's shape under the verifier objective: one-bit range limbs checked by a gate.
fn example_model_bits() -> (Arc<MlpLayout>, MlpWitness) {
    use zkmlp_circuits::layout::{FreivaldsMode, PlanObjective};
    let model = random_model(&[8, 16, 16, 1], MlpParams::default(), 1);
    let input = random_input(&model, 1);
    let visibility = zkmlp_circuits::VisibilitySettings::default();
    let (freivalds, objective) = (FreivaldsMode::Auto, PlanObjective::Verifier);
    let layout = MlpLayout::with_objective(model, 1, visibility, true, freivalds, objective);
    let layout = Arc::new(layout.expect("valid model"));
    assert_eq!(layout.limb_bits, BIT_LIMBS);
    let witness = MlpWitness::generate(&layout, &input, binding()).expect("honest witness");
    assert_eq!(mock(&layout, witness.clone()), Ok(()), "the honest witness");
    (layout, witness)
}

#[test]
fn sampled_mutants_of_the_example_with_one_bit_limbs_are_rejected() {
    let (layout, witness) = example_model_bits();
    let sample = (!exhaustive()).then_some(EXAMPLE_SAMPLE);
    let counts = run_harness("8-16-16-1, one-bit limbs", &layout, &witness, sample, 201);
    assert_eq!(counts.accepted, 0);
}

#[test]
#[ignore = "exhaustive: about 14,000 mock-prover runs (30 s on two cores); run with --ignored"]
fn every_mutant_of_the_example_shape_is_rejected() {
    let (layout, witness) = example_model();
    let counts = run_harness("8-16-16-1 (exhaustive)", &layout, &witness, None, 200);
    assert_eq!(counts.cells, constrained_cells(&layout).len());
    assert_eq!(counts.accepted, 0);
}

#[test]
fn the_mutation_values_hit_the_bounds() {
    // The list holds the bounds named in the module docs, and never the honest value.
    let params = MlpParams::default();
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let values = mutations(Fr::from(5), params, &[], &mut rng);
    assert_eq!(values.len(), 14);
    for expected in [
        Fr::from(6),
        Fr::from(4),
        Fr::ZERO,
        -Fr::ONE,
        -Fr::from(5),
        Fr::from(1 << 24),
        Fr::from(1 << 23),
        -Fr::from((1 << 23) + 1),
        Fr::from(4096),
        Fr::from(256),
    ] {
        assert!(values.contains(&expected), "{expected:?}");
    }
    // (p + 1) / 2 is the field's 1/2.
    let half = Fr::from_str_vartime(
        "10944121435919637611123202872628637544274182200208017171849102093287904247809",
    )
    .unwrap();
    assert!(values.contains(&half));
    // Honest zero: `0`, `-0` and `v - 2^s` collapse or coincide with others and are skipped.
    let values = mutations(Fr::ZERO, params, &[], &mut rng);
    assert!(!values.contains(&Fr::ZERO));
}

#[test]
fn dot_row_0_is_read_by_nothing() {
    for (_, layout, honest) in small_models() {
        let mut witness = honest.clone();
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for lane in zkmlp_circuits::Lane::all(layout.dot_width).skip(1) {
            witness.set(CellRef { lane, row: 0 }, Fr::random(&mut rng));
        }
        assert_eq!(mock(&layout, witness), Ok(()));
    }
}
