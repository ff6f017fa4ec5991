//! Prints circuit size, proof size and timings for the three MLP shapes EZKL is compared on,
//! planned for the prover (the default) and, where that plan differs, for the verifier
//! (`PlanObjective::Verifier`: one-bit range limbs, no lookup).
//!
//! Run with `cargo run --release --example size_table`. One keygen, proof and verification per
//! shape, timed with `Instant` on whatever machine runs it; the criterion benchmarks
//! (`cargo bench --bench prove`) give the statistically careful figures.

use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use zkmlp::{
    model::Mlp, quantize::quantize, CompiledModel, MlpParams, PlanObjective, ProvingKey, Srs,
};

/// One keygen, proof and verification of `compiled`, printed as a table row.
fn row(
    name: &str,
    inputs: usize,
    compiled: &CompiledModel,
) -> Result<(), Box<dyn std::error::Error>> {
    let stats = compiled.stats();
    // Unsafe, seeded SRS: for measurement only.
    let srs = Srs::unsafe_setup_for_testing(compiled.k(), 7);
    let start = Instant::now();
    let pk = ProvingKey::generate(&srs, compiled)?;
    let keygen = start.elapsed();
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let features: Vec<f64> = (0..inputs).map(|_| rng.gen_range(-1.0..1.0)).collect();
    let start = Instant::now();
    let proof = pk.prove(&features)?;
    let prove = start.elapsed();
    let start = Instant::now();
    zkmlp::verify(pk.verifying_key(), &proof)?;
    let verify = start.elapsed();
    println!(
        "| {} | {} | {} | {} | {} | {} | {:.0} ms | {:.0} ms | {:.1} ms | {} B |",
        name,
        stats.parameters,
        stats.dot_width,
        stats.advice_columns,
        match stats.lookups {
            0 => format!("{}-bit, gate", compiled.layout().limb_bits),
            1 => format!("{}-bit, lookup", compiled.layout().limb_bits),
            // a range lane split over columns (`zkmlp_circuits::layout::lanes`)
            n => format!("{}-bit, lookup x {n} columns", compiled.layout().limb_bits),
        },
        stats.k,
        keygen.as_secs_f64() * 1e3,
        prove.as_secs_f64() * 1e3,
        verify.as_secs_f64() * 1e3,
        proof.bytes.len()
    );
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("| MLP | params | W | advice | range limbs | k | keygen | prove | verify | proof |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for sizes in [&[8, 16, 16, 1][..], &[16, 64, 64, 1], &[32, 256, 256, 1]] {
        let model = Mlp::random(sizes, 7);
        let quantized = quantize(&model, MlpParams::default())?;
        let prover = CompiledModel::new(quantized.clone())?;
        let (visibility, objective) = (Default::default(), PlanObjective::Verifier);
        let verifier = CompiledModel::with_objective(quantized, 1, visibility, objective)?;
        let name: Vec<String> = sizes.iter().map(ToString::to_string).collect();
        row(&name.join("-"), sizes[0], &prover)?;
        // the verifier objective's plan, where it differs (one-bit limbs, no lookup)
        if verifier.layout().limb_bits != prover.layout().limb_bits {
            let name = format!("{} (for the verifier)", name.join("-"));
            row(&name, sizes[0], &verifier)?;
        }
    }
    Ok(())
}
