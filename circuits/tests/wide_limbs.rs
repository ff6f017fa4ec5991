//! Wide (12-bit) range limbs: the same bounds as 8-bit limbs in fewer rows, honest circuits
//! verify, a wrong quotient fails on the single wide remainder limb, and the planner takes
//! wide limbs only where they shrink the circuit.

mod common;

use std::sync::Arc;

use common::*;
use zkmlp_circuits::{
    chips::{
        dot::MAX_DOT_WIDTH, range::decomposition_fits, rescale::RescaleSchedule, LIMB_BITS,
        MAX_LIMB_BITS, WIDE_LIMB_BITS,
    },
    layout::BlockKind,
    min_k, CellRef, MlpLayout, MlpParams, MlpWitness, QuantizedMlp, SpecError, VisibilitySettings,
};

/// `model` planned for `batch` items at dot width `width` with `limb_bits`-bit limbs, and the
/// honest witness of `input` (every item's features).
fn planned(
    model: QuantizedMlp,
    width: usize,
    batch: usize,
    limb_bits: u32,
    input: &[i64],
) -> (Arc<MlpLayout>, MlpWitness) {
    let layout = MlpLayout::plan_with_limbs(
        model,
        width,
        batch,
        VisibilitySettings::default(),
        limb_bits,
    )
    .expect("valid plan");
    let layout = Arc::new(layout);
    let witness = MlpWitness::generate(&layout, input, binding()).expect("honest witness");
    (layout, witness)
}

fn widths(layout: &MlpLayout, kind: BlockKind) -> Vec<u32> {
    layout
        .block_schedule(kind)
        .iter()
        .map(|l| l.width)
        .collect()
}

#[test]
fn a_wide_limb_batch_verifies_with_fewer_range_rows_and_the_same_outputs() {
    let model = random_model(&[3, 4, 2], MlpParams::default(), 15);
    let mut input = random_input(&model, 15);
    input.extend(random_input(&model, 16));
    let (narrow, narrow_witness) = planned(model.clone(), 2, 2, LIMB_BITS, &input);
    let (wide, wide_witness) = planned(model, 2, 2, WIDE_LIMB_BITS, &input);
    // s = 12, b = 24: remainder 12 bits, magnitude 23 bits, sign.
    assert_eq!(widths(&narrow, BlockKind::Rescale), vec![8, 4, 8, 8, 7, 1]);
    assert_eq!(widths(&wide, BlockKind::Rescale), vec![12, 12, 11, 1]);
    assert_eq!(widths(&wide, BlockKind::Signed), vec![12, 11, 1]);
    // 2 items x (3 input blocks of 3 rows instead of 4, 6 rescale blocks of 4 instead of 6).
    assert_eq!(narrow.range_len - wide.range_len, 2 * (3 + 6 * 2));
    assert_eq!(wide_witness.outputs, narrow_witness.outputs);
    assert_eq!(mock(&narrow, narrow_witness), Ok(()));
    assert_eq!(mock(&wide, wide_witness), Ok(()));
}

#[test]
fn wide_and_narrow_schedules_accept_exactly_the_same_integers() {
    let params = MlpParams::default();
    let narrow = RescaleSchedule::new(params);
    let wide = RescaleSchedule::with_limb_bits(params, WIDE_LIMB_BITS);
    let (s, b) = (params.scale_bits, params.activation_bits);
    // Rescale: acc + 2^(s-1) = q 2^s + r with q in [-2^(b-1), 2^(b-1)).
    let low = -(1i128 << (b - 1 + s)) - (1 << (s - 1));
    let high = (1i128 << (b - 1 + s)) - (1 << (s - 1));
    // Signed: v in [-2^(b-1), 2^(b-1)).
    let bound = 1i128 << (b - 1);
    let cases = [
        (&narrow.rescale, &wide.rescale, low, high),
        (&narrow.signed, &wide.signed, -bound, bound),
    ];
    for (narrow, wide, low, high) in cases {
        let mut values = vec![low - 1, low, low + 1, -1, 0, 1, high - 1, high, high + 1];
        values.extend((0..200).map(|i| low + (high - low) / 199 * i - 3 + i % 7));
        for value in values {
            let expected = (low..high).contains(&value);
            assert_eq!(decomposition_fits(value, narrow), expected, "{value}");
            assert_eq!(decomposition_fits(value, wide), expected, "{value}");
        }
    }
}

