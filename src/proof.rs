//! Proofs and their public inputs.
//!
//! The proof bytes are a KZG + SHPLONK proof over a Keccak (EVM) transcript, so the same bytes
//! are accepted by the generated Solidity verifier. The public inputs are the binding value,
//! the quantized features, then the quantized outputs, each an integer at scale
//! `2^scale_bits`.

use ff::PrimeField;
use halo2_proofs::halo2curves::bn256::Fr;
use serde::{Deserialize, Serialize};
use zkmlp_circuits::field::i128_to_field;

/// A 32-byte big-endian public value that a proof is bound to, such as a hash identifying
/// the NFT being valued. A proof bound to one value does not verify for another.
pub type Binding = [u8; 32];

/// Encodes a field element as a big-endian [`Binding`].
pub fn binding_from_field(value: Fr) -> Binding {
    let mut bytes: [u8; 32] = value.to_repr();
    bytes.reverse();
    bytes
}

/// Decodes a [`Binding`]; `None` if it is not below the BN254 scalar modulus.
pub fn binding_to_field(binding: &Binding) -> Option<Fr> {
    let mut le = *binding;
    le.reverse();
    Option::from(Fr::from_repr(le))
}

/// The public statement of a proof: "the committed model maps `features` to `outputs`",
/// bound to `binding`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicInputs {
    /// The value the proof is bound to (big-endian; must be below the field modulus).
    pub binding: Binding,
    /// Quantized input features.
    pub features: Vec<i64>,
    /// Quantized outputs.
    pub outputs: Vec<i64>,
}

impl PublicInputs {
    /// The instance column: binding, features, then outputs, as field elements; `None` if
    /// the binding is not a canonical field element.
    pub fn to_field(&self) -> Option<Vec<Fr>> {
        let binding = binding_to_field(&self.binding)?;
        let values = self
            .features
            .iter()
            .chain(&self.outputs)
            .map(|&v| i128_to_field(v.into()));
        Some(std::iter::once(binding).chain(values).collect())
    }

    /// Features and outputs, in instance order.
    pub fn values(&self) -> impl Iterator<Item = i64> + '_ {
        self.features.iter().chain(&self.outputs).copied()
    }
}

/// A proof of one inference, with the statement it proves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proof {
    /// The proof bytes (EVM transcript encoding).
    pub bytes: Vec<u8>,
    /// The public inputs it is checked against.
    pub public_inputs: PublicInputs,
    /// Fractional bits of the fixed-point values.
    pub scale_bits: u32,
}

impl Proof {
    /// The proven outputs as real numbers: `output / 2^scale_bits`.
    pub fn decoded_outputs(&self) -> Vec<f64> {
        let scale = (self.scale_bits as f64).exp2();
        self.public_inputs
            .outputs
            .iter()
            .map(|&v| v as f64 / scale)
            .collect()
    }

    /// The public features as real numbers.
    pub fn decoded_features(&self) -> Vec<f64> {
        let scale = (self.scale_bits as f64).exp2();
        self.public_inputs
            .features
            .iter()
            .map(|&v| v as f64 / scale)
            .collect()
    }
}
