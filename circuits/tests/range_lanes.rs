//! Split range lanes (`layout::lanes`): a split circuit computes exactly what the one-column
//! circuit computes, no block straddles a column, the blocks of a group share their rows and
//! kind, a forged value in a later column or in a padding slot fails that column's own lookup
//! or ReLU gate at its row there, a public value is bound by its copy to the instance, and the
//! planner splits only circuits it can split, only where it pays.

mod common;

use std::sync::Arc;

use common::*;
use ff::Field;
use halo2_proofs::halo2curves::bn256::Fr;
use zkmlp_circuits::{
    chips::{LIMB_BITS, WIDE_LIMB_BITS},
    layout::{lanes::lane_margin, BlockKind, FreivaldsMode, Lane, PlanObjective},
    min_k, Activation, MlpLayout, MlpParams, MlpWitness, QuantizedMlp, SpecError, Visibility,
    VisibilitySettings,
};

/// `model` planned for `batch` items at dot width `width`, its range lane split into columns
/// of `lane_rows` rows, its public values copied to the instance.
fn split(
    model: QuantizedMlp,
    (width, batch): (usize, usize),
    (limb_bits, packed): (u32, bool),
    lane_rows: usize,
) -> Arc<MlpLayout> {
    split_with(model, (width, batch), (limb_bits, packed, true), lane_rows)
}

/// As [`split`], the public values copied to the instance if `copies`, otherwise on public
/// rows at the top of range column 0.
fn split_with(
    model: QuantizedMlp,
    (width, batch): (usize, usize),
    options: (u32, bool, bool),
    lane_rows: usize,
) -> Arc<MlpLayout> {
    let visibility = VisibilitySettings::default();
    let layout = MlpLayout::plan_split_with(model, width, batch, visibility, options, lane_rows);
    Arc::new(layout.unwrap_or_else(|e| panic!("a splittable model: {e}")))
}

/// `batch` random inputs of `model`, one item after another.
fn inputs(model: &QuantizedMlp, batch: usize, seed: u64) -> Vec<i64> {
    (0..batch as u64)
        .flat_map(|i| random_input(model, seed + i))
        .collect()
}

/// The range column and row of range-lane row `row`.
fn column_row(layout: &MlpLayout, row: usize) -> (usize, usize) {
    layout.range_cell(row)
}

/// Every block, with its ReLU row if one follows, lies within one column.
#[track_caller]
fn assert_no_block_straddles(layout: &MlpLayout) {
    let relu: std::collections::HashSet<usize> = layout.relu_rows.iter().copied().collect();
    for &(start, kind) in &layout.blocks {
        let mut len = layout.block_schedule(kind).len();
        if kind == BlockKind::Rescale && relu.contains(&(start + len)) {
            len += 1;
        }
        let (first, _) = column_row(layout, start);
        let (last, _) = column_row(layout, start + len - 1);
        assert_eq!(
            first, last,
            "block at {start} ({kind:?}, {len} rows) straddles"
        );
    }
    // public values copied to the instance: the binding's row is the only public row; else
    // one public row per instance value, in column 0, above every group
    match layout.public_copies() {
        true => assert_eq!(layout.public_len(), 1),
        false => assert_eq!(layout.public_len(), layout.instance_len()),
    }
    for row in 0..layout.public_len() {
        assert_eq!(column_row(layout, row), (0, row));
    }
    for group in &layout.range_groups.groups {
        assert!(group.row >= layout.public_len());
    }
    assert!(layout.range_column_len() <= layout.lane_rows);
}

/// The blocks of each lockstep group have its kind, lie on its rows in their own columns, are
/// followed by a ReLU row exactly if the group says so, and fill its slots from the first.
#[track_caller]
fn assert_groups_in_lockstep(layout: &MlpLayout) {
    let groups = &layout.range_groups;
    assert_eq!(groups.columns, layout.range_lanes());
    let blocks: std::collections::HashMap<usize, BlockKind> =
        layout.blocks.iter().copied().collect();
    let relu: std::collections::HashSet<usize> = layout.relu_rows.iter().copied().collect();
    let mut placed = 0;
    for group in &groups.groups {
        assert!((1..=groups.columns).contains(&group.used));
        let block_rows = layout.block_schedule(group.kind).len();
        assert_eq!(group.len, block_rows + usize::from(group.relu));
        for slot in 0..groups.columns {
            let start = group.start + slot * group.len;
            for offset in 0..group.len {
                assert_eq!(
                    column_row(layout, start + offset),
                    (slot, group.row + offset)
                );
            }
            let used = slot < group.used;
            assert_eq!(
                blocks.get(&start),
                used.then_some(&group.kind),
                "slot {slot}"
            );
            assert_eq!(relu.contains(&(start + block_rows)), used && group.relu);
            placed += usize::from(used);
        }
    }
    assert_eq!(placed, layout.blocks.len(), "every block is in a group");
}

