//! Prints batch-proving throughput for an 8-16-16-1 MLP (the NFT example's shape, or another
//! with `--shape`): one proof per batch of N inferences, timing the whole proving call
//! (quantization, parallel witness generation, proving).
//!
//! Run with `cargo run --release --example batch_throughput [--folded] [--no-pack] [--no-split]
//! [--freivalds] [--shape 64-256-64-1] [N ...]` (default: 1 16 64 256).
//!
//! - Default: public features and outputs (`prove_items`); each batch is proven twice, on all
//!   of rayon's threads, then inside a one-thread rayon pool (which halo2's own parallelism
//!   uses too), and the table gives the speedup.
//! - `--folded`: the collection mode of `zkmlp::batch` (hashed features, hashed weights,
//!   folded outputs: the public instance is `[c, input commitment, weight commitment, D]`
//!   whatever N), proven once with `prove_batch` and checked with `verify_batch`.
//!
//! - `--no-pack`: one neuron per dot chain (`P = 1`), where the planner would pack the fixed
//!   weights (`zkmlp_circuits::chips::strand`), to measure both in one run.
//!
//! - `--no-split`: the range lane in one column (`zkmlp_circuits::layout::lanes`), where the
//!   planner would split it over several (packing allowed, Freivalds checks where they pay).
//!
//! - `--freivalds`: each N is planned and proven twice in the same run, Freivalds checks off
//!   and then forced on every layer (`zkmlp_circuits::chips::freivalds`), without the
//!   one-thread run; the table's `F` column counts the checked layers. With `--folded`, the
//!   weights are then fixed (Freivalds needs them in the key) in both runs.
//!
//! Every row also gives the circuit's shape from its verifying key: advice, fixed and
//! instance entries, max gate degree.

use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use zkmlp::{
    batch::{verify_batch, BatchItem},
    model::Mlp,
    quantize::quantize,
    CompiledModel, MlpParams, ProvingKey, Srs, Visibility, VisibilitySettings,
};
use zkmlp_circuits::layout::FreivaldsMode;

/// `advice/fixed/degree` of a key's constraint system.
fn shape(pk: &ProvingKey) -> String {
    let cs = pk.verifying_key().halo2().cs();
    format!(
        "{}/{}/{}",
        cs.num_advice_columns(),
        cs.num_fixed_columns(),
        cs.degree()
    )
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (mut folded, mut packing, mut compare, mut split) = (false, true, false, true);
    let mut layers: Vec<usize> = vec![8, 16, 16, 1];
    let mut sizes: Vec<usize> = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--folded" => folded = true,
            "--no-pack" => packing = false,
            "--no-split" => split = false,
            "--freivalds" => compare = true,
            "--shape" => {
                let shape = args.next().ok_or("--shape needs e.g. 64-256-64-1")?;
                layers = shape.split('-').map(str::parse).collect::<Result<_, _>>()?;
            }
            _ => sizes.push(arg.parse()?),
        }
    }
    let modes = if compare {
        vec![FreivaldsMode::Off, FreivaldsMode::On]
    } else {
        vec![FreivaldsMode::Auto]
    };
    if sizes.is_empty() {
        sizes = vec![1, 16, 64, 256];
    }
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let model = quantize(&Mlp::random(&layers, 7), MlpParams::default())?;
    let features = layers[0];
    println!(
        "shape {layers:?}, threads: {}, packing allowed: {packing}, mode: {}",
        rayon::current_num_threads(),
        if folded {
            if compare {
                "folded (hashed inputs, fixed weights, folded outputs)"
            } else {
                "folded (hashed inputs, hashed weights, folded outputs)"
            }
        } else {
            "public inputs and outputs, fixed weights"
        }
    );
    let single_thread = rayon::ThreadPoolBuilder::new().num_threads(1).build()?;
    println!(
        "| N | F | k | W | P per layer | advice/fixed/degree | instances | keygen | prove (whole call) | verify | proof | valuations/min | prove, 1 thread | speedup |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (n, mode) in sizes
        .iter()
        .flat_map(|&n| modes.iter().map(move |&mode| (n, mode)))
    {
        let visibility = if folded {
            VisibilitySettings {
                inputs: Visibility::Hashed,
                // Freivalds needs fixed weights: compared on those.
                weights: if compare {
                    Visibility::Fixed
                } else {
                    Visibility::Hashed
                },
                outputs: Visibility::Folded,
            }
        } else {
            VisibilitySettings::default()
        };
        if mode == FreivaldsMode::On && visibility.weights_are_witnessed() {
            println!("| {n} | - | (Freivalds needs fixed weights) |");
            continue;
        }
        let compiled = match split {
            true => CompiledModel::with_freivalds(model.clone(), n, visibility, packing, mode)?,
            false => CompiledModel::with_split(model.clone(), n, visibility, false)?,
        };
        let slots: Vec<String> = (compiled.layout().strands.iter())
            .map(|s| s.slots.to_string())
            .collect();
        // Unsafe, seeded SRS: for measurement only.
        let srs = Srs::unsafe_setup_for_testing(compiled.k(), 7);
        let start = Instant::now();
        let pk = ProvingKey::generate(&srs, &compiled)?;
        let keygen = start.elapsed();
        let items: Vec<Vec<f64>> = (0..n)
            .map(|_| (0..features).map(|_| rng.gen_range(-1.0..1.0)).collect())
            .collect();
        let (prove, verify, proof_len, one_thread) = if folded {
            let batch: Vec<BatchItem> = items
                .into_iter()
                .enumerate()
                .map(|(i, features)| BatchItem {
                    collection: [0xc0; 20],
                    token_id: {
                        let mut id = [0u8; 32];
                        id[24..].copy_from_slice(&(i as u64).to_be_bytes());
                        id
                    },
                    features,
                })
                .collect();
            let start = Instant::now();
            let proof = pk.prove_batch(&batch, 1)?;
            let prove = start.elapsed();
            let start = Instant::now();
            verify_batch(pk.verifying_key(), &proof)?;
            (prove, start.elapsed(), proof.bytes.len(), None)
        } else {
            let start = Instant::now();
            let proof = pk.prove_items(&items, [0; 32])?;
            let prove = start.elapsed();
            let start = Instant::now();
            zkmlp::verify(pk.verifying_key(), &proof)?;
            let verify = start.elapsed();
            let one_thread = (!compare).then(|| {
                let start = Instant::now();
                single_thread.install(|| pk.prove_items(&items, [0; 32]).map(|_| start.elapsed()))
            });
            (prove, verify, proof.bytes.len(), one_thread.transpose()?)
        };
        let (one, speedup) = match one_thread {
            Some(t) => (
                format!("{:.2} s", t.as_secs_f64()),
                format!("{:.2}x", t.as_secs_f64() / prove.as_secs_f64()),
            ),
            None => ("-".into(), "-".into()),
        };
        println!(
            "| {n} | {} | {} | {} | {} | {} | {} | {:.2} s | {:.2} s | {:.1} ms | {proof_len} B | {:.0} | {one} | {speedup} |",
            compiled.layout().freivalds.len(),
            compiled.k(),
            compiled.stats().dot_width,
            slots.join("/"),
            shape(&pk),
            pk.verifying_key().instance_len(),
            keygen.as_secs_f64(),
            prove.as_secs_f64(),
            verify.as_secs_f64() * 1e3,
            n as f64 * 60.0 / prove.as_secs_f64(),
        );
    }
    Ok(())
}
