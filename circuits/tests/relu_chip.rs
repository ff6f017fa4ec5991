//! The rescale block and the ReLU chip on top of it: `acc + 2^(s-1) = q 2^s + r` with
//! `0 <= r < 2^s`, `q` bounded to `b` signed bits with its sign bit, and `y = sign * q`.
//!
//! Parameters `s = 10`, `b = 12`: the rescale schedule is
//! `[8 (offset 2^9), 2 | 8 (offset 2^11), 3 | 1]`, so within a block starting at `start`:
//! remainder limbs on `start, start + 1`, `q` on `start + 2`, the top magnitude limb on
//! `start + 3`, the sign on `start + 4`, and the ReLU output `y` on `start + 5`.

mod common;

use common::*;
use ff::Field;
use halo2_proofs::{
    circuit::{Layouter, SimpleFloorPlanner, Value},
    dev::VerifyFailure,
    halo2curves::bn256::Fr,
    plonk::{Circuit, Column, ConstraintSystem, Error, Fixed},
};
use zkmlp_circuits::{
    chips::{
        range::{running_sum, LimbSpec, RangeChip, RangeConfig, RangeInstructions},
        rescale::{ReluChip, ReluConfig, RescaleSchedule},
    },
    field::i128_to_field,
    MlpParams,
};

const PARAMS: MlpParams = MlpParams {
    scale_bits: 10,
    activation_bits: 12,
};
const S: u32 = PARAMS.scale_bits;
/// `2^(b-1)`.
const HALF: i128 = 1 << (PARAMS.activation_bits - 1);
/// Table: `1 + 2 + 4 + 8 + 256` rows.
const K: u32 = 9;

fn schedule() -> RescaleSchedule {
    RescaleSchedule::new(PARAMS)
}

/// Rows of one block and its ReLU row.
#[derive(Clone, Copy, Debug)]
struct Rows {
    top_remainder: usize,
    q: usize,
    top_magnitude: usize,
    sign: usize,
    y: usize,
}

/// Rescale blocks, each followed by its ReLU row; row 0 is spare.
#[derive(Clone, Debug)]
struct ReluTest {
    starts: Vec<usize>,
    z: Vec<Value<Fr>>,
}

impl ReluTest {
    /// Honest blocks of the accumulators (running sums even out of range) with
    /// `y = max(q, 0)`.
    fn new(accs: &[i128]) -> Self {
        let schedule = schedule();
        let mut z = vec![Value::known(Fr::ZERO)];
        let mut starts = Vec::new();
        for &acc in accs {
            starts.push(z.len());
            let sums = running_sum(acc, &schedule.rescale);
            let q = sums[schedule.remainder_rows];
            z.extend(sums.iter().map(|&v| Value::known(i128_to_field(v))));
            z.push(Value::known(i128_to_field(q.max(0))));
        }
        Self { starts, z }
    }

    fn rows(&self, block: usize) -> Rows {
        let schedule = schedule();
        let start = self.starts[block];
        let len = schedule.rescale.len();
        Rows {
            top_remainder: start + schedule.remainder_rows - 1,
            q: start + schedule.remainder_rows,
            top_magnitude: start + len - 2,
            sign: start + len - 1,
            y: start + len,
        }
    }

    fn set(&mut self, row: usize, value: i128) {
        self.z[row] = Value::known(i128_to_field(value));
    }

    /// Replaces block `block`'s quotient by `q` (re-deriving magnitude, sign and `y`) while
    /// keeping the honest remainder limbs below the top one.
    fn claim_q(&mut self, block: usize, q: i128) {
        let rows = self.rows(block);
        let signed: Vec<LimbSpec> = schedule().signed;
        for (i, v) in running_sum(q, &signed).into_iter().enumerate() {
            self.set(rows.q + i, v);
        }
        self.set(rows.y, q.max(0));
    }

    fn verify(&self) -> Result<(), Vec<VerifyFailure>> {
        mock_chip(K, self)
    }
}

#[derive(Clone, Debug)]
struct ReluTestConfig {
    range: RangeConfig,
    relu: ReluConfig,
    anchor: Column<Fixed>,
}

impl Circuit<Fr> for ReluTest {
    type Config = ReluTestConfig;
    type FloorPlanner = SimpleFloorPlanner;
    type Params = ();

