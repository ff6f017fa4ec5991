//! What each subcommand does.

use std::path::Path;

use super::{heads, CalibrationArgs, CliError, Command, Exit, Overwrite, Progress, SrsCommand};
use crate::{
    artifact::{write_new, ArtifactKind, CompiledFile, Digest, KeyFile, ProofFile},
    calibrate::{calibrate, CalibrationOptions, Tolerance},
    compiled::CompiledModel,
    keys::ProvingKey,
    pin::{check_weights, ModelPin, PinError},
    proof::Binding,
    quantize::{quantization_report, quantize},
    srs::{sha256_file, Srs},
    Error, MlpParams, PlanObjective, Visibility, VisibilitySettings,
};

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

/// Fails early if an output exists and `--force` is absent, before any long work.
fn check_outputs(outputs: &[&Path], overwrite: &Overwrite) -> Result<(), CliError> {
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

pub(super) fn write_output(
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

pub(super) fn read_json<T: serde::de::DeserializeOwned>(
    path: &Path,
    what: &str,
) -> Result<T, CliError> {
    let bytes =
        std::fs::read(path).map_err(|e| CliError::usage(format!("{}: {e}", path.display())))?;
    serde_json::from_slice(&bytes)
        .map_err(|e| CliError::usage(format!("{}: not {what}: {e}", path.display())))
}

pub(super) fn library_error(e: Error) -> CliError {
    let exit = match e {
        Error::Halo2 { .. } => Exit::Failure,
        _ => Exit::Usage,
    };
    CliError::new(exit, e.to_string())
}

fn compile(
    loaded: &heads::LoadedModel,
    output: &Path,
    params: MlpParams,
    batch_size: usize,
    calibration: &CalibrationArgs,
    plan: (VisibilitySettings, PlanObjective),
    overwrite: &Overwrite,
) -> Result<(), CliError> {
    check_outputs(&[output], overwrite)?;
    let (model_path, model) = (loaded.path.as_path(), &loaded.model);
    let data = match &calibration.calibration {
        Some(path) => Some(read_calibration(path)?),
        None => None,
    };
    if let (Some(objective), Some(data)) = (calibration.objective, &data) {
        let options = CalibrationOptions {
            objective,
            tolerance: calibration
                .tolerance
                .map_or(Tolerance::default(), Tolerance::Absolute),
            batch_size,
            ..CalibrationOptions::default()
        };
        let calibrated =
            calibrate(model, data, &options).map_err(|e| CliError::usage(e.to_string()))?;
        println!("{calibrated}");
        let compiled = CompiledModel::from_calibration(&calibrated).map_err(library_error)?;
        return write_compiled(model_path, output, compiled, plan, overwrite);
    }
    let quantized = quantize(model, params).map_err(|e| CliError::usage(e.to_string()))?;
    if let (Some(path), Some(data)) = (&calibration.calibration, data) {
        let report = quantization_report(model, &quantized, &data)
            .map_err(|e| CliError::usage(e.to_string()))?;
        println!("quantization report ({}):\n{report}", path.display());
        if report.overflow_count > 0 {
            return Err(CliError::usage(format!(
                "{} of {} calibration samples overflow the fixed-point range with \
                 activation_bits = {}: raise --activation-bits or lower --scale-bits",
                report.overflow_count,
                data.len(),
                params.activation_bits
            )));
        }
    }
    let compiled = CompiledModel::new_batch(quantized, batch_size).map_err(library_error)?;
    write_compiled(model_path, output, compiled, plan, overwrite)
}

/// The planning objective `zkmlp compile --for-evm` asks for.
fn objective_of(for_evm: bool) -> PlanObjective {
    match for_evm {
        true => PlanObjective::Verifier,
        false => PlanObjective::Prover,
    }
}

/// Calibration data: a JSON list of feature vectors, or `{"inputs": [...]}`.
fn read_calibration(path: &Path) -> Result<Vec<Vec<f64>>, CliError> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Samples {
        List(Vec<Vec<f64>>),
        Object { inputs: Vec<Vec<f64>> },
    }
    match read_json(
        path,
        "a JSON list of feature vectors (or {\"inputs\": [[...], ...]})",
    )? {
        Samples::List(inputs) | Samples::Object { inputs } => Ok(inputs),
    }
}

fn write_compiled(
    model_path: &Path,
    output: &Path,
    compiled: CompiledModel,
    (visibility, objective): (VisibilitySettings, PlanObjective),
    overwrite: &Overwrite,
) -> Result<(), CliError> {
    let compiled = compiled
        .replan_with(visibility, objective)
        .map_err(|e| CliError::usage(e.to_string()))?;
    let file = CompiledFile::new(compiled);
    write_output(output, file.to_json().as_bytes(), overwrite)?;
    println!(
        "compiled {} -> {}: k = {}, {} parameters, inputs {} / weights {} / outputs {}, model digest {}",
        model_path.display(),
        output.display(),
        file.compiled.k(),
        file.compiled.model().parameter_count(),
        visibility.inputs,
        visibility.weights,
        visibility.outputs,
        file.digest
    );
    if visibility.weights == crate::Visibility::Hashed {
        println!(
            "model commitment (Poseidon; publish it, proofs carry it): 0x{}",
            hex::encode(file.compiled.weight_commitment())
        );
    }
    Ok(())
}

/// Loads an SRS (halo2 or .ptau), reading and checking only the `2^k` powers a circuit of
/// size `k` needs when `k` is given, and prints the file's SHA-256.
fn load_srs(path: &Path, k: Option<u32>, progress: &Progress) -> Result<Srs, CliError> {
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

fn refuse_unsafe(what: &str, allow: bool) -> Result<(), CliError> {
    if allow {
        eprintln!("warning: {what} an UNSAFE seeded SRS: anyone can forge proofs against it");
        return Ok(());
    }
    Err(CliError::usage(format!(
        "{what} an UNSAFE seeded SRS (from `srs gen-unsafe`); pass --allow-unsafe-srs to accept \
         it for development, or use a ceremony's SRS (`zkmlp srs from-ptau`)"
    )))
}

fn setup(
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

/// Parses `0x`-prefixed hex of at most 32 bytes into a big-endian binding.
fn parse_binding(text: &str) -> Result<Binding, CliError> {
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
fn prove(
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
        return super::batch::prove(
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

/// Reads a verifying key, warning if it was made from an unsafe SRS.
fn load_verifying_key(
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
fn read_proof(meta: &KeyFile, proof_path: &Path) -> Result<ProofFile, CliError> {
    let proof = ProofFile::read(proof_path)?;
    proof.check_key(meta)?;
    Ok(proof)
}

/// The pins `verify` checks: the model given with --model, the commitment given with
/// --weight-commitment.
pub(super) fn model_pins(
    model: Option<&CompiledFile>,
    commitment: Option<Binding>,
) -> Vec<ModelPin<'_>> {
    model
        .map(|m| ModelPin::Model(&m.compiled))
        .into_iter()
        .chain(commitment.map(ModelPin::WeightCommitment))
        .collect()
}

pub(super) fn pin_error(e: PinError) -> CliError {
    match e {
        PinError::Proof(Error::Halo2 { .. }) => CliError::new(Exit::Failure, e.to_string()),
        PinError::Proof(_) => CliError::new(Exit::Rejected, format!("proof REJECTED: {e}")),
        _ => CliError::new(Exit::Mismatch, format!("model not pinned: {e}")),
    }
}

fn verify(
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
    if super::batch::is_batch_proof(proof_path) {
        return super::batch::verify(
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

fn info(compiled_path: &Path) -> Result<(), CliError> {
    let file = CompiledFile::read(compiled_path)?;
    let stats = file.compiled.stats();
    let model = file.compiled.model();
    let widths: Vec<String> = std::iter::once(model.input_size())
        .chain(model.layers.iter().map(|l| l.output_size()))
        .map(|w| w.to_string())
        .collect();
    println!("compiled circuit  {}", compiled_path.display());
    println!("model digest      {}", file.digest);
    println!("layers            {}", widths.join(" -> "));
    println!(
        "fixed point       scale 2^{}, activations {} bits",
        model.params.scale_bits, model.params.activation_bits
    );
    println!("k                 {} ({} rows)", stats.k, 1u64 << stats.k);
    println!("rows used         {}", stats.rows_used);
    println!(
        "  dot / range / table rows {} / {} / {}",
        stats.dot_rows, stats.range_rows, stats.table_rows
    );
    println!(
        "advice columns    {} (dot width {})",
        stats.advice_columns, stats.dot_width
    );
    let limb_bits = file.compiled.layout().limb_bits;
    let check = match stats.lookups {
        0 => "checked by a gate, no lookup",
        _ => "looked up in the range table",
    };
    println!("range limbs       {limb_bits}-bit, {check}");
    if stats.range_lanes > 1 {
        // zkmlp_circuits::layout::lanes
        let layout = file.compiled.layout();
        println!(
            "range lane        split over {} columns in lockstep, {} of at most {} rows each used; public values copied to the instance",
            stats.range_lanes,
            layout.range_column_len(),
            layout.lane_rows
        );
    }
    println!("lookups           {}", stats.lookups);
    println!("parameters        {}", stats.parameters);
    let visibility = file.compiled.visibility();
    println!(
        "visibility        inputs {} / weights {} / outputs {}",
        visibility.inputs, visibility.weights, visibility.outputs
    );
    println!(
        "what proofs pin   {}",
        crate::pin::pinning(visibility.weights)
    );
    if stats.hash_rows > 0 {
        println!("  Poseidon rows   {}", stats.hash_rows);
    }
    println!(
        "public instances  {}",
        file.compiled.layout().instance_len()
    );
    println!("batch size        {}", file.compiled.batch_size());
    if let Some(range) = file.compiled.input_range() {
        let bounds: Vec<String> = (0..range.len())
            .map(|i| format!("[{}, {}]", range.lo()[i], range.hi()[i]))
            .collect();
        println!("input range       {} (calibrated)", bounds.join(" "));
    }
    Ok(())
}

fn srs(command: SrsCommand, progress: &Progress) -> Result<(), CliError> {
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

pub(super) fn evm_error(e: crate::evm::EvmError) -> CliError {
    CliError::new(Exit::Failure, e.to_string())
}

fn create_evm_verifier(
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

fn encode_calldata(
    proof_path: &Path,
    output: &Path,
    (attestation, verifier_only, submit_batch): (Option<&str>, bool, bool),
    overwrite: &Overwrite,
) -> Result<(), CliError> {
    check_outputs(&[output], overwrite)?;
    let (hex, what) = if super::batch::is_batch_proof(proof_path) {
        super::batch::encode_calldata(proof_path, attestation, (verifier_only, submit_batch))?
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

fn verify_evm(vk_path: &Path, proof_path: &Path, progress: &Progress) -> Result<(), CliError> {
    let (meta, vk) = load_verifying_key(vk_path, progress)?;
    if super::batch::is_batch_proof(proof_path) {
        return super::batch::verify_evm((&meta, &vk), proof_path, progress);
    }
    let proof = read_proof(&meta, proof_path)?;
    let verifier = progress
        .step("compiling the verifier", || {
            crate::evm::compile_verifier(&vk, &crate::evm::Solc::default())
        })
        .map_err(evm_error)?;
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

    #[test]
    fn artifact_kinds_name_themselves() {
        assert_eq!(ArtifactKind::ProvingKey.to_string(), "proving key");
    }
}
