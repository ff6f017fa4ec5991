//! **UNSAFE** seeded setups, fast: the secret `tau` is known, so every point is a fixed-base
//! multiple of the generator.
//!
//! `tau` is drawn exactly as halo2's `ParamsKZG::setup` draws it (the first `Fr::random` of
//! the seeded ChaCha20 stream), and the points are the same: `g_i = [tau^i] G1` and
//! `L_i = [w^i (tau^n - 1) / (n (tau - w^i))] G1`, the Lagrange polynomial of the `i`-th root
//! of unity at `tau`. So the parameters are byte for byte those of `ParamsKZG::setup` with
//! the same seed. What changes is the cost: the scalars are computed in the field (powers by
//! chunked running products, the denominators with one batch inversion per chunk), and each
//! point is a sum of 32 precomputed multiples of `G1` (one per byte of the scalar,
//! `table[j][b] = b 2^(8j) G1`), all in parallel, then normalized to affine in batches.

use ff::{BatchInvert, Field, PrimeField};
use halo2_proofs::{
    halo2curves::{
        bn256::{Bn256, Fr, G1Affine, G2Affine},
        group::{Curve, Group},
        CurveAffine,
    },
    poly::kzg::commitment::ParamsKZG,
};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use rayon::prelude::*;

/// Points per parallel work item.
const CHUNK: usize = 1 << 10;

/// `table[j][b] = b 2^(8j) base` in affine form, for the 32 bytes of a scalar.
fn fixed_base_table<C: CurveAffine>(base: C) -> Vec<Vec<C>> {
    let mut base = base.to_curve();
    let mut rows = Vec::with_capacity(32);
    for _ in 0..32 {
        let mut row = vec![C::Curve::identity(); 256];
        for b in 1..256 {
            row[b] = row[b - 1] + base;
        }
        let mut affine = vec![C::identity(); 256];
        C::Curve::batch_normalize(&row, &mut affine);
        rows.push(affine);
        base = row[255] + base; // 256 * base
    }
    rows
}

/// `[scalar] base` from the table: one mixed addition per byte of the canonical scalar
/// (little-endian, as BN254's `to_repr` is).
fn fixed_base_mul<C: CurveAffine>(table: &[Vec<C>], scalar: &C::Scalar) -> C::Curve {
    let repr = scalar.to_repr();
    let mut acc = C::Curve::identity();
    for (row, &byte) in table.iter().zip(repr.as_ref()) {
        if byte != 0 {
            acc += row[usize::from(byte)];
        }
    }
    acc
}

/// `[scalar_i] base` for every scalar, in parallel, in affine form.
fn fixed_base_muls<C: CurveAffine>(table: &[Vec<C>], scalars: &[C::Scalar]) -> Vec<C> {
    let mut out = vec![C::identity(); scalars.len()];
    out.par_chunks_mut(CHUNK)
        .zip(scalars.par_chunks(CHUNK))
        .for_each(|(out, scalars)| {
            let projective: Vec<C::Curve> =
                scalars.iter().map(|s| fixed_base_mul(table, s)).collect();
            C::Curve::batch_normalize(&projective, out);
        });
    out
}

/// `x^i` for `i < n`, by running products from each chunk's start, in parallel.
fn powers_of(x: Fr, n: usize) -> Vec<Fr> {
    let mut values = vec![Fr::ZERO; n];
    values
        .par_chunks_mut(CHUNK)
        .enumerate()
        .for_each(|(c, chunk)| {
            let mut acc = x.pow_vartime([(c * CHUNK) as u64]);
            for v in chunk {
                *v = acc;
                acc *= x;
            }
        });
    values
}

/// The seeded secret: the first `Fr::random` of the seeded ChaCha20 stream, as
/// `ParamsKZG::setup` draws it.
fn seeded_tau(seed: u64) -> Fr {
    Fr::random(ChaCha20Rng::seed_from_u64(seed))
}

/// `L_i(tau) = w^i (tau^n - 1) / (n (tau - w^i))` for `i < n = 2^k`: the Lagrange
/// polynomials of the `n`-th roots of unity at `tau`.
fn lagrange_scalars(tau: Fr, k: u32) -> Vec<Fr> {
    let n = 1usize << k;
    let mut omega = Fr::ROOT_OF_UNITY;
    for _ in k..Fr::S {
        omega = omega.square();
    }
    let roots = powers_of(omega, n);
    let n_inv = Fr::from(n as u64).invert().expect("n is invertible");
    let multiplier = (tau.pow_vartime([n as u64]) - Fr::ONE) * n_inv;
    let mut lagrange: Vec<Fr> = roots.par_iter().map(|&w| tau - w).collect();
    lagrange.par_chunks_mut(CHUNK).for_each(|chunk| {
        chunk.iter_mut().batch_invert();
    });
    lagrange
        .par_iter_mut()
        .zip(roots.par_iter())
        .for_each(|(l, &w)| *l *= multiplier * w);
    lagrange
}

