//! snarkjs `.ptau` files (the Perpetual Powers of Tau format) to halo2 parameters.
//!
//! A `.ptau` file is `"ptau"`, a `u32` version, a `u32` section count, then sections, each a
//! `u32` type, a `u64` byte size and the data (all little-endian). We read:
//! - section 1, the header: `n8 = 32` (`u32`), the base-field modulus `q` (`n8` bytes LE),
//!   `power` (`u32`) and, in current files, `ceremonyPower` (`u32`);
//! - section 2, `tauG1`: `2^(power+1) - 1` points `[tau^i] G1`;
//! - section 3, `tauG2`: `2^power` points `[tau^i] G2`.
//!
//! Points are affine with coordinates in Montgomery form, little-endian (an `Fq2` is `c0`
//! then `c1`): exactly halo2's raw encoding. halo2 needs `g = [tau^i] G1` for `i < 2^k`,
//! `g2 = G2` and `s_g2 = [tau] G2`; the Lagrange points are computed by an inverse FFT.
//!
//! The conversion checks that every point is on its curve, that `g[0]` and `g2` are the
//! generators, and, with random `r_i`, that `e(sum r_i g[i+1], G2) = e(sum r_i g[i], s_g2)`:
//! the points are successive powers of the secret behind `s_g2`, except with negligible
//! probability.

use std::io::{self, Read, Seek, SeekFrom};

use ff::Field;
use halo2_proofs::{
    arithmetic::best_multiexp,
    halo2curves::{
        bn256::{pairing, Bn256, Fr, G1Affine, G2Affine},
        group::{prime::PrimeCurveAffine, Curve},
        CurveAffine,
    },
    poly::kzg::commitment::ParamsKZG,
    SerdeCurveAffine, SerdeFormat,
};
use rand::rngs::OsRng;

use super::{params_from_powers, G1_RAW, G2_RAW, MAX_K};

/// The first bytes of a `.ptau` file.
pub const MAGIC: &[u8; 4] = b"ptau";

/// BN254's base-field modulus `q`, little-endian, as in the header of a bn128 `.ptau` file.
const BN254_Q_LE: [u8; 32] = {
    let be: [u8; 32] = [
        0x30, 0x64, 0x4e, 0x72, 0xe1, 0x31, 0xa0, 0x29, 0xb8, 0x50, 0x45, 0xb6, 0x81, 0x81, 0x58,
        0x5d, 0x97, 0x81, 0x6a, 0x91, 0x68, 0x71, 0xca, 0x8d, 0x3c, 0x20, 0x8c, 0x16, 0xd8, 0x7c,
        0xfd, 0x47,
    ];
    let mut le = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        le[i] = be[31 - i];
        i += 1;
    }
    le
};

/// Sections a file may declare before we call it malformed.
const MAX_SECTIONS: u32 = 1024;

