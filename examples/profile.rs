//! Profiles proving by phase, and measures the floor: one MSM and one FFT at the circuit's size.
//!
//! ```text
//! cargo run --release --example profile -- 8-16-16-1 32-256-256-1
//! cargo run --release --example profile --features profile -- 8-16-16-1   # + halo2's phases
//! cargo run --release --example profile -- --floor 9 10 11 12 15 16        # MSM/FFT floor only
//! ```
//!
//! For each MLP shape given (default: `8-16-16-1 32-256-256-1`) it prints one table row:
//! circuit shape (k, extended k, advice columns, constraint degree, the number of 2^k-point
//! commitments `create_proof` makes), then one timing each of witness generation, `keygen_vk`,
//! `keygen_pk` (`ProvingKey::generate` minus a separate `keygen_vk`), the whole proof
//! (`prove_witness`: synthesis + `create_proof`) and verification, and the floor: one
//! multi-scalar multiplication of `2^k` random scalars against the SRS, one of `2^k` small
//! (16-bit) scalars, as most advice cells hold, one inverse FFT of size `2^k`, and one
//! coset FFT into the extended domain (`2^(extended k)`).
//!
//! `--no-pack` forces one neuron per dot chain (no packed weights, `P = 1`), to compare
//! with the planner's choice; `--no-split` keeps the range lane in one column
//! (`zkmlp_circuits::layout::lanes`).
//!
//! `--batch N` profiles one proof of `N` inferences (default 1).
//!
//! `--layout [--batch N] [--folded] SHAPE...` only plans the circuits and prints their rows
//! by lane (dot, range, hash, table) and `k`: no keys, no proofs. `--folded` plans the batch
//! collection mode (hashed inputs and weights, folded outputs), as `batch_throughput --folded`.
//!
//! `--floor K...` only measures the floor at each `k` given (median of three runs each): MSM of
//! `2^k` random and of `2^k` 16-bit scalars, iFFT of `2^k`, coset FFT into the extended domain of
//! a degree-5 circuit (`2^(k+2)`). It bounds what any circuit of that size can cost: a proof
//! makes at least one full-width MSM per product column, random polynomial and quotient piece.
//!
//! With `--features profile` (which enables halo2-axiom's own `profile` feature; never on
//! in default builds) halo2 also prints its `create_proof` phases (advice commitments,
//! lookup and permutation products, the quotient `h(X)`, the multiopen) as an indented trace.
//!
//! Each time is printed as `wall (cpu)` in milliseconds: wall-clock, then this process's
//! CPU time over all threads (Linux `/proc/self/stat`). Timings are single runs with `Instant` on whatever machine runs the example; the SRS is
//! the unsafe seeded test SRS (measurement only).

#[path = "common/timing.rs"]
mod timing;

use timing::{cell, median, timed};

