//! Versioned, digest-carrying files: compiled circuits, keys and proofs.
//!
//! Every artifact names what it was made from, so that a key, a proof or a model from
//! another run is refused with an error naming both sides instead of failing obscurely:
//!
//! | artifact | encoding | carries |
//! |---|---|---|
//! | compiled circuit ([`CompiledFile`]) | JSON | the quantized model, `k`, the model digest |
//! | proving / verifying key ([`KeyFile`]) | binary | model digest, SRS digest, halo2 key, SRS cut to `k` |
//! | proof ([`ProofFile`]) | JSON | model digest, SRS digest, public inputs, proof bytes |
//!
//! The *model digest* is the SHA-256 of the quantized model's canonical JSON (see
//! [`CompiledFile`]); the *SRS digest* is [`crate::Srs::digest_at`] the circuit's `k`.
//! Together they determine the verifying key, since key generation is deterministic.
//!
//! Reading is total: empty, truncated, corrupted or foreign bytes give an
//! [`ArtifactError`], never a panic. Binary keys end with a SHA-256 checksum checked before
//! halo2 parses anything, and halo2's parser (which panics on some malformed inputs) runs
//! behind `catch_unwind`. A key file is trusted input once its checksum matches: whoever
//! hands you a key can already choose the model.

mod compiled;
mod keys;
mod proof;

use std::{fmt, path::Path};

pub use compiled::{model_digest, CompiledFile, COMPILED_FORMAT};
pub use keys::{KeyFile, KeyKind, KEY_MAGIC};
pub(crate) use proof::check_proof_key;
pub use proof::{ProofFile, PROOF_FORMAT};

use crate::srs::Sha256Digest;

/// Format version written by this library (for every artifact).
pub const FORMAT_VERSION: u32 = 2;

/// A SHA-256 digest, shown as 64 hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Digest(pub Sha256Digest);

impl Digest {
    /// SHA-256 of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        Self(crate::srs::sha256(bytes))
    }

    /// Parses 64 hex digits (an optional `0x` prefix is allowed).
    pub fn from_hex(s: &str) -> Option<Self> {
        let bytes = hex::decode(s.strip_prefix("0x").unwrap_or(s)).ok()?;
        Some(Self(bytes.try_into().ok()?))
    }

    /// The first 8 hex digits, for short messages.
    pub fn short(&self) -> String {
        hex::encode(&self.0[..4])
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({self})")
    }
}

impl serde::Serialize for Digest {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> serde::Deserialize<'de> for Digest {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <String as serde::Deserialize>::deserialize(d)?;
        Self::from_hex(&s).ok_or_else(|| serde::de::Error::custom("expected 64 hex digits"))
    }
}

/// Which artifact a message is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArtifactKind {
    /// A compiled circuit.
    Compiled,
    /// A proving key.
    ProvingKey,
    /// A verifying key.
    VerifyingKey,
    /// A proof.
    Proof,
}

impl fmt::Display for ArtifactKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Compiled => "compiled circuit",
            Self::ProvingKey => "proving key",
            Self::VerifyingKey => "verifying key",
            Self::Proof => "proof",
        })
    }
}

