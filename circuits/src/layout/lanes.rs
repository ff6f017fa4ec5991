//! A range lane split into several columns, so that a circuit bound by its range checks
//! needs fewer rows.
//!
//! The planner lays the range lane out as one sequence of rows (the public rows, then every
//! block and ReLU row), as always. With `lane_rows = L > 0`, range-lane row `v` is placed in
//! range column `v / L`, at row `v % L`: column 0 is the running-sum lane `z` (holding the
//! public rows), columns `1..` are extra advice columns. Nothing else changes: the layout,
//! the witness, the copy constraints and the soundness tests all speak of range-lane rows,
//! and only the circuit maps them to columns ([`MlpLayout::range_cell`]).
//!
//! What keeps this sound is that no gate reaches across a column boundary:
//! - each range column has the range chip's own three fixed columns and lookup (sharing one
//!   table), so a block is checked exactly as in one column, provided its rows are
//!   consecutive rows of one column: `MlpLayout::reserve` moves a block (with its ReLU row)
//!   that would straddle a boundary to the start of the next column, leaving unused rows
//!   (all fixed values zero, looked up as `(0, 0)`, like any row outside a block);
//! - each range column has the ReLU chip's own row-kind column and gate, whose rotations stay
//!   within the block's rows; the public-value gate is on column 0 only, whose first rows are
//!   the public rows (`public_len < L` is required);
//! - copies name range-lane rows, mapped to the same cells on both sides.
//!
//! The split applies to circuits whose range lane holds only blocks and ReLU rows: ReLU and
//! identity activations, lookup-checked limbs, nothing hashed or folded (Poseidon and the
//! Horner chain may run on `z`), no Freivalds check. The planner tries it where the range lane
//! is the longest lane, with `L = 2^k - `[`LANE_MARGIN`] for a `k` below the one-column plan's,
//! and keeps it only where it is strictly cheaper (see `layout/planner.rs`).

use super::*;

/// Most range columns a split range lane may have.
pub const MAX_RANGE_LANES: usize = 8;

// a key file's header holds the range columns minus one in three bits
const _: () = assert!(MAX_RANGE_LANES <= 8);

/// Rows a range column leaves free below `2^k` for the blinding rows (and the one row a
/// block's last lookup reads past it): more than any constraint system here needs.
pub const LANE_MARGIN: usize = 16;

impl MlpLayout {
    /// Plans as [`MlpLayout::plan_packed`] (Freivalds checks off), with the range lane split
    /// into columns of `lane_rows` rows (see the module docs).
    ///
    /// # Errors
    /// As [`MlpLayout::plan_packed`]; [`SpecError::InvalidRangeSplit`] if the model or the
    /// visibility cannot be split (see the module docs), if the public rows do not fit in the
    /// first column, or if the split needs more than [`MAX_RANGE_LANES`] columns.
    pub fn plan_split(
        model: QuantizedMlp,
        dot_width: usize,
        batch_size: usize,
        visibility: VisibilitySettings,
        (limb_bits, packed): (u32, bool),
        lane_rows: usize,
    ) -> Result<Self, SpecError> {
        let invalid = |reason| SpecError::InvalidRangeSplit { lane_rows, reason };
        if let Err(reason) = split_supported(&model, visibility, limb_bits) {
            return Err(invalid(reason));
        }
        let options = (limb_bits, packed, FreivaldsMode::Off);
        let split = Self::plan_inner(model, dot_width, batch_size, visibility, options, lane_rows)?;
        if split.public_len() >= lane_rows {
            return Err(invalid(
                "the public rows must fit in the first range column",
            ));
        }
        if split.straddles() {
            return Err(invalid(
                "a block and its ReLU row take more rows than a column",
            ));
        }
        if split.range_lanes() > MAX_RANGE_LANES {
            return Err(invalid("more range columns than MAX_RANGE_LANES"));
        }
        Ok(split)
    }

    /// Range columns: `1`, or `ceil(range_len / lane_rows)` with a split range lane.
    pub fn range_lanes(&self) -> usize {
        match self.lane_rows {
            0 => 1,
            rows => self.range_len.div_ceil(rows).max(1),
        }
    }

    /// Rows of the range columns: the range lane's rows, or `lane_rows` when split.
    pub fn range_column_len(&self) -> usize {
        match self.lane_rows {
            0 => self.range_len,
            rows => self.range_len.min(rows),
        }
    }

    /// The range column (`0` is `z`) and row holding range-lane row `row`.
    pub fn range_cell(&self, row: usize) -> (usize, usize) {
        match self.lane_rows {
            0 => (0, row),
            rows => (row / rows, row % rows),
        }
    }

    /// Whether some block (with its ReLU row) crosses a column boundary: only when a column
    /// is shorter than the block, which [`MlpLayout::plan_split`] refuses.
    fn straddles(&self) -> bool {
        let relu: std::collections::HashSet<usize> = self.relu_rows.iter().copied().collect();
        self.blocks.iter().any(|&(start, kind)| {
            let mut rows = self.block_schedule(kind).len();
            rows += usize::from(relu.contains(&(start + rows)));
            self.range_cell(start).0 != self.range_cell(start + rows - 1).0
        })
    }

    /// Before a run of `rows` range-lane rows that must share a column: with a split range
    /// lane, skips to the next column if the run would straddle a boundary.
    pub(super) fn reserve(&mut self, rows: usize) {
        let lane_rows = self.lane_rows;
        if lane_rows > 0 && self.range_len % lane_rows + rows > lane_rows {
            self.range_len = self.range_len.next_multiple_of(lane_rows);
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
