//! Imports the committed ONNX fixtures (PyTorch, skl2onnx and `onnx.helper` exports), calibrates each,
//! proves the fixtures' inputs and compares the proven outputs with onnxruntime's, as a table.
//!
//! ```sh
//! cargo run --release --example onnx_accuracy
//! ```
//!
//! Calibration data: the fixture's five inputs plus 256 vectors drawn uniformly from
//! `[-2, 2]` (seeded), objective `resources` (smallest `k` whose max output error on the data
//! is within 1% of the largest output, then the most accurate setting at that `k`). Keys come
//! from an **UNSAFE seeded SRS** (for measurement only). The error columns compare the proven
//! output (dequantized) with onnxruntime's float output, recorded in `NAME.json` when the
//! fixtures were made (see `tests/fixtures/onnx/README.md`).
//!
//! A second table covers the issue-13 exports (dynamo exporter, scikit-learn pipelines,
//! normalization in `forward`, leaky ReLU, sigmoid / tanh / softmax heads). Each is calibrated
//! on its 64 recorded inputs (drawn from the model's data distribution); over all 64 it compares
//! the fixed-point outputs (the integer reference, which the circuit equals bit for bit;
//! the first four are also proven, verified and checked equal to it), with the head applied,
//! against onnxruntime's: max abs error as a share of the output's range, and class agreement
//! with onnxruntime's label (argmax, or `p > 0.5` for one output).

