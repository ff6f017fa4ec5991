//! `prove`: a proof of one inference (or one batch) from a compiled circuit, a proving key
//! and features, with an optional `--binding`; folded-output circuits go to the batch path.

use std::path::Path;

use super::{
    setup::refuse_unsafe,
    shared::{check_outputs, library_error, read_json, write_output},
};
use crate::{
    artifact::{CompiledFile, KeyFile, ProofFile},
    cli::{CliError, Overwrite, Progress},
    proof::Binding,
    Visibility,
};

/// Parses `0x`-prefixed hex of at most 32 bytes into a big-endian binding.
pub(super) fn parse_binding(text: &str) -> Result<Binding, CliError> {
    let digits = text
        .strip_prefix("0x")
        .ok_or_else(|| CliError::usage(format!("--binding {text}: expected 0x-prefixed hex")))?;
    let digits = if digits.len() % 2 == 1 {
        format!("0{digits}")
    } else {
        digits.to_owned()
    };
    let bytes =
        hex::decode(&digits).map_err(|e| CliError::usage(format!("--binding {text}: {e}")))?;
    if bytes.len() > 32 {
        return Err(CliError::usage(format!(
            "--binding {text}: more than 32 bytes"
        )));
    }
    let mut binding = [0u8; 32];
    binding[32 - bytes.len()..].copy_from_slice(&bytes);
    Ok(binding)
}

#[allow(clippy::too_many_arguments)]
pub(super) fn prove(
    compiled_path: &Path,
    pk_path: &Path,
    features_path: &Path,
    output: &Path,
    (binding, epoch): (Option<&str>, Option<u64>),
    allow_unsafe_srs: bool,
    overwrite: &Overwrite,
    progress: &Progress,
) -> Result<(), CliError> {
    check_outputs(&[output], overwrite)?;
    let compiled = progress.step("reading the compiled circuit", || {
        CompiledFile::read(compiled_path)
    })?;
    if compiled.compiled.visibility().outputs == Visibility::Folded {
        let (meta, pk) = progress.step("loading the proving key", || {
            KeyFile::read_proving_key(pk_path, &compiled)
        })?;
        if meta.srs_is_unsafe {
            refuse_unsafe("the proving key was made from", allow_unsafe_srs)?;
        }
        if binding.is_some() {
            return Err(CliError::usage(
                "--binding: a batch proof's binding is computed from its items and epoch",
            ));
        }
        return crate::cli::batch::prove(
            &pk,
            &meta,
            features_path,
            epoch,
            output,
            overwrite,
            progress,
        );
    }
    if epoch.is_some() {
        return Err(CliError::usage(
            "--epoch is for circuits compiled with --outputs folded (batch proofs)",
        ));
    }
    let binding = binding.map(parse_binding).transpose()?.unwrap_or([0; 32]);
    let batch_size = compiled.compiled.batch_size();
    let items: Vec<Vec<f64>> = if batch_size == 1 {
        vec![read_json(features_path, "a JSON list of numbers")?]
    } else {
        read_json(
            features_path,
            &format!("a JSON list of {batch_size} lists of numbers (the batch size)"),
        )?
    };
    let (meta, pk) = progress.step("loading the proving key", || {
        KeyFile::read_proving_key(pk_path, &compiled)
    })?;
    if meta.srs_is_unsafe {
        refuse_unsafe("the proving key was made from", allow_unsafe_srs)?;
    }
    let proof = progress
        .step("proving", || pk.prove_items(&items, binding))
        .map_err(library_error)?;
    let file = ProofFile {
        proof,
        model_digest: meta.model_digest,
        srs_digest: meta.srs_digest,
    };
    if meta.circuit.visibility.weights == Visibility::Private {
        println!("note: {}", crate::pin::pinning(Visibility::Private));
    }
    write_output(output, file.to_json().as_bytes(), overwrite)?;
    println!(
        "proof {} ({} bytes): outputs {:?}",
        output.display(),
        file.proof.bytes.len(),
        file.proof.decoded_outputs()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bindings_are_left_padded_big_endian() {
        let b = parse_binding("0x0102").unwrap();
        assert_eq!(&b[30..], &[1, 2]);
        assert!(b[..30].iter().all(|&x| x == 0));
        assert_eq!(parse_binding("0xf").unwrap()[31], 0x0f);
        assert!(parse_binding("12").is_err());
        assert!(parse_binding(&format!("0x{}", "00".repeat(33))).is_err());
    }
}
