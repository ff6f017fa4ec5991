//! SRS files and key generation: loading and checking an SRS, refusing an unsafe one unless
//! allowed, `setup` (proving and verifying keys from a compiled circuit and an SRS), and the
//! `srs` subcommands.

use std::path::Path;

use super::shared::{check_outputs, library_error, write_output};
use crate::{
    artifact::{CompiledFile, Digest, KeyFile},
    cli::{CliError, Overwrite, Progress, SrsCommand},
    keys::ProvingKey,
    srs::{sha256_file, Srs},
};

/// Loads an SRS (halo2 or .ptau), reading and checking only the `2^k` powers a circuit of
/// size `k` needs when `k` is given, and prints the file's SHA-256.
pub(super) fn load_srs(path: &Path, k: Option<u32>, progress: &Progress) -> Result<Srs, CliError> {
    let digest = progress
        .step("hashing the SRS file", || sha256_file(path))
        .map_err(|e| CliError::usage(format!("{}: {e}", path.display())))?;
    let ptau = Srs::is_ptau_file(path);
    let file_k = if ptau {
        Srs::ptau_header(path)?.power
    } else {
        Srs::file_header(path)?.0
    };
    let read_k = k.unwrap_or(file_k);
    let label = format!(
        "{} 2^{read_k} powers of the SRS and checking them (pairing{})",
        if ptau { "converting" } else { "reading" },
        if !ptau && read_k == file_k {
            ", Lagrange points"
        } else {
            ""
        }
    );
    let srs = progress.step(&label, || Srs::read_file(path, k))?;
    println!(
        "SRS {}: {}k = {file_k}{}, sha256 {}; 2^{} powers read and checked",
        path.display(),
        if ptau { "snarkjs powers of tau, " } else { "" },
        if srs.is_unsafe() {
            ", UNSAFE (seeded test setup)"
        } else {
            ""
        },
        hex::encode(digest),
        srs.k()
    );
    Ok(srs)
}

pub(super) fn refuse_unsafe(what: &str, allow: bool) -> Result<(), CliError> {
    if allow {
        eprintln!("warning: {what} an UNSAFE seeded SRS: anyone can forge proofs against it");
        return Ok(());
    }
    Err(CliError::usage(format!(
        "{what} an UNSAFE seeded SRS (from `srs gen-unsafe`); pass --allow-unsafe-srs to accept \
         it for development, or use a ceremony's SRS (`zkmlp srs from-ptau`)"
    )))
}

pub(super) fn setup(
    compiled_path: &Path,
    srs_path: &Path,
    (pk_path, vk_path): (&Path, &Path),
    allow_unsafe_srs: bool,
    overwrite: &Overwrite,
    progress: &Progress,
) -> Result<(), CliError> {
    check_outputs(&[pk_path, vk_path], overwrite)?;
    let compiled = CompiledFile::read(compiled_path)?;
    let srs = load_srs(srs_path, Some(compiled.compiled.k()), progress)?;
    if srs.is_unsafe() {
        refuse_unsafe("the SRS is", allow_unsafe_srs)?;
    }
    let pk = progress
        .step("generating keys", || {
            ProvingKey::generate(&srs, &compiled.compiled)
        })
        .map_err(library_error)?;
    let pk_bytes = progress.step("writing keys", || KeyFile::encode_proving_key(&pk));
    let vk_bytes = KeyFile::encode_verifying_key(pk.verifying_key(), &compiled);
    write_output(pk_path, &pk_bytes, overwrite)?;
    write_output(vk_path, &vk_bytes, overwrite)?;
    let meta = KeyFile::decode_header(&vk_bytes)?;
    println!(
        "keys for model {} (k = {}), SRS digest {}: {} ({} bytes), {} ({} bytes)",
        meta.model_digest,
        meta.k,
        meta.srs_digest,
        pk_path.display(),
        pk_bytes.len(),
        vk_path.display(),
        vk_bytes.len()
    );
    Ok(())
}

pub(super) fn srs(command: SrsCommand, progress: &Progress) -> Result<(), CliError> {
    match command {
        SrsCommand::GenUnsafe {
            k,
            seed,
            output,
            overwrite,
        } => {
            check_outputs(&[&output], &overwrite)?;
            if !(1..=crate::srs::MAX_K).contains(&k) {
                return Err(CliError::usage(format!("--k {k}: expected 1..=28")));
            }
            let srs = progress.step("generating an unsafe SRS", || {
                Srs::unsafe_setup_for_testing(k, seed)
            });
            let bytes = srs.to_bytes();
            write_output(&output, &bytes, &overwrite)?;
            println!(
                "UNSAFE seeded SRS (seed {seed}; anyone can forge proofs against it) -> {}: \
                 k = {k}, sha256 {}",
                output.display(),
                Digest::of(&bytes)
            );
            Ok(())
        }
        SrsCommand::FromPtau {
            ptau,
            k,
            output,
            overwrite,
        } => {
            check_outputs(&[&output], &overwrite)?;
            if !Srs::is_ptau_file(&ptau) {
                return Err(CliError::usage(format!(
                    "{} is not a .ptau file",
                    ptau.display()
                )));
            }
            let srs = load_srs(&ptau, k, progress)?;
            let bytes = srs.to_bytes();
            write_output(&output, &bytes, &overwrite)?;
            println!(
                "halo2 SRS -> {}: k = {}, sha256 {}",
                output.display(),
                srs.k(),
                Digest::of(&bytes)
            );
            Ok(())
        }
        SrsCommand::Info { file } => {
            if Srs::is_ptau_file(&file) {
                let header = Srs::ptau_header(&file)?;
                let digest = sha256_file(&file)
                    .map_err(|e| CliError::usage(format!("{}: {e}", file.display())))?;
                println!(
                    "{}: snarkjs powers of tau, 2^{} powers (ceremony 2^{}), sha256 {}",
                    file.display(),
                    header.power,
                    header.ceremony_power,
                    hex::encode(digest)
                );
                return Ok(());
            }
            let srs = load_srs(&file, None, progress)?;
            println!(
                "{}: halo2 KZG parameters, up to 2^{} rows, {}; the G1 powers pass the \
                 pairing check against G2 and [tau] G2, the Lagrange points match them",
                file.display(),
                srs.k(),
                if srs.is_unsafe() {
                    "UNSAFE (seeded test setup)"
                } else {
                    "no unsafe mark"
                }
            );
            Ok(())
        }
    }
}
