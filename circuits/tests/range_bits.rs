//! The range chip's bit mode on its own: blocks of one-bit limbs checked by the gate
//! `"limb is a bit"` (no lookup, no table) accept exactly the values whose bits all lie in
//! `{0, 1}`, and a tampered running sum fails the gate's constraint on the row whose limb is
//! not a bit (`"limb is a bit"` inside a block, `"last limb is a bit"` on its last row).

mod common;

use common::{range_test::RangeTest, *};
use ff::Field;
use halo2_proofs::{halo2curves::bn256::Fr, plonk::ConstraintSystem};
use proptest::prelude::*;
use zkmlp_circuits::{
    chips::{
        limb_widths_of,
        range::{decomposition_fits, LimbSpec, RangeChip, BIT_LIMBS},
        rescale::RescaleSchedule,
    },
    MlpParams,
};

/// `bits` one-bit limbs, the first with `offset`.
fn bits(count: u32, offset: i128) -> Vec<LimbSpec> {
    limb_widths_of(count, BIT_LIMBS)
        .into_iter()
        .enumerate()
        .map(|(i, width)| LimbSpec {
            width,
            offset: if i == 0 { offset } else { 0 },
        })
        .collect()
}

/// The default parameters' rescale block in one-bit limbs (12 remainder bits, 23 magnitude
/// bits, a sign bit).
fn rescale_bits() -> Vec<LimbSpec> {
    RescaleSchedule::with_limb_bits(MlpParams::default(), BIT_LIMBS).rescale
}

fn inner(row: usize) -> Failure {
    Failure::Constraint {
        gate: "limb is a bit".into(),
        constraint: "limb is a bit".into(),
        row,
    }
}

fn last(row: usize) -> Failure {
    Failure::Constraint {
        gate: "limb is a bit".into(),
        constraint: "last limb is a bit".into(),
        row,
    }
}

#[test]
fn bit_mode_has_no_lookup_and_two_fixed_columns() {
    let mut cs = ConstraintSystem::<Fr>::default();
    let z = cs.advice_column();
    let config = RangeChip::configure_bits(&mut cs, z);
    assert!(config.lookup().is_none());
    assert!(cs.lookups().is_empty());
    assert_eq!(cs.num_fixed_columns(), 2);
    assert_eq!(cs.degree(), 4);
    let schedule = rescale_bits();
    assert_eq!(schedule.len(), 12 + 23 + 1);
    assert!(schedule.iter().all(|limb| limb.width == BIT_LIMBS));
}

#[test]
fn honest_bit_blocks_verify_at_the_boundaries() {
    let mut values = Vec::new();
    for v in [0, 1, 0x1234, (1 << 16) - 1] {
        values.push((v, bits(16, 0)));
    }
    for v in [-(1 << 7), -1, 0, 1, (1 << 7) - 1] {
        values.push((v, bits(8, 1 << 7)));
    }
    // acc + 2^11 = q 2^12 + r with q in [-2^23, 2^23)
    let low = -(1i128 << 35) - (1 << 11);
    for v in [low, -1, 0, 1, (1i128 << 35) - (1 << 11) - 1] {
        values.push((v, rescale_bits()));
    }
    assert!(values.iter().all(|(v, s)| decomposition_fits(*v, s)));
    assert_eq!(RangeTest::bits(&values).verify(), Ok(()));
}

#[test]
fn a_value_one_past_its_bits_fails_on_the_last_limb() {
    // 2^16 under 16 bits: every inner limb is 0 and the last row holds z = 2.
    let circuit = RangeTest::bits(&[(1 << 16, bits(16, 0))]);
    assert_fails(circuit.verify(), vec![last(circuit.start(0) + 15)]);
    // Below the signed range: the top (sign) limb is -1.
    let circuit = RangeTest::bits(&[(0, bits(4, 0)), (-(1 << 7) - 1, bits(8, 1 << 7))]);
    assert_fails(circuit.verify(), vec![last(circuit.start(1) + 7)]);
    let rescale = rescale_bits();
    let high = (1i128 << 35) - (1 << 11);
    let circuit = RangeTest::bits(&[(high, rescale.clone())]);
    assert_fails(
        circuit.verify(),
        vec![last(circuit.start(0) + rescale.len() - 1)],
    );
}

#[test]
fn a_limb_of_two_inside_a_block_fails_on_its_row() {
    // 5 = 1 + 2 * 2: the prover skips a row's halving (z = [5, 1, 0, 0] instead of
    // [5, 2, 1, 0]); the first limb is 5 - 2 = 3, the second 1 - 0 = 1.
    let mut circuit = RangeTest::bits(&[(5, bits(4, 0))]);
    let start = circuit.start(0);
    circuit.set(start + 1, Fr::ONE);
    circuit.set(start + 2, Fr::ZERO);
    assert_fails(circuit.verify(), vec![inner(start)]);
}