#[test]
fn a_quotient_off_by_d_fails_the_single_wide_remainder_limb() {
    // One neuron (identity): with 12-bit limbs the remainder is one limb, so a claimed
    // q + d (r - d 2^12, the other limbs honest) fails on the block's first row; with 8-bit
    // limbs the same claim fails on the 4-bit top remainder limb, one row lower.
    let mut exercised_wide_values = false;
    for seed in 0..4 {
        let model = random_model(&[3, 1], MlpParams::default(), 40 + seed);
        let input = random_input(&model, 40 + seed);
        for limb_bits in [LIMB_BITS, WIDE_LIMB_BITS] {
            let (layout, honest) = planned(model.clone(), MAX_DOT_WIDTH, 1, limb_bits, &input);
            assert_eq!(mock(&layout, honest.clone()), Ok(()));
            let rows = neuron_rows(&layout, 0, 0);
            let expected_row = if limb_bits == WIDE_LIMB_BITS {
                rows.block
            } else {
                rows.block + 1
            };
            assert_eq!(rows.top_remainder, expected_row);
            let acc = int(honest.get(CellRef::z(rows.block)));
            let q = int(honest.get(CellRef::z(rows.q)));
            if limb_bits == WIDE_LIMB_BITS {
                // The honest remainder limb, acc + 2^11 - 2^12 q, lies in [0, 2^12).
                let r = acc + (1 << 11) - (q << 12);
                exercised_wide_values |= r >= 1 << LIMB_BITS;
            }
            let activation = layout.model.layers[0].activation;
            for d in [-7i128, -1, 1, 7] {
                let mut witness = honest.clone();
                rebuild(&layout, &mut witness, |_, _, seen| {
                    assert_eq!(seen, acc);
                    Some(block_with_q(&layout, activation, acc, q + d))
                });
                assert_fails(mock_claimed(&layout, witness), vec![lookup(expected_row)]);
            }
        }
    }
    // Some honest remainder needed the wide table (a limb of 2^8 or more).
    assert!(exercised_wide_values);
}

#[test]
fn a_limb_width_outside_the_table_is_refused() {
    let model = random_model(&[3, 1], MlpParams::default(), 1);
    for limb_bits in [0, MAX_LIMB_BITS + 1] {
        let planned = MlpLayout::plan_with_limbs(
            model.clone(),
            1,
            1,
            VisibilitySettings::default(),
            limb_bits,
        );
        assert_eq!(
            planned.map(|_| ()),
            Err(SpecError::InvalidLimbBits(limb_bits))
        );
    }
}

/// The least `k` over every dot width at `limb_bits`.
fn best_k(model: &QuantizedMlp, batch: usize, limb_bits: u32) -> u32 {
    (1..=MAX_DOT_WIDTH)
        .map(|width| {
            let layout = MlpLayout::plan_with_limbs(
                model.clone(),
                width,
                batch,
                VisibilitySettings::default(),
                limb_bits,
            )
            .expect("valid plan");
            min_k(&layout)
        })
        .min()
        .expect("at least one width")
}

#[test]
fn the_planner_takes_wide_limbs_only_where_they_shrink_the_circuit() {
    let example = random_model(&[8, 16, 16, 1], MlpParams::default(), 1);
    // One inference: 8-bit limbs (the wide table alone would need 2^13 rows).
    let single = MlpLayout::new(example.clone()).expect("valid");
    assert_eq!((single.limb_bits, min_k(&single)), (LIMB_BITS, 9));
    // A dot-lane-bound circuit: the range lane is not the longest, so nothing to gain
    // (unpacked: k = 14; the planner packs its weights, `chips::strand`, to k = 12, where
    // the 6,147-row wide table would not even fit).
    let dense_model = random_model(&[32, 256, 256, 1], MlpParams::default(), 2);
    let unpacked = VisibilitySettings::default();
    let dense = MlpLayout::with_packing(dense_model.clone(), 1, unpacked, false).expect("valid");
    assert_eq!((dense.limb_bits, min_k(&dense)), (LIMB_BITS, 14));
    let packed = MlpLayout::new(dense_model).expect("valid");
    assert_eq!((packed.limb_bits, min_k(&packed)), (LIMB_BITS, 12));
    // 256 inferences: 67,073 range rows at 8 bits (k = 17), 48,129 at 12 bits (k = 16).
    assert_eq!(best_k(&example, 256, LIMB_BITS), 17);
    assert_eq!(best_k(&example, 256, WIDE_LIMB_BITS), 16);
    // The planner keeps wide limbs and then splits the range lane into six columns at k = 13
    // (`layout::lanes`, tested in `range_lanes.rs`; seven with the 2,305 public rows that
    // public copies save).
    let batch = MlpLayout::new_batch(example, 256).expect("valid");
    let shape = (batch.limb_bits, min_k(&batch), batch.range_lanes());
    assert_eq!(shape, (WIDE_LIMB_BITS, 13, 6));
}