#[test]
fn a_split_circuit_verifies_and_computes_what_one_column_computes() {
    let mut padded = false;
    for (seed, limb_bits, packed, lane_rows) in [
        (1, LIMB_BITS, false, 64),
        (2, LIMB_BITS, true, 72),
        (3, WIDE_LIMB_BITS, false, 48),
        (4, WIDE_LIMB_BITS, true, 40),
    ] {
        let model = random_model(&[5, 7, 6, 2], MlpParams::default(), seed);
        let input = inputs(&model, 3, seed);
        let layout = split(model.clone(), (2, 3), (limb_bits, packed), lane_rows);
        assert!(
            layout.range_lanes() >= 3,
            "{} columns",
            layout.range_lanes()
        );
        assert_no_block_straddles(&layout);
        assert_groups_in_lockstep(&layout);
        // padding slots: more range rows than the blocks and ReLU rows use
        let used = layout.public_len()
            + (layout.blocks.iter())
                .map(|&(_, kind)| layout.block_schedule(kind).len())
                .sum::<usize>()
            + layout.relu_rows.len();
        padded |= layout.range_len > used;

        let one = MlpLayout::plan_packed(
            model,
            2,
            3,
            VisibilitySettings::default(),
            limb_bits,
            packed,
        )
        .expect("valid");
        assert_eq!(one.range_lanes(), 1);
        // every range column is shorter than the one column (k also counts the dot lane and
        // the table, which these small columns do not shorten)
        assert!(layout.range_column_len() <= lane_rows && lane_rows < one.range_len);
        let witness = MlpWitness::generate(&layout, &input, binding()).expect("honest");
        let reference = MlpWitness::generate(&Arc::new(one), &input, binding()).expect("honest");
        assert_eq!(witness.outputs, reference.outputs);
        assert_eq!(witness.instance(), reference.instance());
        assert_eq!(mock(&layout, witness), Ok(()));
    }
    assert!(padded, "some group has a padding slot");
}

/// A one-item, unpacked circuit of 12-bit limbs over columns of 40 rows, and the neuron of
/// layer 1 whose block lies in the last column it reaches (column 2 or later).
fn late_neuron() -> (Arc<MlpLayout>, MlpWitness, usize) {
    let model = random_model(&[6, 10, 8, 2], MlpParams::default(), 21);
    let input = random_input(&model, 21);
    let layout = split(model, (2, 1), (WIDE_LIMB_BITS, false), 40);
    let honest = MlpWitness::generate(&layout, &input, binding()).expect("honest");
    assert_eq!(mock(&layout, honest.clone()), Ok(()));
    let j = (0..8)
        .max_by_key(|&j| column_row(&layout, layout.neurons[1][j].block_start).0)
        .expect("eight neurons");
    assert!(column_row(&layout, layout.neurons[1][j].block_start).0 >= 2);
    (layout, honest, j)
}

#[test]
fn a_forged_quotient_in_a_later_column_fails_that_columns_lookup() {
    let (layout, honest, j) = late_neuron();
    let rows = neuron_rows(&layout, 1, j);
    // 12-bit limbs: the remainder is one limb, on the block's first row
    assert_eq!(rows.top_remainder, rows.block);
    let (column, row) = column_row(&layout, rows.top_remainder);
    assert!(column >= 2 && row != rows.top_remainder);
    let acc = int(honest.get(zkmlp_circuits::CellRef::z(rows.block)));
    let q = int(honest.get(zkmlp_circuits::CellRef::z(rows.q)));
    for d in [-3i128, -1, 1, 3] {
        let mut witness = honest.clone();
        rebuild(&layout, &mut witness, |l, n, seen| {
            (l == 1 && n == j).then(|| {
                assert_eq!(seen, acc);
                block_with_q(&layout, Activation::Relu, acc, q + d)
            })
        });
        // the lookup of that column fails on the column's row, nothing else
        assert_fails(mock_claimed(&layout, witness), vec![lookup(row)]);
    }
}

