//! Native verification of a [`Proof`] against a [`VerifyingKey`].
//!
//! Proof bytes and public inputs are untrusted: shape and range are checked first, halo2's
//! verifier runs behind a panic guard, and bytes left over after the proof is read are
//! rejected, so every malformed input ends in a typed error.

use std::panic::{catch_unwind, AssertUnwindSafe};

use halo2_proofs::{
    halo2curves::bn256::{Bn256, Fr, G1Affine},
    plonk::verify_proof,
    poly::kzg::{
        commitment::KZGCommitmentScheme, multiopen::VerifierSHPLONK, strategy::SingleStrategy,
    },
    transcript::TranscriptReadBuffer,
};
use snark_verifier_sdk::snark_verifier::{
    loader::native::NativeLoader, system::halo2::transcript::evm::EvmTranscript,
};

use zkmlp_circuits::Visibility;

use crate::{
    error::{Error, Result},
    keys::VerifyingKey,
    proof::Proof,
};

impl VerifyingKey {
    /// Checks that `proof` proves its public inputs for this key's model.
    ///
    /// # Errors
    /// [`Error::InstanceShape`] or [`Error::PublicInputOutOfRange`] for public inputs that
    /// cannot match the circuit, [`Error::Batch`] for a key with folded outputs (verify those
    /// with [`VerifyingKey::verify_batch`]), [`Error::InvalidProof`] for anything else that
    /// fails.
    pub fn verify(&self, proof: &Proof) -> Result<()> {
        let public = &proof.public_inputs;
        let visibility = self.visibility;
        if visibility.outputs_folded() {
            return Err(crate::batch::BatchError::FoldedNeedsBatch.into());
        }
        let shown = |v: Visibility, count: usize| if v == Visibility::Public { count } else { 0 };
        let (expected_features, expected_outputs) = (
            shown(visibility.inputs, self.input_size),
            shown(visibility.outputs, self.output_size),
        );
        if public.features.len() != expected_features || public.outputs.len() != expected_outputs {
            return Err(Error::InstanceShape {
                expected_features,
                expected_outputs,
                got_features: public.features.len(),
                got_outputs: public.outputs.len(),
            });
        }
        let expected_weights = shown(visibility.weights, self.parameter_count);
        if public.weights.len() != expected_weights {
            return Err(Error::VisibilityMismatch(format!(
                "{} public weights, the key expects {expected_weights}",
                public.weights.len()
            )));
        }
        let commitments = &public.commitments;
        for (part, v, present) in [
            ("inputs", visibility.inputs, commitments.inputs.is_some()),
            ("weights", visibility.weights, commitments.weights.is_some()),
            ("outputs", visibility.outputs, commitments.outputs.is_some()),
        ] {
            if present != (v == Visibility::Hashed) {
                return Err(Error::VisibilityMismatch(format!(
                    "the key's {part} are {v}, the proof {} a commitment to them",
                    if present { "carries" } else { "lacks" }
                )));
            }
        }
        let (min, max) = (
            self.fixed_point.min_activation(),
            self.fixed_point.max_activation(),
        );
        if let Some((index, value)) = public
            .values()
            .enumerate()
            .find(|(_, v)| !(min..=max).contains(v))
        {
            return Err(Error::PublicInputOutOfRange {
                index,
                value,
                min,
                max,
            });
        }
        if proof.scale_bits != self.fixed_point.scale_bits {
            return Err(Error::InvalidProof(format!(
                "proof is at scale 2^{}, the key at 2^{}",
                proof.scale_bits, self.fixed_point.scale_bits
            )));
        }
        let instance = public.to_field().ok_or(Error::BindingOutOfField)?;
        self.verify_instance(&instance, &proof.bytes)
    }

    /// Checks proof `bytes` against the instance column `instance`: halo2's verifier behind a
    /// panic guard, with no bytes left over.
    pub(crate) fn verify_instance(&self, instance: &[Fr], bytes: &[u8]) -> Result<()> {
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let mut unread: &[u8] = bytes;
            let mut transcript =
                EvmTranscript::<G1Affine, NativeLoader, _, Vec<u8>>::init(&mut unread);
            let verdict =
                verify_proof::<KZGCommitmentScheme<Bn256>, VerifierSHPLONK<'_, Bn256>, _, _, _>(
                    self.params.as_ref(),
                    &self.vk,
                    SingleStrategy::new(self.params.as_ref()),
                    &[&[instance]],
                    &mut transcript,
                );
            drop(transcript);
            (verdict, unread.len())
        }));
        match outcome {
            Err(_) => Err(Error::InvalidProof(
                "the halo2 verifier panicked on malformed input".into(),
            )),
            Ok((Err(e), _)) => Err(Error::InvalidProof(e.to_string())),
            Ok((Ok(()), 0)) => Ok(()),
            Ok((Ok(()), extra)) => Err(Error::InvalidProof(format!(
                "{extra} unexpected bytes after the proof"
            ))),
        }
    }
}

/// Verifies `proof` against `vk`; see [`VerifyingKey::verify`].
///
/// # Errors
/// As [`VerifyingKey::verify`].
pub fn verify(vk: &VerifyingKey, proof: &Proof) -> Result<()> {
    vk.verify(proof)
}
