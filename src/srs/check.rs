//! Checks that SRS points are one powers-of-tau sequence, without the secret and without a
//! group FFT.
//!
//! - **Powers** ([`check_powers`]): `g[0] = G1`, `g2 = G2`, `s_g2 = [tau] G2 != 0`, and for
//!   random `r_i`: `e(sum r_i g[i+1], G2) = e(sum r_i g[i], s_g2)`. If some `g[i+1] != tau
//!   g[i]`, the difference `sum r_i (g[i+1] - tau g[i])` is zero with probability `1/p` over
//!   the `r_i` (BN254's G1 has prime order `p`), so the points are `[tau^i] G1` for the `tau`
//!   of `s_g2`, except with negligible probability.
//! - **Lagrange points** ([`check_lagrange`]): halo2's Lagrange points are the inverse FFT of
//!   the powers, `L_i = n^-1 sum_j w^-ij g_j` (`w` a primitive `n`-th root of unity). For
//!   random `r`: `sum_i r_i L_i = sum_j s_j g_j` with `s = n^-1 F_(w^-1) r` (the matrix is
//!   symmetric), a *field* inverse FFT of `r`. Two multi-exponentiations and one field FFT
//!   replace the group FFT (about `n log n` scalar multiplications), and a wrong `L` passes
//!   with probability `1/p` as above.
//!
//! Both checks need points on the curve (BN254's G1 has cofactor 1, so on the curve means in
//! the group); the readers check that first.

use ff::Field;
use halo2_proofs::{
    arithmetic::best_multiexp,
    halo2curves::{
        bn256::{pairing, Fr, G1Affine, G2Affine},
        group::{prime::PrimeCurveAffine, Curve},
    },
    poly::EvaluationDomain,
};
use rand::rngs::OsRng;

/// Checks `g[0] = G1`, `g2 = G2`, `s_g2 != 0` and, with random weights, that every `g[i+1]`
/// is `tau g[i]` for the `tau` of `s_g2` (see the module docs).
///
/// # Errors
/// What is wrong, in words.
pub(crate) fn check_powers(
    g: &[G1Affine],
    g2: G2Affine,
    s_g2: G2Affine,
) -> Result<(), &'static str> {
    if g.first() != Some(&G1Affine::generator()) || g2 != G2Affine::generator() {
        return Err("the first points are not the generators");
    }
    if bool::from(s_g2.is_identity()) {
        return Err("[tau] G2 is the identity");
    }
    if g.len() < 2 {
        return Ok(());
    }
    let weights: Vec<Fr> = (0..g.len() - 1).map(|_| Fr::random(OsRng)).collect();
    let lower = best_multiexp(&weights, &g[..g.len() - 1]).to_affine();
    let upper = best_multiexp(&weights, &g[1..]).to_affine();
    if pairing(&upper, &g2) != pairing(&lower, &s_g2) {
        return Err("the G1 points are not successive powers of the G2 secret");
    }
    Ok(())
}

/// Checks, with random weights, that `lagrange` is halo2's Lagrange basis of the powers `g`
/// (see the module docs). `g` and `lagrange` must have the same power-of-two length.
///
/// # Errors
/// What is wrong, in words.
pub(crate) fn check_lagrange(g: &[G1Affine], lagrange: &[G1Affine]) -> Result<(), &'static str> {
    let n = g.len();
    if !n.is_power_of_two() || lagrange.len() != n {
        return Err("the Lagrange points are not as many as the powers");
    }
    let k = n.trailing_zeros();
    let r: Vec<Fr> = (0..n).map(|_| Fr::random(OsRng)).collect();
    // s = n^-1 F_(w^-1) r: halo2's `lagrange_to_coeff` on the domain of size 2^k.
    let domain = EvaluationDomain::<Fr>::new(1, k);
    let s = domain.lagrange_to_coeff(domain.lagrange_from_vec(r.clone()));
    if best_multiexp(&r, lagrange) != best_multiexp(&s, g) {
        return Err("the Lagrange points do not match the monomial points");
    }
    Ok(())
}

/// Decodes `bytes` as consecutive raw points of `size` bytes each, in parallel, each checked to
/// be in range and on its curve; `Err(index)` names the first point that is not.
pub(crate) fn decode_points<
    C: halo2_proofs::SerdeCurveAffine + halo2_proofs::halo2curves::CurveAffine,
>(
    bytes: &[u8],
    size: usize,
) -> Result<Vec<C>, usize> {
    use rayon::prelude::*;
    let points: Vec<Option<C>> = bytes
        .par_chunks(size)
        .map(|mut chunk| {
            C::read(&mut chunk, halo2_proofs::SerdeFormat::RawBytes)
                .ok()
                .filter(|p| bool::from(p.is_on_curve()))
        })
        .collect();
    points
        .into_iter()
        .enumerate()
        .map(|(index, p)| p.ok_or(index))
        .collect()
}

#[cfg(test)]
mod tests {
    use halo2_proofs::{
        halo2curves::bn256::Bn256,
        poly::{commitment::ParamsProver, kzg::commitment::ParamsKZG},
    };
    use rand::SeedableRng;

    use super::*;

    fn params(k: u32) -> ParamsKZG<Bn256> {
        ParamsKZG::setup(k, rand_chacha::ChaCha20Rng::seed_from_u64(u64::from(k)))
    }

    /// The Lagrange points of `p`, from its encoding.
    fn lagrange_of(p: &ParamsKZG<Bn256>) -> Vec<G1Affine> {
        use halo2_proofs::{poly::commitment::Params, SerdeCurveAffine, SerdeFormat};
        let bytes = crate::srs::params_to_bytes(p);
        let n = 1usize << p.k();
        bytes[4 + n * 64..4 + 2 * n * 64]
            .chunks(64)
            .map(|mut c| G1Affine::read(&mut c, SerdeFormat::RawBytes).unwrap())
            .collect()
    }

    #[test]
    fn halo2_setups_pass_both_checks() {
        for k in [0, 1, 5] {
            let p = params(k);
            check_powers(p.get_g(), p.g2(), p.s_g2()).unwrap();
            let lagrange = lagrange_of(&p);
            check_lagrange(p.get_g(), &lagrange).unwrap();
        }
    }

    #[test]
    fn a_changed_point_fails_its_check() {
        let p = params(5);
        let mut g = p.get_g().to_vec();
        g[7] = (g[7] + G1Affine::generator()).to_affine();
        assert_eq!(
            check_powers(&g, p.g2(), p.s_g2()),
            Err("the G1 points are not successive powers of the G2 secret")
        );
        let mut lagrange = lagrange_of(&p);
        lagrange.swap(3, 4);
        assert_eq!(
            check_lagrange(p.get_g(), &lagrange),
            Err("the Lagrange points do not match the monomial points")
        );
        // Another secret's G2 point.
        assert_eq!(
            check_powers(p.get_g(), p.g2(), params(4).s_g2()),
            Err("the G1 points are not successive powers of the G2 secret")
        );
    }
}
