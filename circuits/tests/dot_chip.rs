//! The dot-product chip on its own: a three-row chain with bias and a separate one-row chain
//! verify, and every way of breaking `q (acc - (q - 1) acc_prev - bias - sum w_i x_i) = 0` fails on
//! exactly the rows whose relation it breaks.

mod common;

use common::*;
use halo2_proofs::{
    circuit::{Layouter, SimpleFloorPlanner, Value},
    dev::VerifyFailure,
    halo2curves::bn256::Fr,
    plonk::{Advice, Circuit, Column, ConstraintSystem, Error, Fixed},
};
use zkmlp_circuits::{
    chips::dot::{DotChip, DotConfig, DotInstructions, DotRow, MAX_DOT_WIDTH},
    field::i128_to_field,
};

const K: u32 = 5;
/// The chip is tested at its widest.
const DOT_WIDTH: usize = MAX_DOT_WIDTH;
/// Value of the spare row 0's cells.
const SPARE: u64 = 0x5ba4e;

/// Absolute row of dot row `row`. Row 0 stays spare: on row 0 the gate's `acc_prev` query
/// wraps to the last (blinding) row, which halo2-axiom's mock prover poisons, and its failure
/// report then panics (`unreachable!` in `dev/util.rs`) instead of naming the constraint.
fn at(row: usize) -> usize {
    row + 1
}

/// Dot-product rows with their advice: `x[row][slot]` and `acc[row]`, laid out from [`at`]`(0)`.
#[derive(Clone, Debug)]
struct DotTest {
    rows: Vec<DotRow>,
    x: Vec<[i128; DOT_WIDTH]>,
    acc: Vec<i128>,
    /// Field overrides applied after the integer witness, `(slot or None for acc, row, value)`.
    overrides: Vec<(Option<usize>, usize, Fr)>,
}

impl DotTest {
    /// Rows 0..3: one chain (bias 100, then two chained rows, the last half empty);
    /// row 3: a separate single-row chain with bias -7.
    fn honest() -> Self {
        let rows = vec![
            DotRow {
                weights: vec![3, -2, 5, 7, -1, 4],
                bias: 100,
                chain: false,
                packed: None,
            },
            DotRow {
                weights: vec![1, 1, -3, 0, 2, 9],
                bias: 0,
                chain: true,
                packed: None,
            },
            DotRow {
                weights: vec![6, -8, 0, 0, 0, 0],
                bias: 0,
                chain: true,
                packed: None,
            },
            DotRow {
                weights: vec![-5, 2, 0, 0, 0, 0],
                bias: -7,
                chain: false,
                packed: None,
            },
        ];
        let x = vec![
            [11, -4, 9, 0, 250, -1000],
            [-3, 17, 2, 5, -6, 12],
            [40, 33, 0, 0, 0, 0],
            [8, -9, 0, 0, 0, 0],
        ];
        let mut test = Self {
            rows,
            x,
            acc: Vec::new(),
            overrides: Vec::new(),
        };
        for row in 0..test.rows.len() {
            let acc = test.expected_acc(row, None);
            test.acc.push(acc);
        }
        test
    }

    /// `(q - 1) acc_prev + bias + sum w_i x_i` on `row` (`q - 1` is `chain`), with `acc_prev` given or honest.
    fn expected_acc(&self, row: usize, acc_prev: Option<i128>) -> i128 {
        let dot = &self.rows[row];
        let products: i128 = dot
            .weights
            .iter()
            .zip(&self.x[row])
            .map(|(&w, &x)| i128::from(w) * x)
            .sum();
        let prev = if dot.chain {
            acc_prev.unwrap_or_else(|| self.acc[row - 1])
        } else {
            0
        };
        prev + i128::from(dot.bias) + products
    }

    fn verify(&self) -> Result<(), Vec<VerifyFailure>> {
        mock_chip(K, self)
    }
}

#[derive(Clone, Debug)]
struct DotTestConfig {
    dot: DotConfig,
    inputs: [Column<Advice>; DOT_WIDTH],
    acc: Column<Advice>,
    anchor: Column<Fixed>,
}

impl Circuit<Fr> for DotTest {
    type Config = DotTestConfig;
    type FloorPlanner = SimpleFloorPlanner;
    type Params = ();

    fn without_witnesses(&self) -> Self {
        self.clone()
    }

    fn configure(meta: &mut ConstraintSystem<Fr>) -> DotTestConfig {
        let inputs: [Column<Advice>; DOT_WIDTH] = std::array::from_fn(|_| meta.advice_column());
        let acc = meta.advice_column();
        let dot = DotChip::configure(meta, &inputs, acc, None);
        let anchor = meta.fixed_column();
        DotTestConfig {
            dot,
            inputs,
            acc,
            anchor,
        }
    }

