//! halo2 chips and the MLP circuit of zkmlp: constraints and their witnesses, nothing else.
//!
//! The circuit proves `outputs = MLP(inputs)` for a [`QuantizedMlp`] fixed in the verifying
//! key, with the integer semantics stated in [`spec`]:
//!
//! - [`chips::dot`]: dense layers as chained multi-column dot products;
//! - [`chips::range`]: every bound is a running-sum decomposition into limbs of at most 8 (or
//!   12) bits looked up in one small tagged table, or, for a small single inference, into
//!   one-bit limbs checked by a gate (no lookup);
//! - [`chips::rescale`]: rounding rescale `acc + 2^(s-1) = q 2^s + r`, `0 <= r < 2^s`, with
//!   `q` bounded to `b` signed bits, and ReLU through `q`'s sign bit;
//! - [`chips::pack`] and [`chips::poseidon`]: commitments to hashed inputs, weights or outputs
//!   (Poseidon over BN254, width 3, 8 full and 57 partial rounds), for the visibility modes
//!   of [`spec::Visibility`];
//! - [`chips::horner`]: folded outputs, packed words evaluated at the binding as a polynomial;
//! - [`chips::public`]: the public values, checked against the instance by a gate (the
//!   instance column is not in the permutation);
//! - [`chips::strand`]: packed fixed weights, `P` neurons per dot chain, unpacked into their
//!   rescale blocks (the planner's choice where it pays);
//! - [`layout`] plans every cell, [`witness`] computes them, [`circuit`] assigns them.
//!
//! No value can wrap around the field: every input and activation is range-checked to at most
//! 40 bits and every parameter is at most `2^62` in magnitude (range-checked in the circuit
//! when the weights are witnessed rather than fixed), so accumulators stay below `2^122`.
#![deny(missing_docs)]

pub mod chips;
pub mod circuit;
pub mod field;
pub mod layout;
pub mod spec;
pub mod witness;

pub use circuit::{CircuitParams, MlpCircuit, MlpConfig};
pub use layout::{CellRef, FoldPlan, Lane, MlpLayout};
pub use spec::{
    Activation, MlpParams, QuantizedLayer, QuantizedMlp, SpecError, Visibility, VisibilitySettings,
};
pub use witness::{MlpWitness, WitnessError};

use halo2_proofs::{halo2curves::bn256::Fr, plonk::ConstraintSystem};

/// Smallest `k` whose `2^k` rows hold `layout` plus the blinding rows of its constraint system.
pub fn min_k(layout: &MlpLayout) -> u32 {
    min_k_in(layout, &constraint_system(layout))
}

/// The constraint system `layout` configures.
fn constraint_system(layout: &MlpLayout) -> ConstraintSystem<Fr> {
    let mut cs = ConstraintSystem::default();
    let _ = MlpConfig::configure(&mut cs, CircuitParams::of(layout));
    cs
}

/// [`min_k`] with `layout`'s constraint system already configured.
fn min_k_in(layout: &MlpLayout, cs: &ConstraintSystem<Fr>) -> u32 {
    let needed = layout.rows() + cs.blinding_factors() + 1;
    let mut k = 4;
    while (1usize << k) < needed.max(cs.minimum_rows()) {
        k += 1;
    }
    k
}
