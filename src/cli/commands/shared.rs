//! What every subcommand shares: refusing existing outputs before long work, writing
//! outputs, reading JSON inputs, and turning library errors into exit codes.

use std::path::Path;

use crate::{
    artifact::write_new,
    cli::{CliError, Exit, Overwrite},
    Error,
};

/// Fails early if an output exists and `--force` is absent, before any long work.
pub(super) fn check_outputs(outputs: &[&Path], overwrite: &Overwrite) -> Result<(), CliError> {
    if overwrite.force {
        return Ok(());
    }
    match outputs.iter().find(|p| p.exists()) {
        Some(path) => Err(CliError::usage(format!(
            "{} already exists (use --force to overwrite it)",
            path.display()
        ))),
        None => Ok(()),
    }
}

pub(in crate::cli) fn write_output(
    path: &Path,
    bytes: &[u8],
    overwrite: &Overwrite,
) -> Result<(), CliError> {
    write_new(path, bytes, overwrite.force).map_err(|e| match &e {
        crate::artifact::ArtifactError::Io { source, .. }
            if source.kind() == std::io::ErrorKind::AlreadyExists =>
        {
            CliError::usage(format!(
                "{} already exists (use --force to overwrite it)",
                path.display()
            ))
        }
        _ => e.into(),
    })
}

pub(in crate::cli) fn read_json<T: serde::de::DeserializeOwned>(
    path: &Path,
    what: &str,
) -> Result<T, CliError> {
    let bytes =
        std::fs::read(path).map_err(|e| CliError::usage(format!("{}: {e}", path.display())))?;
    serde_json::from_slice(&bytes)
        .map_err(|e| CliError::usage(format!("{}: not {what}: {e}", path.display())))
}

pub(in crate::cli) fn library_error(e: Error) -> CliError {
    let exit = match e {
        Error::Halo2 { .. } => Exit::Failure,
        _ => Exit::Usage,
    };
    CliError::new(exit, e.to_string())
}
