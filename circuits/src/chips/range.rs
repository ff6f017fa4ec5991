//! Range checks by running-sum decomposition into short limbs, against one tagged table.
//!
//! A decomposition block occupies consecutive rows of the advice column `z`. Row `i` carries
//! fixed values `tag_i = w_i` (the limb width), `offset_i` and `factor_i`, each *scaled by the
//! tag*: the columns hold `t_i = w_i`, `t_i * o_i` and `t_i * 2^(w_i)` (`0` on the block's last
//! row), where `o_i` is the offset added before the limb. The lookup
//!
//! ```text
//! (t, t * z_i + t o_i - t 2^(w_i) z_{i+1})  in  { (w, w v) : w in W, 0 <= v < 2^w } u {(0, 0)}
//! ```
//!
//! states that `t l_i = t v` for a table value `v` of width `t`, with the limb
//! `l_i = z_i + o_i - 2^(w_i) z_{i+1}`. Every tag in use is a nonzero field element (widths
//! `1..=12`, squash tags from 16), so `t l_i = t v` gives `l_i = v`: the limb lies in
//! `[0, 2^(w_i))`, and in the last row `z_last + o_last` itself does. A row outside every
//! block has all three fixed values zero and looks up `(0, 0)`, which the table holds; no
//! separate enable column is needed. Unrolled, with integer limbs:
//!
//! ```text
//! z_0 = sum_i l_i * 2^(w_0 + ... + w_(i-1)) - (offsets, each scaled the same way)
//! ```
//!
//! Every limb is a small integer, so the right-hand side is an integer of at most
//! `sum w_i + 1` bits: as long as that is far below the field size (the circuit uses at
//! most 65 bits, whatever the limb width: a wider limb only means fewer rows for the same
//! bits), `z_0` has exactly one decomposition and nothing wraps.

use ff::Field;
use halo2_proofs::{
    circuit::{Layouter, Region, Value},
    halo2curves::bn256::Fr,
    plonk::{Advice, Column, ConstraintSystem, Error, Fixed, TableColumn},
    poly::Rotation,
};

use crate::field::i128_to_field;

/// One row of a decomposition block: the limb width and the offset added before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LimbSpec {
    /// Width `w` of this row's limb: `0 <= l < 2^w`.
    pub width: u32,
    /// Constant added to `z` before the limb is taken.
    pub offset: i128,
}

/// Columns, table and lookup of the range chip.
#[derive(Clone, Debug)]
pub struct RangeConfig {
    /// The running sum `z`.
    pub z: Column<Advice>,
    /// Width `t` of the limb looked up on this row (`0` outside every block).
    pub tag: Column<Fixed>,
    /// `t * 2^w` on all but a block's last row, `0` there.
    pub factor: Column<Fixed>,
    /// `t * o`, with `o` the constant added to `z` before taking the limb.
    pub offset: Column<Fixed>,
    /// Table column of widths.
    pub table_tag: TableColumn,
    /// Table column of values, each scaled by its tag (`t * v`).
    pub table_value: TableColumn,
    /// The limb widths the table serves, ascending and distinct.
    pub widths: Vec<u32>,
}

/// What the range chip offers: limb decompositions of a running sum.
pub trait RangeInstructions {
    /// Fills the lookup table.
    ///
    /// # Errors
    /// Propagates synthesis errors.
    fn load_table(&self, layouter: &mut impl Layouter<Fr>) -> Result<(), Error>;

    /// Assigns the fixed part of a block of `schedule.len()` rows starting at `row`.
    fn assign_block_fixed(&self, region: &mut Region<'_, Fr>, row: usize, schedule: &[LimbSpec]);
}

/// The range chip.
#[derive(Clone, Debug)]
pub struct RangeChip {
    config: RangeConfig,
}

impl RangeChip {
    /// Wraps a configuration.
    pub fn construct(config: RangeConfig) -> Self {
        Self { config }
    }

    /// The chip's configuration.
    pub fn config(&self) -> &RangeConfig {
        &self.config
    }

    /// Creates the fixed and table columns and the lookup `"limb in range"` over `z`.
    ///
    /// `widths` are the limb widths the table must serve (each in `1..=MAX_LIMB_BITS`, i.e.
    /// `1..=12`).
    ///
    /// # Panics
    /// If a width lies outside `1..=MAX_LIMB_BITS`: the widths come from validated parameters, so this is
    /// a construction bug, never a consequence of user input.
    pub fn configure(
        meta: &mut ConstraintSystem<Fr>,
        z: Column<Advice>,
        widths: &[u32],
    ) -> RangeConfig {
        let mut widths = widths.to_vec();
        widths.sort_unstable();
        widths.dedup();
        assert!(
            widths.iter().all(|w| (1..=super::MAX_LIMB_BITS).contains(w)),
            "limb widths must lie in 1..=MAX_LIMB_BITS (a circuit-construction bug, not user input)"
        );
        let config = RangeConfig {
            z,
            tag: meta.fixed_column(),
            factor: meta.fixed_column(),
            offset: meta.fixed_column(),
            table_tag: meta.lookup_table_column(),
            table_value: meta.lookup_table_column(),
            widths,
        };
        meta.lookup("limb in range", |meta| {
            let z_cur = meta.query_advice(config.z, Rotation::cur());
            let z_next = meta.query_advice(config.z, Rotation::next());
            let tag = meta.query_fixed(config.tag, Rotation::cur());
            let factor = meta.query_fixed(config.factor, Rotation::cur());
            let offset = meta.query_fixed(config.offset, Rotation::cur());
            // t l = t (z_i + o_i - 2^(w_i) z_{i+1}) = t v,  0 <= v < 2^t,  t != 0 in a block
            let scaled_limb = tag.clone() * z_cur + offset - factor * z_next;
            vec![(tag, config.table_tag), (scaled_limb, config.table_value)]
        });
        config
    }

