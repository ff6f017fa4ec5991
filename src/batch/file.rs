//! The batch proof file: a [`BatchProof`] with the digests of the model and SRS it was made
//! with, as JSON (`0x`-prefixed hex for addresses, token ids, field elements and proof bytes).

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{Address, BatchProof};
use crate::artifact::{
    check_json_header, check_proof_key, read_bytes, ArtifactError, ArtifactKind, Digest, KeyFile,
    FORMAT_VERSION,
};
use crate::proof::Binding;

/// Value of the `format` field of a batch proof file.
pub const BATCH_PROOF_FORMAT: &str = "zkmlp-batch-proof";

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ItemJson {
    collection: String,
    token_id: String,
}

/// The on-disk shape.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchProofJson {
    format: String,
    version: u64,
    model_digest: Digest,
    srs_digest: Digest,
    epoch: u64,
    items: Vec<ItemJson>,
    commitments: Vec<String>,
    words: Vec<String>,
    proof: String,
}

/// A batch proof with the digests of what it was made with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchProofFile {
    /// The batch proof.
    pub proof: BatchProof,
    /// Digest of the compiled model.
    pub model_digest: Digest,
    /// Digest of the SRS cut to the circuit's `k`.
    pub srs_digest: Digest,
}

fn hex0x(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

impl BatchProofFile {
    /// The JSON encoding.
    pub fn to_json(&self) -> String {
        let p = &self.proof;
        let file = BatchProofJson {
            format: BATCH_PROOF_FORMAT.into(),
            version: FORMAT_VERSION.into(),
            model_digest: self.model_digest,
            srs_digest: self.srs_digest,
            epoch: p.epoch,
            items: p
                .collections
                .iter()
                .zip(&p.token_ids)
                .map(|(collection, token_id)| ItemJson {
                    collection: hex0x(collection),
                    token_id: hex0x(token_id),
                })
                .collect(),
            commitments: p.commitments.iter().map(|c| hex0x(c)).collect(),
            words: p.words.iter().map(|w| hex0x(w)).collect(),
            proof: hex0x(&p.bytes),
        };
        serde_json::to_string_pretty(&file).expect("a batch proof always serializes") + "\n"
    }

    /// Decodes a batch proof file. The values are not checked here ([`super::verify_batch`]
    /// does), only their encoding.
    ///
    /// # Errors
    /// [`ArtifactError::Empty`], [`ArtifactError::WrongKind`],
    /// [`ArtifactError::UnsupportedVersion`] or [`ArtifactError::Malformed`].
    pub fn from_json(bytes: &[u8]) -> Result<Self, ArtifactError> {
        let kind = ArtifactKind::Proof;
        check_json_header(bytes, kind, BATCH_PROOF_FORMAT)?;
        let malformed = |detail: String| ArtifactError::Malformed { kind, detail };
        let file: BatchProofJson =
            serde_json::from_slice(bytes).map_err(|e| malformed(e.to_string()))?;
        let hex_field = |name: &str, value: &str| {
            hex::decode(value.strip_prefix("0x").unwrap_or(value))
                .map_err(|e| malformed(format!("`{name}` is not hex: {e}")))
        };
        fn fixed<const N: usize>(
            bytes: Vec<u8>,
            name: &str,
            malformed: impl Fn(String) -> ArtifactError,
        ) -> Result<[u8; N], ArtifactError> {
            bytes
                .try_into()
                .map_err(|_| malformed(format!("`{name}` is not {N} bytes")))
        }
        let word = |name: &str, value: &str| -> Result<Binding, ArtifactError> {
            fixed(hex_field(name, value)?, name, malformed)
        };
        let mut collections: Vec<Address> = Vec::with_capacity(file.items.len());
        let mut token_ids = Vec::with_capacity(file.items.len());
        for item in &file.items {
            collections.push(fixed(
                hex_field("collection", &item.collection)?,
                "collection",
                malformed,
            )?);
            token_ids.push(word("token_id", &item.token_id)?);
        }
        let words = |name: &str, values: &[String]| {
            values
                .iter()
                .map(|v| word(name, v))
                .collect::<Result<Vec<_>, _>>()
        };
        Ok(Self {
            proof: BatchProof {
                collections,
                token_ids,
                epoch: file.epoch,
                commitments: words("commitments", &file.commitments)?,
                words: words("words", &file.words)?,
                bytes: hex_field("proof", &file.proof)?,
            },
            model_digest: file.model_digest,
            srs_digest: file.srs_digest,
        })
    }

    /// Reads a batch proof file.
    ///
    /// # Errors
    /// [`ArtifactError::Io`], then as [`BatchProofFile::from_json`].
    pub fn read(path: &Path) -> Result<Self, ArtifactError> {
        Self::from_json(&read_bytes(path)?)
    }

    /// Checks that this proof was made with the model and SRS of `key`.
    ///
    /// # Errors
    /// [`ArtifactError::ModelMismatch`] or [`ArtifactError::SrsMismatch`].
    pub fn check_key(&self, key: &KeyFile) -> Result<(), ArtifactError> {
        check_proof_key(key, self.model_digest, self.srs_digest, "batch proof")
    }
}
