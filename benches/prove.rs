//! Criterion benchmarks: witness generation, keygen, prove and verify per model size.
//!
//! Run with `cargo bench --bench prove`. Keygen is measured in its own group; proving and
//! verifying reuse keys generated outside the timed closures. Where the planner packs fixed
//! weights (`zkmlp_circuits::chips::strand`), the same shape is also benchmarked with
//! `P = 1` forced (id suffix ` P=1`), and where the verifier objective plans one-bit range
//! limbs (`PlanObjective::Verifier`), that plan too (id suffix ` bits`), so every path is
//! measured in the same run.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use zkmlp::{
    model::Mlp,
    quantize::{quantize, quantize_input},
    CompiledModel, MlpParams, PlanObjective, ProvingKey, Srs, VisibilitySettings,
};

const SHAPES: [&[usize]; 3] = [&[8, 16, 16, 1], &[16, 64, 64, 1], &[32, 256, 256, 1]];

fn name(sizes: &[usize]) -> String {
    sizes
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("-")
}

fn bench(c: &mut Criterion) {
    for sizes in SHAPES {
        let model = quantize(&Mlp::random(sizes, 7), MlpParams::default()).unwrap();
        let visibility = VisibilitySettings::default();
        let planned = CompiledModel::with_packing(model.clone(), 1, visibility, true).unwrap();
        let packed = planned.layout().strands.iter().any(|s| s.is_packed());
        bench_model(c, sizes, &planned, "");
        if packed {
            let forced = CompiledModel::with_packing(model.clone(), 1, visibility, false).unwrap();
            bench_model(c, sizes, &forced, " P=1");
        }
        let objective = PlanObjective::Verifier;
        let bits = CompiledModel::with_objective(model, 1, visibility, objective).unwrap();
        if bits.layout().limb_bits != planned.layout().limb_bits {
            bench_model(c, sizes, &bits, " bits");
        }
    }
}

/// Witness, keygen, prove and verify of one compiled shape; `suffix` ends the benchmark id.
fn bench_model(c: &mut Criterion, sizes: &[usize], compiled: &CompiledModel, suffix: &str) {
    let srs = Srs::unsafe_setup_for_testing(compiled.k(), 7);
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let features: Vec<f64> = (0..sizes[0]).map(|_| rng.gen_range(-1.0..1.0)).collect();
    let input = quantize_input(compiled.params(), &features).unwrap();
    let id = BenchmarkId::from_parameter(format!("{} k={}{suffix}", name(sizes), compiled.k()));

    let mut group = c.benchmark_group("witness");
    group.bench_with_input(id.clone(), &input, |b, input| {
        b.iter(|| compiled.witness(input, Default::default()).unwrap())
    });
    group.finish();

    let mut group = c.benchmark_group("keygen");
    group.sample_size(10);
    group.bench_function(id.clone(), |b| {
        b.iter(|| ProvingKey::generate(&srs, compiled).unwrap())
    });
    group.finish();

    let pk = ProvingKey::generate(&srs, compiled).unwrap();
    let mut group = c.benchmark_group("prove");
    group.sample_size(10);
    group.bench_with_input(id.clone(), &features, |b, f| {
        b.iter(|| pk.prove(f).unwrap())
    });
    group.finish();

    let proof = pk.prove(&features).unwrap();
    let mut group = c.benchmark_group("verify");
    group.bench_with_input(id, &proof, |b, proof| {
        b.iter(|| zkmlp::verify(pk.verifying_key(), proof).unwrap())
    });
    group.finish();
}

/// One proof for N inferences of the 8-16-16-1 shape; keygen outside the timed closure.
/// Throughput is reported per inference.
fn bench_batch(c: &mut Criterion) {
    let model = quantize(&Mlp::random(&[8, 16, 16, 1], 7), MlpParams::default()).unwrap();
    let mut group = c.benchmark_group("batch_prove");
    group.sample_size(10);
    // 1024 is the largest batch measured on the 2-core, 24 GiB machine (k = 19, 2 GB RSS).
    for n in [1usize, 16, 256, 1024] {
        let compiled = CompiledModel::new_batch(model.clone(), n).unwrap();
        let srs = Srs::unsafe_setup_for_testing(compiled.k(), 7);
        let pk = ProvingKey::generate(&srs, &compiled).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(n as u64);
        let items: Vec<Vec<f64>> = (0..n)
            .map(|_| (0..8).map(|_| rng.gen_range(-1.0..1.0)).collect())
            .collect();
        let id = BenchmarkId::from_parameter(format!("N={n} k={}", compiled.k()));
        group.throughput(criterion::Throughput::Elements(n as u64));
        group.bench_with_input(id, &items, |b, items| {
            b.iter(|| pk.prove_items(items, [0; 32]).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, bench, bench_batch);
criterion_main!(benches);
