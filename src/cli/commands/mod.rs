//! What each subcommand does: [`run`] dispatches a parsed command to its module.
//!
//! `compile` and `info` are in `compile`, `setup` and the `srs` subcommands in `setup`,
//! `prove` in `prove`, `verify` in `verify`, the EVM subcommands in `evm`; what they share
//! (output checks, JSON input, error mapping) in `shared`.

mod compile;
mod evm;
mod prove;
mod setup;
mod shared;
mod verify;

use compile::{compile, info, objective_of};
use evm::{create_evm_verifier, encode_calldata, verify_evm};
use prove::prove;
use setup::{setup, srs};
use verify::verify;

// What the batch path (`super::batch`) shares with the single-proof commands.
pub(super) use evm::evm_error;
pub(super) use shared::{library_error, read_json, write_output};
pub(super) use verify::{model_pins, pin_error};

use super::{heads, CliError, Command, Progress};
use crate::MlpParams;

pub(super) fn run(command: Command, progress: &Progress) -> Result<(), CliError> {
    match command {
        Command::Compile {
            model,
            output,
            scale_bits,
            activation_bits,
            calibration,
            batch_size,
            prove_logits,
            for_evm,
            visibility,
            overwrite,
        } => compile(
            &heads::load_model(&model, prove_logits)?,
            &output,
            MlpParams {
                scale_bits,
                activation_bits,
            },
            batch_size,
            &calibration,
            (visibility.settings(), objective_of(for_evm)),
            &overwrite,
        ),
        Command::Setup {
            compiled,
            srs,
            pk,
            vk,
            allow_unsafe_srs,
            overwrite,
        } => setup(
            &compiled,
            &srs,
            (&pk, &vk),
            allow_unsafe_srs,
            &overwrite,
            progress,
        ),
        Command::Prove {
            compiled,
            pk,
            features,
            output,
            binding,
            epoch,
            allow_unsafe_srs,
            overwrite,
        } => prove(
            &compiled,
            &pk,
            &features,
            &output,
            (binding.as_deref(), epoch),
            allow_unsafe_srs,
            &overwrite,
            progress,
        ),
        Command::Verify {
            vk,
            proof,
            srs,
            model,
            weight_commitment,
        } => verify(
            (&vk, &proof),
            srs.as_deref(),
            model.as_deref(),
            weight_commitment.as_deref(),
            progress,
        ),
        Command::Info { compiled } => info(&compiled),
        Command::Srs(command) => srs(command, progress),
        Command::CreateEvmVerifier {
            vk,
            output,
            overwrite,
        } => create_evm_verifier(&vk, &output, &overwrite, progress),
        Command::EncodeCalldata {
            proof,
            output,
            attestation,
            verifier_only,
            submit_batch,
            overwrite,
        } => encode_calldata(
            &proof,
            &output,
            (attestation.as_deref(), verifier_only, submit_batch),
            &overwrite,
        ),
        Command::VerifyEvm { vk, proof } => verify_evm(&vk, &proof, progress),
    }
}
