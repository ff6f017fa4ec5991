//! Packed ("stranded") fixed weights: one dot-product chain accumulates `P` neurons.
//!
//! With fixed weights, one fixed cell can hold the weights of `P` output neurons in separate
//! bit slots of width `S` (ZEN, 2021):
//!
//! ```text
//! W_i = sum_p w_(p,i) 2^(pS),        B = sum_p bias_p 2^(pS)       (as field elements)
//! ```
//!
//! The dot-product gate is unchanged (`acc' = chain * acc + bias + sum_i w_i x_i`), so one
//! chain over the layer's inputs ends, exactly in the field, at
//!
//! ```text
//! A = B + sum_i W_i x_i = sum_p 2^(pS) acc_p,     acc_p = bias_p + sum_i w_(p,i) x_i
//! ```
//!
//! and each input is copied once per chain of `P` neurons instead of once per neuron.
//!
//! **Unpacking** costs no new gate, column or limb: the same chain continues with `P - 1`
//! more dot terms of fixed weight `-2^(pS)` (`p = 1..P-1`) whose inputs are copies of `z0_p`,
//! the first cell of neuron `p`'s *existing* rescale block, and its last `acc` is copied to
//! `z0_0`, the first cell of neuron 0's block (as an unpacked chain's end is). So
//!
//! ```text
//! z0_0 = A - sum_(p>=1) 2^(pS) z0_p,   i.e.   sum_p 2^(pS) z0_p = sum_p 2^(pS) acc_p   (mod r)
//! ```
//!
//! **Why that pins every slot (the no-overflow argument).** Each rescale block (see
//! [`super::rescale`]) proves `z0_p + 2^(s-1) = q 2^s + rem` with `0 <= rem < 2^s` and
//! `q in [-2^(b-1), 2^(b-1))`, over the integers, so `|z0_p| <= Z = 2^(b+s-1) + 2^(s-1)`:
//! the block is the slot's range check. Every input of a dense layer is an activation or a
//! feature, range-checked to `[-2^(b-1), 2^(b-1))`, and the weights are fixed, so the true
//! accumulator, and every partial sum of it, obeys
//!
//! ```text
//! |acc_p| <= M = max_p ( |bias_p| + 2^(b-1) sum_i |w_(p,i)| )      (computed per layer)
//! ```
//!
//! Signed slots need no offset: let `d_p = z0_p - acc_p`, so `|d_p| <= Z + M < 2^S` by the
//! choice of `S` ([`slot_bits`]: the bit length of `Z + M`). Then
//! `|sum_p 2^(pS) d_p| < 2^(PS) <= 2^252 < r` (BN254's scalar modulus, `> 2^253`), so the
//! field equation holds over the integers: `sum_p 2^(pS) d_p = 0`. Reducing mod `2^S`:
//! `d_0 = 0 (mod 2^S)` and `|d_0| < 2^S` give `d_0 = 0`; divide by `2^S` and repeat: every
//! `d_p = 0`, i.e. `z0_p = acc_p` for every neuron, the same relation as an unpacked chain
//! gives. A carry between slots (`z0_p = acc_p + 2^S`, `z0_(p+1) = acc_(p+1) - 1`) keeps the
//! sum but puts `|z0_p| > Z`, which the rescale block's lookup refuses; likewise a borrow.
//! The bound `M` is needed: without it a true accumulator beyond the slot could be
//! reported in range by shifting the excess into its neighbour.
//!
//! `S` is about `b + log2(sum_i |w_(p,i)|) + 1` (and at least `b + s`): at the defaults
//! (`s = 12`, `b = 24`) the random models of `examples/profile.rs` (real weights about
//! `1/sqrt(n)`) get `P = 6` on layers of 32 to 1024 inputs. The planner ([`crate::layout::MlpLayout::with_visibility`]) packs a layer only
//! with fixed weights and `P >= 2`, and keeps the packed circuit only where it is strictly
//! cheaper: otherwise the circuit is exactly the unpacked one.

use ff::Field;
use halo2_proofs::halo2curves::bn256::Fr;

use crate::field::i128_to_field;
use crate::spec::{MlpParams, QuantizedLayer};

/// Most bits the `P` slots of a packed value may take together: `2^(PS) <= 2^252`, below the
/// BN254 scalar modulus (`> 2^253`), so no sum of slots wraps.
pub const STRAND_FIELD_BITS: u32 = 252;

/// How one layer's neurons are packed: `slots` neurons per chain, `slot_bits` bits each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Strands {
    /// Neurons per chain (`P`); `1` for an unpacked layer.
    pub slots: usize,
    /// Slot width `S` in bits; `0` for an unpacked layer.
    pub slot_bits: u32,
}

impl Strands {
    /// An unpacked layer: one neuron per chain.
    pub const UNPACKED: Self = Self {
        slots: 1,
        slot_bits: 0,
    };

    /// The widest packing `layer` allows under `params`: `S = `[`slot_bits`], `P =
    /// min(252 / S, outputs)`; [`Strands::UNPACKED`] when fewer than two slots fit.
    pub fn widest(layer: &QuantizedLayer, params: MlpParams) -> Self {
        let slot_bits = slot_bits(layer, params);
        let slots = ((STRAND_FIELD_BITS / slot_bits) as usize).min(layer.output_size());
        if slots >= 2 {
            Self { slots, slot_bits }
        } else {
            Self::UNPACKED
        }
    }

    /// Whether the layer is packed.
    pub fn is_packed(&self) -> bool {
        self.slots > 1
    }

    /// The field element `sum_p coeffs[p] 2^(pS)`.
    pub fn shifted(&self, coeffs: impl IntoIterator<Item = i128>) -> Fr {
        let base = match self.slot_bits {
            bits @ 0..=126 => i128_to_field(1i128 << bits),
            bits => Fr::from(2).pow_vartime([u64::from(bits)]),
        };
        let (mut total, mut power) = (Fr::ZERO, Fr::ONE);
        for c in coeffs {
            total += i128_to_field(c) * power;
            power *= base;
        }
        total
    }

    /// The unpacking weight of slot `p >= 1`: `-2^(pS)`.
    pub fn unpack_weight(&self, p: usize) -> Fr {
        -Fr::from(2).pow_vartime([u64::from(self.slot_bits) * p as u64])
    }
}

/// `M`: the largest `|bias_j| + 2^(b-1) sum_i |w_(j,i)|` over the layer's neurons, a bound on
/// every partial sum of every accumulator of the layer (saturating; at most about `2^122`
/// for a validated model).
pub fn accumulator_bound(layer: &QuantizedLayer, params: MlpParams) -> u128 {
    let x = 1u128 << (params.activation_bits - 1);
    (layer.weights.iter().zip(&layer.biases))
        .map(|(row, &bias)| {
            let sum = row.iter().fold(0u128, |s, &w| {
                s.saturating_add(u128::from(w.unsigned_abs()))
            });
            u128::from(bias.unsigned_abs()).saturating_add(sum.saturating_mul(x))
        })
        .max()
        .unwrap_or(0)
}

/// `S`: the bit length of `Z + M`, with `Z = 2^(b+s-1) + 2^(s-1)` the largest `|z0|` a
/// rescale block admits and `M` the [`accumulator_bound`], so `Z + M < 2^S` (see the module
/// docs).
pub fn slot_bits(layer: &QuantizedLayer, params: MlpParams) -> u32 {
    let (s, b) = (params.scale_bits, params.activation_bits);
    let z = (1u128 << (b + s - 1)) + (1u128 << (s - 1));
    let d = z.saturating_add(accumulator_bound(layer, params));
    128 - d.leading_zeros()
}
