//! Freivalds checks for batches: a dense layer `Y = W X + b 1ᵀ` checked once per item by a
//! random linear combination, instead of one dot chain per neuron.
//!
//! In a batch circuit (`N` items, one fixed-weight model), let a dense layer have `W` (fixed,
//! `m × n`), bias `b` (fixed, `m`), inputs `x_k` (the `n` activations of item `k`) and
//! accumulators `y_k` (the `m` values `y_jk`, each the first cell `z0` of neuron `j`'s existing
//! rescale block, which range-checks and rescales it exactly as an unpacked chain's end would
//! be). The layer is correct iff `y_k = W x_k + b` for every `k`.
//!
//! # Protocol
//! 1. **Phase 1** (first-phase advice, committed): every `x_k`, `y_k` and the copies of them
//!    this chip reads. The prover commits these columns before anything below is known.
//! 2. **Challenge**: `ρ` (`meta.challenge_usable_after(FirstPhase)`), squeezed from the
//!    transcript after the first-phase commitments (and the instance), in the prover's
//!    transcript and the verifier's alike (halo2's multi-phase protocol), so that `r_j = ρ^j`
//!    is fixed only once `X` and `Y` are.
//! 3. **Phase 2** (second-phase advice `acc`, `u`), per layer, once per batch: for each input
//!    column `i` (and `i = n` for the bias) a Horner chain over fixed coefficients in `u`:
//!
//!    ```text
//!    row 0     : u = c_0                     (gate "freivalds start")
//!    row t >= 1: u = ρ u_prev + c_t          (gate "freivalds horner")
//!    c_t = W_(m-1-t, i)   (b_(m-1-t) for i = n),  so the last u is u_i = Σ_j ρ^j W_ji
//!    ```
//!
//!    `m (n + 1)` rows. Then per item `k`, `m + n` rows on `acc`:
//!
//!    ```text
//!    row 0         : acc = v,              v = y_(m-1),k      ("freivalds start")
//!    row t in 1..m : acc = ρ acc_prev + v, v = y_(m-1-t),k    ("freivalds horner")
//!    row m + i     : acc = acc_prev - u v, u = u_i, v = x_ik  ("freivalds product")
//!    acc on row m + n - 1 = u_n                               (copy)
//!    ```
//!
//!    i.e. `Σ_j ρ^j y_jk - Σ_i u_i x_ik = Σ_j ρ^j b_j`, which is `rᵀ y_k = (rᵀ W) x_k + rᵀ b`.
//!    Every `v` cell is a copy of a `z` cell, every product row's `u` a copy of a weight
//!    chain's last `u`. The start and Horner gates constrain both columns on their rows: on a
//!    weight chain's rows the `acc` half reads the free `v` cells there (nothing reads that
//!    `acc`), on an item's Horner rows the `u` half has `c = 0` (nothing reads that `u`), so
//!    one selector serves both chains. The `v` cells live on the first-phase lane `Input(0)`
//!    (the dot gate is off on these rows), the coefficients in one fixed column: the check
//!    costs two advice columns, one fixed column and three selectors (halo2-axiom's
//!    `keygen_vk` does not compress selectors: each is a fixed column).
//!
//! # Soundness
//! The gates and copies force, for each item, `P_k(ρ) = 0` with
//! `P_k(X) = Σ_j (y_jk - (W x_k + b)_j) X^j`, a polynomial of degree `< m` whose coefficients
//! are fixed by the first-phase commitments (binding under KZG) before `ρ` is drawn. If
//! `y_k ≠ W x_k + b`, `P_k` is nonzero and has at most `m - 1` roots, so a uniformly random
//! `ρ` passes with probability `≤ (m - 1) / r` (`r ≈ 2^254`). By a union bound over the `N`
//! items and the `L` checked layers, a wrong accumulator anywhere survives with probability
//! `≤ L N (m - 1) / r` (below `2^-220` for `L N m ≤ 2^34`), plus the Fiat–Shamir
//! (random-oracle) term of the transcript hash. The integers are exact: `y_jk` and the
//! products fit far below `r` (each `y_jk` is range-checked by its rescale block and
//! `|(W x_k + b)_j|` is bounded as for an unpacked chain), so equality mod `r` is equality.
//!
//! **Why `ρ` must be a challenge, never fixed or derived in advance.** If `r` were known
//! before `Y` is committed (a constant, as in ddkang/zkml, whose Freivalds `r` was a fixed
//! value; or a hash of the model or the inputs alone), a prover could pick any `y'_k` with
//! `rᵀ (y'_k - y_k) = 0` (one linear equation in `m` unknowns: `m - 1` free coordinates),
//! pass every check and prove a wrong output. Only a value drawn after the commitment to
//! `Y` makes `P_k(ρ) = 0` a random-evaluation test. `ρ` is squeezed by the transcript itself
//! (halo2's `Challenge`), never computed by the circuit or the caller.