/// **UNSAFE**: the parameters of `ParamsKZG::setup(k, ChaCha20Rng::seed_from_u64(seed))`.
pub(crate) fn seeded_params(k: u32, seed: u64) -> ParamsKZG<Bn256> {
    assert!(k <= Fr::S, "k = {k} exceeds the field's two-adicity");
    let tau = seeded_tau(seed);
    let powers = powers_of(tau, 1 << k);
    let lagrange = lagrange_scalars(tau, k);
    let table = fixed_base_table(G1Affine::generator());
    let g = fixed_base_muls(&table, &powers);
    let g_lagrange = fixed_base_muls(&table, &lagrange);
    let g2 = G2Affine::generator();
    let s_g2 = (g2 * tau).to_affine();
    super::assemble(k, g, g_lagrange, g2, s_g2)
}

/// halo2's raw encoding of `points`, one after the other.
fn raw<C: halo2_proofs::SerdeCurveAffine>(points: &[C]) -> Vec<u8> {
    let mut out = Vec::new();
    for p in points {
        p.write(&mut out, halo2_proofs::SerdeFormat::RawBytes)
            .expect("writing to a Vec cannot fail");
    }
    out
}

/// **UNSAFE**: a snarkjs `.ptau` file (sections 1 to 3, laid out as snarkjs does: header,
/// `2^(power+1) - 1` points `[tau^i] G1`, `2^power` points `[tau^i] G2`) whose secret is
/// the seeded one of [`seeded_params`]. With `prepared`, also section 12 as
/// `snarkjs powersoftau prepare phase2` writes it: for `p` from 0 to `power + 1`, the `2^p`
/// Lagrange points of size `2^p` (snarkjs computes the last size from a zero-padded
/// sequence; here it is the true basis, which no reader of `k <= power` uses).
pub(crate) fn seeded_ptau(power: u32, seed: u64, prepared: bool) -> Vec<u8> {
    let tau = seeded_tau(seed);
    let n = 1usize << power;
    let powers = powers_of(tau, 2 * n - 1);
    let g1 = fixed_base_muls(&fixed_base_table(G1Affine::generator()), &powers);
    let g2 = fixed_base_muls(&fixed_base_table(G2Affine::generator()), &powers[..n]);
    let mut header = 32u32.to_le_bytes().to_vec();
    header.extend_from_slice(&super::ptau::BN254_Q_LE);
    header.extend_from_slice(&power.to_le_bytes());
    header.extend_from_slice(&power.to_le_bytes());
    let (tau_g1, tau_g2) = (raw(&g1), raw(&g2));
    let mut sections = vec![(1u32, header), (2, tau_g1), (3, tau_g2)];
    if prepared {
        let table = fixed_base_table(G1Affine::generator());
        // snarkjs's point i of size 2^p is halo2's point a i mod 2^p (see `ptau`).
        let a = super::ptau::snarkjs_root_exponent() as usize;
        let scalars: Vec<Fr> = (0..=power + 1)
            .flat_map(|p| {
                let halo2 = lagrange_scalars(tau, p);
                let mask = halo2.len() - 1;
                (0..halo2.len()).map(move |i| halo2[a.wrapping_mul(i) & mask])
            })
            .collect();
        sections.push((12, raw(&fixed_base_muls(&table, &scalars))));
    }
    let mut out = super::ptau::MAGIC.to_vec();
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(&(sections.len() as u32).to_le_bytes());
    for (kind, data) in &sections {
        out.extend_from_slice(&kind.to_le_bytes());
        out.extend_from_slice(&(data.len() as u64).to_le_bytes());
        out.extend_from_slice(data);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_params_are_halo2s_setup_byte_for_byte() {
        for (k, seed) in [(0, 1), (1, 2), (4, 42), (11, 7)] {
            let ours = seeded_params(k, seed);
            let halo2 = ParamsKZG::<Bn256>::setup(k, ChaCha20Rng::seed_from_u64(seed));
            assert_eq!(
                super::super::params_to_bytes(&ours),
                super::super::params_to_bytes(&halo2),
                "k = {k}"
            );
        }
    }
}
