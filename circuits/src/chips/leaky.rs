//! Leaky ReLU (and PReLU with one slope) in fixed point, from the existing gates only.
//!
//! With `q` the neuron's rescaled value and `sign` its sign bit (both from its rescale block,
//! `sign = 1` exactly when `q >= 0`), the spec's
//!
//! ```text
//! y = q                                          if q >= 0
//! y = n = floor((alpha * q + 2^(s-1)) / 2^s)     otherwise
//! ```
//!
//! is `y = n + sign * (q - n)`, assembled from:
//!
//! 1. a dot row `t = alpha * q` (the slope is a fixed weight, so the verifying key binds it);
//! 2. a rescale block on `t`: `t + 2^(s-1) = n 2^s + r`, `0 <= r < 2^s`, `n` bounded to
//!    `b` signed bits, which makes `n` the unique rounded product;
//! 3. dot rows `d = q - n`;
//! 4. a *frame* of `n_m + 2` range-lane rows that the ReLU gate reads: `d` on its first row
//!    (copied from the dot lane), `sign` on its last-but-one (copied from the rescale block),
//!    and the gate's `y' = sign * d` on its last; the rows in between hold nothing and have
//!    no lookup;
//! 5. dot rows `y = n + y'`, copied to one range-lane row, the neuron's output.
//!
//! Sound because every value is pinned: `q`, `sign` and `n` by range-checked decompositions,
//! `t`, `d`, `y` by the dot gate, `y'` by the ReLU gate (whose `sign` is a 1-bit limb), and
//! every move between lanes by a copy constraint. No new gate, column or table: a model
//! without leaky ReLUs gets exactly the circuit it had. The slope is a fixed weight, so the
//! weights must be fixed (a layout with witnessed weights refuses leaky ReLUs).

use crate::chips::range::{decomposition_fits, running_sum, LimbSpec};
use crate::layout::{CellRef, Lane};

/// A run of dot-product rows computing `bias + sum_i w_i z[row_i]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DotGroup {
    /// First dot-lane row.
    pub start: usize,
    /// `(weight, range-lane row)` terms, in slot order.
    pub terms: Vec<(i64, usize)>,
}

impl DotGroup {
    /// The dot-lane row holding the result.
    pub fn last_row(&self, dot_width: usize) -> usize {
        self.start + self.terms.len().div_ceil(dot_width) - 1
    }

    /// The accumulator after each row, given the range-lane values.
    pub fn chain(&self, dot_width: usize, z: &[i128]) -> Vec<i128> {
        let mut running = 0i128;
        (self.terms.chunks(dot_width))
            .map(|chunk| {
                running += chunk
                    .iter()
                    .map(|&(w, row)| i128::from(w) * z[row])
                    .sum::<i128>();
                running
            })
            .collect()
    }
}

/// Where one leaky ReLU's cells are (see the module docs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeakyPlacement {
    /// The slope at scale `2^s`.
    pub alpha: i64,
    /// Range-lane row of `q`.
    pub q_row: usize,
    /// Range-lane row of `q`'s sign bit.
    pub sign_row: usize,
    /// `t = alpha * q`.
    pub product: DotGroup,
    /// Start of the rescale block of `t`.
    pub slope_block: usize,
    /// `d = q - n`.
    pub difference: DotGroup,
    /// First row of the ReLU frame (holds `d`).
    pub frame: usize,
    /// `y = n + y'`.
    pub sum: DotGroup,
    /// Range-lane row of `y`.
    pub output: usize,
}

impl LeakyPlacement {
    /// The copy constraints that move values between lanes, given the frame's ReLU rotation
    /// `n_m + 1`, the row of `n` within a rescale block `r_rows` and the dot width.
    pub fn copies(&self, magnitude_rows: usize, dot_width: usize) -> Vec<(CellRef, CellRef)> {
        let acc = |g: &DotGroup| CellRef {
            lane: Lane::Acc,
            row: g.last_row(dot_width),
        };
        vec![
            (acc(&self.product), CellRef::z(self.slope_block)),
            (acc(&self.difference), CellRef::z(self.frame)),
            (
                CellRef::z(self.sign_row),
                CellRef::z(self.frame + magnitude_rows),
            ),
            (acc(&self.sum), CellRef::z(self.output)),
        ]
    }

    /// Fills every cell of the gadget given the neuron's `q` (already in `z`), and returns
    /// `y`; `Err(n)` when `n` leaves the `b`-bit range (the caller reports the neuron).
    pub fn fill(
        &self,
        rescale: &[LimbSpec],
        remainder_rows: usize,
        magnitude_rows: usize,
        dot_width: usize,
        z: &mut [i128],
        acc: &mut [i128],
    ) -> Result<i128, i128> {
        let q = z[self.q_row];
        let sign = z[self.sign_row];
        let t = i128::from(self.alpha) * q;
        self.write_chain(&self.product, dot_width, z, acc);
        let sums = running_sum(t, rescale);
        let n = sums[remainder_rows];
        if !decomposition_fits(t, rescale) {
            return Err(n);
        }
        z[self.slope_block..self.slope_block + sums.len()].copy_from_slice(&sums);
        self.write_chain(&self.difference, dot_width, z, acc);
        z[self.frame] = q - n;
        z[self.frame + magnitude_rows] = sign;
        z[self.frame + magnitude_rows + 1] = sign * (q - n);
        self.write_chain(&self.sum, dot_width, z, acc);
        let y = n + sign * (q - n);
        z[self.output] = y;
        Ok(y)
    }

    fn write_chain(&self, group: &DotGroup, dot_width: usize, z: &[i128], acc: &mut [i128]) {
        for (i, v) in group.chain(dot_width, z).into_iter().enumerate() {
            acc[group.start + i] = v;
        }
    }
}

/// The spec's leaky ReLU on a rescaled value, `None` when `n` leaves `[-2^(b-1), 2^(b-1))`.
/// (`n` is checked whatever the sign of `q`, as the circuit computes it in both cases).
pub fn leaky_relu(q: i128, alpha: i64, scale_bits: u32, activation_bits: u32) -> Option<i128> {
    let n = (i128::from(alpha) * q + (1i128 << (scale_bits - 1))).div_euclid(1i128 << scale_bits);
    let limit = 1i128 << (activation_bits - 1);
    (-limit..limit)
        .contains(&n)
        .then_some(if q >= 0 { q } else { n })
}
