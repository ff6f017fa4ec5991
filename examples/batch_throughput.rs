//! Prints batch-proving throughput for an 8-16-16-1 MLP (the NFT example's shape): one proof
//! per batch of N inferences, timing the whole `prove_items` call (quantization, parallel
//! witness generation, proving).
//!
//! Run with `cargo run --release --example batch_throughput [N ...]` (default: 1 16 64 256).
//! Each batch is proven twice: on all of rayon's threads, then inside a one-thread rayon pool
//! (which halo2's own parallelism uses too), and the table gives the speedup.

use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use zkmlp::{model::Mlp, quantize::quantize, CompiledModel, MlpParams, ProvingKey, Srs};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse())
        .collect::<Result<_, _>>()?;
    let sizes = if sizes.is_empty() {
        vec![1, 16, 64, 256]
    } else {
        sizes
    };
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let model = quantize(&Mlp::random(&[8, 16, 16, 1], 7), MlpParams::default())?;
    println!("threads: {}", rayon::current_num_threads());
    let single_thread = rayon::ThreadPoolBuilder::new().num_threads(1).build()?;
    println!(
        "| N | k | W | keygen | prove (whole call) | verify | proof | valuations/min | prove, 1 thread | speedup |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for n in sizes {
        let compiled = CompiledModel::new_batch(model.clone(), n)?;
        // Unsafe, seeded SRS: for measurement only.
        let srs = Srs::unsafe_setup_for_testing(compiled.k(), 7);
        let start = Instant::now();
        let pk = ProvingKey::generate(&srs, &compiled)?;
        let keygen = start.elapsed();
        let items: Vec<Vec<f64>> = (0..n)
            .map(|_| (0..8).map(|_| rng.gen_range(-1.0..1.0)).collect())
            .collect();
        let start = Instant::now();
        let proof = pk.prove_items(&items, [0; 32])?;
        let prove = start.elapsed();
        let start = Instant::now();
        zkmlp::verify(pk.verifying_key(), &proof)?;
        let verify = start.elapsed();
        let start = Instant::now();
        single_thread.install(|| pk.prove_items(&items, [0; 32]))?;
        let prove_one_thread = start.elapsed();
        println!(
            "| {n} | {} | {} | {:.2} s | {:.2} s | {:.1} ms | {} B | {:.0} | {:.2} s | {:.2}x |",
            compiled.k(),
            compiled.stats().dot_width,
            keygen.as_secs_f64(),
            prove.as_secs_f64(),
            verify.as_secs_f64() * 1e3,
            proof.bytes.len(),
            n as f64 * 60.0 / prove.as_secs_f64(),
            prove_one_thread.as_secs_f64(),
            prove_one_thread.as_secs_f64() / prove.as_secs_f64()
        );
    }
    Ok(())
}
