//! Proving: quantize the features, compute the witness, create a KZG + SHPLONK proof.
//!
//! Batches compute their witnesses and proofs in parallel with rayon.

use std::sync::Arc;

use halo2_proofs::{
    halo2curves::bn256::{Bn256, G1Affine},
    plonk::create_proof,
    poly::kzg::{commitment::KZGCommitmentScheme, multiopen::ProverSHPLONK},
    transcript::TranscriptWriterBuffer,
};
use rand::rngs::OsRng;
use rayon::prelude::*;
use snark_verifier_sdk::snark_verifier::{
    loader::native::NativeLoader, system::halo2::transcript::evm::EvmTranscript,
};
use zkmlp_circuits::{MlpCircuit, MlpWitness, Visibility, WitnessError};

use crate::{
    batch::BatchError,
    error::{Error, Result},
    keys::ProvingKey,
    proof::{binding_from_field, binding_to_field, Binding, Commitments, Proof, PublicInputs},
    quantize::quantize_input,
};

impl ProvingKey {
    /// Proves the model's output on real-valued `features`.
    ///
    /// # Errors
    /// [`Error::OutsideCalibratedRange`] if the compiled model carries a calibrated input
    /// range and a feature lies outside it, [`Error::Quantize`] if a feature is not finite or
    /// out of range, [`Error::Witness`] if an activation would overflow, [`Error::Halo2`] if
    /// proving fails.
    pub fn prove(&self, features: &[f64]) -> Result<Proof> {
        self.prove_bound(features, [0; 32])
    }

    /// Proves the model's output on `features`, bound to `binding` (e.g. the hash of the NFT
    /// being valued): the proof verifies only with that binding.
    ///
    /// # Errors
    /// As [`ProvingKey::prove`], and [`Error::BindingOutOfField`] if `binding` is not below
    /// the field modulus.
    pub fn prove_bound(&self, features: &[f64], binding: Binding) -> Result<Proof> {
        self.model.check_input_range(0, features)?;
        let input = quantize_input(self.model.params(), features)?;
        self.prove_quantized(&input, binding)
    }

    /// Proves the model's output on already quantized features.
    ///
    /// # Errors
    /// As [`ProvingKey::prove_bound`].
    pub fn prove_quantized(&self, input: &[i64], binding: Binding) -> Result<Proof> {
        let binding = binding_to_field(&binding).ok_or(Error::BindingOutOfField)?;
        let witness = self.model.witness(input, binding)?;
        self.prove_witness(witness)
    }

    /// Proves several feature vectors with a single-inference key: one proof each, computed
    /// in parallel.
    ///
    /// # Errors
    /// The first error of any item, as [`ProvingKey::prove`].
    pub fn prove_each(&self, items: &[Vec<f64>]) -> Result<Vec<Proof>> {
        items
            .par_iter()
            .enumerate()
            .map(|(item, features)| {
                self.model.check_input_range(item, features)?;
                self.prove(features)
            })
            .collect()
    }

    /// Proves all items of a batch circuit ([`CompiledModel::new_batch`]) in one proof,
    /// bound to `binding`. The proof's public features and outputs list item 0's, then item
    /// 1's, and so on. Items are quantized and their witnesses computed in parallel.
    ///
    /// # Errors
    /// [`Error::BatchSize`] if `items` does not match the key's batch size, otherwise as
    /// [`ProvingKey::prove_bound`].
    ///
    /// [`CompiledModel::new_batch`]: crate::CompiledModel::new_batch
    pub fn prove_items(&self, items: &[Vec<f64>], binding: Binding) -> Result<Proof> {
        let items: Vec<&[f64]> = items.iter().map(Vec::as_slice).collect();
        let input = self.quantize_items(&items)?;
        self.prove_quantized(&input, binding)
    }

