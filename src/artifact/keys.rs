//! Proving- and verifying-key files: halo2's key encoding in a small checked envelope.
//!
//! ```text
//! offset  size  field
//!      0     8  magic "ZKMLPKEY"
//!      8     4  key format version (u32 LE): [`KEY_FORMAT_VERSION`]
//!     12     1  kind: 1 = proving key, 2 = verifying key
//!     13     1  flags: bit 0 = made from an unsafe (seeded) SRS, bit 1 = public values
//!                   copied to the instance column (a split range lane), others 0
//!     14     1  visibility: inputs (bits 0-1), weights (2-3), outputs (4-6);
//!                   0 = public, 1 = private, 2 = hashed, 3 = fixed, 4 = folded (outputs)
//!     15     1  limb width of the range checks: 0 = 8 bits, otherwise the width (12)
//!     16    32  model digest
//!     48    32  SRS digest (SHA-256 of the embedded parameters)
//!     80     4  k
//!     84    20  scale_bits, activation_bits, dot_width, input_size, output_size (u32 LE each)
//!    104    12  weight_bits, bias_bits (0 when the weights are fixed), parameter count (u32 LE)
//!    116     4  batch size: inferences per proof (u32 LE, at least 1)
//!    120     8  parameter bytes p (u64 LE), then p bytes: the SRS cut to k (halo2 raw format)
//!            8  key bytes q (u64 LE), then q bytes: halo2's key (`SerdeFormat::RawBytes`)
//!           32  SHA-256 of everything above
//! ```

use std::{
    panic::{catch_unwind, AssertUnwindSafe},
    path::Path,
    sync::Arc,
};

use halo2_proofs::{
    halo2curves::bn256::{Bn256, G1Affine},
    plonk,
    poly::{commitment::Params, kzg::commitment::ParamsKZG},
    SerdeFormat,
};
use zkmlp_circuits::{CircuitParams, MlpCircuit, MlpParams, Visibility, VisibilitySettings};

use super::{read_bytes, ArtifactError, ArtifactKind, CompiledFile, Digest};
use crate::{
    keys::{ProvingKey, VerifyingKey},
    srs::{params_to_bytes, Srs, MAX_K},
};

/// The first bytes of a key file.
pub const KEY_MAGIC: &[u8; 8] = b"ZKMLPKEY";

const HEADER_LEN: usize = 120;

/// Version of the key-file envelope. Version 3 added the batch size (so a verifier knows how
/// many items a batch proof values) and the `folded` output visibility; version 2 files are
/// refused with [`ArtifactError::UnsupportedVersion`]: regenerate them with `zkmlp setup`.
pub const KEY_FORMAT_VERSION: u32 = 3;
const CHECKSUM_LEN: usize = 32;

/// Which key a file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    /// A proving key.
    Proving,
    /// A verifying key.
    Verifying,
}

impl KeyKind {
    fn byte(self) -> u8 {
        match self {
            Self::Proving => 1,
            Self::Verifying => 2,
        }
    }

    fn artifact(self) -> ArtifactKind {
        match self {
            Self::Proving => ArtifactKind::ProvingKey,
            Self::Verifying => ArtifactKind::VerifyingKey,
        }
    }
}

/// What a key file says about itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyFile {
    /// The key kind.
    pub kind: KeyKind,
    /// Digest of the compiled model the key was made for.
    pub model_digest: Digest,
    /// Digest of the SRS cut to `k` ([`Srs::digest_at`]).
    pub srs_digest: Digest,
    /// Whether that SRS was an unsafe, seeded one.
    pub srs_is_unsafe: bool,
    /// Circuit size.
    pub k: u32,
    /// The circuit's configuration parameters (fixed point, dot width).
    pub circuit: CircuitParams,
    /// Public features.
    pub input_size: usize,
    /// Public outputs.
    pub output_size: usize,
    /// Weights and biases of the model.
    pub parameter_count: usize,
    /// Inferences per proof (1, or the batch size).
    pub batch_size: usize,
}

/// A decoded envelope: metadata and the two payloads.
struct Envelope<'a> {
    meta: KeyFile,
    params: &'a [u8],
    key: &'a [u8],
}

