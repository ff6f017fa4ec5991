//! The range chip on its own: running-sum blocks under several limb schedules accept exactly
//! the values whose limbs all lie in range, and a tampered running sum fails the lookup on
//! the row whose limb leaves its range.

mod common;

use common::{range_test::*, *};
use ff::Field;
use halo2_proofs::halo2curves::bn256::Fr;
use proptest::prelude::*;
use zkmlp_circuits::chips::{
    limb_widths,
    range::{decomposition_fits, running_sum, LimbSpec, RangeChip},
    LIMB_BITS,
};

/// A schedule of plain limbs (no offsets).
fn limbs(widths: &[u32]) -> Vec<LimbSpec> {
    widths
        .iter()
        .map(|&width| LimbSpec { width, offset: 0 })
        .collect()
}

/// `[8 (offset 2^11), 3, 1]`: the signed 12-bit schedule, `[-2048, 2048)`.
fn signed12() -> Vec<LimbSpec> {
    vec![
        LimbSpec {
            width: 8,
            offset: 1 << 11,
        },
        LimbSpec {
            width: 3,
            offset: 0,
        },
        LimbSpec {
            width: 1,
            offset: 0,
        },
    ]
}

/// `[4 (offset 2^3), 8 (offset 2^11), 3, 1]`: a rescale by `2^4` into 12 signed bits.
fn rescale4_12() -> Vec<LimbSpec> {
    let mut schedule = vec![LimbSpec {
        width: 4,
        offset: 1 << 3,
    }];
    schedule.extend(signed12());
    schedule
}

fn fits(value: i128, schedule: &[LimbSpec]) -> bool {
    decomposition_fits(value, schedule)
}

#[test]
fn limb_widths_split_into_full_limbs_then_a_short_top_limb() {
    assert_eq!(limb_widths(1), vec![1]);
    assert_eq!(limb_widths(8), vec![8]);
    assert_eq!(limb_widths(11), vec![8, 3]);
    assert_eq!(limb_widths(24), vec![8, 8, 8]);
    assert_eq!(limb_widths(39), vec![8, 8, 8, 8, 7]);
    assert!(limb_widths(40).iter().all(|&w| w <= LIMB_BITS));
    assert_eq!(RangeChip::table_rows(&WIDTHS), 1 + 2 + 8 + 16 + 256);
}

#[test]
fn running_sum_and_fit_agree_with_the_integer_bounds() {
    let cases: [(Vec<LimbSpec>, i128, i128); 5] = [
        (limbs(&[8, 8]), 0, 1 << 16),
        (limbs(&[8, 3]), 0, 1 << 11),
        (limbs(&[1]), 0, 2),
        (signed12(), -(1 << 11), 1 << 11),
        // acc + 8 = 16 q + r with q in [-2048, 2048): acc in [-2^15 - 8, 2^15 - 8).
        (rescale4_12(), -(1 << 15) - 8, (1 << 15) - 8),
    ];
    for (schedule, low, high) in cases {
        for value in [low - 1, low, low + 1, 0, high - 1, high, high + 1] {
            assert_eq!(
                fits(value, &schedule),
                (low..high).contains(&value),
                "{value} under {schedule:?}"
            );
        }
        assert_eq!(running_sum(low, &schedule)[0], low);
    }
    // z_i = floor((z_(i-1) + offset) / 2^w): 0x1234 -> [0x1234, 0x12].
    assert_eq!(running_sum(0x1234, &limbs(&[8, 8])), vec![0x1234, 0x12]);
    // -1 + 2048 = 2047 = 0xff + 2^8 * 7, then sign 0.
    assert_eq!(running_sum(-1, &signed12()), vec![-1, 7, 0]);
}

