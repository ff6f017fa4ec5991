//! The Lagrange points of a powers-of-tau sequence, by an inverse FFT over G1.
//!
//! `L_i = n^-1 sum_j w^-ij g_j` for `g_j = [tau^j] G1`, `w` the `n`-th root of unity halo2
//! uses: exactly what halo2's `arithmetic::g_to_lagrange` computes (a test compares them),
//! faster. The twiddles are public, so each multiplication is variable-time: width-5 NAF
//! digits (about 256 doublings and 43 additions, against 256 of each for the constant-time
//! double-and-add of halo2curves), and the unit twiddle of each butterfly group is skipped.
//! The butterflies of each stage run in parallel. The cost is `(n/2) log n` such
//! multiplications plus `n` for the scaling by `n^-1`: it follows the size asked for.

use ff::{Field, PrimeField};
use halo2_proofs::halo2curves::{
    bn256::{Fr, G1Affine, G1},
    group::{prime::PrimeCurveAffine, Curve, Group},
};
use rayon::prelude::*;

/// NAF window width.
const WINDOW: u32 = 5;

/// Width-[`WINDOW`] NAF digits of the canonical integer of `scalar`, least significant first:
/// `scalar = sum d_i 2^i`, every nonzero `d_i` odd with `|d_i| < 2^(WINDOW-1)`.
fn wnaf_digits(scalar: &Fr) -> Vec<i8> {
    let repr = scalar.to_repr();
    let mut limbs = [0u64; 5];
    for (limb, bytes) in limbs.iter_mut().zip(repr.as_ref().chunks(8)) {
        *limb = u64::from_le_bytes(bytes.try_into().expect("8 bytes"));
    }
    let mut digits = Vec::with_capacity(257);
    let width = 1u64 << WINDOW;
    while limbs.iter().any(|&l| l != 0) {
        let digit = if limbs[0] & 1 == 1 {
            let low = limbs[0] & (width - 1);
            if low >= width / 2 {
                // digit = low - 2^w < 0: k += 2^w - low.
                add_small(&mut limbs, width - low);
                low as i64 - width as i64
            } else {
                // k -= low (its low bits are exactly `low`, so no borrow past limb 0).
                limbs[0] -= low;
                low as i64
            }
        } else {
            0
        };
        digits.push(digit as i8);
        // k >>= 1.
        for i in 0..5 {
            let next = if i + 1 < 5 { limbs[i + 1] } else { 0 };
            limbs[i] = (limbs[i] >> 1) | (next << 63);
        }
    }
    digits
}

fn add_small(limbs: &mut [u64; 5], value: u64) {
    let mut carry = value;
    for limb in limbs.iter_mut() {
        let (sum, overflow) = limb.overflowing_add(carry);
        *limb = sum;
        carry = u64::from(overflow);
        if carry == 0 {
            return;
        }
    }
}

/// `[scalar] point`, variable-time (the scalar is public).
fn mul_vartime(point: &G1, scalar: &Fr) -> G1 {
    let digits = wnaf_digits(scalar);
    // table[i] = (2i + 1) point.
    let double = point.double();
    let mut table = [*point; 1 << (WINDOW - 2)];
    for i in 1..table.len() {
        table[i] = table[i - 1] + double;
    }
    let mut acc = G1::identity();
    let mut started = false;
    for &digit in digits.iter().rev() {
        if started {
            acc = acc.double();
        }
        if digit > 0 {
            acc += table[(digit as usize - 1) / 2];
            started = true;
        } else if digit < 0 {
            acc -= table[((-digit) as usize - 1) / 2];
            started = true;
        }
    }
    acc
}

/// halo2's Lagrange points of `g` (whose length is a power of two); see the module docs.
pub(crate) fn g_to_lagrange(g: &[G1Affine]) -> Vec<G1Affine> {
    let n = g.len();
    assert!(n.is_power_of_two(), "{n} points is not a power of two");
    let k = n.trailing_zeros();
    let mut omega_inv = Fr::ROOT_OF_UNITY_INV;
    for _ in k..Fr::S {
        omega_inv = omega_inv.square();
    }
    let mut a: Vec<G1> = vec![G1::identity(); n];
    a.par_iter_mut().enumerate().for_each(|(i, x)| {
        let j = if k == 0 {
            0
        } else {
            i.reverse_bits() >> (usize::BITS - k)
        };
        *x = g[j].to_curve();
    });
    let mut twiddles = vec![Fr::ONE; n / 2];
    for j in 1..twiddles.len() {
        twiddles[j] = twiddles[j - 1] * omega_inv;
    }
    // Iterative radix-2 decimation in time: stage with blocks of m = 2 half.
    let mut half = 1;
    while half < n {
        let stride = n / (2 * half);
        a.par_chunks_mut(2 * half).for_each(|block| {
            let (lo, hi) = block.split_at_mut(half);
            lo.par_iter_mut()
                .zip(hi.par_iter_mut())
                .enumerate()
                .for_each(|(j, (u, v))| {
                    let t = if j == 0 {
                        *v
                    } else {
                        mul_vartime(v, &twiddles[j * stride])
                    };
                    *v = *u - t;
                    *u += t;
                });
        });
        half *= 2;
    }
    let n_inv = Fr::from(n as u64).invert().expect("n is invertible");
    a.par_iter_mut().for_each(|x| *x = mul_vartime(x, &n_inv));
    let mut out = vec![G1Affine::identity(); n];
    out.par_chunks_mut(1 << 12)
        .zip(a.par_chunks(1 << 12))
        .for_each(|(out, a)| G1::batch_normalize(a, out));
    out
}

#[cfg(test)]
mod tests {
    use halo2_proofs::poly::commitment::ParamsProver;
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn wnaf_multiplication_is_multiplication() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
        let p = G1::random(&mut rng);
        for scalar in [
            Fr::ZERO,
            Fr::ONE,
            Fr::from(15),
            Fr::from(16),
            -Fr::ONE,
            Fr::random(&mut rng),
            Fr::random(&mut rng),
        ] {
            assert_eq!(mul_vartime(&p, &scalar), p * scalar, "{scalar:?}");
        }
    }

    #[test]
    fn the_same_points_as_halo2s_g_to_lagrange() {
        for k in [0, 1, 2, 6] {
            let g: Vec<G1Affine> = super::super::seeded::seeded_params(k, 11).get_g().to_vec();
            let halo2 = halo2_proofs::arithmetic::g_to_lagrange(
                g.iter().map(|p| p.to_curve()).collect(),
                k,
            );
            assert_eq!(g_to_lagrange(&g), halo2, "k = {k}");
        }
    }
}
