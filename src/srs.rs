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
//! # Digests
//!
//! [`Srs::digest_at`] is the SHA-256 of the SRS cut to one circuit size: it does not depend
//! on which file (a `.ptau` of any power, a halo2 file of any `k`) the same ceremony came
//! from, so keys record it to name the setup they were made from.

pub mod ptau;

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
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
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
    pub fn unsafe_setup_for_testing(k: u32, seed: u64) -> Self {
        let rng = ChaCha20Rng::seed_from_u64(seed);
        Self {
            params: ParamsKZG::setup(k, rng),
            unsafe_for_production: true,
        }
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

    /// Decodes an SRS file (see the module docs).
    ///
    /// # Errors
    /// [`SrsError::Malformed`] if the bytes are not exactly a halo2 parameter encoding,
    /// optionally followed by [`UNSAFE_MARKER`], if a point is off the curve, or if the
    /// Lagrange points are not those of the monomial points.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SrsError> {
        let malformed = |m: String| SrsError::Malformed(m);
        let k_bytes: [u8; 4] = bytes
            .get(..4)
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| malformed(format!("{} bytes is too short", bytes.len())))?;
        let k = u32::from_le_bytes(k_bytes);
        if k > MAX_K {
            return Err(malformed(format!("k = {k} exceeds {MAX_K}")));
        }
        let expected = params_len(k);
        let unsafe_for_production = match bytes.len() {
            n if n == expected => false,
            n if n == expected + UNSAFE_MARKER.len() && bytes[expected..] == *UNSAFE_MARKER => true,
            n => {
                let marked = expected + UNSAFE_MARKER.len();
                return Err(malformed(format!(
                    "k = {k} needs {expected} bytes ({marked} if marked unsafe), the file has {n}"
                )));
            }
        };
        let mut reader = &bytes[..expected];
        let params = ParamsKZG::<Bn256>::read_custom(&mut reader, SerdeFormat::RawBytes)
            .map_err(|e| malformed(e.to_string()))?;
        check_params(&params).map_err(malformed)?;
        Ok(Self {
            params,
            unsafe_for_production,
        })
    }

    /// Reads an SRS file: halo2 parameters, or a `.ptau` file (recognized by its magic),
    /// converted down to `k` when given.
    ///
    /// # Errors
    /// As [`Srs::from_bytes`] and [`Srs::from_ptau`].
    pub fn read_file(path: &Path, k: Option<u32>) -> Result<Self, SrsError> {
        let io = |source| SrsError::Io {
            path: path.display().to_string(),
            source,
        };
        if Self::is_ptau_file(path) {
            return Self::from_ptau(path, k);
        }
        Self::from_bytes(&fs::read(path).map_err(io)?)
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
        let mut params = self.params.clone();
        if k < self.k() {
            params.downsize(k);
        }
        Ok(params)
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

/// halo2's raw reader checks coordinates but neither curve membership nor that the Lagrange
/// points belong to the monomial ones: check both, so a file is exactly one power sequence.
fn check_params(params: &ParamsKZG<Bn256>) -> std::result::Result<(), String> {
    use halo2_proofs::{halo2curves::CurveAffine, poly::commitment::ParamsProver};
    let g = params.get_g();
    if !g.iter().all(|p| bool::from(p.is_on_curve()))
        || ![params.g2(), params.s_g2()]
            .iter()
            .all(|p: &G2Affine| bool::from(p.is_on_curve()))
    {
        return Err("a point is not on the curve".into());
    }
    let rebuilt = params_from_powers(g.to_vec(), params.g2(), params.s_g2());
    if params_to_bytes(&rebuilt) != params_to_bytes(params) {
        return Err("the Lagrange points do not match the monomial points".into());
    }
    Ok(())
}

/// Parameters from `g = [tau^i] G1` (`2^k` points), `g2 = G2` and `s_g2 = [tau] G2`, with the
/// Lagrange points computed by an inverse FFT as `ParamsKZG::setup` does.
pub(crate) fn params_from_powers(
    g: Vec<G1Affine>,
    g2: G2Affine,
    s_g2: G2Affine,
) -> ParamsKZG<Bn256> {
    use halo2_proofs::{arithmetic::g_to_lagrange, halo2curves::group::prime::PrimeCurveAffine};
    let k = g.len().trailing_zeros();
    debug_assert_eq!(g.len(), 1 << k);
    let lagrange: Vec<G1Affine> = g_to_lagrange(g.iter().map(|p| p.to_curve()).collect(), k);
    let mut bytes = Vec::with_capacity(params_len(k));
    bytes.extend_from_slice(&k.to_le_bytes());
    for point in g.iter().chain(&lagrange) {
        halo2_proofs::SerdeCurveAffine::write(point, &mut bytes, SerdeFormat::RawBytes)
            .expect("writing to a Vec cannot fail");
    }
    for point in [g2, s_g2] {
        halo2_proofs::SerdeCurveAffine::write(&point, &mut bytes, SerdeFormat::RawBytes)
            .expect("writing to a Vec cannot fail");
    }
    ParamsKZG::read_custom(&mut bytes.as_slice(), SerdeFormat::RawBytesUnchecked)
        .expect("a well-formed encoding reads back")
}
