//! Packing several bounded signed values into one field element, for hashing.
//!
//! Values `v_0..v_(n-1)`, each already range-checked to `[-2^(B-1), 2^(B-1))` by a
//! [`super::range`] block, are packed as
//!
//! ```text
//! p = sum_i (v_i + 2^(B-1)) * 2^(B (n-1-i))
//! ```
//!
//! by a chain down the accumulator column: `acc_cur = factor * acc_prev + offset + value_cur`,
//! with `factor = 0` on a chain's first row and `2^B` after, `offset = 2^(B-1)`. Every slot
//! `v_i + 2^(B-1)` lies in `[0, 2^B)` and `n B <= 253 < log2(p)`, so `p` is an integer below the
//! field modulus with exactly one base-`2^B` expansion: distinct value lists give distinct
//! packed elements, and hashing the packed elements commits to the values.
//!
//! The gate reuses the dot-product chip's first weight column and its `bias` column for
//! `factor` and `offset`: packing rows have the dot gate's `q = 0`, and the packing gate has
//! its own selector, so the two gates never share a row.

use ff::Field;
use halo2_proofs::{
    circuit::Region,
    halo2curves::bn256::Fr,
    plonk::{Advice, Column, ConstraintSystem, Constraints, Error, Fixed, Selector},
    poly::Rotation,
};

use crate::field::i128_to_field;

/// Largest number of bits packed into one field element.
pub const PACKED_BITS: u32 = 253;

/// Values of bit-width `bits` packed into one field element.
pub fn values_per_element(bits: u32) -> usize {
    (PACKED_BITS / bits) as usize
}

/// Packs signed `values` of bit-width `bits` (each in range) into field elements.
pub fn pack(values: &[i64], bits: u32) -> Vec<Fr> {
    let offset = 1i128 << (bits - 1);
    let factor = i128_to_field(1i128 << bits);
    values
        .chunks(values_per_element(bits))
        .map(|chunk| {
            chunk.iter().fold(Fr::ZERO, |acc, &v| {
                acc * factor + i128_to_field(i128::from(v) + offset)
            })
        })
        .collect()
}

/// The running values of the packing chains of `values`, one per row.
pub fn pack_trace(values: &[i64], bits: u32) -> Vec<Fr> {
    let offset = 1i128 << (bits - 1);
    let factor = i128_to_field(1i128 << bits);
    let mut trace = Vec::with_capacity(values.len());
    for chunk in values.chunks(values_per_element(bits)) {
        let mut acc = Fr::ZERO;
        for &v in chunk {
            acc = acc * factor + i128_to_field(i128::from(v) + offset);
            trace.push(acc);
        }
    }
    trace
}

/// Columns and selector of the packing gate.
#[derive(Clone, Copy, Debug)]
pub struct PackConfig {
    /// The value being packed (copied from its range-checked cell).
    pub value: Column<Advice>,
    /// The packing accumulator.
    pub acc: Column<Advice>,
    /// `0` on a chain's first row, `2^B` after.
    pub factor: Column<Fixed>,
    /// `2^(B-1)`.
    pub offset: Column<Fixed>,
    /// Enables the gate.
    pub selector: Selector,
}

/// The packing chip.
#[derive(Clone, Copy, Debug)]
pub struct PackChip {
    config: PackConfig,
}

impl PackChip {
    /// Wraps a configuration.
    pub fn construct(config: PackConfig) -> Self {
        Self { config }
    }

    /// Creates the gate `"pack"`, sharing the given fixed columns.
    pub fn configure(
        meta: &mut ConstraintSystem<Fr>,
        value: Column<Advice>,
        acc: Column<Advice>,
        factor: Column<Fixed>,
        offset: Column<Fixed>,
    ) -> PackConfig {
        let config = PackConfig {
            value,
            acc,
            factor,
            offset,
            selector: meta.selector(),
        };
        meta.create_gate("pack", |meta| {
            let s = meta.query_selector(config.selector);
            let acc_cur = meta.query_advice(acc, Rotation::cur());
            let acc_prev = meta.query_advice(acc, Rotation::prev());
            let value = meta.query_advice(value, Rotation::cur());
            let factor = meta.query_fixed(factor, Rotation::cur());
            let offset = meta.query_fixed(offset, Rotation::cur());
            Constraints::with_selector(
                s,
                [(
                    "acc = factor * acc_prev + offset + value",
                    acc_cur - factor * acc_prev - offset - value,
                )],
            )
        });
        config
    }

    /// Enables the gate on the `count` rows from `start` packing values of width `bits`, and
    /// assigns their fixed values. `start` must be at least 1 (the gate reads the row above).
    ///
    /// # Errors
    /// Propagates synthesis errors.
    pub fn assign_fixed(
        &self,
        region: &mut Region<'_, Fr>,
        start: usize,
        count: usize,
        bits: u32,
    ) -> Result<(), Error> {
        let config = &self.config;
        let per_element = values_per_element(bits);
        let factor = i128_to_field(1i128 << bits);
        let offset = i128_to_field(1i128 << (bits - 1));
        for i in 0..count {
            let row = start + i;
            config.selector.enable(region, row)?;
            let first = i % per_element == 0;
            region.assign_fixed(config.factor, row, if first { Fr::ZERO } else { factor });
            region.assign_fixed(config.offset, row, offset);
        }
        Ok(())
    }
}
