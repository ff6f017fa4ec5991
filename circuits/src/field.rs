//! Conversions between signed integers and BN254 scalars.

use ff::PrimeField;
use halo2_proofs::halo2curves::bn256::Fr;

/// Maps a signed integer to the field: `v >= 0 -> v`, `v < 0 -> p - |v|`.
pub fn i128_to_field(value: i128) -> Fr {
    let magnitude = Fr::from_u128(value.unsigned_abs());
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