#[test]
fn a_wrapped_running_sum_fails() {
    // -1 as a 4-bit value: the honest running sum keeps -1 on every row (limbs 1, 1, 1 and a
    // last row of -1), so only the last row fails; a prover claiming z_1 = (p - 1) / 2 instead
    // (so that 2 z_1 = -1 and the first limb is 0) fails on the next row too (limb 3/2).
    let circuit = RangeTest::bits(&[(-1, bits(4, 0))]);
    assert_fails(circuit.verify(), vec![last(circuit.start(0) + 3)]);
    let mut circuit = RangeTest::bits(&[(-1, bits(4, 0))]);
    let start = circuit.start(0);
    let half = -Fr::from(2).invert().unwrap();
    circuit.set(start + 1, half);
    assert_fails(circuit.verify(), vec![inner(start + 1), last(start + 3)]);
}

#[test]
fn rows_outside_blocks_are_free() {
    // JUNK between blocks is not a bit and is not checked.
    let circuit = RangeTest::bits(&[(3, bits(2, 0)), (0, bits(1, 0))]);
    assert_eq!(circuit.verify(), Ok(()));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn bit_blocks_accept_exactly_the_values_in_range(value in -(1i128 << 9)..(1i128 << 9), count in 1u32..9) {
        let schedule = bits(count, 0);
        let fits = (0..(1i128 << count)).contains(&value);
        prop_assert_eq!(decomposition_fits(value, &schedule), fits);
        let result = RangeTest::bits(&[(value, schedule)]).verify();
        prop_assert_eq!(result.is_ok(), fits);
    }
}

/// `model` planned for `batch` items under `objective`.
fn planned(
    model: &zkmlp_circuits::QuantizedMlp,
    batch: usize,
    objective: zkmlp_circuits::layout::PlanObjective,
) -> zkmlp_circuits::MlpLayout {
    use zkmlp_circuits::layout::FreivaldsMode;
    let visibility = zkmlp_circuits::VisibilitySettings::default();
    let (model, auto) = (model.clone(), FreivaldsMode::Auto);
    zkmlp_circuits::MlpLayout::with_objective(model, batch, visibility, true, auto, objective)
        .expect("valid model")
}

#[test]
fn the_verifier_objective_takes_bit_limbs_for_one_small_inference_only() {
    use zkmlp_circuits::{
        layout::{PlanObjective, BIT_LIMBS_EXTRA_K, BIT_LIMBS_MAX_K},
        min_k, MlpLayout, MlpWitness,
    };
    let params = MlpParams::default();
    for sizes in [&[4, 6, 1][..], &[8, 16, 16, 1]] {
        let model = random_model(sizes, params, 3);
        let lookup = planned(&model, 1, PlanObjective::Prover);
        let layout = std::sync::Arc::new(planned(&model, 1, PlanObjective::Verifier));
        println!(
            "{sizes:?}: limb bits {} at k = {} (the prover objective: {} at k = {})",
            layout.limb_bits,
            min_k(&layout),
            lookup.limb_bits,
            min_k(&lookup)
        );
        // the default objective plans exactly as before: the lookup
        assert_ne!(lookup.limb_bits, BIT_LIMBS);
        let default = MlpLayout::new(model.clone()).expect("valid");
        assert_eq!(default.limb_bits, lookup.limb_bits);
        assert_eq!(default.dot_rows, lookup.dot_rows);
        assert_eq!(layout.limb_bits, BIT_LIMBS, "{sizes:?}");
        let k = min_k(&layout);
        assert!(k <= (min_k(&lookup) + BIT_LIMBS_EXTRA_K).min(BIT_LIMBS_MAX_K));
        assert_eq!(layout.table_rows(), 0);
        let input = random_input(&model, 4);
        let witness = MlpWitness::generate(&layout, &input, binding()).expect("honest witness");
        assert_eq!(mock(&layout, witness), Ok(()));
        // a batch of 64 keeps the lookup: one-bit limbs would cost its prover more
        let batch = planned(&model, 64, PlanObjective::Verifier);
        assert_ne!(batch.limb_bits, BIT_LIMBS, "{sizes:?} x 64");
    }
    // one-bit limbs would cost more than two k above the lookup plan: the lookup plan
    let large = random_model(&[32, 256, 256, 1], params, 6);
    assert_ne!(
        planned(&large, 1, PlanObjective::Verifier).limb_bits,
        BIT_LIMBS
    );
    // sigmoid and tanh need the table: refused with one-bit limbs, planned with a lookup
    let mut squashed = random_model(&[2, 2, 1], params, 5);
    let s = params.scale_bits;
    squashed.layers[1].activation = zkmlp_circuits::Activation::Squash(
        zkmlp_circuits::spec::SquashSpec::new(zkmlp_circuits::spec::Squash::Sigmoid, s),
    );
    let visibility = zkmlp_circuits::VisibilitySettings::default();
    let refused = MlpLayout::plan_with_limbs(squashed.clone(), 1, 1, visibility, BIT_LIMBS);
    assert!(matches!(
        refused,
        Err(zkmlp_circuits::SpecError::UnsupportedActivation { layer: 1, .. })
    ));
    assert_ne!(
        planned(&squashed, 1, PlanObjective::Verifier).limb_bits,
        BIT_LIMBS
    );
}
