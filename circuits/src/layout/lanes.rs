//! A range lane split into several columns in lockstep, so that a circuit bound by its range
//! checks needs fewer rows.
//!
//! The planner still lays the range lane out as one sequence of *range-lane rows* (the
//! binding's row, then every block and ReLU row); the layout, the witness, the copy
//! constraints and the soundness tests all speak of those rows, and only the circuit maps
//! them to columns ([`MlpLayout::range_cell`]). With `C` range columns (column 0 is the
//! running-sum lane `z`, columns `1..C` are extra advice columns), blocks are placed in
//! *groups* ([`RangeGroup`]): `C` blocks of one kind (with a ReLU row after each, or none) on
//! the same `len` rows of every column. A group's range-lane rows are its `C` slots one after
//! another: slot `j` is rows `start + j len ..` of the range lane and rows `row ..` of column
//! `j`. The binding's row, range-lane row 0, is row 0 of column 0.
//!
//! Because every column holds the same schedule on the same rows, one set of fixed columns
//! serves them all: the range chip's tag, factor and offset and the ReLU gate's row kind are
//! the first column's, and each column adds only its advice column, its lookup (on the shared
//! fixed columns and table) and its ReLU gate ([`crate::chips::range::RangeChip::configure_sharing`],
//! [`crate::chips::rescale::ReluChip::configure_sharing`]). What keeps this sound:
//! - a column's lookup and ReLU gate read only that column's cells (rotations stay within
//!   the slot's rows), so each block is checked exactly as in one column;
//! - the fixed values on a group's rows are its kind's schedule, the same for every slot;
//! - a slot no block takes (the last group of a kind may be short of `C` blocks) is
//!   *padding*: its witness repeats slot 0's rows ([`MlpLayout::fill_padding`]), which satisfy
//!   the same lookups and gate; no copy constraint reaches a padding cell, so its values are
//!   free and prove nothing;
//! - copies name range-lane rows, mapped to the same cells on both sides.
//!
//! The public values are checked in one of two ways, which the planner chooses by proof cost
//! ([`MlpLayout::public_copies`]):
//! - *public rows*, as in one column (see [`crate::chips::public`]): range-lane rows `0..n`,
//!   before every group, are rows `0..n` of column 0, one per instance value, under the
//!   public-value gate; the other range columns idle on those rows (their cells there are in
//!   no copy and no block, so their values are free and prove nothing) and the groups start
//!   at row `n` of every column. The instance column stays out of the permutation.
//! - *copies*: the instance column joins the permutation and each instance value is tied by a
//!   copy constraint to the cell that holds it: the binding's row, an input's block start, an
//!   output's cell. Only the binding's row is a public row. A batch of 256 valuations of
//!   8-16-16-1 has 2,305 instance values: as public rows they would take 2,305 rows of every
//!   range column (a seventh range column at `k = 13`), while the instance column costs the
//!   permutation nothing when the advice columns leave room in its last product, and at most
//!   one product more.
//!
//! A single valuation of 16-64-64-1 has 18 public values: as rows they fit in two columns at
//! `k = 9`, and keep the instance out of the permutation, whose 6 advice columns then need two
//! products instead of three.
//!
//! Measured with `examples/shape_floor` (2026-12-07, one run, synthetic `create_proof` at
//! `k = 13`, 2,305 instance values): 13 advice columns, 7 lookups and 37 fixed columns (a
//! range column per 8,177 rows, each with its own four fixed columns, public rows) 1,751 ms;
//! 12, 6, 11 (public copies and shared fixed columns) 1,411 ms.
//!
//! The split applies to circuits whose range lane holds only blocks and ReLU rows: ReLU and
//! identity activations, lookup-checked limbs, nothing hashed or folded (Poseidon and the
//! Horner chain may run on `z`), no Freivalds check. The planner tries it for the unpacked and
//! the packed one-column plans whose range lane is their longest lane, with columns of at most
//! `L = 2^k - `[`lane_margin`] rows for a `k` below the one-column plan's, public rows or
//! copies, and keeps it only where it is strictly cheaper (see `layout/planner.rs`).

use super::*;

/// Most range columns a split range lane may have.
pub const MAX_RANGE_LANES: usize = 8;

// a key file's header holds the range columns minus one in three bits
const _: () = assert!(MAX_RANGE_LANES <= 8);