#[test]
fn honest_blocks_verify_at_the_boundaries() {
    let full = limbs(&[8, 8]);
    let short = limbs(&[8, 3]);
    let sign = limbs(&[1]);
    let mut values = Vec::new();
    for v in [0, 1, 255, 256, 0x1234, (1 << 16) - 1] {
        values.push((v, full.clone()));
    }
    for v in [0, 7, 2047] {
        values.push((v, short.clone()));
    }
    for v in [0, 1] {
        values.push((v, sign.clone()));
    }
    for v in [-2048, -1, 0, 1, 2047] {
        values.push((v, signed12()));
    }
    for v in [-(1 << 15) - 8, -9, -8, 0, 7, 8, (1 << 15) - 9] {
        values.push((v, rescale4_12()));
    }
    for v in [0, 15] {
        values.push((v, limbs(&[4])));
    }
    assert!(values.iter().all(|(v, s)| fits(*v, s)));
    assert_eq!(RangeTest::new(&values).verify(), Ok(()));
}

#[test]
fn a_limb_one_above_its_width_fails_on_its_row() {
    // 2^11 under [8, 3]: z = [2048, 8]; the top limb is 8 = 2^3.
    let circuit = RangeTest::new(&[(1 << 11, limbs(&[8, 3]))]);
    assert_fails(circuit.verify(), vec![lookup(circuit.start(0) + 1)]);
    // 2^16 under [8, 8]: the top limb is 256.
    let circuit = RangeTest::new(&[(0, limbs(&[8])), (1 << 16, limbs(&[8, 8]))]);
    assert_fails(circuit.verify(), vec![lookup(circuit.start(1) + 1)]);
    // 2^8 in a single full limb.
    let circuit = RangeTest::new(&[(256, limbs(&[8]))]);
    assert_fails(circuit.verify(), vec![lookup(circuit.start(0))]);
}

#[test]
fn a_scaled_limb_matching_another_widths_entry_fails() {
    // The table holds (w, w v): a width-1 limb of 8 looks up (1, 8), whose second component
    // is the entry (8, 8 * 1)'s, and a width-4 limb of 16 looks up (4, 64) = (4, 8 * 8). The
    // tags differ, so both fail.
    let circuit = RangeTest::new(&[(8, limbs(&[1]))]);
    assert_fails(circuit.verify(), vec![lookup(circuit.start(0))]);
    let circuit = RangeTest::new(&[(0, limbs(&[8])), (16, limbs(&[4]))]);
    assert_fails(circuit.verify(), vec![lookup(circuit.start(1))]);
}

#[test]
fn a_negative_value_fails() {
    // The honest running sum of -1 pushes the sign into the top limb: z = [-1, -1], limbs
    // (255, p - 1).
    let circuit = RangeTest::new(&[(-1, limbs(&[8, 8]))]);
    assert_fails(circuit.verify(), vec![lookup(circuit.start(0) + 1)]);
    // A prover claiming z = [p - 1, 0] fails on the low limb instead.
    let mut circuit = RangeTest::new(&[(0, limbs(&[8, 8]))]);
    circuit.set(circuit.start(0), -Fr::ONE);
    assert_fails(circuit.verify(), vec![lookup(circuit.start(0))]);
    // Below the signed range: -2049 + 2048 = -1 leaves the sign limb at p - 1.
    let circuit = RangeTest::new(&[(-2049, signed12())]);
    assert_fails(circuit.verify(), vec![lookup(circuit.start(0) + 2)]);
}