/// Why a `.ptau` file cannot be converted.
#[derive(Debug, thiserror::Error)]
pub enum PtauError {
    /// Reading failed, or the file ended early.
    #[error("cannot read the .ptau file: {0}")]
    Io(#[from] io::Error),
    /// The file does not start with `ptau`.
    #[error("not a .ptau file (it starts with {0:02x?}, not \"ptau\")")]
    BadMagic([u8; 4]),
    /// The file declares an implausible layout.
    #[error("malformed .ptau file: {0}")]
    Malformed(String),
    /// A required section is absent.
    #[error("the .ptau file has no section {section} ({name})")]
    MissingSection {
        /// Section type.
        section: u32,
        /// What it holds.
        name: &'static str,
    },
    /// The ceremony is over another curve.
    #[error("the .ptau file is not over BN254 (bn128): its base field has {n8}-byte elements and another modulus")]
    WrongCurve {
        /// Bytes per base-field element in the file.
        n8: u32,
    },
    /// The ceremony has fewer powers than the circuit needs.
    #[error("the ceremony has 2^{power} powers of tau, k = {needed_k} needs 2^{needed_k}")]
    TooSmall {
        /// The file's power.
        power: u32,
        /// The requested `k`.
        needed_k: u32,
    },
    /// A point is not a valid curve point.
    #[error("point {index} of section {section} is not a valid curve point")]
    BadPoint {
        /// Section type.
        section: u32,
        /// Index in the section.
        index: usize,
    },
    /// The points are not powers of one secret starting at the generators.
    #[error("the .ptau points are not a powers-of-tau sequence: {0}")]
    Inconsistent(&'static str),
}

/// The header of a `.ptau` file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PtauHeader {
    /// The file holds `2^power` powers (`2^(power+1) - 1` in G1).
    pub power: u32,
    /// The power of the ceremony it was cut from.
    pub ceremony_power: u32,
}

/// One section's position and size.
#[derive(Clone, Copy, Debug)]
struct Section {
    start: u64,
    size: u64,
}

fn read_u32(r: &mut impl Read) -> io::Result<u32> {
    let mut b = [0u8; 4];
    r.read_exact(&mut b)?;
    Ok(u32::from_le_bytes(b))
}

fn read_u64(r: &mut impl Read) -> io::Result<u64> {
    let mut b = [0u8; 8];
    r.read_exact(&mut b)?;
    Ok(u64::from_le_bytes(b))
}

/// Reads the header of a `.ptau` file.
///
/// # Errors
/// As [`read_ptau`], for the header.
pub fn read_header<R: Read + Seek>(r: &mut R) -> Result<PtauHeader, PtauError> {
    let sections = scan(r)?;
    header(r, &sections)
}

fn scan<R: Read + Seek>(r: &mut R) -> Result<Vec<(u32, Section)>, PtauError> {
    let len = r.seek(SeekFrom::End(0))?;
    r.seek(SeekFrom::Start(0))?;
    let mut magic = [0u8; 4];
    r.read_exact(&mut magic)?;
    if magic != *MAGIC {
        return Err(PtauError::BadMagic(magic));
    }
    let version = read_u32(r)?;
    if version != 1 {
        return Err(PtauError::Malformed(format!(
            "version {version}, expected 1"
        )));
    }
    let count = read_u32(r)?;
    if count > MAX_SECTIONS {
        return Err(PtauError::Malformed(format!("{count} sections")));
    }
    let mut sections = Vec::with_capacity(count as usize);
    for _ in 0..count {
        let kind = read_u32(r)?;
        let size = read_u64(r)?;
        let start = r.stream_position()?;
        if start.checked_add(size).is_none_or(|end| end > len) {
            return Err(PtauError::Malformed(format!(
                "section {kind} of {size} bytes runs past the end of the file"
            )));
        }
        sections.push((kind, Section { start, size }));
        r.seek(SeekFrom::Start(start + size))?;
    }
    Ok(sections)
}

fn unique(
    sections: &[(u32, Section)],
    section: u32,
    name: &'static str,
) -> Result<Section, PtauError> {
    let mut found = sections.iter().filter(|(kind, _)| *kind == section);
    let first = found
        .next()
        .ok_or(PtauError::MissingSection { section, name })?;
    if found.next().is_some() {
        return Err(PtauError::Malformed(format!(
            "section {section} appears twice"
        )));
    }
    Ok(first.1)
}

fn header<R: Read + Seek>(r: &mut R, sections: &[(u32, Section)]) -> Result<PtauHeader, PtauError> {
    let section = unique(sections, 1, "header")?;
    r.seek(SeekFrom::Start(section.start))?;
    let n8 = read_u32(r)?;
    if n8 != 32 {
        return Err(PtauError::WrongCurve { n8 });
    }
    let mut q = [0u8; 32];
    r.read_exact(&mut q)?;
    if q != BN254_Q_LE {
        return Err(PtauError::WrongCurve { n8 });
    }
    let power = read_u32(r)?;
    let ceremony_power = match section.size {
        40 => power,
        44 => read_u32(r)?,
        size => return Err(PtauError::Malformed(format!("header of {size} bytes"))),
    };
    if power > MAX_K {
        return Err(PtauError::Malformed(format!(
            "power {power} exceeds {MAX_K}"
        )));
    }
    Ok(PtauHeader {
        power,
        ceremony_power,
    })
}

fn read_points<R: Read, C: SerdeCurveAffine + CurveAffine>(
    r: &mut R,
    count: usize,
    size: usize,
    section: u32,
) -> Result<Vec<C>, PtauError> {
    let mut bytes = vec![0u8; count * size];
    r.read_exact(&mut bytes)?;
    bytes
        .chunks(size)
        .enumerate()
        .map(|(index, mut chunk)| {
            C::read(&mut chunk, SerdeFormat::RawBytes)
                .ok()
                .filter(|p| bool::from(p.is_on_curve()))
                .ok_or(PtauError::BadPoint { section, index })
        })
        .collect()
}

/// Reads the first `2^k` powers of a `.ptau` file (all of them if `k` is `None`) as halo2
/// parameters, checking them as the module docs say.
///
/// # Errors
/// The [`PtauError`] that describes the first problem found.
pub fn read_ptau<R: Read + Seek>(r: &mut R, k: Option<u32>) -> Result<ParamsKZG<Bn256>, PtauError> {
    let sections = scan(r)?;
    let PtauHeader { power, .. } = header(r, &sections)?;
    let k = k.unwrap_or(power);
    if k > power {
        return Err(PtauError::TooSmall { power, needed_k: k });
    }
    let tau_g1 = unique(&sections, 2, "tauG1")?;
    let tau_g2 = unique(&sections, 3, "tauG2")?;
    let powers = 1u64 << power;
    if tau_g1.size != (2 * powers - 1) * G1_RAW as u64 || tau_g2.size != powers * G2_RAW as u64 {
        return Err(PtauError::Malformed(format!(
            "power {power} needs tauG1 and tauG2 of {} and {} bytes, the file has {} and {}",
            (2 * powers - 1) * G1_RAW as u64,
            powers * G2_RAW as u64,
            tau_g1.size,
            tau_g2.size
        )));
    }
    let n = 1usize << k;
    r.seek(SeekFrom::Start(tau_g1.start))?;
    let g: Vec<G1Affine> = read_points(r, n, G1_RAW, 2)?;
    r.seek(SeekFrom::Start(tau_g2.start))?;
    let g2s: Vec<G2Affine> = read_points(r, 2, G2_RAW, 3)?;
    let (g2, s_g2) = (g2s[0], g2s[1]);
    check_powers(&g, g2, s_g2)?;
    Ok(params_from_powers(g, g2, s_g2))
}

/// Checks `g[0] = G1`, `g2 = G2`, `s_g2 != 0` and, with random weights, that every `g[i+1]`
/// is `tau g[i]` for the `tau` of `s_g2`.
fn check_powers(g: &[G1Affine], g2: G2Affine, s_g2: G2Affine) -> Result<(), PtauError> {
    if g[0] != G1Affine::generator() || g2 != G2Affine::generator() {
        return Err(PtauError::Inconsistent(
            "the first points are not the generators",
        ));
    }
    if bool::from(s_g2.is_identity()) {
        return Err(PtauError::Inconsistent("[tau] G2 is the identity"));
    }
    if g.len() < 2 {
        return Ok(());
    }
    let weights: Vec<Fr> = (0..g.len() - 1).map(|_| Fr::random(OsRng)).collect();
    let lower = best_multiexp(&weights, &g[..g.len() - 1]).to_affine();
    let upper = best_multiexp(&weights, &g[1..]).to_affine();
    if pairing(&upper, &g2) != pairing(&lower, &s_g2) {
        return Err(PtauError::Inconsistent(
            "the G1 points are not successive powers of the G2 secret",
        ));
    }
    Ok(())
}