/// Why an artifact cannot be read, or does not fit with another.
#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is empty.
    #[error("the {kind} file is empty")]
    Empty {
        /// What was expected.
        kind: ArtifactKind,
    },
    /// The bytes are not this kind of artifact.
    #[error("not a zkmlp {expected} file{}", found.map(|f| format!(" (it is a {f})")).unwrap_or_default())]
    WrongKind {
        /// What was expected.
        expected: ArtifactKind,
        /// What it is, if recognized.
        found: Option<ArtifactKind>,
    },
    /// Written by an incompatible version.
    #[error("the {kind} file has format version {found}; this zkmlp reads version {supported}")]
    UnsupportedVersion {
        /// The artifact.
        kind: ArtifactKind,
        /// Its version.
        found: u64,
        /// The version this library reads.
        supported: u32,
    },
    /// The file ends early.
    #[error("the {kind} file is truncated: {needed} bytes needed, {got} present")]
    Truncated {
        /// The artifact.
        kind: ArtifactKind,
        /// Bytes needed.
        needed: u64,
        /// Bytes present.
        got: u64,
    },
    /// The content does not match its recorded checksum or digest.
    #[error("the {kind} file is corrupted: {detail}")]
    Corrupted {
        /// The artifact.
        kind: ArtifactKind,
        /// What did not match.
        detail: String,
    },
    /// The content is malformed (JSON errors, halo2 decoding failures, invalid models).
    #[error("the {kind} file is malformed: {detail}")]
    Malformed {
        /// The artifact.
        kind: ArtifactKind,
        /// What is wrong.
        detail: String,
    },
    /// Two artifacts were made from different models.
    #[error("model mismatch: the {left} was made for model {left_digest}, the {right} is for model {right_digest}")]
    ModelMismatch {
        /// One artifact.
        left: ArtifactKind,
        /// Its model digest.
        left_digest: Digest,
        /// The other.
        right: ArtifactKind,
        /// Its model digest.
        right_digest: Digest,
    },
    /// Two artifacts were made from different setups.
    #[error("SRS mismatch: the {left} has SRS digest {left_digest}, the {right} has SRS digest {right_digest}")]
    SrsMismatch {
        /// One artifact (or "SRS" itself).
        left: String,
        /// Its SRS digest.
        left_digest: Digest,
        /// The other.
        right: String,
        /// Its SRS digest.
        right_digest: Digest,
    },
}

impl ArtifactError {
    /// Whether the error says that two valid artifacts do not belong together.
    pub fn is_mismatch(&self) -> bool {
        matches!(self, Self::ModelMismatch { .. } | Self::SrsMismatch { .. })
    }
}

/// Reads a whole file, naming it in the error.
pub(crate) fn read_bytes(path: &Path) -> Result<Vec<u8>, ArtifactError> {
    std::fs::read(path).map_err(|source| ArtifactError::Io {
        path: path.display().to_string(),
        source,
    })
}

/// Checks a JSON artifact's `format` and `version` fields before decoding the rest, so a
/// wrong or newer file gets a precise error.
pub(crate) fn check_json_header(
    bytes: &[u8],
    kind: ArtifactKind,
    format: &str,
) -> Result<(), ArtifactError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ArtifactError::Empty { kind });
    }
    #[derive(serde::Deserialize)]
    struct Header {
        format: Option<String>,
        version: Option<u64>,
    }
    let header: Header = serde_json::from_slice(bytes).map_err(|e| ArtifactError::Malformed {
        kind,
        detail: e.to_string(),
    })?;
    if header.format.as_deref() != Some(format) {
        let found = match header.format.as_deref() {
            Some(COMPILED_FORMAT) => Some(ArtifactKind::Compiled),
            Some(PROOF_FORMAT) => Some(ArtifactKind::Proof),
            _ => None,
        };
        return Err(ArtifactError::WrongKind {
            expected: kind,
            found,
        });
    }
    match header.version {
        Some(v) if v == u64::from(FORMAT_VERSION) => Ok(()),
        found => Err(ArtifactError::UnsupportedVersion {
            kind,
            found: found.unwrap_or(0),
            supported: FORMAT_VERSION,
        }),
    }
}

/// Writes `bytes` to `path`; unless `overwrite`, refuses an existing file.
///
/// # Errors
/// [`ArtifactError::Io`] (with [`std::io::ErrorKind::AlreadyExists`] for a refused
/// overwrite).
pub fn write_new(path: &Path, bytes: &[u8], overwrite: bool) -> Result<(), ArtifactError> {
    use std::io::Write;
    let io = |source| ArtifactError::Io {
        path: path.display().to_string(),
        source,
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if overwrite {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    let mut file = options.open(path).map_err(io)?;
    file.write_all(bytes).map_err(io)?;
    file.sync_all().map_err(io)
}