use ff::Field;
use halo2_proofs::{
    circuit::{Cell, Region, Value},
    halo2curves::bn256::Fr,
    plonk::{
        Advice, Any, Challenge, Column, ConstraintSystem, Constraints, Error, FirstPhase, Fixed,
        SecondPhase, Selector,
    },
    poly::Rotation,
};

use crate::field::i128_to_field;
use crate::layout::FreivaldsLayer;
use crate::spec::QuantizedLayer;

/// The start gate's constraint on `acc` (an item's first row).
pub const START_ACC: &str = "acc = v";
/// The start gate's constraint on `u` (a weight chain's first row).
pub const START_U: &str = "u = c";
/// The Horner gate's constraint on `acc` (an item's outputs).
pub const HORNER_ACC: &str = "acc = rho * acc_prev + v";
/// The Horner gate's constraint on `u` (a weight chain).
pub const HORNER_U: &str = "u = rho * u_prev + c";
/// The product gate's constraint.
pub const PRODUCT: &str = "acc = acc_prev - u * v";

/// Columns, challenge and selectors of the Freivalds gates.
#[derive(Clone, Copy, Debug)]
pub struct FreivaldsConfig {
    /// The running accumulator (second phase).
    pub acc: Column<Advice>,
    /// Copies of the `u_i` (second phase).
    pub u: Column<Advice>,
    /// Copies of the `x` and `y` values (a first-phase lane).
    pub v: Column<Advice>,
    /// Fixed coefficients of the weight chains.
    pub coef: Column<Fixed>,
    /// `ρ`, usable after the first phase.
    pub rho: Challenge,
    /// `acc = v`, `u = c` (a chain's first row).
    pub start: Selector,
    /// `acc = ρ acc_prev + v`, `u = ρ u_prev + c`.
    pub horner: Selector,
    /// `acc = acc_prev - u v`.
    pub product: Selector,
}

/// What the Freivalds chip offers.
pub trait FreivaldsInstructions {
    /// Enables the gates of `plans` and assigns their fixed coefficients (`layers` are the
    /// model's layers, indexed by [`FreivaldsLayer::layer`]).
    ///
    /// # Errors
    /// Propagates synthesis errors.
    fn assign_fixed(
        &self,
        region: &mut Region<'_, Fr>,
        plans: &[FreivaldsLayer],
        layers: &[QuantizedLayer],
    ) -> Result<(), Error>;

    /// The copy constraints between second-phase cells (the `v` cells' copies of `z` are
    /// the layout's `dot_sources`, which the circuit constrains with every other lane).
    fn constrain(&self, region: &mut Region<'_, Fr>, plans: &[FreivaldsLayer]);

    /// Ends the first phase (commits its advice and squeezes `ρ` when proving), then assigns
    /// the second-phase cells from `ρ` and the range-lane values `z` (`None` at keygen).
    ///
    /// Every first-phase cell must be assigned before this call.
    ///
    /// # Errors
    /// Propagates synthesis errors.
    fn assign_second_phase(
        &self,
        region: &mut Region<'_, Fr>,
        plans: &[FreivaldsLayer],
        layers: &[QuantizedLayer],
        z: Option<&[Fr]>,
    ) -> Result<(), Error>;
}

/// The Freivalds chip.
#[derive(Clone, Copy, Debug)]
pub struct FreivaldsChip {
    config: FreivaldsConfig,
}

impl FreivaldsChip {
    /// Wraps a configuration.
    pub fn construct(config: FreivaldsConfig) -> Self {
        Self { config }
    }

