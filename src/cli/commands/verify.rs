//! `verify`: reading a verifying key and a proof that belongs to it, checking the proof, and
//! checking that it pins the model given with `--model` or `--weight-commitment`.

use std::path::Path;

use super::{prove::parse_binding, setup::load_srs};
use crate::{
    artifact::{ArtifactKind, CompiledFile, KeyFile, ProofFile},
    cli::{CliError, Exit, Progress},
    pin::{check_weights, ModelPin, PinError},
    proof::Binding,
    Error, Visibility,
};

/// Reads a verifying key, warning if it was made from an unsafe SRS.
pub(super) fn load_verifying_key(
    vk_path: &Path,
    progress: &Progress,
) -> Result<(KeyFile, crate::VerifyingKey), CliError> {
    let (meta, vk) = progress.step("loading the verifying key", || {
        KeyFile::read_verifying_key(vk_path)
    })?;
    if meta.srs_is_unsafe {
        eprintln!("warning: the verifying key was made from an UNSAFE seeded SRS");
    }
    Ok((meta, vk))
}

/// Reads a proof file and checks that it belongs to the key.
pub(super) fn read_proof(meta: &KeyFile, proof_path: &Path) -> Result<ProofFile, CliError> {
    let proof = ProofFile::read(proof_path)?;
    proof.check_key(meta)?;
    Ok(proof)
}

/// The pins `verify` checks: the model given with --model, the commitment given with
/// --weight-commitment.
pub(in crate::cli) fn model_pins(
    model: Option<&CompiledFile>,
    commitment: Option<Binding>,
) -> Vec<ModelPin<'_>> {
    model
        .map(|m| ModelPin::Model(&m.compiled))
        .into_iter()
        .chain(commitment.map(ModelPin::WeightCommitment))
        .collect()
}

pub(in crate::cli) fn pin_error(e: PinError) -> CliError {
    match e {
        PinError::Proof(Error::Halo2 { .. }) => CliError::new(Exit::Failure, e.to_string()),
        PinError::Proof(_) => CliError::new(Exit::Rejected, format!("proof REJECTED: {e}")),
        _ => CliError::new(Exit::Mismatch, format!("model not pinned: {e}")),
    }
}

pub(super) fn verify(
    (vk_path, proof_path): (&Path, &Path),
    srs_path: Option<&Path>,
    model_path: Option<&Path>,
    weight_commitment: Option<&str>,
    progress: &Progress,
) -> Result<(), CliError> {
    let commitment = weight_commitment
        .map(|c| {
            parse_binding(c)
                .map_err(|e| CliError::usage(e.message.replace("--binding", "--weight-commitment")))
        })
        .transpose()?;
    let (meta, vk) = load_verifying_key(vk_path, progress)?;
    if let Some(path) = srs_path {
        let srs = load_srs(path, Some(meta.k), progress)?;
        meta.check_srs(&srs)?;
    }
    let model = model_path.map(CompiledFile::read).transpose()?;
    if let Some(model) = &model {
        meta.check_model(model.digest, ArtifactKind::Compiled)?;
        progress
            .step("regenerating the verifying key from the model", || {
                vk.matches_model(&model.compiled)
            })
            .map_err(pin_error)?;
    }
    if crate::cli::batch::is_batch_proof(proof_path) {
        return crate::cli::batch::verify(
            (&meta, &vk),
            proof_path,
            model.as_ref(),
            commitment,
            progress,
        );
    }
    let proof = read_proof(&meta, proof_path)?;
    progress
        .step("verifying", || vk.verify(&proof.proof))
        .map_err(|e| pin_error(e.into()))?;
    let pins = model_pins(model.as_ref(), commitment);
    for pin in &pins {
        check_weights(&vk, &proof.proof, pin).map_err(pin_error)?;
    }
    println!(
        "proof verified: model {}, features {:?}, outputs {:?}",
        meta.model_digest.short(),
        proof.proof.decoded_features(),
        proof.proof.decoded_outputs()
    );
    let weights = vk.visibility().weights;
    if let Some(path) = model_path {
        println!(
            "model pinned: the key is the one {} generates{}",
            path.display(),
            match weights {
                Visibility::Hashed => ", and the proof carries its weight commitment",
                Visibility::Public => ", and the proof carries its weights",
                _ => "",
            }
        );
    }
    if let Some(c) = commitment {
        println!(
            "model pinned: the proof's weight commitment is the published 0x{}",
            hex::encode(c)
        );
    }
    if pins.is_empty() {
        println!("note: {}", crate::pin::pinning(weights));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artifact_kinds_name_themselves() {
        assert_eq!(ArtifactKind::ProvingKey.to_string(), "proving key");
    }
}
