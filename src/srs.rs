//! The KZG structured reference string (SRS): generation, files, and powers-of-tau import.
//!
//! KZG is only as sound as its setup: whoever knows the secret `tau` behind an SRS can forge
//! proofs. [`Srs::unsafe_setup_for_testing`] derives `tau` from a public seed, so anyone can
//! forge proofs against it: it is for tests and examples only, and it stays marked unsafe
//! when written to a file. Production deployments load the output of a public ceremony:
//! [`Srs::from_ptau`] reads the snarkjs `.ptau` files of the Perpetual Powers of Tau.
//!
//! # Files
//!
//! An SRS file is halo2's own `ParamsKZG` encoding (`write_custom` with raw, Montgomery-form
//! points: `k` as `u32` LE, `2^k` monomial G1 points, `2^k` Lagrange G1 points, `g2`, `s_g2`),
//! readable by any halo2 tool. A seeded setup is followed by the [`UNSAFE_MARKER`] trailer,
//! which halo2's reader ignores and ours turns back into [`Srs::is_unsafe`]. The marker
//! guards against accidents, not adversaries: anyone can strip it.
//!
//! # Validated once, where it enters
//!
//! An SRS is checked when it enters: [`Srs::read_file`] and [`Srs::from_bytes`] check every
//! point read to be on its curve, the powers with a pairing (`srs::check`: `G2` and `[tau] G2`
//! against the G1 powers, as for `.ptau` files), and the Lagrange points against the powers
//! with a random linear combination (no group FFT). [`Srs::read_file`] with a circuit size
//! `k` reads only the `2^k` powers that size needs ([`file`]), so the cost of a setup
//! follows the circuit, not the file. Keys embed the SRS cut to their `k` behind a checksum
//! and decode it without these checks (halo2's decoding only): it was checked when the key
//! was made.
//!
//! # Digests
//!
//! [`Srs::digest_at`] is the SHA-256 of the SRS cut to one circuit size: it does not depend
//! on which file (a `.ptau` of any power, a halo2 file of any `k`) the same ceremony came
//! from, so keys record it to name the setup they were made from.

mod check;
mod file;
mod lagrange;
pub mod ptau;
mod seeded;

use std::{
    fs,
    io::{self, Read},
    path::Path,
};

use halo2_proofs::{
    halo2curves::bn256::{Bn256, G1Affine, G2Affine},
    poly::{commitment::Params, kzg::commitment::ParamsKZG},
    SerdeFormat,
};
use sha2::{Digest as _, Sha256};

use crate::error::{Error, Result};

pub use ptau::{PtauError, PtauHeader};

/// Trailer appended to the file of a seeded, unsafe SRS.
pub const UNSAFE_MARKER: &[u8] = b"\nzkmlp: UNSAFE seeded test SRS; anyone can forge proofs\n";

/// Largest `k` an SRS file may claim (BN254's scalar field has 2-adicity 28).
pub const MAX_K: u32 = 28;

/// Bytes of a G1 point in halo2's raw encoding.
const G1_RAW: usize = 64;
/// Bytes of a G2 point in halo2's raw encoding.
const G2_RAW: usize = 128;

/// A SHA-256 digest.
pub type Sha256Digest = [u8; 32];

/// SHA-256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> Sha256Digest {
    Sha256::digest(bytes).into()
}

/// SHA-256 of a file, streamed.
///
/// # Errors
/// The I/O error of opening or reading `path`.
pub fn sha256_file(path: &Path) -> io::Result<Sha256Digest> {
    let mut file = fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let read = file.read(&mut buffer)?;
        if read == 0 {
            return Ok(hasher.finalize().into());
        }
        hasher.update(&buffer[..read]);
    }
}