    /// Creates the two second-phase columns (equality enabled), the fixed coefficient column,
    /// the challenge `ρ` and the five gates, reading the first-phase lane `v`.
    pub fn configure(meta: &mut ConstraintSystem<Fr>, v: Column<Advice>) -> FreivaldsConfig {
        // The challenge must be created after a first-phase column exists and before the
        // second-phase ones are used; halo2 orders it by phase, not by creation.
        let rho = meta.challenge_usable_after(FirstPhase);
        let acc = meta.advice_column_in(SecondPhase);
        let u = meta.advice_column_in(SecondPhase);
        meta.enable_equality(acc);
        meta.enable_equality(u);
        let config = FreivaldsConfig {
            acc,
            u,
            v,
            coef: meta.fixed_column(),
            rho,
            start: meta.selector(),
            horner: meta.selector(),
            product: meta.selector(),
        };
        meta.create_gate("freivalds start", |meta| {
            let s = meta.query_selector(config.start);
            let acc = meta.query_advice(acc, Rotation::cur());
            let u = meta.query_advice(u, Rotation::cur());
            let v = meta.query_advice(v, Rotation::cur());
            let c = meta.query_fixed(config.coef, Rotation::cur());
            Constraints::with_selector(s, [(START_ACC, acc - v), (START_U, u - c)])
        });
        meta.create_gate("freivalds horner", |meta| {
            let s = meta.query_selector(config.horner);
            let rho = meta.query_challenge(rho);
            let [acc, acc_prev, u, u_prev] = [
                (acc, Rotation::cur()),
                (acc, Rotation::prev()),
                (u, Rotation::cur()),
                (u, Rotation::prev()),
            ]
            .map(|(column, at)| meta.query_advice(column, at));
            let v = meta.query_advice(v, Rotation::cur());
            let c = meta.query_fixed(config.coef, Rotation::cur());
            // acc = ρ acc_prev + v,  u = ρ u_prev + c
            Constraints::with_selector(
                s,
                [
                    (HORNER_ACC, acc - rho.clone() * acc_prev - v),
                    (HORNER_U, u - rho * u_prev - c),
                ],
            )
        });
        meta.create_gate("freivalds product", |meta| {
            let s = meta.query_selector(config.product);
            let prev = meta.query_advice(acc, Rotation::prev());
            let acc = meta.query_advice(acc, Rotation::cur());
            let u = meta.query_advice(u, Rotation::cur());
            let v = meta.query_advice(v, Rotation::cur());
            // acc = acc_prev - u v
            Constraints::with_selector(s, [(PRODUCT, acc - prev + u * v)])
        });
        config
    }

