//! Rounding rescale with a bounded signed result, and ReLU on its sign bit.
//!
//! A neuron's accumulator `acc` (scale `2^2s`) is brought back to scale `2^s` by one range-chip
//! block whose schedule is
//!
//! ```text
//! [ r limbs: widths summing to s, offset 2^(s-1) on the first ]
//! [ m limbs: widths summing to b-1, offset 2^(b-1) on the first ]
//! [ sign: width 1 ]
//! ```
//!
//! With `z_0 = acc`, the block enforces, over the integers (see [`super::range`]):
//!
//! ```text
//! acc + 2^(s-1) = q * 2^s + r,           0 <= r < 2^s       (z_(n_r) = q)
//! q + 2^(b-1)   = m + sign * 2^(b-1),     0 <= m < 2^(b-1), sign in {0, 1}
//! ```
//!
//! so `q = floor((acc + 2^(s-1)) / 2^s)` is unique and lies in `[-2^(b-1), 2^(b-1))`, and
//! `sign = 1` exactly when `q >= 0` (zero has one encoding: `m = 0, sign = 1`). An input
//! feature gets the same block without the `r` limbs, which bounds it the same way.
//!
//! ReLU adds one row after the block, holding `y`, and the gate
//!
//! ```text
//! kind (2 - kind) (y - sign * q) = 0     (sign at rotation -1, q at rotation -(n_m + 1))
//! ```
//!
//! where `kind` is a fixed column shared with the public-value gate of [`super::public`]:
//! `0` on most rows, [`ROW_RELU`] `= 1` on ReLU rows (where the gate is `y = sign * q`) and
//! [`ROW_PUBLIC`] `= 2` on the public rows (where this gate vanishes). One column serving
//! both gates saves a fixed commitment; the gate's degree is 4.

use halo2_proofs::{
    circuit::Region,
    halo2curves::bn256::Fr,
    plonk::{Advice, Column, ConstraintSystem, Constraints, Expression, Fixed},
    poly::Rotation,
};

use super::{limb_widths_of, range::LimbSpec, LIMB_BITS};
use crate::spec::MlpParams;

/// The limb schedules implied by the fixed-point parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RescaleSchedule {
    /// Schedule of a rescale block (remainder, magnitude, sign).
    pub rescale: Vec<LimbSpec>,
    /// Schedule of an input bound block (magnitude, sign).
    pub signed: Vec<LimbSpec>,
    /// Rows of remainder limbs: `q` sits at this offset within a rescale block.
    pub remainder_rows: usize,
    /// Rows of magnitude limbs.
    pub magnitude_rows: usize,
}

impl RescaleSchedule {
    /// Derives the schedules from `params` (assumed validated) with limbs of at most
    /// [`LIMB_BITS`] bits.
    pub fn new(params: MlpParams) -> Self {
        Self::with_limb_bits(params, LIMB_BITS)
    }

    /// Derives the schedules from `params` (assumed validated) with limbs of at most
    /// `limb_bits` bits (`1..=MAX_LIMB_BITS`). The limb width changes only how many rows a
    /// block takes, never the bounds it enforces.
    ///
    /// [`MAX_LIMB_BITS`]: super::MAX_LIMB_BITS
    pub fn with_limb_bits(params: MlpParams, limb_bits: u32) -> Self {
        let s = params.scale_bits;
        let b = params.activation_bits;
        let remainder: Vec<LimbSpec> = limb_widths_of(s, limb_bits)
            .into_iter()
            .enumerate()
            .map(|(i, width)| LimbSpec {
                width,
                offset: if i == 0 { 1i128 << (s - 1) } else { 0 },
            })
            .collect();
        let signed = signed_schedule_of(b, limb_bits);
        let magnitude_rows = signed.len() - 1;
        let rescale = remainder
            .iter()
            .copied()
            .chain(signed.iter().copied())
            .collect();
        Self {
            rescale,
            signed,
            remainder_rows: remainder.len(),
            magnitude_rows,
        }
    }

