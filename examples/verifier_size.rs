//! Deployed size of the generated Solidity verifier of single-inference circuits, planned with
//! one range column and with the planner's split range lane (`zkmlp_circuits::layout::lanes`),
//! against EIP-170's 24,576 bytes.
//!
//! ```text
//! npm ci && cargo run --release --example verifier_size -- 16-64-64-1 128-384-1
//! ```
//!
//! Random weights (seed 7), public inputs and outputs, fixed weights; unsafe seeded SRS (the
//! size does not depend on it). Needs Node.js and `npm ci` (solc-js).

use zkmlp::{
    evm::{compile_verifier, EvmError, Solc},
    model::Mlp,
    quantize::quantize,
    CompiledModel, MlpParams, ProvingKey, Srs, VisibilitySettings,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut shapes: Vec<String> = std::env::args().skip(1).collect();
    if shapes.is_empty() {
        shapes = vec!["16-64-64-1".into(), "128-384-1".into()];
    }
    let solc = Solc::default();
    println!("| MLP | plan | k | range columns | advice | deployed verifier | under EIP-170 |");
    println!("|---|---|---|---|---|---|---|");
    for shape in &shapes {
        let sizes: Vec<usize> = shape.split('-').map(str::parse).collect::<Result<_, _>>()?;
        let model = quantize(&Mlp::random(&sizes, 7), MlpParams::default())?;
        for split in [false, true] {
            let default = VisibilitySettings::default();
            let compiled = CompiledModel::with_split(model.clone(), 1, default, split)?;
            let stats = compiled.stats();
            if split && stats.range_lanes == 1 {
                println!("| {shape} | planner | (no split: same circuit) | | | | |");
                continue;
            }
            // Unsafe, seeded SRS: the verifier's size does not depend on it.
            let srs = Srs::unsafe_setup_for_testing(compiled.k(), 7);
            let pk = ProvingKey::generate(&srs, &compiled)?;
            // the size, also when `compile_verifier` refuses it as over EIP-170
            let size = match compile_verifier(pk.verifying_key(), &solc) {
                Ok(verifier) => verifier.contract.deployed_size(),
                Err(EvmError::CodeSizeLimit { size, .. }) => size,
                Err(e) => return Err(e.into()),
            };
            println!(
                "| {shape} | {} | {} | {} | {} | {size} B | {} |",
                if split { "planner" } else { "one column" },
                compiled.k(),
                stats.range_lanes,
                stats.advice_columns,
                if size <= zkmlp::evm::EIP170_CODE_SIZE_LIMIT {
                    "yes"
                } else {
                    "no"
                }
            );
        }
    }
    Ok(())
}