    fn cell(column: Column<Advice>, row: usize) -> Cell {
        Cell {
            row_offset: row,
            column: Column::<Any>::from(column),
        }
    }
}

/// The fixed coefficient of row `t` of weight chain `i`: `W_(m-1-t, i)`, or `b_(m-1-t)` for
/// `i = n`.
pub fn coefficient(layer: &QuantizedLayer, i: usize, t: usize) -> Fr {
    let j = layer.output_size() - 1 - t;
    let value = match layer.weights[j].get(i) {
        Some(&w) => w,
        None => layer.biases[j],
    };
    i128_to_field(value.into())
}

/// A row and the value of one cell on it.
pub type RowValue = (usize, Fr);

/// The second-phase values of one layer's rows under `ρ`: `(row, acc)` and `(row, u)` pairs
/// of every gated row. `z` holds the range lane (the `y` and `x` values the rows read); the
/// `v` cells of the weight chains are zero (no source), so their `acc` is zero, and an item's
/// Horner rows have `c = 0`, so their `u` is zero.
pub fn trace(
    plan: &FreivaldsLayer,
    layer: &QuantizedLayer,
    rho: Fr,
    z: &[Fr],
) -> (Vec<RowValue>, Vec<RowValue>) {
    let (m, n) = (plan.outputs, plan.inputs);
    let rows = m * (n + 1) + plan.items.len() * (m + n);
    let (mut accs, mut us) = (Vec::with_capacity(rows), Vec::with_capacity(rows));
    let mut u = Vec::with_capacity(n + 1);
    for i in 0..=n {
        let mut acc = Fr::ZERO;
        for t in 0..m {
            acc = acc * rho + coefficient(layer, i, t);
            accs.push((plan.weight_row(i, t), Fr::ZERO));
            us.push((plan.weight_row(i, t), acc));
        }
        u.push(acc);
    }
    for item in &plan.items {
        let mut acc = Fr::ZERO;
        for (t, &row) in item.outputs.iter().rev().enumerate() {
            acc = acc * rho + z[row];
            accs.push((item.start + t, acc));
            us.push((item.start + t, Fr::ZERO));
        }
        for (i, &row) in item.inputs.iter().enumerate() {
            acc -= u[i] * z[row];
            accs.push((item.start + m + i, acc));
            us.push((item.start + m + i, u[i]));
        }
    }
    (accs, us)
}

impl FreivaldsInstructions for FreivaldsChip {
    fn assign_fixed(
        &self,
        region: &mut Region<'_, Fr>,
        plans: &[FreivaldsLayer],
        layers: &[QuantizedLayer],
    ) -> Result<(), Error> {
        let config = &self.config;
        for plan in plans {
            let layer = &layers[plan.layer];
            let (m, n) = (plan.outputs, plan.inputs);
            for i in 0..=n {
                for t in 0..m {
                    let row = plan.weight_row(i, t);
                    region.assign_fixed(config.coef, row, coefficient(layer, i, t));
                    let selector = if t == 0 { config.start } else { config.horner };
                    selector.enable(region, row)?;
                }
            }
            for item in &plan.items {
                config.start.enable(region, item.start)?;
                for t in 1..m {
                    config.horner.enable(region, item.start + t)?;
                }
                for i in 0..n {
                    config.product.enable(region, item.start + m + i)?;
                }
            }
        }
        Ok(())
    }

    fn constrain(&self, region: &mut Region<'_, Fr>, plans: &[FreivaldsLayer]) {
        let config = &self.config;
        for plan in plans {
            let (m, n) = (plan.outputs, plan.inputs);
            let u_cell = |i: usize| Self::cell(config.u, plan.u_row(i));
            for item in &plan.items {
                for i in 0..n {
                    region.constrain_equal(Self::cell(config.u, item.start + m + i), u_cell(i));
                }
                // Σ_j ρ^j y_j - Σ_i u_i x_i = u_n = Σ_j ρ^j b_j
                let last = Self::cell(config.acc, item.last_row(m, n));
                region.constrain_equal(last, u_cell(n));
            }
        }
    }

    fn assign_second_phase(
        &self,
        region: &mut Region<'_, Fr>,
        plans: &[FreivaldsLayer],
        layers: &[QuantizedLayer],
        z: Option<&[Fr]>,
    ) -> Result<(), Error> {
        let config = &self.config;
        region.next_phase();
        // Known only once the first phase is committed (never at keygen, nor in the mock
        // prover's first pass): nothing to assign before.
        let mut rho = None;
        region
            .get_challenge(config.rho)
            .map(|value| rho = Some(value));
        let (Some(rho), Some(z)) = (rho, z) else {
            return Ok(());
        };
        for plan in plans {
            let (accs, us) = trace(plan, &layers[plan.layer], rho, z);
            for (row, value) in accs {
                region.assign_advice(config.acc, row, Value::known(value));
            }
            for (row, value) in us {
                region.assign_advice(config.u, row, Value::known(value));
            }
        }
        Ok(())
    }
}
