//! Writes an **UNSAFE** seeded snarkjs `.ptau` file, for benchmarks of `.ptau` conversion
//! (`scripts/bench_cli.sh`). Anyone who knows the seed can forge proofs against it, and a
//! `.ptau` file cannot carry zkmlp's unsafe marker: never use one outside a benchmark.
//!
//! ```sh
//! cargo run --release --example unsafe_ptau -- <power> <seed> <out.ptau> [--prepared]
//! ```
//!
//! With `--prepared` the file also holds section 12 (the Lagrange points of every size), as
//! a file prepared for phase 2 by snarkjs (e.g. the Hermez `_final_` files) does.

use std::time::Instant;

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let prepared = args.iter().any(|a| a == "--prepared");
    args.retain(|a| a != "--prepared");
    let [power, seed, out] = args.as_slice() else {
        eprintln!("usage: unsafe_ptau <power> <seed> <out.ptau> [--prepared]");
        std::process::exit(2);
    };
    let (Ok(power), Ok(seed)) = (power.parse::<u32>(), seed.parse::<u64>()) else {
        eprintln!("power and seed must be integers");
        std::process::exit(2);
    };
    if power >= zkmlp::srs::MAX_K {
        eprintln!("power {power} exceeds {}", zkmlp::srs::MAX_K - 1);
        std::process::exit(2);
    }
    let start = Instant::now();
    let bytes = zkmlp::Srs::unsafe_ptau_for_testing(power, seed, prepared);
    if let Err(e) = std::fs::write(out, &bytes) {
        eprintln!("{out}: {e}");
        std::process::exit(2);
    }
    println!(
        "UNSAFE seeded .ptau (seed {seed}; anyone can forge proofs against it) -> {out}: \
         2^{power} powers{}, {} bytes, {:.2} s",
        if prepared {
            ", prepared (section 12)"
        } else {
            ""
        },
        bytes.len(),
        start.elapsed().as_secs_f64()
    );
}
