//! Folding packed words into one public element at the binding: a Horner chain.
//!
//! With [`crate::spec::Visibility::Folded`] outputs, the outputs `o_0..o_(M-1)` (every item's,
//! item by item), each range-checked to `[-2^(B-1), 2^(B-1))`, are packed by the
//! [`super::pack`] gate into words `w_0..w_(m-1)` (`P = floor(253 / B)` values to a word, the
//! last word holding the rest), and the instance's last entry is
//!
//! ```text
//! D = sum_j w_j c^j  (mod r)
//! ```
//!
//! where `c` is the binding (the instance's first entry). The chain runs from the last word:
//!
//! ```text
//! row 0     : acc_0 = w_(m-1)                      (copy of the packing chain's final cell)
//! row t >= 1: acc_t = c_t * acc_(t-1) + w_t'       (gate "horner"; t' = m-1-t)
//!             c_t = binding cell, w_t' = final cell of word m-1-t's packing chain (copies)
//! D = acc_(m-1)                                    (copy to the last public row)
//! ```
//!
//! so `acc_t = sum_(i<=t) w_(m-1-i) c^(t-i)` and `acc_(m-1) = D`. The gate has degree 3 with
//! its selector.
//!
//! # Soundness
//! In the circuit: the copies and the gate force the instance's `D` to equal
//! `F_w(c) = sum_j w_j c^j` for the packed words `w` of the range-checked outputs, and the
//! packing gate makes each `w_j` the integer `sum_t (o_(jP+t) + 2^(B-1)) 2^(B (n_j-1-t))`,
//! below `2^(P B) <= 2^253 < r`.
//!
//! Around it (the verifier's part): the verifier is handed claimed words `w`, refuses any
//! word `>= 2^(P B)` (so distinct word lists are distinct lists of field elements, each with
//! one unpacking), computes `c` itself as a hash of a preimage holding `w` and every other
//! public entry (the input and weight commitments or values), then `D = F_w(c)`, and checks
//! the proof with instance `[c, .., D]`. The true outputs, hence the true words `w'`, are
//! fixed by the committed inputs and the model, both in the preimage of `c` (which is why
//! folded outputs require public or hashed inputs and fixed, public or hashed weights: a
//! private input or weight could be chosen after `c` is known). The proof then shows
//! `F_(w')(c) = F_w(c)`: for `w != w'`, `c` is a root of the nonzero polynomial
//! `sum_j (w'_j - w_j) X^j` of degree `< m`, which a hash output (random oracle) is with
//! probability at most `(m-1)/r` per query, below `2^-243` for `m <= 1024`.

use ff::Field;
use halo2_proofs::{
    circuit::Region,
    halo2curves::bn256::Fr,
    plonk::{Advice, Column, ConstraintSystem, Constraints, Error, Selector},
    poly::Rotation,
};

/// Name of the Horner constraint.
pub const HORNER: &str = "acc = c * acc_prev + w";

/// `sum_j words[j] * c^j`, evaluated from the last word (zero for no words).
pub fn fold(words: &[Fr], c: Fr) -> Fr {
    words.iter().rev().fold(Fr::ZERO, |acc, &w| acc * c + w)
}

/// The chain's accumulators, one per row: `acc_0 = w_(m-1)`, `acc_t = c acc_(t-1) + w_(m-1-t)`;
/// the last one is [`fold`]`(words, c)`.
pub fn horner_trace(words: &[Fr], c: Fr) -> Vec<Fr> {
    let mut acc = Fr::ZERO;
    words
        .iter()
        .rev()
        .map(|&w| {
            acc = acc * c + w;
            acc
        })
        .collect()
}

/// Row offset (within a chain of `words` rows) of the row that adds word `j`.
pub fn word_row(words: usize, j: usize) -> usize {
    words - 1 - j
}

/// What the Horner chip offers.
pub trait HornerInstructions {
    /// Enables the gate on a chain of `words` rows starting at `start` (on every row but the
    /// first, whose `acc` is a copy of the last word).
    ///
    /// # Errors
    /// Propagates synthesis errors.
    fn enable_chain(
        &self,
        region: &mut Region<'_, Fr>,
        start: usize,
        words: usize,
    ) -> Result<(), Error>;
}

/// Columns and selector of the Horner gate.
#[derive(Clone, Copy, Debug)]
pub struct HornerConfig {
    /// The running fold.
    pub acc: Column<Advice>,
    /// The point `c` (a copy of the binding on every gated row).
    pub c: Column<Advice>,
    /// The word added (a copy of a packing chain's final cell).
    pub w: Column<Advice>,
    /// Enables the gate.
    pub selector: Selector,
}

/// The Horner chip.
#[derive(Clone, Copy, Debug)]
pub struct HornerChip {
    config: HornerConfig,
}

impl HornerChip {
    /// Wraps a configuration.
    pub fn construct(config: HornerConfig) -> Self {
        Self { config }
    }

    /// Creates the gate `"horner"` over the given columns (`[acc, c, w]`), with one selector.
    pub fn configure(
        meta: &mut ConstraintSystem<Fr>,
        [acc, c, w]: [Column<Advice>; 3],
    ) -> HornerConfig {
        let config = HornerConfig {
            acc,
            c,
            w,
            selector: meta.selector(),
        };
        meta.create_gate("horner", |meta| {
            let s = meta.query_selector(config.selector);
            let acc_cur = meta.query_advice(acc, Rotation::cur());
            let acc_prev = meta.query_advice(acc, Rotation::prev());
            let c = meta.query_advice(c, Rotation::cur());
            let w = meta.query_advice(w, Rotation::cur());
            // acc_cur = c * acc_prev + w
            Constraints::with_selector(s, [(HORNER, acc_cur - c * acc_prev - w)])
        });
        config
    }
}

impl HornerInstructions for HornerChip {
    fn enable_chain(
        &self,
        region: &mut Region<'_, Fr>,
        start: usize,
        words: usize,
    ) -> Result<(), Error> {
        for row in start + 1..start + words {
            self.config.selector.enable(region, row)?;
        }
        Ok(())
    }
}
