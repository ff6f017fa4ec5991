//! Proving and verifying keys for a compiled model.
//!
//! Each key carries the SRS cut to the circuit's size, so proving and verifying need nothing
//! else. The verifying key binds the model: weights, biases and the lookup table are fixed
//! columns whose commitments it holds.

use std::sync::Arc;

use halo2_proofs::{
    halo2curves::bn256::{Bn256, G1Affine},
    plonk::{self, keygen_pk, keygen_vk},
    poly::kzg::commitment::ParamsKZG,
};
use zkmlp_circuits::{MlpCircuit, MlpParams, VisibilitySettings};

use crate::{
    compiled::CompiledModel,
    error::{Error, Result},
    srs::Srs,
};

/// What a verifier needs: the halo2 verifying key, the SRS it checks against, and the shape
/// of the public inputs.
#[derive(Clone, Debug)]
pub struct VerifyingKey {
    pub(crate) vk: Arc<plonk::VerifyingKey<G1Affine>>,
    pub(crate) params: Arc<ParamsKZG<Bn256>>,
    pub(crate) fixed_point: MlpParams,
    pub(crate) input_size: usize,
    pub(crate) output_size: usize,
    pub(crate) visibility: VisibilitySettings,
    pub(crate) parameter_count: usize,
    pub(crate) batch_size: usize,
    pub(crate) srs_is_unsafe: bool,
}

impl VerifyingKey {
    /// The halo2 verifying key.
    pub fn halo2(&self) -> &plonk::VerifyingKey<G1Affine> {
        &self.vk
    }

    /// The SRS, cut to the circuit's size.
    pub fn params(&self) -> &ParamsKZG<Bn256> {
        &self.params
    }

    /// Circuit size `k`.
    pub fn k(&self) -> u32 {
        self.vk.get_domain().k()
    }

    /// Fixed-point parameters of the model.
    pub fn fixed_point(&self) -> MlpParams {
        self.fixed_point
    }

    /// Number of public input features (for a batch circuit, all items' together).
    pub fn input_size(&self) -> usize {
        self.input_size
    }

    /// Who sees the inputs, weights and outputs.
    pub fn visibility(&self) -> VisibilitySettings {
        self.visibility
    }

    /// Weights and biases of the model.
    pub fn parameter_count(&self) -> usize {
        self.parameter_count
    }

    /// Length of the public instance: the binding, then for inputs, weights and outputs their
    /// values if public, one commitment if hashed, nothing otherwise.
    pub fn instance_len(&self) -> usize {
        let v = self.visibility;
        1 + v.inputs.instance_entries(self.input_size)
            + v.weights.instance_entries(self.parameter_count)
            + v.outputs.instance_entries(self.output_size)
    }

    /// Inferences proven by one proof: 1, or the circuit's batch size.
    pub fn batch_size(&self) -> usize {
        self.batch_size
    }

    /// Number of outputs (for a batch circuit, all items' together).
    pub fn output_size(&self) -> usize {
        self.output_size
    }

    /// Whether the key was made with an unsafe, seeded SRS (tests and demos only).
    pub fn srs_is_unsafe(&self) -> bool {
        self.srs_is_unsafe
    }
}

/// What a prover needs: the halo2 proving key, the compiled model and the SRS.
#[derive(Clone, Debug)]
pub struct ProvingKey {
    pub(crate) pk: Arc<plonk::ProvingKey<G1Affine>>,
    pub(crate) model: CompiledModel,
    pub(crate) vk: VerifyingKey,
}

impl ProvingKey {
    /// Generates the keys of `model` from `srs`.
    ///
    /// # Errors
    /// [`Error::SrsTooSmall`] if the SRS is smaller than the circuit, [`Error::Halo2`] if
    /// key generation fails.
    pub fn generate(srs: &Srs, model: &CompiledModel) -> Result<Self> {
        let params = Arc::new(srs.for_k(model.k())?);
        let circuit = MlpCircuit::keygen(model.layout().clone());
        let halo2 = |e: plonk::Error| Error::Halo2 {
            operation: "key generation",
            message: e.to_string(),
        };
        let vk = keygen_vk(params.as_ref(), &circuit).map_err(halo2)?;
        let pk = keygen_pk(params.as_ref(), vk.clone(), &circuit).map_err(halo2)?;
        let verifying_key = VerifyingKey {
            vk: Arc::new(vk),
            params,
            fixed_point: model.params(),
            input_size: model.batch_size() * model.model().input_size(),
            output_size: model.batch_size() * model.model().output_size(),
            visibility: model.visibility(),
            parameter_count: model.model().parameter_count(),
            batch_size: model.batch_size(),
            srs_is_unsafe: srs.is_unsafe(),
        };
        Ok(Self {
            pk: Arc::new(pk),
            model: model.clone(),
            vk: verifying_key,
        })
    }

    /// The matching verifying key.
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.vk
    }

    /// The compiled model.
    pub fn model(&self) -> &CompiledModel {
        &self.model
    }
}

/// Generates the keys of `model` from `srs`; see [`ProvingKey::generate`].
///
/// # Errors
/// As [`ProvingKey::generate`].
pub fn keygen(srs: &Srs, model: &CompiledModel) -> Result<ProvingKey> {
    ProvingKey::generate(srs, model)
}
