//! Prints circuit size, proof size and timings for the three MLP shapes EZKL is compared on.
//!
//! Run with `cargo run --release --example size_table`. One keygen, proof and verification per
//! shape, timed with `Instant` on whatever machine runs it; the criterion benchmarks
//! (`cargo bench --bench prove`) give the statistically careful figures.

use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use zkmlp::{
    model::{Activation, DenseLayer, Mlp},
    quantize::quantize,
    CompiledModel, MlpParams, ProvingKey, Srs,
};

/// Weights uniform in `[-1.7, 1.7] / sqrt(fan-in)`, biases in `[-0.1, 0.1]`, ReLU between layers.
fn random_mlp(sizes: &[usize], seed: u64) -> Mlp {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let layers = sizes
        .windows(2)
        .enumerate()
        .map(|(i, pair)| {
            let scale = (pair[0] as f64).sqrt().recip();
            DenseLayer {
                weights: (0..pair[1])
                    .map(|_| {
                        (0..pair[0])
                            .map(|_| rng.gen_range(-1.7..1.7) * scale)
                            .collect()
                    })
                    .collect(),
                biases: (0..pair[1]).map(|_| rng.gen_range(-0.1..0.1)).collect(),
                activation: if i + 2 == sizes.len() {
                    Activation::Identity
                } else {
                    Activation::Relu
                },
            }
        })
        .collect();
    Mlp { layers }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("| MLP | params | W | advice | k | keygen | prove | verify | proof |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for sizes in [&[8, 16, 16, 1][..], &[16, 64, 64, 1], &[32, 256, 256, 1]] {
        let model = random_mlp(sizes, 7);
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
            "| {} | {} | {} | {} | {} | {:.0} ms | {:.0} ms | {:.1} ms | {} B |",
            name.join("-"),
            stats.parameters,
            stats.dot_width,
            stats.advice_columns,
            stats.k,
            keygen.as_secs_f64() * 1e3,
            prove.as_secs_f64() * 1e3,
            verify.as_secs_f64() * 1e3,
            proof.bytes.len()
        );
    }
    Ok(())
}
