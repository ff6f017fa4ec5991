//! The dot-product gate: `W` multiply-accumulates per row, chained down a column.
//!
//! The width `W` (1 to [`MAX_DOT_WIDTH`]) is a circuit parameter: wide rows prove large layers
//! in fewer rows, narrow rows cost fewer columns, a smaller proof and less verifier gas.
//!
//! Row layout: advice `x_0..x_(W-1)` (inputs, copied from earlier activations) and `acc`;
//! fixed `w_0..w_(W-1)` (weights), `bias` and `q`, which both enables the gate and says
//! whether the row continues a chain: `q = 0` off, `1` a chain's first row, `2` after. The
//! gate
//!
//! ```text
//! q * (acc_cur - (q - 1) * acc_prev - bias - sum_i w_i * x_i) = 0
//! ```
//!
//! computes one neuron's accumulator over `ceil(n / W)` rows: the first row (`q = 1`) carries
//! the bias, the others (`q = 2`) add to the row above and have `bias = 0`. With `q` in
//! `{1, 2}` the factor `q` is nonzero and `q - 1` is the old 0/1 `chain`, so the gate is
//! exactly `acc_cur = chain * acc_prev + bias + sum_i w_i x_i`; `q = 0` switches it off. Unused
//! input slots have weight 0. The weights are fixed columns, so the verifying key commits to
//! the model. Merging the selector into `q` saves a fixed column (one commitment in the
//! verifying key, one verifier multi-scalar term); the gate's degree becomes 3 (4 with
//! witnessed weights).
//!
//! When the weights are witnessed instead (private, public or hashed weights), advice columns
//! `m_0..m_(W-1)` hold them, copied from their range-checked cells, and the fixed `w_i` become
//! 0/1 slot flags: the gate is `q * (acc_cur - (q - 1) * acc_prev - bias - sum_i w_i m_i x_i)`
//! (degree 4). A flag of 0 switches an unused slot off, so its unconstrained
//! cells cannot add anything. The bias is then witnessed too: it sits in the `acc` cell of the
//! row above the chain (gate off there), and every row of the chain has `q = 2`.

use ff::Field;
use halo2_proofs::{
    circuit::Region,
    halo2curves::bn256::Fr,
    plonk::{Advice, Column, ConstraintSystem, Constraints, Expression, Fixed},
    poly::Rotation,
};

use crate::field::i128_to_field;

/// Largest supported number of multiply-accumulates per row (8 advice columns in all).
pub const MAX_DOT_WIDTH: usize = 6;

/// `q` on a chain's first row.
pub const Q_FIRST: u64 = 1;

/// `q` on a row continuing a chain.
pub const Q_CHAIN: u64 = 2;

/// Columns of the dot-product gate.
#[derive(Clone, Debug)]
pub struct DotConfig {
    /// Input cells, one per multiply-accumulate.
    pub inputs: Vec<Column<Advice>>,
    /// Running accumulator.
    pub acc: Column<Advice>,
    /// Weights, one per input column (slot flags when the weights are witnessed).
    pub weights: Vec<Column<Fixed>>,
    /// Witnessed weights, one per input column, when the weights are not fixed.
    pub witnessed: Option<Vec<Column<Advice>>>,
    /// Bias, nonzero only on a chain's first row.
    pub bias: Column<Fixed>,
    /// `0` where the gate is off, `1` on a chain's first row, `2` after.
    pub q: Column<Fixed>,
}

/// The fixed values of one dot-product row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DotRow {
    /// Weights, one per input column, zero for unused slots.
    pub weights: Vec<i64>,
    /// Bias (only on a chain's first row).
    pub bias: i64,
    /// Whether this row continues the chain above it.
    pub chain: bool,
    /// A packed row (see [`super::strand`]): its weights and bias as field elements, which
    /// replace `weights` and `bias` (both zero then). `None` for every row of an unpacked
    /// circuit.
    pub packed: Option<PackedRow>,
}

/// The fixed values of a packed dot-product row, each `sum_p c_p 2^(pS)` for the slot
/// coefficients `c_p` of the row's neurons (see [`super::strand`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackedRow {
    /// One packed weight per input column.
    pub weights: Vec<Fr>,
    /// The packed bias (nonzero only on a chain's first row).
    pub bias: Fr,
}