impl KeyFile {
    /// The library's verifying key for the halo2 key `vk` decoded from this file.
    fn verifying_key(
        &self,
        vk: plonk::VerifyingKey<G1Affine>,
        params: ParamsKZG<Bn256>,
    ) -> VerifyingKey {
        VerifyingKey {
            vk: Arc::new(vk),
            params: Arc::new(params),
            fixed_point: self.circuit.fixed_point,
            input_size: self.input_size,
            output_size: self.output_size,
            visibility: self.circuit.visibility,
            parameter_count: self.parameter_count,
            batch_size: self.batch_size,
            srs_is_unsafe: self.srs_is_unsafe,
        }
    }

    /// Encodes `pk` (its model digest is computed from its compiled model).
    pub fn encode_proving_key(pk: &ProvingKey) -> Vec<u8> {
        let mut key = Vec::new();
        pk.pk
            .write(&mut key, SerdeFormat::RawBytes)
            .expect("writing to a Vec cannot fail");
        let compiled = CompiledFile::new(pk.model().clone());
        encode(KeyKind::Proving, pk.verifying_key(), &compiled, &key)
    }

    /// Encodes `vk`, made for `compiled`.
    pub fn encode_verifying_key(vk: &VerifyingKey, compiled: &CompiledFile) -> Vec<u8> {
        let mut key = Vec::new();
        vk.vk
            .write(&mut key, SerdeFormat::RawBytes)
            .expect("writing to a Vec cannot fail");
        encode(KeyKind::Verifying, vk, compiled, &key)
    }

    /// Reads only the metadata of a key file of either kind (checksum included).
    ///
    /// # Errors
    /// As [`KeyFile::decode_verifying_key`], for the envelope.
    pub fn decode_header(bytes: &[u8]) -> Result<Self, ArtifactError> {
        Ok(envelope(bytes, None)?.meta)
    }

    /// Decodes a verifying-key file.
    ///
    /// # Errors
    /// [`ArtifactError::Empty`], [`ArtifactError::WrongKind`],
    /// [`ArtifactError::UnsupportedVersion`], [`ArtifactError::Truncated`],
    /// [`ArtifactError::Corrupted`] (checksum) or [`ArtifactError::Malformed`] (halo2
    /// rejected the contents).
    pub fn decode_verifying_key(bytes: &[u8]) -> Result<(Self, VerifyingKey), ArtifactError> {
        let kind = KeyKind::Verifying;
        let env = envelope(bytes, Some(kind))?;
        let params = decode_params(&env)?;
        let meta = env.meta.clone();
        let vk = guarded(
            kind,
            |reader| {
                plonk::VerifyingKey::<G1Affine>::read::<_, MlpCircuit>(
                    reader,
                    SerdeFormat::RawBytes,
                    meta.circuit,
                )
            },
            env.key,
        )?;
        Ok((env.meta, meta.verifying_key(vk, params)))
    }

    /// Decodes a proving-key file made for `compiled`.
    ///
    /// # Errors
    /// [`ArtifactError::ModelMismatch`] if the key was made for another model,
    /// [`ArtifactError::Malformed`] if it was made for another plan of this model (limb width,
    /// dot width or `k`, e.g. by an earlier planner), otherwise as
    /// [`KeyFile::decode_verifying_key`].
    pub fn decode_proving_key(
        bytes: &[u8],
        compiled: &CompiledFile,
    ) -> Result<(Self, ProvingKey), ArtifactError> {
        let kind = KeyKind::Proving;
        let env = envelope(bytes, Some(kind))?;
        env.meta
            .check_model(compiled.digest, ArtifactKind::Compiled)?;
        // The same model may be planned differently by another version of the planner
        // (e.g. 12-bit range limbs for a batch): the key must be for this plan.
        let planned = CircuitParams::of(compiled.compiled.layout());
        if env.meta.circuit != planned || env.meta.k != compiled.compiled.k() {
            return Err(ArtifactError::Malformed {
                kind: kind.artifact(),
                detail: format!(
                    "the key was made for circuit {:?} at k = {}, the compiled model plans {:?} at k = {}: regenerate the key",
                    env.meta.circuit,
                    env.meta.k,
                    planned,
                    compiled.compiled.k()
                ),
            });
        }
        let params = decode_params(&env)?;
        let meta = env.meta.clone();
        let pk = guarded(
            kind,
            |reader| {
                plonk::ProvingKey::<G1Affine>::read::<_, MlpCircuit>(
                    reader,
                    SerdeFormat::RawBytes,
                    meta.circuit,
                )
            },
            env.key,
        )?;
        let vk = meta.verifying_key(pk.get_vk().clone(), params);
        let pk = ProvingKey {
            pk: Arc::new(pk),
            model: compiled.compiled.clone(),
            vk,
        };
        Ok((env.meta, pk))
    }