    fn without_witnesses(&self) -> Self {
        Self {
            starts: self.starts.clone(),
            z: vec![Value::unknown(); self.z.len()],
        }
    }

    fn configure(meta: &mut ConstraintSystem<Fr>) -> ReluTestConfig {
        let z = meta.advice_column();
        let schedule = schedule();
        let range = RangeChip::configure(meta, z, &schedule.widths());
        let relu = ReluChip::configure(meta, z, &schedule);
        let anchor = meta.fixed_column();
        ReluTestConfig {
            range,
            relu,
            anchor,
        }
    }

    fn synthesize(
        &self,
        config: ReluTestConfig,
        mut layouter: impl Layouter<Fr>,
    ) -> Result<(), Error> {
        let range = RangeChip::construct(config.range.clone());
        let relu = ReluChip::construct(config.relu);
        let schedule = schedule();
        range.load_table(&mut layouter)?;
        layouter.assign_region(
            || "relu test",
            |mut region| {
                anchor_row_zero(&mut region, config.anchor);
                for &start in &self.starts {
                    range.assign_block_fixed(&mut region, start, &schedule.rescale);
                    relu.enable(&mut region, start + schedule.rescale.len());
                }
                for (row, value) in self.z.iter().enumerate() {
                    region.assign_advice(config.range.z, row, *value);
                }
                Ok(())
            },
        )
    }
}

/// An accumulator whose rescale is `q`, with `d` in `[-2^(s-1), 2^(s-1))` rounding to it.
fn acc_for(q: i128, d: i128) -> i128 {
    (q << S) + d
}

/// Blocks 0, 1, 2 with `q = 300, 0, -300`.
fn three_signs() -> ReluTest {
    ReluTest::new(&[acc_for(300, 77), acc_for(0, -3), acc_for(-300, 200)])
}

#[test]
fn the_schedule_matches_the_documented_rows() {
    let schedule = schedule();
    let spec = |width, offset| LimbSpec { width, offset };
    assert_eq!(
        schedule.rescale,
        vec![
            spec(8, 1 << 9),
            spec(2, 0),
            spec(8, 1 << 11),
            spec(3, 0),
            spec(1, 0)
        ]
    );
    assert_eq!(schedule.signed, schedule.rescale[2..].to_vec());
    assert_eq!((schedule.remainder_rows, schedule.magnitude_rows), (2, 2));
    assert_eq!(schedule.widths(), vec![1, 2, 3, 8]);
}

#[test]
fn honest_blocks_verify_for_every_sign_and_the_bounds() {
    let half_scale = 1i128 << (S - 1);
    let mut accs = Vec::new();
    for q in [1, 300, 0, -1, -300, HALF - 1, -HALF] {
        for d in [-half_scale, -1, 0, 1, half_scale - 1] {
            accs.push(acc_for(q, d));
        }
    }
    let schedule = schedule();
    for &acc in &accs {
        // q = floor((acc + 2^(s-1)) / 2^s).
        let q = (acc + half_scale).div_euclid(1 << S);
        assert_eq!(
            running_sum(acc, &schedule.rescale)[schedule.remainder_rows],
            q
        );
    }
    assert_eq!(ReluTest::new(&accs).verify(), Ok(()));
}

#[test]
fn relu_output_must_follow_the_sign() {
    // y = q although q < 0.
    let mut test = three_signs();
    test.set(test.rows(2).y, -300);
    assert_fails(test.verify(), vec![relu(test.rows(2).y)]);
    // y = 0 although q > 0.
    let mut test = three_signs();
    test.set(test.rows(0).y, 0);
    assert_fails(test.verify(), vec![relu(test.rows(0).y)]);
    // y = |q| for q < 0.
    let mut test = three_signs();
    test.set(test.rows(2).y, 300);
    assert_fails(test.verify(), vec![relu(test.rows(2).y)]);
}

