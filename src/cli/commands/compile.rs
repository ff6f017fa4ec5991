//! `compile` (a float model, optionally calibrated, to a compiled circuit file) and `info`
//! (what a compiled circuit file holds).

use std::path::Path;

use super::shared::{check_outputs, library_error, read_json, write_output};
use crate::{
    artifact::CompiledFile,
    calibrate::{calibrate, CalibrationOptions, Tolerance},
    cli::{heads, CalibrationArgs, CliError, Overwrite},
    compiled::CompiledModel,
    quantize::{quantization_report, quantize},
    MlpParams, PlanObjective, VisibilitySettings,
};

pub(super) fn compile(
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
pub(super) fn objective_of(for_evm: bool) -> PlanObjective {
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

pub(super) fn info(compiled_path: &Path) -> Result<(), CliError> {
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
        let public = match layout.public_copies() {
            true => "public values copied to the instance".to_string(),
            false => format!("{} public rows in the first", layout.public_len()),
        };
        println!(
            "range lane        split over {} columns in lockstep, {} of at most {} rows each used; {public}",
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
