//! Sigmoid and tanh by lookup: the grid rescale, the clamp and the table of
//! [`crate::spec::squash`], from the existing gates and the range chip's tagged table.
//!
//! With `q` the neuron's rescaled value (in its rescale block), `g`, `T = bound 2^g` and
//! `M = 2T - 1`:
//!
//! 1. a dot row `p = 2^g q + T 2^s - 2^(s-1)` (constants fixed in the verifying key);
//! 2. a rescale block on `p`: `p + 2^(s-1) = u 2^s + r`, `0 <= r < 2^s` (so
//!    `u = floor((2^g q + T 2^s) / 2^s)`, the spec's), `u` bounded to `b` signed bits with its
//!    sign bit, then a ReLU row `a = max(u, 0)`;
//! 3. a dot row `w = M - a`, a signed block bounding `w` to `b` bits, a ReLU row
//!    `a' = max(w, 0)`, and a dot row `l = M - a'`. So `l = min(max(u, 0), M)`: the clamp,
//!    proven with sign bits of range-checked values, nothing wraps;
//! 4. a *lookup row*: `z = l`, and `y` on the next row, where a signed block bounds `y` to `b`
//!    bits. The row's fixed values (`tag = 16 + table index`, `factor = -2^c`,
//!    `offset = 2^c y_0`, the last two scaled by the tag as every range row's are) make the
//!    range lookup read
//!
//!    ```text
//!    (tag, tag (l + 2^c (y + y_0)))  in  { (tag, tag (l' + 2^c (F(l') + y_0))) : 0 <= l' < 2T }
//!    ```
//!
//!    and the tag is nonzero, so the second components agree without the factor `tag`.
//!
//!    with `2^c >= 2T` and `y_0 = 2^s` for tanh (0 for sigmoid). Both sides are integers of
//!    absolute value below `2^(c + b + 1) << p` (`l` is in `[0, 2T)` by step 3, `y` in
//!    `[-2^(b-1), 2^(b-1))` by its block), so equality in the field is equality of integers,
//!    and base-`2^c` digits are unique: `l = l'` and `y = F(l)`. Without `y`'s bound the
//!    lookup would not pin it (`y = F(l') + (l' - l) / 2^c` in the field would pass).
//!
//! Tags `16..` cannot meet the limb widths (`1..=12`) or the disabled rows' `0`. A model
//! without sigmoid or tanh gets exactly the circuit it had: no new column, gate or lookup, only
//! table rows and range-lane rows when it has them. The constants are fixed dot weights, so
//! the weights must be fixed (as for leaky ReLU).

use halo2_proofs::{circuit::Region, halo2curves::bn256::Fr};

use crate::chips::range::{
    assign_scaled_row, decomposition_fits, running_sum, LimbSpec, RangeConfig,
};
use crate::field::i128_to_field;
use crate::layout::{CellRef, Lane};
use crate::spec::SquashSpec;

/// Table tag of the first squash table; the `i`-th distinct spec of a circuit uses `16 + i`.
pub const SQUASH_TAG_BASE: u64 = 16;

/// One single-term dot row `acc = bias + weight * z[source]` (one row at any dot width).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AffineRow {
    /// Dot-lane row.
    pub row: usize,
    /// The fixed bias.
    pub bias: i64,
    /// The fixed weight of slot 0.
    pub weight: i64,
    /// Range-lane row read by slot 0.
    pub source: usize,
}

impl AffineRow {
    /// `bias + weight * z[source]`.
    pub fn value(&self, z: &[i128]) -> i128 {
        i128::from(self.bias) + i128::from(self.weight) * z[self.source]
    }

    /// The accumulator cell holding the result.
    pub fn acc(&self) -> CellRef {
        CellRef {
            lane: Lane::Acc,
            row: self.row,
        }
    }
}