    /// Checks a batch's items against the key (count, features per item, calibrated range)
    /// and quantizes them in parallel, one item after another.
    pub(crate) fn quantize_items(&self, items: &[&[f64]]) -> Result<Vec<i64>> {
        let expected = self.model.batch_size();
        if items.len() != expected {
            return Err(Error::BatchSize {
                expected,
                got: items.len(),
            });
        }
        let per_item = self.model.model().input_size();
        if let Some(item) = items.iter().find(|features| features.len() != per_item) {
            return Err(Error::Witness(WitnessError::FeatureCount {
                expected: per_item,
                got: item.len(),
            }));
        }
        for (item, features) in items.iter().enumerate() {
            self.model.check_input_range(item, features)?;
        }
        let params = self.model.params();
        let quantized: Vec<Vec<i64>> = items
            .par_iter()
            .map(|features| quantize_input(params, features))
            .collect::<Result<_, _>>()?;
        Ok(quantized.concat())
    }

    /// Proves a precomputed witness; the witness's own inputs and outputs become the
    /// public inputs.
    ///
    /// # Errors
    /// [`Error::WitnessShape`] if the witness was not made for this key's layout,
    /// [`BatchError::FoldedNeedsBatch`] for a key with folded outputs (prove those with
    /// [`ProvingKey::prove_batch`]), [`Error::Halo2`] if proving fails.
    pub fn prove_witness(&self, witness: MlpWitness) -> Result<Proof> {
        if witness.visibility.outputs_folded() {
            return Err(BatchError::FoldedNeedsBatch.into());
        }
        let public_inputs = public_inputs(&witness);
        Ok(Proof {
            bytes: self.prove_to_bytes(witness)?,
            public_inputs,
            scale_bits: self.model.params().scale_bits,
        })
    }

    /// Proves a witness against its own instance; returns the proof bytes.
    pub(crate) fn prove_to_bytes(&self, witness: MlpWitness) -> Result<Vec<u8>> {
        if !witness.fits(self.model.layout()) {
            return Err(Error::WitnessShape);
        }
        let instance = witness.instance();
        let circuit = MlpCircuit::new(self.model.layout().clone(), Arc::new(witness));
        let mut transcript =
            EvmTranscript::<G1Affine, NativeLoader, Vec<u8>, Vec<u8>>::init(Vec::new());
        create_proof::<KZGCommitmentScheme<Bn256>, ProverSHPLONK<'_, Bn256>, _, _, _, _>(
            self.vk.params.as_ref(),
            &self.pk,
            &[circuit],
            &[&[instance.as_slice()]],
            OsRng,
            &mut transcript,
        )
        .map_err(|e| Error::Halo2 {
            operation: "proving",
            message: e.to_string(),
        })?;
        Ok(transcript.finalize())
    }
}

/// The public inputs of `witness` under its visibility: public values, commitments of hashed
/// parts, nothing for private ones.
fn public_inputs(witness: &MlpWitness) -> PublicInputs {
    let visibility = witness.visibility;
    let shown = |v: Visibility, values: &[i64]| {
        if v == Visibility::Public {
            values.to_vec()
        } else {
            Vec::new()
        }
    };
    let mut digests = witness.digests.iter().map(|&d| binding_from_field(d));
    let mut commitment =
        |v: Visibility| (v == Visibility::Hashed).then(|| digests.next()).flatten();
    let weights = witness
        .public_weights
        .iter()
        .map(|w| {
            zkmlp_circuits::field::field_to_i128(w)
                .and_then(|v| i64::try_from(v).ok())
                .expect("public weights are range-checked integers")
        })
        .collect();
    PublicInputs {
        binding: binding_from_field(witness.binding),
        features: shown(visibility.inputs, &witness.inputs),
        outputs: shown(visibility.outputs, &witness.outputs),
        weights,
        commitments: Commitments {
            inputs: commitment(visibility.inputs),
            weights: commitment(visibility.weights),
            outputs: commitment(visibility.outputs),
        },
    }
}

/// Proves `features` with `pk`; see [`ProvingKey::prove`].
///
/// # Errors
/// As [`ProvingKey::prove`].
pub fn prove(pk: &ProvingKey, features: &[f64]) -> Result<Proof> {
    pk.prove(features)
}