use std::{path::Path, time::Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Deserialize;
use zkmlp::{
    calibrate::{calibrate, CalibrationOptions},
    model::Head,
    onnx::{import_onnx, load_onnx},
    quantize::{dequantize, quantize_input, reference_forward},
    CompiledModel, ProvingKey, Srs,
};

/// Inputs and onnxruntime's outputs, as `scripts/onnx_fixtures/make_fixtures.py` wrote them.
#[derive(Deserialize)]
struct Reference {
    inputs: Vec<Vec<f64>>,
    outputs: Vec<Vec<f64>>,
}

/// An issue-13 fixture's reference: outputs and labels are each optional.
#[derive(Deserialize)]
struct Recorded {
    inputs: Vec<Vec<f64>>,
    #[serde(default)]
    outputs: Option<Vec<Vec<f64>>>,
    #[serde(default)]
    labels: Option<Vec<i64>>,
}

/// Fixtures whose output is a value, not a class.
const REGRESSORS: [&str; 4] = [
    "dynamo_mlp",
    "torch_normalized_leaky",
    "torch_prelu_tanh",
    "skl_scaled_regressor",
];

/// The class onnxruntime's outputs give when no label was recorded.
fn class_of(head: &Head, outputs: &[f64]) -> i64 {
    head.class(outputs, 0.5)
}

/// The issue-13 table (see the module docs).
fn issue13_table(dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    println!();
    println!("Issue-13 exports: calibrated on their 64 recorded inputs (objective resources), fixed-point outputs vs onnxruntime");
    println!("| fixture | proven | head | s | b | k | rows | prove | max abs err | output range | err % of range | class agreement |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for name in [
        "dynamo_mlp",
        "torch_normalized_leaky",
        "torch_sigmoid_classifier",
        "torch_prelu_tanh",
        "torch_softmax_classifier",
        "skl_scaled_regressor",
        "skl_scaled_classifier",
        "skl_classifier_zipmap",
        "skl_binary_classifier",
    ] {
        let imported = import_onnx(dir.join(format!("{name}.onnx")), &Default::default())?;
        let recorded: Recorded =
            serde_json::from_str(&std::fs::read_to_string(dir.join(format!("{name}.json")))?)?;
        // Sigmoid and tanh are proven in the circuit: the model is the export's whole graph
        // up to its head.
        let (model, head) = (imported.model.clone(), imported.head.clone());
        let calibration = match calibrate(&model, &recorded.inputs, &CalibrationOptions::default())
        {
            Ok(c) => c,
            Err(e) => {
                println!("| {name} | not proven: {e} | | | | | | | | | | |");
                continue;
            }
        };
        let compiled = CompiledModel::from_calibration(&calibration)?;
        let params = calibration.params;
        let srs = Srs::unsafe_setup_for_testing(compiled.k(), 1);
        let pk = ProvingKey::generate(&srs, &compiled)?;
        let (mut max_err, mut lo, mut hi, mut agree) = (0.0f64, f64::MAX, f64::MIN, 0usize);
        let mut prove_time = std::time::Duration::ZERO;
        for (i, x) in recorded.inputs.iter().enumerate() {
            let fixed = reference_forward(&calibration.quantized, &quantize_input(params, x)?)?;
            let values: Vec<f64> = fixed.iter().map(|&v| dequantize(params, v)).collect();
            if i < 4 {
                let start = Instant::now();
                let proof = pk.prove(x)?;
                prove_time += start.elapsed();
                zkmlp::verify(pk.verifying_key(), &proof)?;
                assert_eq!(
                    proof.public_inputs.outputs, fixed,
                    "{name}: circuit != reference"
                );
            }
            let ours = match head {
                Head::ArgMax { .. } => values.clone(),
                _ => head.apply(&values),
            };
            if let Some(outputs) = &recorded.outputs {
                for (a, b) in ours.iter().zip(&outputs[i]) {
                    max_err = max_err.max((a - b).abs());
                    lo = lo.min(*b);
                    hi = hi.max(*b);
                }
            }
            let classifier = recorded.labels.is_some() || !REGRESSORS.contains(&name);
            let (theirs, mine) = match (&recorded.labels, &recorded.outputs) {
                // Labels: the head's class of the proven values (probabilities for one output:
                // sigmoid is proven in the circuit).
                (Some(labels), _) => (labels[i], head.class(&values, 0.5)),
                (None, Some(outputs)) => (
                    class_of(&Head::Values, &outputs[i]),
                    class_of(&Head::Values, &ours),
                ),
                _ => unreachable!("every fixture records outputs or labels"),
            };
            agree += usize::from(classifier && theirs == mine);
        }
        let n = recorded.inputs.len();
        let (err, range, share) = if recorded.outputs.is_some() {
            (
                format!("{max_err:.2e}"),
                format!("{:.3}", hi - lo),
                format!("{:.3}%", 100.0 * max_err / (hi - lo)),
            )
        } else {
            ("(labels only)".into(), "-".into(), "-".into())
        };
        let agreement = if REGRESSORS.contains(&name) {
            "- (regressor)".to_string()
        } else {
            format!("{:.1}% ({agree}/{n})", 100.0 * agree as f64 / n as f64)
        };
        println!(
            "| {name} | {} | {head:?} | {} | {} | {} | {} | {:.0} ms | {err} | {range} | {share} | {agreement} |",
            imported.output,
            params.scale_bits,
            params.activation_bits,
            compiled.k(),
            compiled.stats().rows_used,
            prove_time.as_secs_f64() * 1e3 / 4.0,
        );
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/onnx");
    println!("ONNX fixtures, calibrated (objective resources) and proven; SRS: UNSAFE seeded setup, for testing only");
    println!("| fixture | shape | params | s | b | k | prove | mean abs err | max abs err | err % of mean abs output |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for name in ["torch_mlp", "torch_batchnorm", "skl_mlp", "matmul_add"] {
        let model = load_onnx(dir.join(format!("{name}.onnx")))?;
        let reference: Reference =
            serde_json::from_str(&std::fs::read_to_string(dir.join(format!("{name}.json")))?)?;
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut samples = reference.inputs.clone();
        samples.extend((0..256).map(|_| {
            (0..model.input_size())
                .map(|_| rng.gen_range(-2.0..=2.0))
                .collect::<Vec<f64>>()
        }));
        let calibration = calibrate(&model, &samples, &CalibrationOptions::default())?;
        let compiled = CompiledModel::from_calibration(&calibration)?;
        let srs = Srs::unsafe_setup_for_testing(compiled.k(), 1);
        let pk = ProvingKey::generate(&srs, &compiled)?;
        let (mut sum, mut max, mut sum_abs_output, mut count) = (0.0f64, 0.0f64, 0.0f64, 0usize);
        let mut prove_time = std::time::Duration::ZERO;
        for (input, expected) in reference.inputs.iter().zip(&reference.outputs) {
            let start = Instant::now();
            let proof = pk.prove(input)?;
            prove_time += start.elapsed();
            zkmlp::verify(pk.verifying_key(), &proof)?;
            for (proven, float) in proof.decoded_outputs().iter().zip(expected) {
                let error = (proven - float).abs();
                sum += error;
                max = max.max(error);
                sum_abs_output += float.abs();
                count += 1;
            }
        }
        let shape: Vec<String> = std::iter::once(model.input_size())
            .chain(model.layers.iter().map(|l| l.biases.len()))
            .map(|n| n.to_string())
            .collect();
        println!(
            "| {name} | {} | {} | {} | {} | {} | {:.0} ms | {:.2e} | {:.2e} | {:.4}% |",
            shape.join("-"),
            model.parameter_count(),
            calibration.params.scale_bits,
            calibration.params.activation_bits,
            compiled.k(),
            prove_time.as_secs_f64() * 1e3 / reference.inputs.len() as f64,
            sum / count as f64,
            max,
            100.0 * sum / sum_abs_output,
        );
    }
    issue13_table(&dir)
}