    /// Number of table rows for `widths`: `1 + sum 2^w`.
    pub fn table_rows(widths: &[u32]) -> usize {
        1 + widths.iter().map(|w| 1usize << w).sum::<usize>()
    }
}

impl RangeChip {
    /// Fills the lookup table: `(0, 0)`, the limb widths' entries `(w, w v)`, then `extra`
    /// `(tag, tag * value)` pairs (the sigmoid and tanh tables of [`super::squash`], whose
    /// tags are above every width, already scaled by the caller).
    ///
    /// # Errors
    /// Propagates synthesis errors.
    pub fn load_table_with(
        &self,
        layouter: &mut impl Layouter<Fr>,
        extra: &[(Fr, Fr)],
    ) -> Result<(), Error> {
        let config = &self.config;
        layouter.assign_table(
            || "limb widths and values",
            |mut table| {
                table.assign_cell(|| "tag", config.table_tag, 0, || Value::known(Fr::ZERO))?;
                table.assign_cell(|| "value", config.table_value, 0, || Value::known(Fr::ZERO))?;
                let mut row = 1;
                for &width in &config.widths {
                    for value in 0..(1u64 << width) {
                        let tag = Fr::from(u64::from(width));
                        table.assign_cell(|| "tag", config.table_tag, row, || Value::known(tag))?;
                        let v = tag * Fr::from(value);
                        table.assign_cell(
                            || "value",
                            config.table_value,
                            row,
                            || Value::known(v),
                        )?;
                        row += 1;
                    }
                }
                for (i, &(tag, value)) in extra.iter().enumerate() {
                    table.assign_cell(|| "tag", config.table_tag, row + i, || Value::known(tag))?;
                    table.assign_cell(
                        || "value",
                        config.table_value,
                        row + i,
                        || Value::known(value),
                    )?;
                }
                Ok(())
            },
        )
    }
}

impl RangeInstructions for RangeChip {
    fn load_table(&self, layouter: &mut impl Layouter<Fr>) -> Result<(), Error> {
        self.load_table_with(layouter, &[])
    }

    fn assign_block_fixed(&self, region: &mut Region<'_, Fr>, row: usize, schedule: &[LimbSpec]) {
        let config = &self.config;
        for (i, limb) in schedule.iter().enumerate() {
            let last = i + 1 == schedule.len();
            let factor = if last {
                Fr::ZERO
            } else {
                Fr::from(1u64 << limb.width)
            };
            let tag = Fr::from(u64::from(limb.width));
            assign_scaled_row(
                config,
                region,
                row + i,
                tag,
                factor,
                i128_to_field(limb.offset),
            );
        }
    }
}

/// Assigns one lookup row's fixed values: the tag `t` (nonzero), and `t * factor`,
/// `t * offset`, so that the row looks up `(t, t * (z + offset - factor * z_next))`.
pub fn assign_scaled_row(
    config: &RangeConfig,
    region: &mut Region<'_, Fr>,
    row: usize,
    tag: Fr,
    factor: Fr,
    offset: Fr,
) {
    region.assign_fixed(config.tag, row, tag);
    region.assign_fixed(config.factor, row, tag * factor);
    region.assign_fixed(config.offset, row, tag * offset);
}

/// Computes the running sum `z_0 = value, z_1, ..., z_(n-1)` of a block.
///
/// For an in-range value every limb lands in range; otherwise the values are still produced
/// (so that tests can prove the lookup rejects them) and [`decomposition_fits`] reports it.
pub fn running_sum(value: i128, schedule: &[LimbSpec]) -> Vec<i128> {
    let mut z = Vec::with_capacity(schedule.len());
    let mut current = value;
    for limb in schedule {
        z.push(current);
        let shifted = current + limb.offset;
        current = shifted.div_euclid(1i128 << limb.width);
    }
    z
}

/// Whether `value` decomposes under `schedule` with every limb, the last included, in range.
pub fn decomposition_fits(value: i128, schedule: &[LimbSpec]) -> bool {
    let z = running_sum(value, schedule);
    match (z.last(), schedule.last()) {
        (Some(&z_last), Some(last)) => {
            let top = z_last + last.offset;
            (0..(1i128 << last.width)).contains(&top)
        }
        _ => false,
    }
}