#[test]
fn a_forged_relu_output_in_a_later_column_fails_that_columns_gate() {
    let (layout, honest, j) = late_neuron();
    let rows = neuron_rows(&layout, 1, j);
    let (column, row) = column_row(&layout, rows.output);
    assert!(column >= 2 && row != rows.output);
    let acc = int(honest.get(zkmlp_circuits::CellRef::z(rows.block)));
    for wrong in [-1i128, 1, 5] {
        let mut witness = honest.clone();
        rebuild(&layout, &mut witness, |l, n, _| {
            (l == 1 && n == j).then(|| {
                let mut forged = honest_block(&layout, Activation::Relu, acc);
                forged.y += wrong;
                forged
            })
        });
        assert_fails(mock_claimed(&layout, witness), vec![relu(row)]);
    }
}

#[test]
fn plan_split_refuses_what_it_cannot_split() {
    let params = MlpParams::default();
    let model = random_model(&[5, 7, 2], params, 5);
    let default = VisibilitySettings::default();
    let refused = |model: QuantizedMlp, visibility, limb_bits, lane_rows, why: &str| {
        let options = (limb_bits, false);
        match MlpLayout::plan_split(model, 2, 2, visibility, options, lane_rows) {
            Err(SpecError::InvalidRangeSplit { reason, .. }) => {
                assert!(reason.contains(why), "{reason}")
            }
            other => panic!("{other:?}"),
        }
    };
    let mut leaky = model.clone();
    leaky.layers[0].activation = Activation::LeakyRelu { alpha: 400 };
    refused(leaky, default, LIMB_BITS, 64, "activations");
    let hashed = VisibilitySettings {
        inputs: Visibility::Hashed,
        ..default
    };
    refused(model.clone(), hashed, LIMB_BITS, 64, "hashed");
    refused(model.clone(), default, 1, 64, "one-bit");
    // a rescale block of 8-bit limbs and its ReLU row take 7 rows (one public row: the
    // binding)
    let private = VisibilitySettings {
        inputs: Visibility::Private,
        outputs: Visibility::Private,
        ..default
    };
    refused(
        model.clone(),
        private,
        LIMB_BITS,
        6,
        "more rows than a column",
    );
    refused(
        model.clone(),
        private,
        LIMB_BITS,
        7,
        "more rows than a column",
    );
    // a column of 8 rows holds the binding's row and one group: not the three groups (inputs,
    // hidden and output blocks) this model has, whatever the columns
    refused(model.clone(), private, LIMB_BITS, 8, "MAX_RANGE_LANES");
    // more columns than the key header can name
    let big = random_model(&[5, 40, 2], params, 6);
    refused(big, default, LIMB_BITS, 72, "MAX_RANGE_LANES");
}

#[test]
fn the_planner_splits_only_where_it_pays() {
    let params = MlpParams::default();
    let lanes = |layout: &MlpLayout| (min_k(layout), layout.range_lanes());
    // the range lane is the longest lane of this single inference: two columns at k = 9
    let mid = random_model(&[16, 64, 64, 1], params, 7);
    let planned = MlpLayout::new(mid.clone()).expect("valid");
    assert_eq!(lanes(&planned), (9, 2));
    // columns as high as k = 9 allows: z is read at 4 rotations (lookup and ReLU gate), so 6
    // blinding rows
    assert_eq!(planned.lane_rows, (1 << 9) - lane_margin(6));
    assert!(
        !planned.public_copies(),
        "public rows fit: the instance stays out of the permutation"
    );
    assert_no_block_straddles(&planned);
    // the example's single inference fits in 2^9 rows already
    let example = random_model(&[8, 16, 16, 1], params, 1);
    assert_eq!(
        lanes(&MlpLayout::new(example.clone()).expect("valid")),
        (9, 1)
    );
    // the verifier's objective never splits (more commitments cost gas)
    let default = VisibilitySettings::default();
    let verifier = MlpLayout::with_objective(
        mid,
        1,
        default,
        true,
        FreivaldsMode::Auto,
        PlanObjective::Verifier,
    )
    .expect("valid");
    assert_eq!(verifier.range_lanes(), 1);
    // hashed and folded parts keep one column (their hashes may run on z)
    let folded = VisibilitySettings {
        inputs: Visibility::Hashed,
        weights: Visibility::Hashed,
        outputs: Visibility::Folded,
    };
    let collection = MlpLayout::with_visibility(example.clone(), 64, folded).expect("valid");
    assert_eq!(collection.range_lanes(), 1);
    // 16 valuations: the cheapest one-column plan (unpacked, W = 1, k = 13) is bound by its
    // dot lane, the packed one by its range lane, which splits: five columns at k = 10
    let sixteen = MlpLayout::new_batch(example.clone(), 16).expect("valid");
    assert_eq!(lanes(&sixteen), (10, 5));
    assert!(sixteen.strands.iter().any(|s| s.is_packed()));
    assert_groups_in_lockstep(&sixteen);
    // a batch of 64 public valuations: split, and no block straddles
    let batch = MlpLayout::new_batch(example, 64).expect("valid");
    assert!(batch.range_lanes() >= 2);
    assert_no_block_straddles(&batch);
}

