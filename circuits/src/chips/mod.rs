//! The chips of the MLP circuit, one concept each:
//!
//! - [`range`]: running-sum limb decomposition against one small tagged table, or in one-bit
//!   limbs checked by a gate;
//! - [`dot`]: the multi-column dot-product gate with a chained accumulator;
//! - [`rescale`]: the limb schedules that turn the range chip into a rounding rescale
//!   with a bounded, signed result, plus the ReLU gate on its sign bit;
//! - [`leaky`]: leaky ReLU assembled from the dot, rescale and ReLU gates;
//! - [`squash`]: sigmoid and tanh on a clamped grid, by lookup in the range chip's table;
//! - [`pack`]: bounded values packed several to a field element, for hashing;
//! - [`poseidon`]: the Poseidon permutation and sponge, for hashed inputs, weights or outputs;
//! - [`public`]: the public values, checked against the instance column by a gate;
//! - [`horner`]: packed words folded into one element at the binding, for folded outputs;
//! - [`strand`]: packed ("stranded") fixed weights, one dot chain for several neurons;
//! - [`freivalds`]: a batch's dense layer checked by a random linear combination drawn from
//!   the transcript (a second phase and a challenge).

pub mod dot;
pub mod freivalds;
pub mod horner;
pub mod leaky;
pub mod pack;
pub mod poseidon;
pub mod public;
pub mod range;
pub mod rescale;
pub mod squash;
pub mod strand;

/// Bits per full limb of the range check by default; the lookup table holds
/// `[0, 2^LIMB_BITS)`.
pub const LIMB_BITS: u32 = 8;

/// The wide limb the planner also tries (see `MlpLayout::with_visibility`): its table has
/// about `2^13` rows, paid for only when the circuit has that many rows anyway, and a rescale
/// block at the default parameters takes 4 rows instead of 6.
pub const WIDE_LIMB_BITS: u32 = 12;

/// The widest limb the range table may serve.
pub const MAX_LIMB_BITS: u32 = WIDE_LIMB_BITS;

/// Splits `bits` into limb widths of at most [`LIMB_BITS`], least significant first.
pub fn limb_widths(bits: u32) -> Vec<u32> {
    limb_widths_of(bits, LIMB_BITS)
}

/// Splits `bits` into limb widths of at most `limb_bits`, least significant first.
pub fn limb_widths_of(bits: u32, limb_bits: u32) -> Vec<u32> {
    let mut widths = vec![limb_bits; (bits / limb_bits) as usize];
    if !bits.is_multiple_of(limb_bits) {
        widths.push(bits % limb_bits);
    }
    widths
}
