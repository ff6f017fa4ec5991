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
//!
//! # Bit limbs: the same blocks, checked by a gate instead of the lookup
//!
//! With every limb one bit wide ([`BIT_LIMBS`]) and no table needed for anything else (no
//! sigmoid or tanh), [`RangeChip::configure_bits`] replaces the lookup, its table and two of
//! its fixed columns by one gate over two fixed columns, `kind` and the (unscaled) offset `o`:
//!
//! ```text
//! [kind (kind - 1) / 2] * l_mid (l_mid - 1) = 0,    l_mid  = z_i + o_i - 2 z_{i+1}
//! [kind (2 - kind)]     * l_last (l_last - 1) = 0,  l_last = z_i + o_i
//! ```
//!
//! `kind` is `2` on every row of a block but its last, `1` on the last, `0` outside blocks, so
//! the first factor is `1` exactly on the rows `kind = 2` and the second exactly on `kind = 1`
//! (both vanish on `kind = 0`). Each limb is then `0` or `1`: the same statement the lookup
//! makes with `w = 1`, so the unrolled sum and its no-wrap bound above hold unchanged. The
//! gate has degree 4. A circuit pays for it in rows (a block takes one row per bit) and saves
//! the lookup's three proof commitments (permuted input, permuted table, product) and the
//! table's and factor's fixed commitments: the cheapest verifier for a small circuit.