    fn synthesize(
        &self,
        config: DotTestConfig,
        mut layouter: impl Layouter<Fr>,
    ) -> Result<(), Error> {
        let chip = DotChip::construct(config.dot);
        layouter.assign_region(
            || "dot test",
            |mut region| {
                anchor_row_zero(&mut region, config.anchor);
                let mut x: Vec<[Fr; DOT_WIDTH]> =
                    self.x.iter().map(|row| row.map(i128_to_field)).collect();
                let mut acc: Vec<Fr> = self.acc.iter().map(|&v| i128_to_field(v)).collect();
                for &(slot, row, value) in &self.overrides {
                    match slot {
                        Some(slot) => x[row][slot] = value,
                        None => acc[row] = value,
                    }
                }
                for column in config.inputs.iter().chain([&config.acc]) {
                    region.assign_advice(*column, 0, Value::known(Fr::from(SPARE)));
                }
                for (row, dot) in self.rows.iter().enumerate() {
                    chip.assign_row_fixed(&mut region, at(row), dot);
                    for (column, value) in config.inputs.iter().zip(x[row]) {
                        region.assign_advice(*column, at(row), Value::known(value));
                    }
                    region.assign_advice(config.acc, at(row), Value::known(acc[row]));
                }
                Ok(())
            },
        )
    }
}

#[test]
fn honest_chains_verify() {
    let test = DotTest::honest();
    // 100 + 33 + 8 + 45 + 0 - 250 - 4000 = -4064; then + (-3 + 17 - 6 + 0 - 12 + 108) = -3960;
    // then + 240 - 264 = -3984. Row 3: -7 - 40 - 18 = -65.
    assert_eq!(test.acc, vec![-4064, -3960, -3984, -65]);
    assert_eq!(test.verify(), Ok(()));
}

#[test]
fn an_accumulator_off_by_one_fails_its_row_and_the_next_chained_row() {
    for (row, expected) in [
        // Mid-chain: row 1's relation and row 2's (which reads it as acc_prev) break.
        (1, vec![dot(at(1)), dot(at(2))]),
        // Chain head: row 0 and row 1.
        (0, vec![dot(at(0)), dot(at(1))]),
        // Chain end: row 3 starts a new chain (q = 1, chain = 0) and does not read row 2.
        (2, vec![dot(at(2))]),
        // A single-row chain.
        (3, vec![dot(at(3))]),
    ] {
        let mut test = DotTest::honest();
        test.acc[row] += 1;
        assert_fails(test.verify(), expected);
    }
}

#[test]
fn a_wrong_input_fails_its_row() {
    let mut test = DotTest::honest();
    test.x[0][2] += 1;
    assert_fails(test.verify(), vec![dot(at(0))]);
    // Or a field element that encodes no small integer: 5 * (1/5) = 1 instead of 45.
    let mut test = DotTest::honest();
    test.overrides
        .push((Some(2), 0, ff::Field::invert(&Fr::from(5)).unwrap()));
    assert_fails(test.verify(), vec![dot(at(0))]);
}

#[test]
fn an_input_with_weight_zero_is_free() {
    // The gate cannot see inputs whose weight is zero: the MLP layout leaves such slots
    // without a source, and only copy constraints bind the used ones.
    let mut test = DotTest::honest();
    test.x[2][4] = 123_456;
    test.x[1][3] += 1;
    assert_eq!(test.verify(), Ok(()));
}

#[test]
fn a_chained_row_cannot_restart_the_sum() {
    // The prover drops acc_prev on row 1 and continues consistently from there: only row 1's
    // relation, where chain = 1 is fixed, breaks.
    let mut test = DotTest::honest();
    test.acc[1] = test.expected_acc(1, Some(0));
    test.acc[2] = test.expected_acc(2, Some(test.acc[1]));
    assert_fails(test.verify(), vec![dot(at(1))]);
}

#[test]
fn a_chain_head_cannot_continue_the_previous_chain() {
    // Row 3 has q = 1 (chain = 0): adding row 2's accumulator breaks it.
    let mut test = DotTest::honest();
    test.acc[3] += test.acc[2];
    assert_fails(test.verify(), vec![dot(at(3))]);
}

#[test]
fn the_bias_is_fixed() {
    // The whole chain computed without the bias: only the head's relation breaks.
    let mut test = DotTest::honest();
    for row in 0..3 {
        test.acc[row] -= 100;
    }
    assert_fails(test.verify(), vec![dot(at(0))]);
}