#[test]
fn a_split_circuit_whose_dot_lane_is_longer_verifies() {
    // one neuron per chain at W = 1: the dot lane outgrows the split range lane's columns
    let model = random_model(&[6, 12, 12, 1], MlpParams::default(), 31);
    let input = random_input(&model, 31);
    let layout = split(model, (1, 1), (LIMB_BITS, false), 72);
    assert!(layout.range_lanes() >= 3);
    assert!(
        layout.side_len > layout.range_len,
        "the dot lane is the longest"
    );
    let witness = MlpWitness::generate(&layout, &input, binding()).expect("honest");
    assert_eq!(mock(&layout, witness), Ok(()));
}

#[test]
fn public_values_need_no_rows_of_a_split_range_lane() {
    // 63 public values (binding, 2 x 30 features, 2 outputs) in columns of 40 rows: as public
    // rows they would not fit in the first column, as copies to the instance they take none
    let model = random_model(&[30, 2, 1], MlpParams::default(), 6);
    let input = inputs(&model, 2, 6);
    let layout = split(model, (2, 2), (WIDE_LIMB_BITS, false), 40);
    assert!(layout.range_lanes() >= 2);
    assert_no_block_straddles(&layout);
    assert_groups_in_lockstep(&layout);
    assert_eq!(layout.instance_len(), 63);
    let witness = MlpWitness::generate(&layout, &input, binding()).expect("honest");
    assert_eq!(mock(&layout, witness), Ok(()));
}

#[test]
fn a_public_value_is_bound_by_its_copy_to_the_instance() {
    let (layout, honest, _) = late_neuron();
    let instance = honest.instance();
    let cells = layout.instance_cells();
    // the binding, a feature and the last output
    for index in [0, 1, instance.len() - 1] {
        let mut claimed = instance.clone();
        claimed[index] += Fr::ONE;
        let cell = cells[index];
        let (column, row) = column_row(&layout, cell.row);
        let advice = match column {
            0 => Col::lane(Lane::Z),
            extra => Col::Advice(layout.num_lanes() + extra - 1),
        };
        // the copy between the instance value and its cell fails on both sides
        let expected = vec![
            Failure::Permutation {
                column: Col::Instance(0),
                row: index,
            },
            Failure::Permutation {
                column: advice,
                row,
            },
        ];
        assert_fails(
            mock_with_instance(&layout, honest.clone(), claimed),
            expected,
        );
    }
}

#[test]
fn a_forged_padding_slot_fails_its_columns_lookup() {
    // 3 items: the groups of 6-input signed blocks over more columns than items leave padding
    let model = random_model(&[5, 7, 6, 2], MlpParams::default(), 2);
    let input = inputs(&model, 3, 2);
    let layout = split(model, (2, 3), (LIMB_BITS, true), 72);
    let honest = MlpWitness::generate(&layout, &input, binding()).expect("honest");
    assert_eq!(mock(&layout, honest.clone()), Ok(()));
    let columns = layout.range_groups.columns;
    let group = (layout.range_groups.groups.iter())
        .find(|g| g.used < columns)
        .expect("a group with a padding slot");
    let slot = columns - 1;
    let first = group.start + slot * group.len;
    // the padding repeats slot 0
    for offset in 0..group.len {
        let cell = |start: usize| honest.get(zkmlp_circuits::CellRef::z(start + offset));
        assert_eq!(cell(first), cell(group.start));
    }
    // a first limb of 2^20 and more: outside the table's widths
    let mut forged = honest.clone();
    let z = zkmlp_circuits::CellRef::z(first);
    forged.set(z, honest.get(z) + Fr::from(1 << 20));
    let (column, row) = column_row(&layout, first);
    assert_eq!((column, row), (slot, group.row));
    assert_fails(mock(&layout, forged), vec![lookup(row)]);
}

/// A split circuit with public rows: 4 items of 5-7-6-2 over columns of 96 rows, the 29
/// public values (binding, 20 features, 8 outputs) on rows `0..29` of column 0.
fn public_rows_circuit() -> (Arc<MlpLayout>, MlpWitness) {
    let model = random_model(&[5, 7, 6, 2], MlpParams::default(), 5);
    let input = inputs(&model, 4, 5);
    let layout = split_with(model, (2, 4), (LIMB_BITS, true, false), 96);
    assert!(layout.range_lanes() >= 2);
    assert!(!layout.public_copies());
    assert_eq!(layout.public_len(), 29);
    let honest = MlpWitness::generate(&layout, &input, binding()).expect("honest");
    (layout, honest)
}