/// Rows a range column leaves free below `2^k`, for a constraint system with
/// `blinding_factors` blinding rows: those, the row halo2 keeps after them, and the one row a
/// column's last block reads past its end ([`crate::min_k`] counts the same rows).
pub fn lane_margin(blinding_factors: usize) -> usize {
    blinding_factors + 2
}

/// One lockstep group of a split range lane (see the module docs): `columns` slots of `len`
/// rows, slot `j` holding range-lane rows `start + j len .. start + (j + 1) len` on rows
/// `row .. row + len` of range column `j`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RangeGroup {
    /// First range-lane row of slot 0.
    pub start: usize,
    /// First row of the group in every range column.
    pub row: usize,
    /// Rows of a slot: the block's, plus its ReLU row if any.
    pub len: usize,
    /// The kind of every block in the group.
    pub kind: BlockKind,
    /// Whether a ReLU row follows each block.
    pub relu: bool,
    /// Slots holding a block (`1..=columns`); the others are padding.
    pub used: usize,
}

/// The lockstep groups of a split range lane, in placement order (empty with one column).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RangeGroups {
    /// Range columns `C` (`1` when the range lane is not split).
    pub columns: usize,
    /// The groups, by increasing range-lane row and column row.
    pub groups: Vec<RangeGroup>,
    /// Groups with a free slot, at most one per kind and ReLU row.
    open: Vec<usize>,
}

impl RangeGroups {
    /// No groups yet, over `columns` range columns.
    pub fn new(columns: usize) -> Self {
        Self {
            columns,
            groups: Vec::new(),
            open: Vec::new(),
        }
    }

    /// Places a block of `kind` (`len` rows with its ReLU row, if `relu`) in the open group
    /// of its kind, or in a new group whose `columns` slots start at range-lane row
    /// `range_len`. Returns the block's first range-lane row and the range lane's new length.
    fn place(
        &mut self,
        kind: BlockKind,
        relu: bool,
        len: usize,
        range_len: usize,
    ) -> (usize, usize) {
        let open = (self.open.iter())
            .position(|&g| self.groups[g].kind == kind && self.groups[g].relu == relu);
        if let Some(at) = open {
            let group = &mut self.groups[self.open[at]];
            let start = group.start + group.used * group.len;
            group.used += 1;
            if group.used == self.columns {
                self.open.swap_remove(at);
            }
            return (start, range_len);
        }
        let row = self.column_len().unwrap_or(range_len);
        self.groups.push(RangeGroup {
            start: range_len,
            row,
            len,
            kind,
            relu,
            used: 1,
        });
        if self.columns > 1 {
            self.open.push(self.groups.len() - 1);
        }
        (range_len, range_len + self.columns * len)
    }

    /// Rows of each range column, if any group was placed.
    fn column_len(&self) -> Option<usize> {
        self.groups.last().map(|g| g.row + g.len)
    }

    /// The range column and row of range-lane row `row`: rows before the first group (the
    /// public rows, or only the binding's) are column 0's own.
    pub fn cell(&self, row: usize) -> (usize, usize) {
        let after = self.groups.partition_point(|g| g.start <= row);
        let Some(group) = after.checked_sub(1).map(|g| &self.groups[g]) else {
            return (0, row);
        };
        let offset = row - group.start;
        (offset / group.len, group.row + offset % group.len)
    }
}

impl MlpLayout {
    /// Plans as [`MlpLayout::plan_packed`] (Freivalds checks off), with the range lane split
    /// in lockstep over the fewest columns (two at least) whose rows fit in `lane_rows`, and the
    /// public values copied to the instance column (see the module docs).
    ///
    /// # Errors
    /// As [`MlpLayout::plan_packed`]; [`SpecError::InvalidRangeSplit`] if the model or the
    /// visibility cannot be split (see the module docs), if the public rows (the binding's
    /// alone with copies), a block and its ReLU row take more rows than a column, or if the
    /// split needs more than [`MAX_RANGE_LANES`] columns.
    pub fn plan_split(
        model: QuantizedMlp,
        dot_width: usize,
        batch_size: usize,
        visibility: VisibilitySettings,
        (limb_bits, packed): (u32, bool),
        lane_rows: usize,
    ) -> Result<Self, SpecError> {
        let options = (limb_bits, packed, true);
        Self::plan_split_with(model, dot_width, batch_size, visibility, options, lane_rows)
    }

