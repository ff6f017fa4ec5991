//! The KZG structured reference string (SRS).
//!
//! KZG is only as sound as its setup: whoever knows the secret `tau` behind an SRS can forge
//! proofs. [`Srs::unsafe_setup_for_testing`] derives `tau` from a public seed, so anyone can
//! forge proofs against it: it is for tests and examples only. Production deployments load
//! the output of a public ceremony (powers of tau).

use halo2_proofs::{
    halo2curves::bn256::Bn256,
    poly::{commitment::Params, kzg::commitment::ParamsKZG},
};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

use crate::error::{Error, Result};

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

    /// The underlying parameters.
    pub fn params(&self) -> &ParamsKZG<Bn256> {
        &self.params
    }
}