use ff::Field;
use halo2_proofs::{
    arithmetic::best_multiexp,
    halo2curves::bn256::{Fr, G1Affine},
    plonk::{keygen_vk, ConstraintSystem},
    poly::{commitment::ParamsProver, EvaluationDomain},
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use zkmlp::{
    model::Mlp,
    quantize::{quantize, quantize_input},
    CompiledModel, MlpParams, ProvingKey, Srs, Visibility, VisibilitySettings,
};
use zkmlp_circuits::MlpCircuit;

/// Commitments of `2^k` points `create_proof` makes: advice columns, three per lookup
/// (permuted input, permuted table, product), the permutation's product chunks, the
/// vanishing argument's random polynomial and its `degree - 1` quotient pieces.
fn commitments(cs: &ConstraintSystem<Fr>) -> usize {
    let degree = cs.degree();
    let permuted = cs.permutation().get_columns().len();
    cs.num_advice_columns()
        + 3 * cs.lookups().len()
        + permuted.div_ceil(degree - 2)
        + 1
        + (degree - 1)
}

fn parse(shape: &str) -> Result<Vec<usize>, std::num::ParseIntError> {
    shape.split('-').map(str::parse).collect()
}

/// The batch collection mode (as `batch_throughput --folded`).
const FOLDED: VisibilitySettings = VisibilitySettings {
    inputs: Visibility::Hashed,
    weights: Visibility::Hashed,
    outputs: Visibility::Folded,
};

/// `--layout`: prints each shape's rows by lane and `k`, without keys or proofs.
fn print_layouts(
    shapes: &[String],
    batch: usize,
    folded: bool,
    packing: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    let visibility = if folded {
        FOLDED
    } else {
        VisibilitySettings::default()
    };
    println!("batch {batch}, folded: {folded}, packing allowed: {packing}");
    println!("| MLP | params | W | P per layer | advice | range columns | public values | k | rows used | dot rows | range rows | hash rows | table rows |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for shape in shapes {
        let model = quantize(&Mlp::random(&parse(shape)?, 7), MlpParams::default())?;
        let compiled = CompiledModel::with_packing(model, batch, visibility, packing)?;
        let stats = compiled.stats();
        println!(
            "| {shape} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            stats.parameters,
            stats.dot_width,
            slots(&compiled),
            stats.advice_columns,
            stats.range_lanes,
            match compiled.layout().public_copies() {
                true => "copies",
                false => "rows",
            },
            stats.k,
            stats.rows_used,
            stats.dot_rows,
            stats.range_rows,
            stats.hash_rows,
            stats.table_rows
        );
    }
    Ok(())
}

/// Neurons per dot chain in each layer, e.g. `5/1` (`1`: unpacked).
fn slots(compiled: &CompiledModel) -> String {
    let slots: Vec<String> = (compiled.layout().strands.iter())
        .map(|s| s.slots.to_string())
        .collect();
    slots.join("/")
}

/// The floor at `bases.len()` points, each the median of `runs` timings as (wall ms, process
/// CPU ms): an MSM of random scalars, one of 16-bit scalars (as most advice cells hold), an
/// inverse FFT, and a coset FFT into `domain`'s extended domain.
fn measure_floor(
    bases: &[G1Affine],
    domain: &EvaluationDomain<Fr>,
    rng: &mut ChaCha8Rng,
    runs: usize,
) -> [(f64, f64); 4] {
    let n = bases.len();
    let random: Vec<Fr> = (0..n).map(|_| Fr::random(&mut *rng)).collect();
    let small: Vec<Fr> = (0..n)
        .map(|_| Fr::from(u64::from(rng.gen::<u16>())))
        .collect();
    let coeff = domain.lagrange_to_coeff(domain.lagrange_from_vec(random.clone()));
    [
        median(runs, || {
            std::hint::black_box(best_multiexp(&random, bases));
        }),
        median(runs, || {
            std::hint::black_box(best_multiexp(&small, bases));
        }),
        median(runs, || {
            std::hint::black_box(
                domain.lagrange_to_coeff(domain.lagrange_from_vec(random.clone())),
            );
        }),
        median(runs, || {
            std::hint::black_box(domain.coeff_to_extended(&coeff));
        }),
    ]
}

/// `--floor`: one row per `k` with the MSM and FFT floor at that size.
fn print_floors(ks: &[u32]) -> Result<(), Box<dyn std::error::Error>> {
    let max_k = *ks.iter().max().ok_or("--floor needs at least one k")?;
    // Unsafe, seeded SRS: for measurement only.
    let srs = Srs::unsafe_setup_for_testing(max_k, 7);
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    println!("| k | MSM 2^k, random scalars | MSM 2^k, 16-bit scalars | iFFT 2^k | coset FFT into 2^(k+2) |");
    println!("|---|---|---|---|---|");
    println!("(times: wall ms (process CPU ms, both cores), median of 3)");
    for &k in ks {
        let params = srs.for_k(k)?;
        let bases: &[G1Affine] = &params.get_g()[..1usize << k];
        let domain = EvaluationDomain::<Fr>::new(5, k);
        let [m, s, i, e] = measure_floor(bases, &domain, &mut rng, 3);
        println!(
            "| {k} | {} | {} | {} | {} |",
            cell(m.0, m.1),
            cell(s.0, s.1),
            cell(i.0, i.1),
            cell(e.0, e.1)
        );
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (mut layout, mut folded, mut batch, mut packing) = (false, false, 1, true);
    let mut split = true;
    let mut floors: Vec<u32> = Vec::new();
    let mut shapes: Vec<String> = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--layout" => layout = true,
            "--folded" => folded = true,
            "--no-pack" => packing = false,
            "--no-split" => split = false,
            "--batch" => batch = args.next().ok_or("--batch needs N")?.parse()?,
            "--floor" => floors.push(args.next().ok_or("--floor needs k")?.parse()?),
            _ if !floors.is_empty() && arg.parse::<u32>().is_ok() => floors.push(arg.parse()?),
            _ => shapes.push(arg),
        }
    }
    if !floors.is_empty() {
        return print_floors(&floors);
    }
    if layout {
        return print_layouts(&shapes, batch, folded, packing);
    }
    if shapes.is_empty() {
        shapes = vec!["8-16-16-1".into(), "32-256-256-1".into()];
    }
    println!(
        "| MLP | params | P | k | ext k | advice | fixed | permuted | degree | commits | witness | keygen_vk | keygen_pk \
         | prove | verify | MSM 2^k | MSM 2^k small | iFFT 2^k | coset FFT 2^ext |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    println!("(times: wall ms (process CPU ms, both cores))");
    for shape in &shapes {
        let sizes = parse(shape)?;
        let model = Mlp::random(&sizes, 7);
        let quantized = quantize(&model, MlpParams::default())?;
        let default = VisibilitySettings::default();
        let compiled = match split {
            true => CompiledModel::with_packing(quantized, batch, default, packing)?,
            false => CompiledModel::with_split(quantized, batch, default, false)?,
        };
        let k = compiled.k();
        // Unsafe, seeded SRS: for measurement only.
        let srs = Srs::unsafe_setup_for_testing(k, 7);
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let features: Vec<f64> = (0..sizes[0] * batch)
            .map(|_| rng.gen_range(-1.0..1.0))
            .collect();
        let input = quantize_input(compiled.params(), &features)?;

        let (witness, w, wc) = timed(|| compiled.witness(&input, Fr::ZERO));
        let witness = witness?;
        let params = srs.for_k(k)?;
        let circuit = MlpCircuit::keygen(compiled.layout().clone());
        let (vk, v, vc) = timed(|| keygen_vk(&params, &circuit));
        let vk = vk?;
        let (pk, g, gc) = timed(|| ProvingKey::generate(&srs, &compiled));
        let pk = pk?;
        let (proof, p, pc) = timed(|| pk.prove_witness(witness));
        let proof = proof?;
        let (verified, f, fc) = timed(|| zkmlp::verify(pk.verifying_key(), &proof));
        verified?;

        let cs = vk.cs();
        let domain = vk.get_domain();
        let bases: &[G1Affine] = &params.get_g()[..1usize << k];
        let [(m, mc), (s, sc), (i, ic), (e, ec)] = measure_floor(bases, domain, &mut rng, 1);

        println!(
            "| {shape} | {} | {} | {k} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            compiled.stats().parameters,
            slots(&compiled),
            domain.extended_k(),
            cs.num_advice_columns(),
            cs.num_fixed_columns() + cs.num_selectors(),
            cs.permutation().get_columns().len(),
            cs.degree(),
            commitments(cs),
            cell(w, wc),
            cell(v, vc),
            cell(g - v, gc - vc),
            cell(p, pc),
            cell(f, fc),
            cell(m, mc),
            cell(s, sc),
            cell(i, ic),
            cell(e, ec),
        );
    }
    Ok(())
}