/// Why an SRS file cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum SrsError {
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        source: io::Error,
    },
    /// The bytes are not a halo2 `ParamsKZG` encoding.
    #[error("not a halo2 KZG parameters file: {0}")]
    Malformed(String),
    /// The `.ptau` file is malformed or unsupported.
    #[error(transparent)]
    Ptau(#[from] PtauError),
    /// The file has fewer powers than the circuit needs.
    #[error("the SRS supports circuits up to k = {srs_k}, this one needs k = {needed_k}")]
    TooSmall {
        /// The file's `k`.
        srs_k: u32,
        /// The `k` asked for.
        needed_k: u32,
    },
    /// The points are valid curve points but not one powers-of-tau sequence (the pairing
    /// check or the Lagrange check failed: a tampered or corrupted file).
    #[error("the SRS points are not a powers-of-tau sequence: {0}")]
    NotPowersOfTau(&'static str),
}

/// A KZG SRS over BN254, with a record of whether it is safe to trust.
#[derive(Clone, Debug)]
pub struct Srs {
    params: ParamsKZG<Bn256>,
    unsafe_for_production: bool,
}

impl Srs {
    /// **Unsafe, for testing**: an SRS for circuits up to `2^k` rows whose secret is derived
    /// from `seed`. Anyone who knows the seed can forge proofs. Never use it in production.
    ///
    /// The points are those of halo2's `ParamsKZG::setup` with `ChaCha20Rng::seed_from_u64(seed)`,
    /// computed by parallel fixed-base multiplication (see `seeded`'s module docs).
    ///
    /// # Panics
    /// If `k` exceeds [`MAX_K`].
    pub fn unsafe_setup_for_testing(k: u32, seed: u64) -> Self {
        Self {
            params: seeded::seeded_params(k, seed),
            unsafe_for_production: true,
        }
    }

    /// **UNSAFE, for tests and benchmarks**: a snarkjs `.ptau` file of `2^power` powers
    /// (sections 1 to 3, and with `prepared` the Lagrange section 12 of a file prepared for
    /// phase 2) whose secret is derived from `seed`, as for [`Srs::unsafe_setup_for_testing`].
    /// Anyone who knows the seed can forge proofs, and nothing in a `.ptau` file can mark it
    /// unsafe: never publish one.
    ///
    /// # Panics
    /// If `power` exceeds [`MAX_K`] - 1.
    pub fn unsafe_ptau_for_testing(power: u32, seed: u64, prepared: bool) -> Vec<u8> {
        assert!(power < MAX_K, "power {power} exceeds {}", MAX_K - 1);
        seeded::seeded_ptau(power, seed, prepared)
    }

    /// Wraps parameters obtained from a trusted ceremony.
    pub fn from_trusted_params(params: ParamsKZG<Bn256>) -> Self {
        Self {
            params,
            unsafe_for_production: false,
        }
    }

    /// Reads a snarkjs `.ptau` file (any phase, e.g. `powersOfTau28_hez_final_*.ptau`) and
    /// converts its first `2^k` powers into halo2 parameters; `k = None` takes all of them.
    /// Only the points needed are read, and they are checked to be powers of one secret
    /// (see [`ptau`]'s docs).
    ///
    /// # Errors
    /// [`SrsError::Io`] if the file cannot be read, [`SrsError::Ptau`] if it is malformed,
    /// not over BN254, smaller than `2^k` or not a consistent powers-of-tau sequence.
    pub fn from_ptau(path: &Path, k: Option<u32>) -> Result<Self, SrsError> {
        let io = |source| SrsError::Io {
            path: path.display().to_string(),
            source,
        };
        let mut file = io::BufReader::new(fs::File::open(path).map_err(io)?);
        let params = ptau::read_ptau(&mut file, k)?;
        Ok(Self::from_trusted_params(params))
    }

    /// The header of a `.ptau` file (its power), without reading its points.
    ///
    /// # Errors
    /// [`SrsError::Io`] or [`SrsError::Ptau`] as for [`Srs::from_ptau`].
    pub fn ptau_header(path: &Path) -> Result<PtauHeader, SrsError> {
        let io = |source| SrsError::Io {
            path: path.display().to_string(),
            source,
        };
        let mut file = io::BufReader::new(fs::File::open(path).map_err(io)?);
        Ok(ptau::read_header(&mut file)?)
    }

    /// Whether the file at `path` starts with the `.ptau` magic.
    pub fn is_ptau_file(path: &Path) -> bool {
        let mut magic = [0u8; 4];
        fs::File::open(path)
            .and_then(|mut f| f.read_exact(&mut magic))
            .is_ok()
            && magic == *ptau::MAGIC
    }

    /// Decodes and checks a whole SRS file (see the module docs).
    ///
    /// # Errors
    /// [`SrsError::Malformed`] if the bytes are not exactly a halo2 parameter encoding,
    /// optionally followed by [`UNSAFE_MARKER`], or if a point is off its curve;
    /// [`SrsError::NotPowersOfTau`] if the pairing check or the Lagrange check fails.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SrsError> {
        Self::from_parts(file::read_parts(&mut io::Cursor::new(bytes), None)?)
    }

    /// Reads an SRS file: halo2 parameters, or a `.ptau` file (recognized by its magic).
    /// Given `k`, only what a circuit of `2^k` rows needs is read and checked, and the SRS
    /// returned has exactly that size; without it, the whole file.
    ///
    /// # Errors
    /// As [`Srs::from_bytes`] and [`Srs::from_ptau`]; [`SrsError::TooSmall`] if a halo2 file
    /// is smaller than `k`.
    pub fn read_file(path: &Path, k: Option<u32>) -> Result<Self, SrsError> {
        let io = |source| SrsError::Io {
            path: path.display().to_string(),
            source,
        };
        if Self::is_ptau_file(path) {
            return Self::from_ptau(path, k);
        }
        let mut reader = io::BufReader::new(fs::File::open(path).map_err(io)?);
        Self::from_parts(file::read_parts(&mut reader, k)?)
    }

    /// The `k` of a halo2 SRS file and whether it is marked unsafe, from its length and
    /// trailer only (no point is read or checked).
    ///
    /// # Errors
    /// [`SrsError::Io`], or [`SrsError::Malformed`] if the length does not fit the `k` field.
    pub fn file_header(path: &Path) -> Result<(u32, bool), SrsError> {
        let io = |source| SrsError::Io {
            path: path.display().to_string(),
            source,
        };
        file::read_header(&mut io::BufReader::new(fs::File::open(path).map_err(io)?))
    }

    fn from_parts(parts: file::Parts) -> Result<Self, SrsError> {
        let params = match parts.lagrange {
            Some(lagrange) => assemble(parts.k, parts.g, lagrange, parts.g2, parts.s_g2),
            None => params_from_powers(parts.g, parts.g2, parts.s_g2),
        };
        Ok(Self {
            params,
            unsafe_for_production: parts.marked_unsafe,
        })
    }

    /// Decodes parameters embedded in a key file, whose checksum the caller has checked:
    /// halo2's raw decoding (coordinates in range) and the length, nothing more. The SRS was
    /// checked when the key was made from it.
    ///
    /// # Errors
    /// [`SrsError::Malformed`] if the bytes are not exactly a halo2 parameter encoding.
    pub(crate) fn decode_trusted(bytes: &[u8]) -> Result<ParamsKZG<Bn256>, SrsError> {
        let malformed = |m: String| SrsError::Malformed(m);
        let k = bytes
            .get(..4)
            .map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes")))
            .ok_or_else(|| malformed(format!("{} bytes is too short", bytes.len())))?;
        if k > MAX_K || bytes.len() != params_len(k) {
            return Err(malformed(format!(
                "{} bytes is not the encoding of parameters of size k = {k}",
                bytes.len()
            )));
        }
        ParamsKZG::<Bn256>::read_custom(&mut &bytes[..], SerdeFormat::RawBytes)
            .map_err(|e| malformed(e.to_string()))
    }

    /// The file encoding: halo2's parameters, then [`UNSAFE_MARKER`] if unsafe.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = params_to_bytes(&self.params);
        if self.unsafe_for_production {
            bytes.extend_from_slice(UNSAFE_MARKER);
        }
        bytes
    }

    /// Whether this SRS came from an unsafe, seeded setup.
    pub fn is_unsafe(&self) -> bool {
        self.unsafe_for_production
    }

    /// The largest `k` this SRS supports.
    pub fn k(&self) -> u32 {
        self.params.k()
    }

    /// The parameters cut down to exactly `2^k` rows.
    ///
    /// # Errors
    /// [`Error::SrsTooSmall`] if `k` exceeds [`Srs::k`].
    pub fn for_k(&self, k: u32) -> Result<ParamsKZG<Bn256>> {
        if k > self.k() {
            return Err(Error::SrsTooSmall {
                srs_k: self.k(),
                needed_k: k,
            });
        }
        if k == self.k() {
            return Ok(self.params.clone());
        }
        // The first 2^k powers, with the Lagrange points of size 2^k (an FFT of that size).
        use halo2_proofs::poly::commitment::ParamsProver;
        let g = self.params.get_g()[..1 << k].to_vec();
        Ok(params_from_powers(g, self.params.g2(), self.params.s_g2()))
    }

    /// This SRS cut to `k` rows, as an SRS (keeping its unsafe mark).
    ///
    /// # Errors
    /// [`Error::SrsTooSmall`] if `k` exceeds [`Srs::k`].
    pub fn downsized(&self, k: u32) -> Result<Self> {
        Ok(Self {
            params: self.for_k(k)?,
            unsafe_for_production: self.unsafe_for_production,
        })
    }

    /// SHA-256 of the parameters cut to `k` rows (see the module docs).
    ///
    /// # Errors
    /// [`Error::SrsTooSmall`] if `k` exceeds [`Srs::k`].
    pub fn digest_at(&self, k: u32) -> Result<Sha256Digest> {
        Ok(sha256(&params_to_bytes(&self.for_k(k)?)))
    }

    /// The underlying parameters.
    pub fn params(&self) -> &ParamsKZG<Bn256> {
        &self.params
    }
}