/// Where one sigmoid or tanh neuron's cells are (see the module docs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SquashPlacement {
    /// The function and grid.
    pub spec: SquashSpec,
    /// The table's tag.
    pub tag: u64,
    /// `p = 2^g q + T 2^s - 2^(s-1)`.
    pub shift: AffineRow,
    /// Start of the rescale block of `p` (`u` at `+ n_r`).
    pub grid_block: usize,
    /// ReLU row `a = max(u, 0)`.
    pub low_relu: usize,
    /// `w = M - a`.
    pub flip: AffineRow,
    /// Start of the signed block of `w`.
    pub high_block: usize,
    /// ReLU row `a' = max(w, 0)`.
    pub high_relu: usize,
    /// `l = M - a'`.
    pub index: AffineRow,
    /// The lookup row (holds `l`); `y` is on the next row, the neuron's output.
    pub lookup_row: usize,
}

impl SquashPlacement {
    /// The row of `y` (the start of its signed block).
    pub fn output(&self) -> usize {
        self.lookup_row + 1
    }

    /// The copy constraints moving dot results into the range lane.
    pub fn copies(&self) -> Vec<(CellRef, CellRef)> {
        vec![
            (self.shift.acc(), CellRef::z(self.grid_block)),
            (self.flip.acc(), CellRef::z(self.high_block)),
            (self.index.acc(), CellRef::z(self.lookup_row)),
        ]
    }

    /// Fills every cell given the neuron's `q` (in its rescale block) and returns `y`;
    /// `Err(u)` when `u` leaves the `b`-bit range (the caller reports the neuron). The other
    /// values always fit: `w` lies in `(M - 2^(b-1), M]` and `y` in `[-2^s, 2^s]`.
    pub fn fill(
        &self,
        scale_bits: u32,
        rescale: &[LimbSpec],
        signed: &[LimbSpec],
        remainder_rows: usize,
        z: &mut [i128],
        acc: &mut [i128],
    ) -> Result<i128, i128> {
        let block = |z: &mut [i128], start: usize, value: i128, schedule: &[LimbSpec]| {
            let sums = running_sum(value, schedule);
            z[start..start + sums.len()].copy_from_slice(&sums);
            decomposition_fits(value, schedule)
        };
        let p = self.shift.value(z);
        acc[self.shift.row] = p;
        let fits = block(z, self.grid_block, p, rescale);
        let u = z[self.grid_block + remainder_rows];
        if !fits {
            return Err(u);
        }
        z[self.low_relu] = u.max(0);
        let w = self.flip.value(z);
        acc[self.flip.row] = w;
        let fits = block(z, self.high_block, w, signed);
        debug_assert!(fits, "w = M - max(u, 0) fits b bits when M < 2^(b-1)");
        z[self.high_relu] = w.max(0);
        let l = self.index.value(z);
        acc[self.index.row] = l;
        z[self.lookup_row] = l;
        let y = i128::from(self.spec.value(scale_bits, l as i64));
        let fits = block(z, self.output(), y, signed);
        debug_assert!(fits, "|y| <= 2^s fits b >= s + 2 bits");
        Ok(y)
    }

    /// Assigns the lookup row's fixed values (the blocks and ReLU rows are assigned with the
    /// layout's others).
    pub fn assign_lookup_fixed(
        &self,
        range: &RangeConfig,
        region: &mut Region<'_, Fr>,
        scale_bits: u32,
    ) {
        let c = 1i128 << self.spec.index_bits();
        let offset = c * i128::from(self.spec.output_offset(scale_bits));
        assign_scaled_row(
            range,
            region,
            self.lookup_row,
            Fr::from(self.tag),
            -i128_to_field(c),
            i128_to_field(offset),
        );
    }
}

/// The table entries `(tag, tag (l + 2^c (F(l) + y_0)))` of the `specs` of a circuit (tag
/// `16 + i` for the `i`-th), scaled by the tag as the range chip's table is.
pub fn table_entries(specs: &[SquashSpec], scale_bits: u32) -> Vec<(Fr, Fr)> {
    specs
        .iter()
        .enumerate()
        .flat_map(|(i, spec)| {
            let tag = Fr::from(SQUASH_TAG_BASE + i as u64);
            spec.table(scale_bits)
                .into_iter()
                .enumerate()
                .map(move |(l, y)| {
                    let value = i128_to_field(spec.encode(scale_bits, l as i64, y));
                    (tag, tag * value)
                })
        })
        .collect()
}
