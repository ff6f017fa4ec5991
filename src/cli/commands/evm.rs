//! The EVM subcommands: `create-evm-verifier` (the Solidity verifier of a key),
//! `encode-calldata` (a proof as verifier or oracle calldata) and `verify-evm` (a proof
//! checked by the verifier deployed on an in-process EVM).

use std::path::Path;

use super::{
    shared::{check_outputs, write_output},
    verify::{load_verifying_key, read_proof},
};
use crate::{
    artifact::{KeyFile, ProofFile},
    cli::{CliError, Exit, Overwrite, Progress},
};

pub(in crate::cli) fn evm_error(e: crate::evm::EvmError) -> CliError {
    CliError::new(Exit::Failure, e.to_string())
}

/// [`evm_error`], with what to do when the verifier is over EIP-170 because it reads every
/// feature as a public value: the generated verifier spends code on each public value.
fn too_large_hint(e: crate::evm::EvmError, meta: &KeyFile) -> CliError {
    let public_features = meta.circuit.visibility.inputs == crate::Visibility::Public;
    match e {
        crate::evm::EvmError::CodeSizeLimit { .. } if public_features => CliError::new(
            Exit::Failure,
            format!(
                "{e}: it reads each of the {} features as a public value; compile with \
                 `--inputs hashed` to publish one Poseidon digest of them instead (and \
                 `--for-evm` for the cheapest verifier)",
                meta.input_size * meta.batch_size
            ),
        ),
        e => evm_error(e),
    }
}

pub(super) fn create_evm_verifier(
    vk_path: &Path,
    output: &Path,
    overwrite: &Overwrite,
    progress: &Progress,
) -> Result<(), CliError> {
    check_outputs(&[output], overwrite)?;
    let (meta, vk) = progress.step("loading the verifying key", || {
        KeyFile::read_verifying_key(vk_path)
    })?;
    let verifier = progress
        .step("generating the Solidity verifier", || {
            crate::evm::SolidityVerifier::generate(&vk)
        })
        .map_err(evm_error)?;
    write_output(output, verifier.source().as_bytes(), overwrite)?;
    println!(
        "Solidity verifier for model {} -> {}: {} instances, {}-byte calldata",
        meta.model_digest.short(),
        output.display(),
        verifier.num_instances(),
        verifier.calldata_len()
    );
    Ok(())
}

pub(super) fn encode_calldata(
    proof_path: &Path,
    output: &Path,
    (attestation, verifier_only, submit_batch): (Option<&str>, bool, bool),
    overwrite: &Overwrite,
) -> Result<(), CliError> {
    check_outputs(&[output], overwrite)?;
    let (hex, what) = if crate::cli::batch::is_batch_proof(proof_path) {
        crate::cli::batch::encode_calldata(proof_path, attestation, (verifier_only, submit_batch))?
    } else {
        if attestation.is_some() {
            return Err(CliError::usage(
                "--attestation is for batch proofs (the oracle's call)",
            ));
        }
        let proof = ProofFile::read(proof_path)?;
        (crate::evm::calldata_hex(&proof.proof), "calldata".into())
    };
    write_output(output, format!("{hex}\n").as_bytes(), overwrite)?;
    println!(
        "{what} -> {}: {} bytes",
        output.display(),
        (hex.len() - 2) / 2
    );
    Ok(())
}

pub(super) fn verify_evm(
    vk_path: &Path,
    proof_path: &Path,
    progress: &Progress,
) -> Result<(), CliError> {
    let (meta, vk) = load_verifying_key(vk_path, progress)?;
    if crate::cli::batch::is_batch_proof(proof_path) {
        return crate::cli::batch::verify_evm((&meta, &vk), proof_path, progress);
    }
    let proof = read_proof(&meta, proof_path)?;
    let verifier = progress
        .step("compiling the verifier", || {
            crate::evm::compile_verifier(&vk, &crate::evm::Solc::default())
        })
        .map_err(|e| too_large_hint(e, &meta))?;
    let mut evm = crate::evm::LocalEvm::new();
    let outcome = crate::evm::deploy_and_verify(&mut evm, &verifier.contract, &proof.proof)
        .map_err(evm_error)?;
    if outcome.is_success() {
        println!(
            "proof verified on the EVM (revm): model {}, verifier {} bytes, call {} gas",
            meta.model_digest.short(),
            verifier.contract.deployed_size(),
            outcome.gas_used
        );
        Ok(())
    } else {
        Err(CliError::new(
            Exit::Rejected,
            format!("proof REJECTED by the EVM verifier ({:?})", outcome.status),
        ))
    }
}