/// halo2's raw encoding of `params`.
pub fn params_to_bytes(params: &ParamsKZG<Bn256>) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(params_len(params.k()));
    params
        .write_custom(&mut bytes, SerdeFormat::RawBytes)
        .expect("writing to a Vec cannot fail");
    bytes
}

/// Length of halo2's raw encoding of parameters of size `k`.
pub fn params_len(k: u32) -> usize {
    4 + 2 * (1usize << k) * G1_RAW + 2 * G2_RAW
}

/// Parameters from their parts, without checks or computation.
pub(crate) fn assemble(
    k: u32,
    g: Vec<G1Affine>,
    g_lagrange: Vec<G1Affine>,
    g2: G2Affine,
    s_g2: G2Affine,
) -> ParamsKZG<Bn256> {
    debug_assert!(g.len() == 1 << k && g_lagrange.len() == 1 << k);
    // `from_parts` is a method: any parameters serve as its receiver, here all-zero ones of
    // size 1 (read unchecked, never used).
    let template = ParamsKZG::<Bn256>::read_custom(&mut &[0u8; 4 + 2 * G1_RAW + 2 * G2_RAW][..], {
        SerdeFormat::RawBytesUnchecked
    })
    .expect("a well-formed encoding reads back");
    template.from_parts(k, g, Some(g_lagrange), g2, s_g2)
}

/// Parameters from `g = [tau^i] G1` (`2^k` points), `g2 = G2` and `s_g2 = [tau] G2`, with the
/// Lagrange points computed by an inverse FFT of size `2^k` (the points of halo2's
/// `g_to_lagrange`, faster: see `lagrange`).
pub(crate) fn params_from_powers(
    g: Vec<G1Affine>,
    g2: G2Affine,
    s_g2: G2Affine,
) -> ParamsKZG<Bn256> {
    let k = g.len().trailing_zeros();
    let lagrange = lagrange::g_to_lagrange(&g);
    assemble(k, g, lagrange, g2, s_g2)
}