#[test]
fn a_flipped_sign_bit_fails_the_top_magnitude_limb() {
    // q = 300 > 0, sign 1 -> 0: the top magnitude limb becomes (q + 2^11) >> 8 = 9 >= 2^3,
    // and y = q no longer equals sign * q = 0.
    let mut test = three_signs();
    let rows = test.rows(0);
    test.set(rows.sign, 0);
    assert_fails(
        test.verify(),
        vec![relu(rows.y), lookup(rows.top_magnitude)],
    );
    // ... and with y = 0 to satisfy the gate, the lookup alone catches it.
    test.set(rows.y, 0);
    assert_fails(test.verify(), vec![lookup(rows.top_magnitude)]);

    // q = 0, sign 1 -> 0 is the other encoding of zero (m = 2^11): y = 0 = sign * q holds,
    // the top magnitude limb is 8.
    let mut test = three_signs();
    let rows = test.rows(1);
    test.set(rows.sign, 0);
    assert_fails(test.verify(), vec![lookup(rows.top_magnitude)]);

    // q < 0, sign 0 -> 1: the top magnitude limb goes negative, and y = 0 differs from q.
    let mut test = three_signs();
    let rows = test.rows(2);
    test.set(rows.sign, 1);
    assert_fails(
        test.verify(),
        vec![relu(rows.y), lookup(rows.top_magnitude)],
    );
    // With y = q to satisfy the gate, the lookup alone catches it.
    test.set(rows.y, -300);
    assert_fails(test.verify(), vec![lookup(rows.top_magnitude)]);
}

#[test]
fn a_quotient_one_past_the_bounds_fails_the_sign_limb() {
    // q = 2^(b-1): q + 2^(b-1) = 2^b, so the sign limb is 2; y = q but sign * q = 2q.
    let mut test = ReluTest::new(&[acc_for(HALF, 0)]);
    let rows = test.rows(0);
    assert_fails(test.verify(), vec![relu(rows.y), lookup(rows.sign)]);
    // A prover writing y = 2q satisfies the gate; the lookup still fails.
    test.set(rows.y, 2 * HALF);
    assert_fails(test.verify(), vec![lookup(rows.sign)]);

    // q = -2^(b-1) - 1: the sign limb is -1 (p - 1); y = 0 but sign * q = -q.
    let mut test = ReluTest::new(&[acc_for(-HALF - 1, 0)]);
    let rows = test.rows(0);
    assert_fails(test.verify(), vec![relu(rows.y), lookup(rows.sign)]);
    // y = -q (a positive output from a negative q!) satisfies the gate, not the lookup.
    test.set(rows.y, HALF + 1);
    assert_fails(test.verify(), vec![lookup(rows.sign)]);
}

#[test]
fn a_wrong_quotient_fails_the_top_remainder_limb() {
    // (q + 1, r - 2^s): the top remainder limb goes negative.
    let mut test = three_signs();
    test.claim_q(0, 301);
    assert_fails(test.verify(), vec![lookup(test.rows(0).top_remainder)]);
    // (q - 1, r + 2^s): the top remainder limb reaches 2^2 or more.
    let mut test = three_signs();
    test.claim_q(2, -301);
    assert_fails(test.verify(), vec![lookup(test.rows(2).top_remainder)]);
    // Rounding is half up: acc = q 2^s - 2^(s-1) rescales to q, not q - 1.
    let mut test = ReluTest::new(&[acc_for(5, -(1 << (S - 1)))]);
    test.claim_q(0, 4);
    assert_fails(test.verify(), vec![lookup(test.rows(0).top_remainder)]);
}

#[test]
fn a_wrong_remainder_fails() {
    // z_1 + 1 (an integer): the low remainder limb drops by 2^8.
    let mut test = three_signs();
    let start = test.starts[0];
    let z1 = running_sum(acc_for(300, 77), &schedule().rescale)[1];
    test.set(start + 1, z1 + 1);
    // The top remainder limb z_1 - 4 q grows by one: in range unless it was 3. Here
    // acc + 2^9 = 300 * 2^10 + 589, 589 = 0b10_0100_1101: top limb 2.
    assert_fails(test.verify(), vec![lookup(start)]);
    // z_1 - 1/256: the low limb grows by one and stays in range, the top limb is no integer.
    let mut test = three_signs();
    test.z[start + 1] = test.z[start + 1].map(|v| v - Fr::from(256).invert().unwrap());
    assert_fails(test.verify(), vec![lookup(start + 1)]);
}
