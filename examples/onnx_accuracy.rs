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

use std::{path::Path, time::Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Deserialize;
use zkmlp::{
    calibrate::{calibrate, CalibrationOptions},
    onnx::load_onnx,
    CompiledModel, ProvingKey, Srs,
};

/// Inputs and onnxruntime's outputs, as `scripts/onnx_fixtures/make_fixtures.py` wrote them.
#[derive(Deserialize)]
struct Reference {
    inputs: Vec<Vec<f64>>,
    outputs: Vec<Vec<f64>>,
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
    Ok(())
}