impl DotRow {
    /// The row's weights and bias as the field elements the fixed columns hold.
    pub fn field_values(&self) -> (Vec<Fr>, Fr) {
        match &self.packed {
            Some(packed) => (packed.weights.clone(), packed.bias),
            None => (
                self.weights
                    .iter()
                    .map(|&w| i128_to_field(w.into()))
                    .collect(),
                i128_to_field(self.bias.into()),
            ),
        }
    }
}

/// What the dot-product chip offers.
pub trait DotInstructions {
    /// Enables the gate on `row` and assigns its fixed values.
    fn assign_row_fixed(&self, region: &mut Region<'_, Fr>, row: usize, dot: &DotRow);
}

/// The dot-product chip.
#[derive(Clone, Debug)]
pub struct DotChip {
    config: DotConfig,
}

impl DotChip {
    /// Assigns zero weights, bias and `q` on `row`: the gate is off there.
    ///
    /// Used for row 0, which must not carry the gate (its `acc_prev` would wrap to the last
    /// row); assigning it keeps the region starting at row 0 for the mock prover's reports.
    pub fn assign_empty_row(&self, region: &mut Region<'_, Fr>, row: usize) {
        let config = &self.config;
        for column in config.weights.iter().chain([&config.bias, &config.q]) {
            region.assign_fixed(*column, row, Fr::ZERO);
        }
    }
}

impl DotChip {
    /// Wraps a configuration.
    pub fn construct(config: DotConfig) -> Self {
        Self { config }
    }

    /// Creates the fixed columns and the gate `"dot product"` over the given advice columns;
    /// `witnessed` are the weight columns when the weights are not fixed.
    pub fn configure(
        meta: &mut ConstraintSystem<Fr>,
        inputs: &[Column<Advice>],
        acc: Column<Advice>,
        witnessed: Option<&[Column<Advice>]>,
    ) -> DotConfig {
        let config = DotConfig {
            inputs: inputs.to_vec(),
            acc,
            witnessed: witnessed.map(<[_]>::to_vec),
            weights: inputs.iter().map(|_| meta.fixed_column()).collect(),
            bias: meta.fixed_column(),
            q: meta.fixed_column(),
        };
        meta.create_gate("dot product", |meta| {
            let q = meta.query_fixed(config.q, Rotation::cur());
            let acc_cur = meta.query_advice(config.acc, Rotation::cur());
            let acc_prev = meta.query_advice(config.acc, Rotation::prev());
            let chain = q.clone() - Expression::Constant(Fr::ONE);
            let bias = meta.query_fixed(config.bias, Rotation::cur());
            let products =
                (0..config.inputs.len()).fold(Expression::Constant(Fr::ZERO), |sum, i| {
                    let x = meta.query_advice(config.inputs[i], Rotation::cur());
                    let w = meta.query_fixed(config.weights[i], Rotation::cur());
                    match &config.witnessed {
                        Some(m) => sum + w * meta.query_advice(m[i], Rotation::cur()) * x,
                        None => sum + w * x,
                    }
                });
            // q (acc_cur - (q - 1) acc_prev - bias - sum_i w_i x_i) = 0,  q in {0, 1, 2}
            Constraints::with_selector(
                q,
                [(
                    "acc = (q - 1) * acc_prev + bias + sum w_i x_i",
                    acc_cur - chain * acc_prev - bias - products,
                )],
            )
        });
        config
    }
}

impl DotInstructions for DotChip {
    fn assign_row_fixed(&self, region: &mut Region<'_, Fr>, row: usize, dot: &DotRow) {
        let config = &self.config;
        let (weights, bias) = dot.field_values();
        for (column, weight) in config.weights.iter().zip(weights) {
            region.assign_fixed(*column, row, weight);
        }
        region.assign_fixed(config.bias, row, bias);
        let q = if dot.chain { Q_CHAIN } else { Q_FIRST };
        region.assign_fixed(config.q, row, Fr::from(q));
    }
}
