//! Proves one inference of a float model from files and prints one JSON line of measurements.
//!
//! ```sh
//! cargo run --release --example run_model -- model.json inputs.json \
//!     [--scale-bits S] [--activation-bits B] [--seed N]
//! ```
//!
//! `model.json` is a float model in the zkmlp-mlp JSON format (see `zkmlp::model`), or an
//! ONNX file (`.onnx`, read with `zkmlp::onnx::load_onnx`: the benchmark gives both tools the
//! same ONNX file);
//! `inputs.json` is a JSON list of feature vectors, of which the first is proven. The model is
//! quantized with [`MlpParams`] (the defaults unless `--scale-bits` / `--activation-bits` are
//! given), compiled, keyed against an **UNSAFE seeded SRS** (anyone can forge proofs against
//! it: for measurement only, and the output says so), proven once and verified once.
//!
//! `scripts/bench_vs_ezkl.sh` runs this under `/usr/bin/time -v` and reads the JSON line (the
//! last line on stdout): circuit shape, setup / prove / verify timings, proof size, and the
//! proven outputs next to the float model's, so that it can compute the output error.

use std::{process::ExitCode, time::Instant};

use serde_json::json;
use zkmlp::{model::Mlp, quantize::quantize, CompiledModel, MlpParams, ProvingKey, Srs};

const USAGE: &str = "usage: run_model <model.json> <inputs.json> \
                     [--scale-bits S] [--activation-bits B] [--seed N]";

struct Args {
    model: String,
    inputs: String,
    params: MlpParams,
    seed: u64,
}

fn parse_args() -> Result<Args, String> {
    let mut positional = Vec::new();
    let mut params = MlpParams::default();
    let mut seed = 7;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .ok_or_else(|| format!("{name} needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            "--scale-bits" => {
                params.scale_bits = value(&arg)?
                    .parse()
                    .map_err(|e| format!("--scale-bits: {e}"))?;
            }
            "--activation-bits" => {
                params.activation_bits = value(&arg)?
                    .parse()
                    .map_err(|e| format!("--activation-bits: {e}"))?;
            }
            "--seed" => {
                seed = value(&arg)?.parse().map_err(|e| format!("--seed: {e}"))?;
            }
            "-h" | "--help" => return Err(USAGE.to_string()),
            flag if flag.starts_with("--") => {
                return Err(format!("unknown option {flag}\n{USAGE}"))
            }
            _ => positional.push(arg),
        }
    }
    let [model, inputs]: [String; 2] = positional
        .try_into()
        .map_err(|_| format!("expected two file arguments\n{USAGE}"))?;
    Ok(Args {
        model,
        inputs,
        params,
        seed,
    })
}

fn run(args: &Args) -> Result<serde_json::Value, Box<dyn std::error::Error>> {
    let model = if args.model.ends_with(".onnx") {
        zkmlp::onnx::load_onnx(&args.model)?
    } else {
        Mlp::from_json_file(&args.model)?
    };
    let text = std::fs::read_to_string(&args.inputs)
        .map_err(|e| format!("cannot read {}: {e}", args.inputs))?;
    let inputs: Vec<Vec<f64>> = serde_json::from_str(&text).map_err(|e| {
        format!(
            "{}: expected a JSON list of feature vectors: {e}",
            args.inputs
        )
    })?;
    let features = inputs
        .first()
        .ok_or_else(|| format!("{}: no feature vector", args.inputs))?;
    let float_outputs = model.forward(features)?;

    let start = Instant::now();
    let compiled = CompiledModel::new(quantize(&model, args.params)?)?;
    let compile_s = start.elapsed().as_secs_f64();
    let stats = compiled.stats();

    // UNSAFE: a seeded SRS whose secret anyone can recompute. For measurement only.
    let start = Instant::now();
    let srs = Srs::unsafe_setup_for_testing(compiled.k(), args.seed);
    let srs_s = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let pk = ProvingKey::generate(&srs, &compiled)?;
    let keygen_s = start.elapsed().as_secs_f64();

    let start = Instant::now();
    let proof = pk.prove(features)?;
    let prove_s = start.elapsed().as_secs_f64();

    let start = Instant::now();
    zkmlp::verify(pk.verifying_key(), &proof)?;
    let verify_ms = start.elapsed().as_secs_f64() * 1e3;

    Ok(json!({
        "tool": "zkmlp",
        "srs": format!("UNSAFE seeded (seed {}), testing only", args.seed),
        "scale_bits": args.params.scale_bits,
        "activation_bits": args.params.activation_bits,
        "params": stats.parameters,
        "k": stats.k,
        "rows_used": stats.rows_used,
        "dot_width": stats.dot_width,
        "advice_columns": stats.advice_columns,
        "compile_s": compile_s,
        "srs_s": srs_s,
        "keygen_s": keygen_s,
        "setup_s": srs_s + keygen_s,
        "prove_s": prove_s,
        "verify_ms": verify_ms,
        "verified": true,
        "proof_bytes": proof.bytes.len(),
        "features": features,
        "outputs": proof.decoded_outputs(),
        "float_outputs": float_outputs,
    }))
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(report) => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("run_model: {e}");
            ExitCode::FAILURE
        }
    }
}
