//! Prints batch-proving throughput for an 8-16-16-1 MLP (the NFT example's shape): one proof
//! per batch of N inferences, timing the whole `prove_items` call (quantization, parallel
//! witness generation, proving).
//!
//! Run with `cargo run --release --example batch_throughput [N ...]` (default: 1 16 64 256).
//! Set `RAYON_NUM_THREADS=1` to compare against a single thread.

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
    println!("| N | k | W | keygen | prove (whole call) | verify | proof | valuations/min |");
    println!("|---|---|---|---|---|---|---|---|");
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
        println!(
            "| {n} | {} | {} | {:.2} s | {:.2} s | {:.1} ms | {} B | {:.0} |",
            compiled.k(),
            compiled.stats().dot_width,
            keygen.as_secs_f64(),
            prove.as_secs_f64(),
            verify.as_secs_f64() * 1e3,
            proof.bytes.len(),
            n as f64 * 60.0 / prove.as_secs_f64()
        );
    }
    Ok(())
}
