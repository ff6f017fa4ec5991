//! The proof file: a [`Proof`], the digests of the model and SRS it was made with, and its
//! decoded output, as JSON.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{
    check_json_header, read_bytes, ArtifactError, ArtifactKind, Digest, KeyFile, FORMAT_VERSION,
};
use crate::proof::{Commitments, Proof, PublicInputs};

fn hex32(bytes: [u8; 32]) -> String {
    format!("0x{}", hex::encode(bytes))
}

/// Value of the `format` field of a proof file.
pub const PROOF_FORMAT: &str = "zkmlp-proof";

/// The on-disk shape. `decoded_outputs` is informative: readers recompute it.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProofJson {
    format: String,
    version: u64,
    model_digest: Digest,
    srs_digest: Digest,
    scale_bits: u32,
    binding: String,
    features: Vec<i64>,
    outputs: Vec<i64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    weights: Vec<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    input_commitment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    weight_commitment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    output_commitment: Option<String>,
    decoded_outputs: Vec<f64>,
    proof: String,
}

/// A proof with the digests of what it was made with.
#[derive(Clone, Debug, PartialEq)]
pub struct ProofFile {
    /// The proof and its public inputs.
    pub proof: Proof,
    /// Digest of the compiled model.
    pub model_digest: Digest,
    /// Digest of the SRS cut to the circuit's `k`.
    pub srs_digest: Digest,
}

impl ProofFile {
    /// The JSON encoding (hex strings with a `0x` prefix for the binding and proof bytes).
    pub fn to_json(&self) -> String {
        let public = &self.proof.public_inputs;
        let file = ProofJson {
            format: PROOF_FORMAT.into(),
            version: FORMAT_VERSION.into(),
            model_digest: self.model_digest,
            srs_digest: self.srs_digest,
            scale_bits: self.proof.scale_bits,
            binding: format!("0x{}", hex::encode(public.binding)),
            features: public.features.clone(),
            outputs: public.outputs.clone(),
            weights: public.weights.clone(),
            input_commitment: public.commitments.inputs.map(hex32),
            weight_commitment: public.commitments.weights.map(hex32),
            output_commitment: public.commitments.outputs.map(hex32),
            decoded_outputs: self.proof.decoded_outputs(),
            proof: format!("0x{}", hex::encode(&self.proof.bytes)),
        };
        serde_json::to_string_pretty(&file).expect("a proof always serializes") + "\n"
    }

    /// Decodes a proof file.
    ///
    /// # Errors
    /// [`ArtifactError::Empty`], [`ArtifactError::WrongKind`],
    /// [`ArtifactError::UnsupportedVersion`] or [`ArtifactError::Malformed`].
    pub fn from_json(bytes: &[u8]) -> Result<Self, ArtifactError> {
        let kind = ArtifactKind::Proof;
        check_json_header(bytes, kind, PROOF_FORMAT)?;
        let malformed = |detail: String| ArtifactError::Malformed { kind, detail };
        let file: ProofJson =
            serde_json::from_slice(bytes).map_err(|e| malformed(e.to_string()))?;
        let hex_field = |name: &str, value: &str| {
            hex::decode(value.strip_prefix("0x").unwrap_or(value))
                .map_err(|e| malformed(format!("`{name}` is not hex: {e}")))
        };
        let word = |name: &str, value: &str| -> Result<[u8; 32], ArtifactError> {
            hex_field(name, value)?
                .try_into()
                .map_err(|_| malformed(format!("`{name}` is not 32 bytes")))
        };
        let binding = word("binding", &file.binding)?;
        let commitment = |name: &str, value: &Option<String>| {
            value.as_deref().map(|v| word(name, v)).transpose()
        };
        let commitments = Commitments {
            inputs: commitment("input_commitment", &file.input_commitment)?,
            weights: commitment("weight_commitment", &file.weight_commitment)?,
            outputs: commitment("output_commitment", &file.output_commitment)?,
        };
        let bytes = hex_field("proof", &file.proof)?;
        Ok(Self {
            proof: Proof {
                bytes,
                public_inputs: PublicInputs {
                    binding,
                    features: file.features,
                    outputs: file.outputs,
                    weights: file.weights,
                    commitments,
                },
                scale_bits: file.scale_bits,
            },
            model_digest: file.model_digest,
            srs_digest: file.srs_digest,
        })
    }

    /// Reads a proof file.
    ///
    /// # Errors
    /// [`ArtifactError::Io`], then as [`ProofFile::from_json`].
    pub fn read(path: &Path) -> Result<Self, ArtifactError> {
        Self::from_json(&read_bytes(path)?)
    }

    /// Checks that this proof was made with the model and SRS of `key`.
    ///
    /// # Errors
    /// [`ArtifactError::ModelMismatch`] or [`ArtifactError::SrsMismatch`], naming both
    /// digests.
    pub fn check_key(&self, key: &KeyFile) -> Result<(), ArtifactError> {
        check_proof_key(key, self.model_digest, self.srs_digest, "proof")
    }
}

/// Checks that a proof (named `what` in errors) made with `model_digest` and `srs_digest`
/// belongs with `key`.
pub(crate) fn check_proof_key(
    key: &KeyFile,
    model_digest: Digest,
    srs_digest: Digest,
    what: &str,
) -> Result<(), ArtifactError> {
    key.check_model(model_digest, ArtifactKind::Proof)?;
    if key.srs_digest != srs_digest {
        return Err(ArtifactError::SrsMismatch {
            left: ArtifactKind::VerifyingKey.to_string(),
            left_digest: key.srs_digest,
            right: what.into(),
            right_digest: srs_digest,
        });
    }
    Ok(())
}
