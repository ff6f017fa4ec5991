//! Batch circuits: several inferences of one model in one circuit.

mod common;

use std::sync::Arc;

use common::*;
use ff::Field;
use halo2_proofs::halo2curves::bn256::Fr;
use zkmlp_circuits::{CellRef, MlpLayout, MlpParams, MlpWitness, WitnessError};

fn batch_setup(items: usize) -> (Arc<MlpLayout>, MlpWitness, Vec<Vec<i64>>) {
    let model = random_model(&[5, 7, 2], MlpParams::default(), 11);
    let inputs: Vec<Vec<i64>> = (0..items)
        .map(|i| random_input(&model, 100 + i as u64))
        .collect();
    let layout = Arc::new(MlpLayout::new_batch(model, items).expect("valid model"));
    let flat: Vec<i64> = inputs.concat();
    let witness = MlpWitness::generate(&layout, &flat, Fr::from(9)).expect("in range");
    (layout, witness, inputs)
}

#[test]
fn a_batch_proves_each_item_as_a_single_circuit_would() {
    let (layout, witness, inputs) = batch_setup(3);
    assert_eq!(layout.instance_len(), 1 + 3 * (5 + 2));
    for (item, input) in inputs.iter().enumerate() {
        let single = MlpLayout::new(layout.model.clone()).unwrap();
        let alone = MlpWitness::generate(&single, input, Fr::ZERO).unwrap();
        assert_eq!(witness.outputs[item * 2..item * 2 + 2], alone.outputs[..]);
    }
    assert_eq!(mock(&layout, witness), Ok(()));
}

#[test]
fn changing_one_items_output_fails_its_public_row() {
    let (layout, witness, _) = batch_setup(3);
    for position in [1 + 3 * 5, 1 + 3 * 5 + 3, 1 + 3 * 5 + 5] {
        let mut instance = witness.instance();
        instance[position] += Fr::ONE;
        let failures = failures(mock_with_instance(&layout, witness.clone(), instance));
        assert_eq!(failures, vec![public_value(position)]);
    }
}

#[test]
fn a_public_row_published_without_its_cell_fails_the_copy() {
    let (layout, witness, _) = batch_setup(3);
    let cells = layout.instance_cells();
    for position in [1, 1 + 3 * 5 + 5] {
        let mut bad = witness.clone();
        let public = CellRef::z(position);
        bad.set(public, witness.get(public) + Fr::ONE);
        let mut instance = witness.instance();
        instance[position] += Fr::ONE;
        let found = failures(mock_with_instance(&layout, bad, instance));
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found.contains(&perm(public)), "{found:?}");
        assert!(found.contains(&perm(cells[position])), "{found:?}");
    }
}

#[test]
fn a_batch_needs_every_items_features() {
    let (layout, _, inputs) = batch_setup(2);
    let short = inputs[0].clone();
    assert_eq!(
        MlpWitness::generate(&layout, &short, Fr::ZERO),
        Err(WitnessError::FeatureCount {
            expected: 10,
            got: 5
        })
    );
    assert!(MlpLayout::new_batch(layout.model.clone(), 0).is_err());
}
