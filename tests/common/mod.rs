//! Fixtures shared by the integration tests.
#![allow(dead_code)]

pub mod chain;
pub mod cli;

use zkmlp::model::{Activation, DenseLayer, Mlp};

/// A deterministic 4-6-1 MLP (ReLU, identity) whose weights depend smoothly on `salt`.
pub fn small_model_salted(salt: f64) -> Mlp {
    let layer = |inputs: usize, outputs: usize, activation, salt: f64| DenseLayer {
        weights: (0..outputs)
            .map(|j| {
                (0..inputs)
                    .map(|i| ((i * 7 + j * 3) as f64 * 0.37 + salt).sin() * 0.8)
                    .collect()
            })
            .collect(),
        biases: (0..outputs)
            .map(|j| (j as f64 + salt).cos() * 0.2)
            .collect(),
        activation,
    };
    Mlp {
        layers: vec![
            layer(4, 6, Activation::Relu, salt),
            layer(6, 1, Activation::Identity, salt + 1.0),
        ],
    }
}

/// The 4-6-1 model most tests prove with.
pub fn small_model() -> Mlp {
    small_model_salted(0.3)
}

/// A proving key of 16-64-64-1 (random weights, seed 7) as the planner lays it out: its range
/// lane split over two columns in lockstep, its 18 public values on public rows at the top of
/// the first column (`zkmlp_circuits::layout::lanes`); unsafe SRS of `seed`. Also a proof of
/// 16 fixed features bound to an NFT.
pub fn split_lane_proof(seed: u64) -> (zkmlp::ProvingKey, zkmlp::Proof) {
    let model = Mlp::random(&[16, 64, 64, 1], 7);
    let quantized = zkmlp::quantize::quantize(&model, zkmlp::MlpParams::default()).unwrap();
    let compiled = zkmlp::CompiledModel::new(quantized).unwrap();
    assert!(
        compiled.stats().range_lanes > 1 && !compiled.layout().public_copies(),
        "the planner splits 16-64-64-1 and keeps its public rows"
    );
    keyed_16_64_64_1(&compiled, seed)
}

/// A key of a compiled 16-64-64-1 (unsafe SRS of `seed`) and a proof of 16 fixed features
/// bound to an NFT.
fn keyed_16_64_64_1(
    compiled: &zkmlp::CompiledModel,
    seed: u64,
) -> (zkmlp::ProvingKey, zkmlp::Proof) {
    let srs = zkmlp::Srs::unsafe_setup_for_testing(compiled.k(), seed);
    let pk = zkmlp::ProvingKey::generate(&srs, compiled).unwrap();
    let features: Vec<f64> = (0..16).map(|i| (i as f64 * 0.7).sin()).collect();
    let binding = zkmlp::evm::nft_binding([3; 20], [4; 32]);
    let proof = pk.prove_bound(&features, binding).unwrap();
    (pk, proof)
}

/// The circuit of [`split_lane_proof`] (same model, dot width, limbs and columns) with its
/// public values copied to the instance column, which is then in the permutation
/// (`zkmlp_circuits::layout::lanes`), as the planner lays out batches with many public values;
/// unsafe SRS of `seed`, and a proof of the same features and binding.
pub fn split_copies_proof(seed: u64) -> (zkmlp::ProvingKey, zkmlp::Proof) {
    let model = Mlp::random(&[16, 64, 64, 1], 7);
    let quantized = zkmlp::quantize::quantize(&model, zkmlp::MlpParams::default()).unwrap();
    let planned = zkmlp::CompiledModel::new(quantized).unwrap();
    let rows = planned.layout();
    let options = (
        rows.limb_bits,
        rows.strands.iter().any(|s| s.is_packed()),
        true,
    );
    let visibility = zkmlp::VisibilitySettings::default();
    let copies = zkmlp_circuits::MlpLayout::plan_split_with(
        rows.model.clone(),
        rows.dot_width,
        1,
        visibility,
        options,
        rows.lane_rows,
    )
    .unwrap();
    assert!(copies.public_copies() && copies.range_lanes() == rows.range_lanes());
    let compiled = zkmlp::CompiledModel::from_layout(copies);
    assert_eq!(compiled.k(), planned.k());
    keyed_16_64_64_1(&compiled, seed)
}
