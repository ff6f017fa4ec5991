//! The chips of the MLP circuit, one concept each:
//!
//! - [`range`]: running-sum limb decomposition against one small tagged table;
//! - [`dot`]: the multi-column dot-product gate with a chained accumulator;
//! - [`rescale`]: the limb schedules that turn the range chip into a rounding rescale
//!   with a bounded, signed result, plus the ReLU gate on its sign bit;
//! - [`leaky`]: leaky ReLU assembled from the dot, rescale and ReLU gates;
//! - [`pack`]: bounded values packed several to a field element, for hashing;
//! - [`poseidon`]: the Poseidon permutation and sponge, for hashed inputs, weights or outputs;
//! - [`horner`]: packed words folded into one element at the binding, for folded outputs.

pub mod dot;
pub mod horner;
pub mod leaky;
pub mod pack;
pub mod poseidon;
pub mod range;
pub mod rescale;

/// Bits per full limb of the range check; the lookup table holds `[0, 2^LIMB_BITS)`.
pub const LIMB_BITS: u32 = 8;

/// Splits `bits` into limb widths of at most [`LIMB_BITS`], least significant first.
pub fn limb_widths(bits: u32) -> Vec<u32> {
    let mut widths = vec![LIMB_BITS; (bits / LIMB_BITS) as usize];
    if !bits.is_multiple_of(LIMB_BITS) {
        widths.push(bits % LIMB_BITS);
    }
    widths
}