    /// Plans as [`MlpLayout::plan_split`], with the public values copied to the instance
    /// column if `copies`, otherwise on public rows at the top of range column 0 (the other
    /// range columns idle on those rows; see the module docs).
    ///
    /// # Errors
    /// As [`MlpLayout::plan_split`].
    pub fn plan_split_with(
        model: QuantizedMlp,
        dot_width: usize,
        batch_size: usize,
        visibility: VisibilitySettings,
        (limb_bits, packed, copies): (u32, bool, bool),
        lane_rows: usize,
    ) -> Result<Self, SpecError> {
        let invalid = |reason| SpecError::InvalidRangeSplit { lane_rows, reason };
        if let Err(reason) = split_supported(&model, visibility, limb_bits) {
            return Err(invalid(reason));
        }
        let options = (limb_bits, packed, FreivaldsMode::Off);
        let plan = |columns: usize| {
            let split = (lane_rows.max(1), columns, copies);
            Self::plan_inner(
                model.clone(),
                dot_width,
                batch_size,
                visibility,
                options,
                split,
            )
        };
        let two = plan(2)?;
        let public = two.public_len();
        if two
            .range_groups
            .groups
            .iter()
            .any(|g| public + g.len > lane_rows)
        {
            return Err(invalid(
                "the public rows, a block and its ReLU row take more rows than a column",
            ));
        }
        // rows shrink about as 1 / columns: start from that estimate, then add columns
        let estimate = (2 * two.range_column_len())
            .div_ceil(lane_rows.max(1))
            .max(2);
        let mut columns = estimate.min(MAX_RANGE_LANES);
        let mut split = if columns == 2 { two } else { plan(columns)? };
        while split.range_column_len() > lane_rows {
            columns += 1;
            if columns > MAX_RANGE_LANES {
                return Err(invalid("more range columns than MAX_RANGE_LANES"));
            }
            split = plan(columns)?;
        }
        Ok(split)
    }

    /// Range columns: `1`, or the lockstep columns of a split range lane.
    pub fn range_lanes(&self) -> usize {
        match self.lane_rows {
            0 => 1,
            _ => self.range_groups.columns,
        }
    }

    /// Rows of the range columns: the range lane's rows, or those of each column when split.
    pub fn range_column_len(&self) -> usize {
        match self.lane_rows {
            0 => self.range_len,
            _ => (self.range_groups.column_len()).unwrap_or(self.range_len),
        }
    }

    /// The range column (`0` is `z`) and row holding range-lane row `row`.
    pub fn range_cell(&self, row: usize) -> (usize, usize) {
        match self.lane_rows {
            0 => (0, row),
            _ => self.range_groups.cell(row),
        }
    }

    /// Places a block of `kind`, followed by a ReLU row if `relu` (pushed next by
    /// `push_relu_row`): at the range lane's end, or in a lockstep group when split.
    pub(super) fn place_block(&mut self, kind: BlockKind, relu: bool) -> usize {
        let rows = self.block_schedule(kind).len();
        if self.lane_rows == 0 {
            let start = self.range_len;
            self.range_len += rows;
            return start;
        }
        let len = rows + usize::from(relu);
        let (start, range_len) = self.range_groups.place(kind, relu, len, self.range_len);
        self.range_len = range_len;
        start
    }

    /// Fills every padding slot of a split range lane with its group's slot 0 (see the module
    /// docs): `z` is the range lane's witness, one value per range-lane row.
    pub fn fill_padding<T: Copy>(&self, z: &mut [T]) {
        let columns = self.range_groups.columns;
        for group in &self.range_groups.groups {
            for slot in group.used..columns {
                let to = group.start + slot * group.len;
                z.copy_within(group.start..group.start + group.len, to);
            }
        }
    }
}

/// Whether a range lane can be split for `model` under `visibility` and `limb_bits`, and if
/// not, why (see the module docs).
pub(super) fn split_supported(
    model: &QuantizedMlp,
    visibility: VisibilitySettings,
    limb_bits: u32,
) -> Result<(), &'static str> {
    let plain = |a: &Activation| matches!(a, Activation::Relu | Activation::Identity);
    if !model.layers.iter().all(|l| plain(&l.activation)) {
        return Err("only ReLU and identity activations keep their rows in one block");
    }
    if visibility.any_hashed() || visibility.outputs_folded() {
        return Err("hashed or folded parts may use the range lane's rows");
    }
    if limb_bits == BIT_LIMBS {
        return Err("one-bit limbs are for the cheapest verifier, which one column gives");
    }
    Ok(())
}
