//! Whole-MLP mock-prover tests: honest witnesses verify, and tampered ones fail with the
//! specific constraint, lookup or copy that catches them.

mod common;

use common::*;
use zkmlp_circuits::{min_k, MlpParams};

#[test]
fn honest_witness_verifies() {
    let model = random_model(&[8, 16, 16, 1], MlpParams::default(), 1);
    let input = random_input(&model, 1);
    let (layout, witness) = setup(model, &input);
    println!("k = {}, rows = {}, dot = {}, range = {}", min_k(&layout), layout.rows(), layout.dot_len(), layout.range_len);
    assert_eq!(mock(&layout, witness), Ok(()));
}
