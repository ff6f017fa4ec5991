//! Conversions between signed integers and BN254 scalars.

use ff::{Field, PrimeField};
use halo2_proofs::halo2curves::bn256::Fr;

/// Maps a signed integer to the field: `v >= 0 -> v`, `v < 0 -> p - |v|`.
pub fn i128_to_field(value: i128) -> Fr {
    // two u64 conversions: `PrimeField::from_u128`'s default doubles bit by bit
    let m = value.unsigned_abs();
    let (low, high) = (Fr::from(m as u64), (m >> 64) as u64);
    let magnitude = match high {
        0 => low,
        // 2^64 = (2^64 - 1) + 1
        _ => low + Fr::from(high) * (Fr::from(u64::MAX) + Fr::ONE),
    };
    if value < 0 {
        -magnitude
    } else {
        magnitude
    }
}

/// Maps a field element back to a signed integer if it lies within `(-2^126, 2^126)`.
pub fn field_to_i128(value: &Fr) -> Option<i128> {
    let fits = |f: &Fr| -> Option<i128> {
        let repr = f.to_repr();
        let bytes = repr.as_ref();
        if bytes[16..].iter().any(|b| *b != 0) {
            return None;
        }
        let low = u128::from_le_bytes(bytes[..16].try_into().ok()?);
        (low < (1u128 << 126)).then_some(low as i128)
    };
    fits(value).or_else(|| fits(&-*value).map(|v| -v))
}
