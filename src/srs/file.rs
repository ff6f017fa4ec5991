//! Reading halo2 parameter files in part: only the `2^k` powers a circuit needs.
//!
//! The layout (halo2's `write_custom` in raw format) is `k` (`u32` LE), `2^K` monomial
//! points `[tau^i] G1`, `2^K` Lagrange points, `g2`, `s_g2`, then optionally
//! [`super::UNSAFE_MARKER`]. A circuit of size `k <= K` needs `[tau^i] G1` for `i < 2^k`
//! (a prefix of the monomial points), `g2`, `s_g2`, and the Lagrange points *of size `k`*,
//! which the file holds only when `k = K`. So a reader of `k < K` seeks past what it does not
//! need and computes the Lagrange points of size `k` itself (an FFT of size `2^k`, as
//! halo2's own `downsize` does); a reader of `k = K` takes the file's and checks them with
//! [`super::check::check_lagrange`]. Either way the cost follows `k`, not `K`.
//!
//! Every point read is checked to be on its curve, and the powers with the pairing check of
//! [`super::check::check_powers`]: a file is validated once, where it enters.

use std::io::{self, Read, Seek, SeekFrom};

use halo2_proofs::{
    halo2curves::{
        bn256::{G1Affine, G2Affine},
        CurveAffine,
    },
    SerdeCurveAffine,
};

use super::{check, params_len, SrsError, G1_RAW, G2_RAW, MAX_K, UNSAFE_MARKER};

/// The parts of a halo2 parameter file read for one circuit size.
pub(crate) struct Parts {
    /// The size read: `2^k` powers.
    pub k: u32,
    /// `[tau^i] G1` for `i < 2^k`.
    pub g: Vec<G1Affine>,
    /// The file's Lagrange points, read only when `k` is the file's `k`.
    pub lagrange: Option<Vec<G1Affine>>,
    /// `G2`.
    pub g2: G2Affine,
    /// `[tau] G2`.
    pub s_g2: G2Affine,
    /// Whether the file ends with the unsafe marker.
    pub marked_unsafe: bool,
}

fn malformed(message: impl Into<String>) -> SrsError {
    SrsError::Malformed(message.into())
}

fn io_malformed(e: io::Error) -> SrsError {
    malformed(format!("cannot read the parameters: {e}"))
}

/// The file's `k`, and whether it carries the unsafe marker, from its length and trailer.
fn layout<R: Read + Seek>(r: &mut R) -> Result<(u32, bool), SrsError> {
    let len = r.seek(SeekFrom::End(0)).map_err(io_malformed)?;
    r.seek(SeekFrom::Start(0)).map_err(io_malformed)?;
    let mut k_bytes = [0u8; 4];
    r.read_exact(&mut k_bytes)
        .map_err(|_| malformed(format!("{len} bytes is too short")))?;
    let k = u32::from_le_bytes(k_bytes);
    if k > MAX_K {
        return Err(malformed(format!("k = {k} exceeds {MAX_K}")));
    }
    let expected = params_len(k) as u64;
    let marked = expected + UNSAFE_MARKER.len() as u64;
    if len == expected {
        return Ok((k, false));
    }
    if len == marked {
        let mut trailer = vec![0u8; UNSAFE_MARKER.len()];
        r.seek(SeekFrom::Start(expected)).map_err(io_malformed)?;
        r.read_exact(&mut trailer).map_err(io_malformed)?;
        if trailer == UNSAFE_MARKER {
            return Ok((k, true));
        }
    }
    Err(malformed(format!(
        "k = {k} needs {expected} bytes ({marked} if marked unsafe), the file has {len}"
    )))
}

/// Reads `count` raw points of `size` bytes at `offset`, in parallel, each checked to be in
/// range and on its curve.
fn read_points<R: Read + Seek, C: SerdeCurveAffine + CurveAffine>(
    r: &mut R,
    offset: u64,
    count: usize,
    size: usize,
    what: &str,
) -> Result<Vec<C>, SrsError> {
    let mut bytes = vec![0u8; count * size];
    r.seek(SeekFrom::Start(offset)).map_err(io_malformed)?;
    r.read_exact(&mut bytes).map_err(io_malformed)?;
    check::decode_points(&bytes, size)
        .map_err(|index| malformed(format!("{what} point {index} is not a valid curve point")))
}

/// The file's `k` and unsafe mark, without reading its points.
///
/// # Errors
/// [`SrsError::Malformed`] if the length does not fit the `k` field.
pub(crate) fn read_header<R: Read + Seek>(r: &mut R) -> Result<(u32, bool), SrsError> {
    layout(r)
}

/// Reads and checks what a circuit of size `k` needs (all of the file if `k` is `None`).
///
/// # Errors
/// [`SrsError::Malformed`] for a bad length, `k` field or point; [`SrsError::TooSmall`] if
/// the file's `k` is below `k`; [`SrsError::NotPowersOfTau`] if the checks of
/// [`super::check`] fail.
pub(crate) fn read_parts<R: Read + Seek>(r: &mut R, k: Option<u32>) -> Result<Parts, SrsError> {
    let (file_k, marked_unsafe) = layout(r)?;
    let k = k.unwrap_or(file_k);
    if k > file_k {
        return Err(SrsError::TooSmall {
            srs_k: file_k,
            needed_k: k,
        });
    }
    let (file_n, n) = (1u64 << file_k, 1usize << k);
    let g: Vec<G1Affine> = read_points(r, 4, n, G1_RAW, "monomial")?;
    let g2_at = 4 + 2 * file_n * G1_RAW as u64;
    let g2s: Vec<G2Affine> = read_points(r, g2_at, 2, G2_RAW, "G2")?;
    let (g2, s_g2) = (g2s[0], g2s[1]);
    check::check_powers(&g, g2, s_g2).map_err(SrsError::NotPowersOfTau)?;
    let lagrange = if k == file_k {
        let lagrange = read_points(r, 4 + file_n * G1_RAW as u64, n, G1_RAW, "Lagrange")?;
        check::check_lagrange(&g, &lagrange).map_err(SrsError::NotPowersOfTau)?;
        Some(lagrange)
    } else {
        None
    };
    Ok(Parts {
        k,
        g,
        lagrange,
        g2,
        s_g2,
        marked_unsafe,
    })
}
