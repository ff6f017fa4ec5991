//! Prints circuit size, proof size and timings for the three MLP shapes EZKL is compared on.
//!
//! Run with `cargo run --release --example size_table`. One keygen, proof and verification per
//! shape, timed with `Instant` on whatever machine runs it; the criterion benchmarks
//! (`cargo bench --bench prove`) give the statistically careful figures.

use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use zkmlp::{model::Mlp, quantize::quantize, CompiledModel, MlpParams, ProvingKey, Srs};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("| MLP | params | W | advice | range limbs | k | keygen | prove | verify | proof |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for sizes in [&[8, 16, 16, 1][..], &[16, 64, 64, 1], &[32, 256, 256, 1]] {
        let model = Mlp::random(sizes, 7);
        let compiled = CompiledModel::new(quantize(&model, MlpParams::default())?)?;
        let stats = compiled.stats();
        // Unsafe, seeded SRS: for measurement only.
        let srs = Srs::unsafe_setup_for_testing(compiled.k(), 7);
        let start = Instant::now();
        let pk = ProvingKey::generate(&srs, &compiled)?;
        let keygen = start.elapsed();
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let features: Vec<f64> = (0..sizes[0]).map(|_| rng.gen_range(-1.0..1.0)).collect();
        let start = Instant::now();
        let proof = pk.prove(&features)?;
        let prove = start.elapsed();
        let start = Instant::now();
        zkmlp::verify(pk.verifying_key(), &proof)?;
        let verify = start.elapsed();
        let name: Vec<String> = sizes.iter().map(ToString::to_string).collect();
        println!(
            "| {} | {} | {} | {} | {} | {} | {:.0} ms | {:.0} ms | {:.1} ms | {} B |",
            name.join("-"),
            stats.parameters,
            stats.dot_width,
            stats.advice_columns,
            match stats.lookups {
                0 => format!("{}-bit, gate", compiled.layout().limb_bits),
                _ => format!("{}-bit, lookup", compiled.layout().limb_bits),
            },
            stats.k,
            keygen.as_secs_f64() * 1e3,
            prove.as_secs_f64() * 1e3,
            verify.as_secs_f64() * 1e3,
            proof.bytes.len()
        );
    }
    Ok(())
}