    /// Reads a verifying-key file.
    ///
    /// # Errors
    /// [`ArtifactError::Io`], then as [`KeyFile::decode_verifying_key`].
    pub fn read_verifying_key(path: &Path) -> Result<(Self, VerifyingKey), ArtifactError> {
        Self::decode_verifying_key(&read_bytes(path)?)
    }

    /// Reads a proving-key file made for `compiled`.
    ///
    /// # Errors
    /// [`ArtifactError::Io`], then as [`KeyFile::decode_proving_key`].
    pub fn read_proving_key(
        path: &Path,
        compiled: &CompiledFile,
    ) -> Result<(Self, ProvingKey), ArtifactError> {
        Self::decode_proving_key(&read_bytes(path)?, compiled)
    }

    /// Checks that this key was made for the model with digest `digest`, held by `other`.
    ///
    /// # Errors
    /// [`ArtifactError::ModelMismatch`] naming both digests.
    pub fn check_model(&self, digest: Digest, other: ArtifactKind) -> Result<(), ArtifactError> {
        if self.model_digest == digest {
            return Ok(());
        }
        Err(ArtifactError::ModelMismatch {
            left: self.kind.artifact(),
            left_digest: self.model_digest,
            right: other,
            right_digest: digest,
        })
    }

    /// Checks that this key was made from `srs` (the same ceremony, cut to the same `k`).
    ///
    /// # Errors
    /// [`ArtifactError::SrsMismatch`] naming both digests; [`ArtifactError::Malformed`] if
    /// the SRS is smaller than the key's circuit.
    pub fn check_srs(&self, srs: &Srs) -> Result<(), ArtifactError> {
        let digest = Digest(
            srs.digest_at(self.k)
                .map_err(|e| ArtifactError::Malformed {
                    kind: self.kind.artifact(),
                    detail: e.to_string(),
                })?,
        );
        if digest == self.srs_digest {
            return Ok(());
        }
        Err(ArtifactError::SrsMismatch {
            left: self.kind.artifact().to_string(),
            left_digest: self.srs_digest,
            right: "SRS given".into(),
            right_digest: digest,
        })
    }
}

/// Bit 0 of header byte 13: the key was made from an unsafe (seeded) SRS.
const UNSAFE_FLAG: u8 = 0x01;

/// Bit 1 of header byte 13: the public values are copied to the instance column
/// (`MlpLayout::public_copies`).
const PUBLIC_COPIES_FLAG: u8 = 0x02;

/// Bit 7 of header byte 15: some layer is checked by Freivalds (`chips::freivalds`).
const FREIVALDS_BIT: u8 = 0x80;

/// Bits 4 to 6 of header byte 15: range columns minus one (`zkmlp_circuits::layout::lanes`).
const RANGE_LANES_BITS: u8 = 0x70;

/// Byte 15 of the header: `0` for the default 8-bit limbs, so that files written before wide
/// limbs keep their meaning, otherwise the width (`1`: one-bit limbs checked by a gate, no
/// lookup; at most 12, bits 0 to 3); plus the range columns minus one in bits 4 to 6 (`0` for
/// one column, as every file before split range lanes), plus [`FREIVALDS_BIT`].
fn limb_byte(circuit: &CircuitParams) -> u8 {
    let width = if circuit.limb_bits == zkmlp_circuits::chips::LIMB_BITS {
        0
    } else {
        u8::try_from(circuit.limb_bits).expect("limb widths are at most 12")
    };
    let lanes = u8::try_from(circuit.range_lanes - 1).expect("at most MAX_RANGE_LANES columns");
    width | (lanes << 4) | if circuit.freivalds { FREIVALDS_BIT } else { 0 }
}