    /// Every limb width used, for the range table.
    pub fn widths(&self) -> Vec<u32> {
        let mut widths: Vec<u32> = self.rescale.iter().map(|l| l.width).collect();
        widths.sort_unstable();
        widths.dedup();
        widths
    }
}

/// The schedule bounding a value to `[-2^(bits-1), 2^(bits-1))`: magnitude limbs summing to
/// `bits - 1` bits with offset `2^(bits-1)` on the first, then a sign bit (see the module docs).
pub fn signed_schedule(bits: u32) -> Vec<LimbSpec> {
    signed_schedule_of(bits, LIMB_BITS)
}

/// [`signed_schedule`] with limbs of at most `limb_bits` bits.
pub fn signed_schedule_of(bits: u32, limb_bits: u32) -> Vec<LimbSpec> {
    let mut schedule: Vec<LimbSpec> = limb_widths_of(bits - 1, limb_bits)
        .into_iter()
        .enumerate()
        .map(|(i, width)| LimbSpec {
            width,
            offset: if i == 0 { 1i128 << (bits - 1) } else { 0 },
        })
        .collect();
    schedule.push(LimbSpec {
        width: 1,
        offset: 0,
    });
    schedule
}

/// `kind` on a ReLU row.
pub const ROW_RELU: u64 = 1;

/// `kind` on a public row (see [`super::public`]).
pub const ROW_PUBLIC: u64 = 2;

/// The ReLU gate's row-kind column and the column it reads.
#[derive(Clone, Copy, Debug)]
pub struct ReluConfig {
    /// The range chip's running-sum column.
    pub z: Column<Advice>,
    /// Row kind: [`ROW_RELU`] on the row holding `y`, [`ROW_PUBLIC`] on public rows, `0`
    /// elsewhere.
    pub kind: Column<Fixed>,
    /// Distance from `y` back to `q`: `n_m + 1`.
    pub q_distance: i32,
}

/// The ReLU chip: `y = sign * q` on top of a rescale block.
#[derive(Clone, Debug)]
pub struct ReluChip {
    config: ReluConfig,
}

impl ReluChip {
    /// Wraps a configuration.
    pub fn construct(config: ReluConfig) -> Self {
        Self { config }
    }

    /// Creates the row-kind column and the gate `"relu"` over `z` for the given schedule.
    pub fn configure(
        meta: &mut ConstraintSystem<Fr>,
        z: Column<Advice>,
        schedule: &RescaleSchedule,
    ) -> ReluConfig {
        let kind = meta.fixed_column();
        Self::configure_sharing(meta, z, schedule, kind)
    }

    /// Creates the gate `"relu"` over one more range column `z` of a split range lane (see
    /// `layout::lanes`), on the row-kind column `kind` of the first: the range columns' blocks
    /// lie in lockstep, so a ReLU row is one row of every column.
    pub fn configure_sharing(
        meta: &mut ConstraintSystem<Fr>,
        z: Column<Advice>,
        schedule: &RescaleSchedule,
        kind: Column<Fixed>,
    ) -> ReluConfig {
        let config = ReluConfig {
            z,
            kind,
            q_distance: schedule.magnitude_rows as i32 + 1,
        };
        meta.create_gate("relu", |meta| {
            let kind = meta.query_fixed(config.kind, Rotation::cur());
            // 1 on ReLU rows, 0 on public rows and elsewhere
            let selector = kind.clone() * (Expression::Constant(Fr::from(ROW_PUBLIC)) - kind);
            let y = meta.query_advice(z, Rotation::cur());
            let sign = meta.query_advice(z, Rotation::prev());
            let q = meta.query_advice(z, Rotation(-config.q_distance));
            // y = sign * q
            Constraints::with_selector(selector, [("y = sign * q", y - sign * q)])
        });
        config
    }

    /// Enables the gate on `row`, the row right after a rescale block.
    pub fn enable(&self, region: &mut Region<'_, Fr>, row: usize) {
        region.assign_fixed(self.config.kind, row, Fr::from(ROW_RELU));
    }
}