use ff::Field;
use halo2_proofs::{
    circuit::{Layouter, Region, Value},
    halo2curves::bn256::Fr,
    plonk::{Advice, Column, ConstraintSystem, Error, Expression, Fixed, TableColumn},
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

/// Limb width of the gate-checked mode ([`RangeChip::configure_bits`]): every limb one bit.
pub const BIT_LIMBS: u32 = 1;

/// Columns of the range chip: the running sum, the offset, and how limbs are checked.
#[derive(Clone, Debug)]
pub struct RangeConfig {
    /// The running sum `z`.
    pub z: Column<Advice>,
    /// The constant added to `z` before the limb is taken: `t * o` (scaled by the tag) under
    /// a lookup, `o` itself under the bit gate.
    pub offset: Column<Fixed>,
    /// How each limb is checked.
    pub check: LimbCheck,
}

/// How the range chip checks a limb.
#[derive(Clone, Debug)]
pub enum LimbCheck {
    /// Against the tagged table (any widths, and the squash tables).
    Lookup(LimbLookup),
    /// By the gate `"limb is a bit"`; the column is the row kind (`2` inside a block, `1` on
    /// its last row, `0` elsewhere).
    Bits {
        /// Row kind.
        kind: Column<Fixed>,
    },
}

/// Columns and table of the lookup mode.
#[derive(Clone, Debug)]
pub struct LimbLookup {
    /// Width `t` of the limb looked up on this row (`0` outside every block).
    pub tag: Column<Fixed>,
    /// `t * 2^w` on all but a block's last row, `0` there.
    pub factor: Column<Fixed>,
    /// Table column of widths.
    pub table_tag: TableColumn,
    /// Table column of values, each scaled by its tag (`t * v`).
    pub table_value: TableColumn,
    /// The limb widths the table serves, ascending and distinct.
    pub widths: Vec<u32>,
}

impl RangeConfig {
    /// The lookup's columns, or `None` under the bit gate.
    pub fn lookup(&self) -> Option<&LimbLookup> {
        match &self.check {
            LimbCheck::Lookup(lookup) => Some(lookup),
            LimbCheck::Bits { .. } => None,
        }
    }
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
        // the table's columns after the fixed ones, as before split range lanes existed, so
        // lookup-checked keys are unchanged
        Self::lookup_lane(meta, z, |meta| {
            (
                meta.lookup_table_column(),
                meta.lookup_table_column(),
                widths,
            )
        })
    }

    /// Makes the lookup `"limb in range"` of one more range column `z` of a split range lane
    /// (see `layout::lanes`) on the tag, factor, offset and table of `shared`: the same lookup
    /// as [`RangeChip::configure`] makes. The columns' blocks lie in lockstep (the same
    /// schedule on the same rows of every column), so one set of fixed columns serves all.
    ///
    /// # Panics
    /// If `shared` is checked by the bit gate (a construction bug: split range lanes are
    /// lookup-checked).
    pub fn configure_sharing(
        meta: &mut ConstraintSystem<Fr>,
        z: Column<Advice>,
        shared: &RangeConfig,
    ) -> RangeConfig {
        let lookup = shared
            .lookup()
            .expect("split range lanes are lookup-checked (a construction bug)")
            .clone();
        Self::limb_lookup(meta, z, lookup, shared.offset)
    }

    /// Creates the tag, factor and offset columns of `z`, then takes the table (its tag and
    /// value columns and widths) from `table`, and makes the lookup `"limb in range"`.
    fn lookup_lane(
        meta: &mut ConstraintSystem<Fr>,
        z: Column<Advice>,
        table: impl FnOnce(&mut ConstraintSystem<Fr>) -> (TableColumn, TableColumn, Vec<u32>),
    ) -> RangeConfig {
        let (tag, factor, offset) = (
            meta.fixed_column(),
            meta.fixed_column(),
            meta.fixed_column(),
        );
        let (table_tag, table_value, widths) = table(meta);
        let lookup = LimbLookup {
            tag,
            factor,
            table_tag,
            table_value,
            widths,
        };
        Self::limb_lookup(meta, z, lookup, offset)
    }

    /// The lookup `"limb in range"` over `z` with the given fixed and table columns.
    fn limb_lookup(
        meta: &mut ConstraintSystem<Fr>,
        z: Column<Advice>,
        lookup: LimbLookup,
        offset: Column<Fixed>,
    ) -> RangeConfig {
        meta.lookup("limb in range", |meta| {
            let z_cur = meta.query_advice(z, Rotation::cur());
            let z_next = meta.query_advice(z, Rotation::next());
            let tag = meta.query_fixed(lookup.tag, Rotation::cur());
            let factor = meta.query_fixed(lookup.factor, Rotation::cur());
            let offset = meta.query_fixed(offset, Rotation::cur());
            // t l = t (z_i + o_i - 2^(w_i) z_{i+1}) = t v,  0 <= v < 2^t,  t != 0 in a block
            let scaled_limb = tag.clone() * z_cur + offset - factor * z_next;
            vec![(tag, lookup.table_tag), (scaled_limb, lookup.table_value)]
        });
        RangeConfig {
            z,
            offset,
            check: LimbCheck::Lookup(lookup),
        }
    }

    /// Creates the two fixed columns and the gate `"limb is a bit"` over `z` (see the module
    /// docs): every limb one bit wide ([`BIT_LIMBS`]), no lookup and no table.
    pub fn configure_bits(meta: &mut ConstraintSystem<Fr>, z: Column<Advice>) -> RangeConfig {
        let kind = meta.fixed_column();
        let offset = meta.fixed_column();
        meta.create_gate("limb is a bit", |meta| {
            let kind = meta.query_fixed(kind, Rotation::cur());
            let offset = meta.query_fixed(offset, Rotation::cur());
            let z_cur = meta.query_advice(z, Rotation::cur());
            let z_next = meta.query_advice(z, Rotation::next());
            let one = Expression::Constant(Fr::ONE);
            let two = Expression::Constant(Fr::from(2));
            let half = Expression::Constant(Fr::from(2).invert().expect("2 is invertible"));
            // 1 on kind = 2 (inside a block), 0 on kind = 0 or 1
            let inside = kind.clone() * (kind.clone() - one.clone()) * half;
            // 1 on kind = 1 (a block's last row), 0 on kind = 0 or 2
            let last = kind.clone() * (two.clone() - kind);
            let l_mid = z_cur.clone() + offset.clone() - two * z_next;
            let l_last = z_cur + offset;
            vec![
                (
                    "limb is a bit",
                    inside * l_mid.clone() * (l_mid - one.clone()),
                ),
                ("last limb is a bit", last * l_last.clone() * (l_last - one)),
            ]
        });
        RangeConfig {
            z,
            offset,
            check: LimbCheck::Bits { kind },
        }
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
        let Some(config) = self.config.lookup() else {
            // the bit gate has no table; the planner gives it no squash table either
            assert!(extra.is_empty(), "a bit-limb circuit has no lookup table");
            return Ok(());
        };
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
            let offset = i128_to_field(limb.offset);
            match &config.check {
                LimbCheck::Lookup(_) => {
                    let factor = if last {
                        Fr::ZERO
                    } else {
                        Fr::from(1u64 << limb.width)
                    };
                    let tag = Fr::from(u64::from(limb.width));
                    assign_scaled_row(config, region, row + i, tag, factor, offset);
                }
                LimbCheck::Bits { kind } => {
                    assert_eq!(
                        limb.width, BIT_LIMBS,
                        "a bit-limb circuit plans one-bit limbs only"
                    );
                    region.assign_fixed(*kind, row + i, Fr::from(if last { 1 } else { 2 }));
                    region.assign_fixed(config.offset, row + i, offset);
                }
            }
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
    let lookup = config
        .lookup()
        .expect("lookup rows are planned only in lookup-checked circuits");
    region.assign_fixed(lookup.tag, row, tag);
    region.assign_fixed(lookup.factor, row, tag * factor);
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