#[test]
fn a_split_circuit_with_public_rows_verifies_and_computes_what_one_column_computes() {
    let (layout, honest) = public_rows_circuit();
    assert_no_block_straddles(&layout);
    assert_groups_in_lockstep(&layout);
    let one = MlpLayout::plan_packed(
        layout.model.clone(),
        2,
        4,
        VisibilitySettings::default(),
        LIMB_BITS,
        true,
    )
    .expect("valid");
    let input = inputs(&layout.model, 4, 5);
    let reference = MlpWitness::generate(&Arc::new(one), &input, binding()).expect("honest");
    assert_eq!(honest.outputs, reference.outputs);
    assert_eq!(honest.instance(), reference.instance());
    assert_eq!(mock(&layout, honest), Ok(()));
}

#[test]
fn a_public_row_of_a_split_circuit_is_checked_against_the_instance() {
    let (layout, honest) = public_rows_circuit();
    let instance = honest.instance();
    // the binding, a feature and the last output
    for index in [0, 1, instance.len() - 1] {
        // another claimed value: the public gate fails on its row, the instance is in no copy
        let mut claimed = instance.clone();
        claimed[index] += Fr::ONE;
        assert_fails(
            mock_with_instance(&layout, honest.clone(), claimed),
            vec![public_value(index)],
        );
        // the public row changed with the claim: its copy to the value's cell fails instead
        if index == 0 {
            continue; // the binding's row is its own cell: the gate alone binds it
        }
        let mut forged = honest.clone();
        let row = zkmlp_circuits::CellRef::z(index);
        forged.set(row, honest.get(row) + Fr::ONE);
        let mut claimed = instance.clone();
        claimed[index] += Fr::ONE;
        let cell = layout.instance_cells()[index];
        let (column, at) = column_row(&layout, cell.row);
        let advice = match column {
            0 => Col::lane(Lane::Z),
            extra => Col::Advice(layout.num_lanes() + extra - 1),
        };
        let expected = vec![
            Failure::Permutation {
                column: Col::lane(Lane::Z),
                row: index,
            },
            Failure::Permutation {
                column: advice,
                row: at,
            },
        ];
        assert_fails(mock_with_instance(&layout, forged, claimed), expected);
    }
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config {
        cases: 32,
        failure_persistence: None,
        ..proptest::test_runner::Config::default()
    })]

    /// On random shapes, batches, dot widths, limb widths, column heights and public modes
    /// (copies or rows): every range-lane row has a cell of its own (no two share one, none
    /// lies past the columns), no block straddles, the groups are in lockstep, and the honest
    /// witness verifies.
    #[test]
    fn every_range_lane_row_has_its_own_cell(
        sizes in proptest::collection::vec(1usize..=9, 2..=4),
        (batch, width) in (1usize..=3, 1usize..=3),
        (wide, packed) in (proptest::bool::ANY, proptest::bool::ANY),
        copies in proptest::bool::ANY,
        lane_rows in 24usize..=96,
        seed in 0u64..1_000,
    ) {
        let model = random_model(&sizes, MlpParams::default(), seed);
        let limb_bits = if wide { WIDE_LIMB_BITS } else { LIMB_BITS };
        let options = (limb_bits, packed, copies);
        let default = VisibilitySettings::default();
        let Ok(layout) =
            MlpLayout::plan_split_with(model.clone(), width, batch, default, options, lane_rows)
        else {
            return Ok(());
        };
        let (columns, rows) = (layout.range_lanes(), layout.range_column_len());
        proptest::prop_assert!(columns >= 2 && rows <= lane_rows);
        let mut seen = std::collections::HashSet::new();
        for row in 0..layout.range_len {
            let (column, at) = column_row(&layout, row);
            proptest::prop_assert!(column < columns && at < rows, "row {} at {:?}", row, (column, at));
            proptest::prop_assert!(seen.insert((column, at)), "row {} shares {:?}", row, (column, at));
        }
        proptest::prop_assert_eq!(layout.public_copies(), copies);
        assert_no_block_straddles(&layout);
        assert_groups_in_lockstep(&layout);
        let layout = Arc::new(layout);
        let witness = MlpWitness::generate(&layout, &inputs(&model, batch, seed), binding());
        // a random model may overflow the activation range: then there is nothing to prove
        if let Ok(witness) = witness {
            proptest::prop_assert_eq!(mock(&layout, witness), Ok(()));
        }
    }
}
