//! Shared helpers for the circuit tests: models, the mock prover, and failure matching.
#![allow(dead_code)]

use std::sync::Arc;

use halo2_proofs::{dev::MockProver, dev::VerifyFailure, halo2curves::bn256::Fr};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use zkmlp_circuits::{
    min_k, Activation, MlpCircuit, MlpLayout, MlpParams, MlpWitness, QuantizedLayer, QuantizedMlp,
};

/// A random model with the given layer sizes; weights in `[-2^s, 2^s]` (real `[-1, 1]`).
pub fn random_model(sizes: &[usize], params: MlpParams, seed: u64) -> QuantizedMlp {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let one = 1i64 << params.scale_bits;
    let layers = sizes
        .windows(2)
        .enumerate()
        .map(|(i, pair)| QuantizedLayer {
            weights: (0..pair[1])
                .map(|_| (0..pair[0]).map(|_| rng.gen_range(-one..=one) / pair[0] as i64).collect())
                .collect(),
            biases: (0..pair[1]).map(|_| rng.gen_range(-one * one..=one * one) / 4).collect(),
            activation: if i + 2 == sizes.len() { Activation::Identity } else { Activation::Relu },
        })
        .collect();
    QuantizedMlp { params, layers }
}

/// Random quantized features in real `[-2, 2]`.
pub fn random_input(model: &QuantizedMlp, seed: u64) -> Vec<i64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
    let bound = 2i64 << model.params.scale_bits;
    (0..model.input_size()).map(|_| rng.gen_range(-bound..=bound)).collect()
}

/// Layout and honest witness.
pub fn setup(model: QuantizedMlp, input: &[i64]) -> (Arc<MlpLayout>, MlpWitness) {
    let layout = Arc::new(MlpLayout::new(model).expect("valid model"));
    let witness = MlpWitness::generate(&layout, input, Fr::from(0xb1d)).expect("honest witness");
    (layout, witness)
}

/// Runs the mock prover on a witness against its own instance.
pub fn mock(layout: &Arc<MlpLayout>, witness: MlpWitness) -> Result<(), Vec<VerifyFailure>> {
    let instance = witness.instance();
    mock_with_instance(layout, witness, instance)
}

/// Runs the mock prover against a given instance.
pub fn mock_with_instance(
    layout: &Arc<MlpLayout>,
    witness: MlpWitness,
    instance: Vec<Fr>,
) -> Result<(), Vec<VerifyFailure>> {
    let circuit = MlpCircuit::new(layout.clone(), Arc::new(witness));
    MockProver::run(min_k(layout), &circuit, vec![instance]).expect("synthesis").verify()
}

/// A failure reduced to what a test names: its kind and the gate, constraint or lookup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// A gate's named constraint failed on an absolute row.
    Constraint { gate: String, constraint: String, row: usize },
    /// The named lookup failed on an absolute row.
    Lookup { name: String, row: usize },
    /// A copy constraint failed on an absolute row.
    Permutation { row: usize },
    /// Anything else.
    Other(String),
}

fn row_of(location: &halo2_proofs::dev::FailureLocation) -> usize {
    match location {
        halo2_proofs::dev::FailureLocation::InRegion { offset, .. } => *offset,
        halo2_proofs::dev::FailureLocation::OutsideRegion { row } => *row,
    }
}

/// Reduces mock-prover failures for matching; the only region starts at row 0.
pub fn failures(result: Result<(), Vec<VerifyFailure>>) -> Vec<Failure> {
    let Err(failures) = result else { return Vec::new() };
    failures
        .iter()
        .map(|f| match f {
            VerifyFailure::ConstraintNotSatisfied { constraint, location, .. } => {
                // Display: "Constraint 0 ('name') in gate 1 ('gate')"
                let text = constraint.to_string();
                let names: Vec<&str> = text.split('\'').collect();
                Failure::Constraint {
                    gate: names.get(3).unwrap_or(&"").to_string(),
                    constraint: names.get(1).unwrap_or(&"").to_string(),
                    row: row_of(location),
                }
            }
            VerifyFailure::Lookup { name, location, .. } => {
                Failure::Lookup { name: name.clone(), row: row_of(location) }
            }
            VerifyFailure::Permutation { location, .. } => Failure::Permutation { row: row_of(location) },
            other => Failure::Other(format!("{other:?}")),
        })
        .collect()
}
