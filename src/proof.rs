//! Proofs and their public inputs.
//!
//! The proof bytes are a KZG + SHPLONK proof over a Keccak (EVM) transcript, so the same bytes
//! are accepted by the generated Solidity verifier. The public inputs are the binding value,
//! then the inputs, the weights and the outputs, each as the circuit's visibility says: the
//! quantized values (integers at scale `2^scale_bits`) when public, one Poseidon commitment
//! when hashed, nothing when private (or, for weights, fixed in the verifying key). With the
//! default visibility that is the binding, the features, then the outputs.

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

/// Poseidon commitments (big-endian field elements) of the hashed parts of a statement.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commitments {
    /// Commitment to the input features, when hashed.
    pub inputs: Option<Binding>,
    /// Commitment to the weights and biases, when hashed.
    pub weights: Option<Binding>,
    /// Commitment to the outputs, when hashed.
    pub outputs: Option<Binding>,
}

/// One public input: a signed quantized value, or a raw 32-byte field element.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InstanceEntry {
    /// A quantized value, encoded mod `r`.
    Value(i64),
    /// A field element, big-endian (the binding or a commitment).
    Element(Binding),
}

/// The public statement of a proof: "the committed model maps `features` to `outputs`",
/// bound to `binding`, with the parts the circuit hides left empty.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicInputs {
    /// The value the proof is bound to (big-endian; must be below the field modulus).
    pub binding: Binding,
    /// Quantized input features (empty unless the inputs are public).
    pub features: Vec<i64>,
    /// Quantized outputs (empty unless the outputs are public).
    pub outputs: Vec<i64>,
    /// Quantized weights, then biases (empty unless the weights are public).
    #[serde(default)]
    pub weights: Vec<i64>,
    /// Commitments of the hashed parts.
    #[serde(default)]
    pub commitments: Commitments,
}

impl PublicInputs {
    /// Every public input in instance order: the binding, the features or the inputs'
    /// commitment, the weights or their commitment, the outputs or their commitment.
    pub fn entries(&self) -> Vec<InstanceEntry> {
        let values = |v: &[i64]| {
            v.iter()
                .map(|&x| InstanceEntry::Value(x))
                .collect::<Vec<_>>()
        };
        let element = |c: &Option<Binding>| c.map(InstanceEntry::Element);
        std::iter::once(InstanceEntry::Element(self.binding))
            .chain(values(&self.features))
            .chain(element(&self.commitments.inputs))
            .chain(values(&self.weights))
            .chain(element(&self.commitments.weights))
            .chain(values(&self.outputs))
            .chain(element(&self.commitments.outputs))
            .collect()
    }

    /// The instance column as field elements; `None` if the binding or a commitment is not
    /// a canonical field element.
    pub fn to_field(&self) -> Option<Vec<Fr>> {
        self.entries()
            .into_iter()
            .map(|entry| match entry {
                InstanceEntry::Value(v) => Some(i128_to_field(v.into())),
                InstanceEntry::Element(bytes) => binding_to_field(&bytes),
            })
            .collect()
    }

    /// Features and outputs, in instance order: the values bounded by the activation range.
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