/// The limb width a header byte 15 stands for (see [`limb_byte`]).
fn limb_bits_of(byte: u8) -> u32 {
    match byte & !(FREIVALDS_BIT | RANGE_LANES_BITS) {
        0 => zkmlp_circuits::chips::LIMB_BITS,
        width => u32::from(width),
    }
}

/// The range columns a header byte 15 stands for (see [`limb_byte`]).
fn range_lanes_of(byte: u8) -> usize {
    usize::from((byte & RANGE_LANES_BITS) >> 4) + 1
}

fn encode(kind: KeyKind, vk: &VerifyingKey, compiled: &CompiledFile, key: &[u8]) -> Vec<u8> {
    let circuit = CircuitParams::of(compiled.compiled.layout());
    let params = params_to_bytes(&vk.params);
    let mut out = Vec::with_capacity(HEADER_LEN + 16 + params.len() + key.len() + CHECKSUM_LEN);
    out.extend_from_slice(KEY_MAGIC);
    out.extend_from_slice(&KEY_FORMAT_VERSION.to_le_bytes());
    out.push(kind.byte());
    out.push(
        u8::from(vk.srs_is_unsafe)
            | if circuit.public_copies {
                PUBLIC_COPIES_FLAG
            } else {
                0
            },
    );
    out.push(visibility_byte(&circuit.visibility));
    out.push(limb_byte(&circuit));
    out.extend_from_slice(&compiled.digest.0);
    out.extend_from_slice(&Digest::of(&params).0);
    for value in [
        vk.k(),
        circuit.fixed_point.scale_bits,
        circuit.fixed_point.activation_bits,
        u32::try_from(circuit.dot_width).expect("the dot width is small"),
        u32::try_from(vk.input_size).expect("layer widths fit in u32"),
        u32::try_from(vk.output_size).expect("layer widths fit in u32"),
        circuit.weight_bits,
        circuit.bias_bits,
        u32::try_from(vk.parameter_count).expect("parameter counts fit in u32"),
        u32::try_from(vk.batch_size).expect("batch sizes fit in u32"),
    ] {
        out.extend_from_slice(&value.to_le_bytes());
    }
    for payload in [&params[..], key] {
        out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        out.extend_from_slice(payload);
    }
    let checksum = Digest::of(&out);
    out.extend_from_slice(&checksum.0);
    out
}

/// Visibility codes: inputs and weights use the first four (2 bits), outputs all five (3 bits).
const VISIBILITIES: [Visibility; 5] = [
    Visibility::Public,
    Visibility::Private,
    Visibility::Hashed,
    Visibility::Fixed,
    Visibility::Folded,
];

fn visibility_byte(v: &VisibilitySettings) -> u8 {
    let code = |x: Visibility| VISIBILITIES.iter().position(|&y| y == x).expect("listed") as u8;
    code(v.inputs) | code(v.weights) << 2 | code(v.outputs) << 4
}

/// The visibility encoded in `byte`, or `None` for an unknown code or a set bit 7.
fn visibility_of(byte: u8) -> Option<VisibilitySettings> {
    let part = |shift: u8, mask: u8| {
        VISIBILITIES
            .get(usize::from((byte >> shift) & mask))
            .copied()
    };
    if byte & 0x80 != 0 {
        return None;
    }
    Some(VisibilitySettings {
        inputs: part(0, 3)?,
        weights: part(2, 3)?,
        outputs: part(4, 7)?,
    })
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"))
}

