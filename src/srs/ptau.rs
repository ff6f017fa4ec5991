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
//! `g2 = G2` and `s_g2 = [tau] G2`, and the Lagrange points of size `2^k`. A file prepared
//! for phase 2 (`snarkjs powersoftau prepare phase2`, e.g. the Hermez `_final_` files) holds
//! them in section 12, for every size; they are taken from there if they pass the check of
//! `check_lagrange` (two multi-exponentiations), and computed by an inverse FFT of size
//! `2^k` otherwise.
//!
//! The conversion checks that every point is on its curve, that `g[0]` and `g2` are the
//! generators, and, with random `r_i`, that `e(sum r_i g[i+1], G2) = e(sum r_i g[i], s_g2)`:
//! the points are successive powers of the secret behind `s_g2`, except with negligible
//! probability.

use std::io::{self, Read, Seek, SeekFrom};

use halo2_proofs::{
    halo2curves::{
        bn256::{Bn256, G1Affine, G2Affine},
        CurveAffine,
    },
    poly::kzg::commitment::ParamsKZG,
    SerdeCurveAffine,
};

use super::{params_from_powers, G1_RAW, G2_RAW, MAX_K};

/// The first bytes of a `.ptau` file.
pub const MAGIC: &[u8; 4] = b"ptau";

/// BN254's base-field modulus `q`, little-endian, as in the header of a bn128 `.ptau` file.
pub(crate) const BN254_Q_LE: [u8; 32] = {
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
    super::check::decode_points(&bytes, size)
        .map_err(|index| PtauError::BadPoint { section, index })
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
    super::check::check_powers(&g, g2, s_g2).map_err(PtauError::Inconsistent)?;
    if let Some(lagrange) = prepared_lagrange(r, &sections, power, &g)? {
        return Ok(super::assemble(k, g, lagrange, g2, s_g2));
    }
    Ok(params_from_powers(g, g2, s_g2))
}

/// `a` with `w_halo2^a = w_snarkjs` for the roots of unity of order `2^28`: halo2 takes
/// `7^t`, snarkjs (ffjavascript) `5^t` (`5` is the smallest quadratic non-residue), where
/// `r - 1 = t 2^28`. Found bit by bit (Pohlig-Hellman in a group of order `2^28`).
pub(crate) fn snarkjs_root_exponent() -> u64 {
    use ff::{Field, PrimeField};
    use halo2_proofs::halo2curves::bn256::Fr;
    // t = (r - 1) / 2^28, little-endian limbs.
    const T: [u64; 4] = [
        0x9b97_0914_3e1f_593f,
        0x1815_85d2_833e_8487,
        0x131a_029b_8504_5b68,
        0x0000_0003_0644_e72e,
    ];
    let target = Fr::from(5).pow_vartime(T);
    let base_inv = Fr::ROOT_OF_UNITY_INV;
    let mut a = 0u64;
    for bit in 0..Fr::S {
        // (target w^-a)^(2^(S-1-bit)) is 1 iff bit `bit` of the exponent is 0.
        let mut x = target * base_inv.pow_vartime([a]);
        for _ in 0..Fr::S - 1 - bit {
            x = x.square();
        }
        if x != Fr::ONE {
            a |= 1 << bit;
        }
    }
    a
}

/// The Lagrange points of size `g.len()` from section 12 of a file prepared for phase 2
/// (`snarkjs powersoftau prepare phase2`, as the Hermez `_final_` files are): for each `p`
/// from 0 to `power + 1`, the `2^p` Lagrange points of the first `2^p` powers. snarkjs's
/// point `i` is at its root `w_s^i = w^(a i)` (see [`snarkjs_root_exponent`]), so it is
/// halo2's point `a i mod 2^p`. They are used only if they pass
/// [`super::check::check_lagrange`]; otherwise (no section 12, another layout) `None`, and
/// the caller computes them.
///
/// # Errors
/// [`PtauError::Io`] if reading fails, [`PtauError::BadPoint`] for a point off the curve.
fn prepared_lagrange<R: Read + Seek>(
    r: &mut R,
    sections: &[(u32, Section)],
    power: u32,
    g: &[G1Affine],
) -> Result<Option<Vec<G1Affine>>, PtauError> {
    let Ok(section) = unique(sections, 12, "tauG1 Lagrange") else {
        return Ok(None);
    };
    if section.size != ((4u64 << power) - 1) * G1_RAW as u64 {
        return Ok(None);
    }
    let n = g.len();
    r.seek(SeekFrom::Start(
        section.start + (n as u64 - 1) * G1_RAW as u64,
    ))?;
    let snarkjs: Vec<G1Affine> = read_points(r, n, G1_RAW, 12)?;
    let a = snarkjs_root_exponent() as usize;
    let mut lagrange = vec![G1Affine::generator(); n];
    for (i, point) in snarkjs.into_iter().enumerate() {
        lagrange[a.wrapping_mul(i) & (n - 1)] = point;
    }
    Ok(super::check::check_lagrange(g, &lagrange)
        .ok()
        .map(|()| lagrange))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fixture, written by snarkjs and prepared for phase 2, has section 12, and its
    /// Lagrange points are halo2's at every size (the check passes, so they are used).
    #[test]
    fn snarkjs_lagrange_points_are_halo2s() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/pot10.ptau");
        let mut file = io::BufReader::new(std::fs::File::open(path).expect("fixture"));
        let sections = scan(&mut file).unwrap();
        let tau_g1 = unique(&sections, 2, "tauG1").unwrap();
        for k in [0, 1, 5, 10] {
            file.seek(SeekFrom::Start(tau_g1.start)).unwrap();
            let g: Vec<G1Affine> = read_points(&mut file, 1 << k, G1_RAW, 2).unwrap();
            let lagrange = prepared_lagrange(&mut file, &sections, 10, &g).unwrap();
            assert!(lagrange.is_some(), "k = {k}");
        }
        // The exponent, found on the fixture: snarkjs's point 1 of size 2^10 is halo2's 289.
        assert_eq!(snarkjs_root_exponent() % 1024, 289);
    }
}