#[test]
fn a_running_sum_off_by_one_moves_a_limb_out_of_range() {
    // 0x123456 under [8, 8, 8]: limbs (0x56, 0x34, 0x12). z_1 + 1 makes limb 0 equal
    // 0x56 - 256 < 0, and limb 1 0x35, still in range.
    let mut circuit = RangeTest::new(&[(0x12_3456, limbs(&[8, 8, 8]))]);
    let start = circuit.start(0);
    circuit.add(start + 1, Fr::ONE);
    assert_fails(circuit.verify(), vec![lookup(start)]);
    // With limb 1 = 0xff, the same change also pushes limb 1 to 256.
    let mut circuit = RangeTest::new(&[(0x12_ff56, limbs(&[8, 8, 8]))]);
    circuit.add(start + 1, Fr::ONE);
    assert_fails(circuit.verify(), vec![lookup(start), lookup(start + 1)]);
    // z_1 - 1/256 keeps limb 0 in range (0x57) but makes limb 1 a non-integer.
    let mut circuit = RangeTest::new(&[(0x12_3456, limbs(&[8, 8, 8]))]);
    circuit.add(start + 1, -Fr::from(256).invert().unwrap());
    assert_fails(circuit.verify(), vec![lookup(start + 1)]);
    // The top z off by one: the top limb 0x13 stays in range, the one below becomes
    // 0x34 - 256.
    let mut circuit = RangeTest::new(&[(0x12_3456, limbs(&[8, 8, 8]))]);
    circuit.add(start + 2, Fr::ONE);
    assert_fails(circuit.verify(), vec![lookup(start + 1)]);
}

#[test]
fn the_tag_binds_a_limb_to_its_own_width() {
    // A 3-bit limb of value 8: (3, 8) is not in the table although (4, 8) and (8, 8) are.
    let circuit = RangeTest::new(&[(8, limbs(&[3]))]);
    assert_fails(circuit.verify(), vec![lookup(circuit.start(0))]);
    // A 4-bit limb of value 200, present in the table only under tag 8.
    let circuit = RangeTest::new(&[(200, limbs(&[4]))]);
    assert_fails(circuit.verify(), vec![lookup(circuit.start(0))]);
    // The sign limb with value 2 (in the table under tags 3, 4 and 8).
    let circuit = RangeTest::new(&[(2, limbs(&[1]))]);
    assert_fails(circuit.verify(), vec![lookup(circuit.start(0))]);
    // The short top limb of [8, 4] at 2^4: 4096 = 0 + 2^8 * 16.
    let circuit = RangeTest::new(&[(4096, limbs(&[8, 4]))]);
    assert_fails(circuit.verify(), vec![lookup(circuit.start(0) + 1)]);
}

#[test]
fn every_limb_of_a_two_offset_schedule_is_checked() {
    // Above the range of rescale4_12: q = 2048 leaves the sign limb at 2.
    let high = (1 << 15) - 8;
    let circuit = RangeTest::new(&[(high, rescale4_12())]);
    assert_fails(circuit.verify(), vec![lookup(circuit.start(0) + 3)]);
    // Sign bit flipped on zero (the other encoding of q = 0: m = 2^11, sign = 0): the top
    // magnitude limb becomes 2^3.
    let mut circuit = RangeTest::new(&[(0, rescale4_12())]);
    let start = circuit.start(0);
    circuit.set(start + 3, Fr::ZERO);
    assert_fails(circuit.verify(), vec![lookup(start + 2)]);
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 32,
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::Direct(
                "tests/proptest-regressions/range_chip.txt",
            ),
        )),
        ..ProptestConfig::default()
    })]

    /// The mock prover accepts a block exactly when its value decomposes in range.
    #[test]
    fn the_chip_accepts_exactly_the_values_that_fit(
        spec in proptest::collection::vec((prop::sample::select(WIDTHS.to_vec()), 0i128..4), 1..5),
        value in -(1i128 << 20)..(1i128 << 20),
    ) {
        // Offsets: none, or half the limb range (as the rescale schedules use them).
        let schedule: Vec<LimbSpec> = spec
            .into_iter()
            .map(|(width, k)| LimbSpec { width, offset: if k == 0 { 1 << (width - 1) } else { 0 } })
            .collect();
        let bits: u32 = schedule.iter().map(|l| l.width).sum();
        // Aim near the range so that both outcomes occur.
        let value = value % (1i128 << (bits + 1));
        let circuit = RangeTest::new(&[(value, schedule.clone())]);
        prop_assert_eq!(circuit.verify().is_ok(), fits(value, &schedule));
    }
}