fn envelope(bytes: &[u8], expected: Option<KeyKind>) -> Result<Envelope<'_>, ArtifactError> {
    let kind = expected.unwrap_or(KeyKind::Verifying).artifact();
    if bytes.is_empty() {
        return Err(ArtifactError::Empty { kind });
    }
    if !bytes.starts_with(KEY_MAGIC) {
        let found = (bytes.trim_ascii_start().first() == Some(&b'{')).then(|| {
            if bytes.windows(11).any(|w| w == b"zkmlp-proof") {
                ArtifactKind::Proof
            } else {
                ArtifactKind::Compiled
            }
        });
        return Err(ArtifactError::WrongKind {
            expected: kind,
            found,
        });
    }
    let truncated = |needed: usize| ArtifactError::Truncated {
        kind,
        needed: needed as u64,
        got: bytes.len() as u64,
    };
    if bytes.len() < HEADER_LEN + 8 {
        return Err(truncated(HEADER_LEN + 8));
    }
    let version = u32_at(bytes, 8);
    if version != KEY_FORMAT_VERSION {
        return Err(ArtifactError::UnsupportedVersion {
            kind,
            found: version.into(),
            supported: KEY_FORMAT_VERSION,
        });
    }
    let found_kind = match bytes[12] {
        1 => KeyKind::Proving,
        2 => KeyKind::Verifying,
        other => {
            return Err(ArtifactError::Malformed {
                kind,
                detail: format!("unknown key kind {other}"),
            })
        }
    };
    if let Some(expected) = expected.filter(|&e| e != found_kind) {
        return Err(ArtifactError::WrongKind {
            expected: expected.artifact(),
            found: Some(found_kind.artifact()),
        });
    }
    let kind = found_kind.artifact();
    let truncated = |needed: u64| ArtifactError::Truncated {
        kind,
        needed,
        got: bytes.len() as u64,
    };
    // Walk the two length-prefixed payloads without trusting the lengths.
    let mut at = HEADER_LEN as u64;
    let mut payloads = [0..0, 0..0];
    for payload in &mut payloads {
        let len_end = at + 8;
        if (bytes.len() as u64) < len_end {
            return Err(truncated(len_end + CHECKSUM_LEN as u64));
        }
        let len = u64::from_le_bytes(bytes[at as usize..len_end as usize].try_into().expect("8"));
        let end = len_end.saturating_add(len);
        if (bytes.len() as u64) < end.saturating_add(CHECKSUM_LEN as u64) {
            return Err(truncated(end.saturating_add(CHECKSUM_LEN as u64)));
        }
        *payload = len_end as usize..end as usize;
        at = end;
    }
    let body_end = at as usize;
    if bytes.len() != body_end + CHECKSUM_LEN {
        return Err(ArtifactError::Corrupted {
            kind,
            detail: format!(
                "{} unexpected bytes after the checksum",
                bytes.len() - body_end - CHECKSUM_LEN
            ),
        });
    }
    let recorded = &bytes[body_end..];
    let actual = Digest::of(&bytes[..body_end]);
    if actual.0[..] != *recorded {
        return Err(ArtifactError::Corrupted {
            kind,
            detail: format!(
                "checksum {} does not match its contents ({actual})",
                hex::encode(recorded)
            ),
        });
    }
    let digest_at = |at: usize| Digest(bytes[at..at + 32].try_into().expect("32 bytes"));
    let Some(visibility) = visibility_of(bytes[14]) else {
        return Err(ArtifactError::Malformed {
            kind,
            detail: format!("unknown visibility byte {:#04x}", bytes[14]),
        });
    };
    let meta = KeyFile {
        kind: found_kind,
        srs_is_unsafe: bytes[13] & UNSAFE_FLAG != 0,
        model_digest: digest_at(16),
        srs_digest: digest_at(48),
        k: u32_at(bytes, 80),
        circuit: CircuitParams {
            fixed_point: MlpParams {
                scale_bits: u32_at(bytes, 84),
                activation_bits: u32_at(bytes, 88),
            },
            dot_width: u32_at(bytes, 92) as usize,
            visibility,
            weight_bits: u32_at(bytes, 104),
            bias_bits: u32_at(bytes, 108),
            limb_bits: limb_bits_of(bytes[15]),
            freivalds: bytes[15] & FREIVALDS_BIT != 0,
            range_lanes: range_lanes_of(bytes[15]),
            public_copies: bytes[13] & PUBLIC_COPIES_FLAG != 0,
        },
        input_size: u32_at(bytes, 96) as usize,
        output_size: u32_at(bytes, 100) as usize,
        parameter_count: u32_at(bytes, 112) as usize,
        batch_size: u32_at(bytes, 116) as usize,
    };
    let malformed = |detail: String| ArtifactError::Malformed { kind, detail };
    if bytes[13] & !(UNSAFE_FLAG | PUBLIC_COPIES_FLAG) != 0 {
        return Err(malformed(format!("unknown flags {:#04x}", bytes[13])));
    }
    meta.circuit
        .fixed_point
        .validate()
        .map_err(|e| malformed(e.to_string()))?;
    if !(1..=zkmlp_circuits::chips::dot::MAX_DOT_WIDTH).contains(&meta.circuit.dot_width) {
        return Err(malformed(format!("dot width {}", meta.circuit.dot_width)));
    }
    meta.circuit
        .visibility
        .validate()
        .map_err(|e| malformed(e.to_string()))?;
    let bits_ok = |bits: u32| bits == 0 || (2..=64).contains(&bits);
    let witnessed = meta.circuit.visibility.weights_are_witnessed();
    // a split range lane (more than one range column) is lookup-checked only
    let split_bits = meta.circuit.range_lanes > 1 && meta.circuit.limb_bits == 1;
    if !(1..=zkmlp_circuits::chips::MAX_LIMB_BITS).contains(&meta.circuit.limb_bits)
        || split_bits
        || limb_byte(&meta.circuit) != bytes[15]
        || !bits_ok(meta.circuit.weight_bits)
        || !bits_ok(meta.circuit.bias_bits)
        || witnessed != (meta.circuit.weight_bits != 0 && meta.circuit.bias_bits != 0)
    {
        return Err(malformed(format!(
            "visibility byte {:#04x}, limb byte {}, weight bits {}, bias bits {}",
            bytes[14], bytes[15], meta.circuit.weight_bits, meta.circuit.bias_bits
        )));
    }
    if meta.k > MAX_K {
        return Err(malformed(format!("k = {} exceeds {MAX_K}", meta.k)));
    }
    let n = meta.batch_size;
    if n == 0 || !meta.input_size.is_multiple_of(n) || !meta.output_size.is_multiple_of(n) {
        return Err(malformed(format!(
            "batch size {n} does not divide {} inputs and {} outputs",
            meta.input_size, meta.output_size
        )));
    }
    let [params, key] = payloads;
    let (params, key) = (&bytes[params], &bytes[key]);
    // halo2's key encoding starts with a version byte and k: check k before halo2 allocates.
    if key.len() < 5 || u32_at(key, 1) != meta.k {
        return Err(malformed(format!(
            "the halo2 key is not for k = {}",
            meta.k
        )));
    }
    if Digest::of(params) != meta.srs_digest {
        return Err(ArtifactError::Corrupted {
            kind,
            detail: "the embedded SRS does not match its digest".into(),
        });
    }
    Ok(Envelope { meta, params, key })
}

fn decode_params(env: &Envelope<'_>) -> Result<ParamsKZG<Bn256>, ArtifactError> {
    let kind = env.meta.kind.artifact();
    // Checked when the key was made; the checksum covers it since: decode only.
    let params = Srs::decode_trusted(env.params).map_err(|e| ArtifactError::Malformed {
        kind,
        detail: e.to_string(),
    })?;
    if params.k() != env.meta.k {
        return Err(ArtifactError::Malformed {
            kind,
            detail: format!(
                "the embedded SRS has k = {}, the key k = {}",
                params.k(),
                env.meta.k
            ),
        });
    }
    Ok(params)
}

/// Runs a halo2 decoder on `bytes` behind a panic guard, requires it to read them all, and
/// maps its failure.
fn guarded<T>(
    kind: KeyKind,
    decode: impl FnOnce(&mut &[u8]) -> std::io::Result<T>,
    bytes: &[u8],
) -> Result<T, ArtifactError> {
    let kind = kind.artifact();
    let malformed = |detail: String| ArtifactError::Malformed { kind, detail };
    let mut reader = bytes;
    match catch_unwind(AssertUnwindSafe(|| decode(&mut reader))) {
        Ok(Ok(_)) if !reader.is_empty() => Err(malformed(format!(
            "{} bytes left after the halo2 key",
            reader.len()
        ))),
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(malformed(format!("halo2 rejected the key: {e}"))),
        Err(_) => Err(malformed(
            "halo2's key decoder panicked on the contents".into(),
        )),
    }
}
