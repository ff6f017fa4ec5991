//! Folded outputs: every item's outputs packed into words and folded at the binding by the
//! Horner gate, `D = sum_j w_j c^j`, the instance's last entry. The honest witness proves with
//! the fold computed natively; a wrong `D`, a wrong word (a broken copy) and a wrong point `c`
//! in one Horner row each fail with their specific failure.

mod common;

use std::sync::Arc;

use common::{
    binding, failures, mock, mock_with_instance, perm, public_value, random_input, random_model,
    Failure,
};
use ff::Field;
use halo2_proofs::halo2curves::bn256::Fr;
use zkmlp_circuits::{
    chips::{
        horner::{fold, horner_trace, word_row, HORNER},
        pack::{pack, values_per_element},
    },
    MlpLayout, MlpParams, MlpWitness, QuantizedMlp, SpecError, Visibility, VisibilitySettings,
};

fn folded(inputs: Visibility, weights: Visibility) -> VisibilitySettings {
    VisibilitySettings {
        inputs,
        weights,
        outputs: Visibility::Folded,
    }
}

fn model(seed: u64) -> QuantizedMlp {
    random_model(&[3, 4, 2], MlpParams::default(), seed)
}

/// Layout and honest witness of `batch` items.
fn honest(
    visibility: VisibilitySettings,
    width: usize,
    batch: usize,
    seed: u64,
) -> (Arc<MlpLayout>, MlpWitness) {
    let model = model(seed);
    let input: Vec<i64> = (0..batch)
        .flat_map(|item| random_input(&model, seed * 100 + item as u64))
        .collect();
    let layout = Arc::new(MlpLayout::plan_with(model, width, batch, visibility).expect("valid"));
    let witness = MlpWitness::generate(&layout, &input, binding()).expect("honest");
    (layout, witness)
}

fn horner(row: usize) -> Failure {
    Failure::Constraint {
        gate: "horner".into(),
        constraint: HORNER.into(),
        row,
    }
}

fn assert_contains(found: &[Failure], expected: &[Failure]) {
    for failure in expected {
        assert!(
            found.contains(failure),
            "expected {failure:?} among {found:?}"
        );
    }
}

/// Rewrites the Horner chain from row `t` on with the cells as they now are, as a prover
/// keeping every gate satisfied would; returns the claimed instance with the new `D`.
fn recompute_chain(layout: &MlpLayout, witness: &mut MlpWitness, from: usize) -> Vec<Fr> {
    let fold = layout.fold.as_ref().expect("folded");
    for t in from.max(1)..fold.words() {
        let [acc, c, w] = fold.row_cells(t);
        let prev = witness.get(fold.row_cells(t - 1)[0]);
        witness.set(acc, witness.get(c) * prev + witness.get(w));
    }
    let mut instance = witness.instance();
    *instance.last_mut().expect("non-empty") = witness.get(fold.folded_cell());
    instance
}

#[test]
fn the_native_fold_is_the_polynomial_at_c() {
    let words: Vec<Fr> = (1..=5u64).map(|w| Fr::from(w * 1000 + 7)).collect();
    let c = Fr::from(0xc0ffee);
    let direct = words
        .iter()
        .enumerate()
        .fold(Fr::ZERO, |sum, (j, &w)| sum + w * c.pow([j as u64]));
    assert_eq!(fold(&words, c), direct);
    let trace = horner_trace(&words, c);
    assert_eq!(trace.len(), words.len());
    assert_eq!(trace[0], words[4]);
    assert_eq!(trace[4], direct);
    assert_eq!(word_row(5, 4), 0);
    assert_eq!(fold(&words[..1], c), words[0]);
}

#[test]
fn folded_outputs_prove_with_the_fold_as_last_instance() {
    let bits = MlpParams::default().activation_bits;
    let per_word = values_per_element(bits);
    let modes = [
        (Visibility::Hashed, Visibility::Fixed, 1),
        (Visibility::Hashed, Visibility::Hashed, 2),
        (Visibility::Public, Visibility::Fixed, 2),
        (Visibility::Public, Visibility::Public, 1),
    ];
    // 2 outputs per item: one word (1 item), two full-ish words (6 items), three (11 items).
    for (index, &(inputs, weights, width)) in modes.iter().enumerate() {
        for batch in [1, 6, 11] {
            let visibility = folded(inputs, weights);
            let (layout, witness) = honest(visibility, width, batch, index as u64 + 1);
            let words = pack(&witness.outputs, bits);
            assert_eq!(words.len(), (2 * batch).div_ceil(per_word));
            assert_eq!(witness.words, words);
            let instance = witness.instance();
            assert_eq!(instance.len(), layout.instance_len());
            assert_eq!(instance[0], binding());
            assert_eq!(*instance.last().unwrap(), fold(&words, binding()));
            mock(&layout, witness)
                .unwrap_or_else(|f| panic!("{visibility:?} width {width} batch {batch}: {f:?}"));
        }
    }
}

#[test]
fn rebinding_recomputes_the_fold() {
    let (layout, witness) = honest(folded(Visibility::Hashed, Visibility::Fixed), 1, 6, 3);
    let other = Fr::from(77);
    let mut rebound = witness.clone();
    rebound.rebind(&layout, other);
    let fresh = MlpWitness::generate(&layout, &witness.inputs, other).expect("honest");
    assert_eq!(rebound, fresh);
    assert_eq!(rebound.folded, Some(fold(&witness.words, other)));
    assert_ne!(rebound.folded, witness.folded);
    assert_eq!(mock(&layout, rebound), Ok(()));
}

#[test]
fn a_wrong_fold_fails_the_public_value_gate() {
    let (layout, witness) = honest(folded(Visibility::Hashed, Visibility::Fixed), 2, 6, 4);
    let mut instance = witness.instance();
    let last = instance.len() - 1;
    instance[last] += Fr::ONE;
    let found = failures(mock_with_instance(&layout, witness, instance));
    assert_contains(&found, &[public_value(last)]);
}

#[test]
fn a_wrong_word_breaks_its_copy() {
    let (layout, witness) = honest(folded(Visibility::Hashed, Visibility::Fixed), 1, 11, 5);
    let fold_plan = layout.fold.clone().expect("folded");
    assert_eq!(fold_plan.words(), 3);
    // Word 0 enters on the chain's last row.
    let t = word_row(3, 0);
    let [_, _, w] = fold_plan.row_cells(t);
    // Gates kept satisfied: only the copy of the word from its packing chain can fail.
    let mut bad = witness.clone();
    bad.set(w, witness.get(w) + Fr::ONE);
    let instance = recompute_chain(&layout, &mut bad, t);
    bad.copy_public_rows(&layout);
    let found = failures(mock_with_instance(&layout, bad, instance));
    assert!(found.contains(&perm(w)), "{found:?}");
    assert!(
        found
            .iter()
            .all(|f| matches!(f, Failure::Permutation { .. })),
        "{found:?}"
    );
    // The first row's accumulator is the last word itself.
    let [acc0, _, _] = fold_plan.row_cells(0);
    let mut bad = witness.clone();
    bad.set(acc0, witness.get(acc0) + Fr::ONE);
    let instance = recompute_chain(&layout, &mut bad, 1);
    let found = failures(mock_with_instance(&layout, bad, instance));
    assert!(found.contains(&perm(acc0)), "{found:?}");
}

#[test]
fn a_wrong_point_in_one_horner_row_fails() {
    let (layout, witness) = honest(folded(Visibility::Public, Visibility::Fixed), 2, 11, 6);
    let fold_plan = layout.fold.clone().expect("folded");
    let t = 1;
    let [acc, c, _] = fold_plan.row_cells(t);
    // Chain left as it is: the gate fails on that row.
    let mut bad = witness.clone();
    bad.set(c, binding() + Fr::ONE);
    let found = failures(mock(&layout, bad.clone()));
    assert_contains(&found, &[horner(acc.row), perm(c)]);
    // Chain recomputed at the wrong point: only the copy of c from the binding fails.
    let instance = recompute_chain(&layout, &mut bad, t);
    let found = failures(mock_with_instance(&layout, bad, instance));
    assert!(found.contains(&perm(c)), "{found:?}");
    assert!(!found.contains(&horner(acc.row)), "{found:?}");
}

#[test]
fn a_changed_output_is_caught_by_its_packing_copy() {
    let (layout, witness) = honest(folded(Visibility::Hashed, Visibility::Fixed), 1, 6, 7);
    let segment = &layout.fold.as_ref().expect("folded").segment;
    let output = segment.cells[3];
    let found = failures(mock(&layout, {
        let mut bad = witness.clone();
        bad.set(output, witness.get(output) + Fr::ONE);
        bad
    }));
    assert!(found.contains(&perm(output)), "{found:?}");
}

#[test]
fn folding_needs_outputs_and_a_statement_that_fixes_them() {
    let plan = |v| MlpLayout::plan_with(model(1), 1, 1, v).map(|_| ());
    let all = |inputs, weights, outputs| VisibilitySettings {
        inputs,
        weights,
        outputs,
    };
    use Visibility::*;
    assert_eq!(
        plan(all(Folded, Fixed, Public)),
        Err(SpecError::InvalidVisibility {
            part: "inputs",
            visibility: Folded
        })
    );
    assert_eq!(
        plan(all(Public, Folded, Public)),
        Err(SpecError::InvalidVisibility {
            part: "weights",
            visibility: Folded
        })
    );
    assert_eq!(
        plan(all(Private, Fixed, Folded)),
        Err(SpecError::UnboundFold { part: "inputs" })
    );
    assert_eq!(
        plan(all(Hashed, Private, Folded)),
        Err(SpecError::UnboundFold { part: "weights" })
    );
    assert_eq!(plan(all(Hashed, Hashed, Folded)), Ok(()));
    assert_eq!(Folded.instance_entries(1000), 1);
    assert_eq!(Folded.name(), "folded");
}

#[test]
fn the_fold_lanes_sit_below_everything_on_narrow_circuits() {
    // Width 1 with fixed weights has two side lanes: the chain runs on Z, Acc, Input(0) below
    // every range block, as Poseidon does.
    let (layout, _) = honest(folded(Visibility::Public, Visibility::Fixed), 1, 6, 8);
    let fold_plan = layout.fold.as_ref().expect("folded");
    assert_eq!(fold_plan.lanes, layout.hash_lanes);
    let last_block = layout
        .blocks
        .iter()
        .map(|&(start, kind)| start + layout.block_schedule(kind).len())
        .max()
        .unwrap();
    assert!(fold_plan.start >= last_block);
    assert!(fold_plan.start >= layout.dot_len());
    assert_eq!(
        layout.instance_cells().last(),
        Some(&fold_plan.folded_cell())
    );
}

#[test]
fn folded_plans_keep_few_enough_lanes_for_an_on_chain_verifier() {
    use zkmlp_circuits::layout::MAX_FOLDED_LANES;
    let nft = random_model(&[8, 16, 16, 1], MlpParams::default(), 5);
    for weights in [Visibility::Fixed, Visibility::Hashed, Visibility::Public] {
        for batch in [16, 256] {
            let layout =
                MlpLayout::with_visibility(nft.clone(), batch, folded(Visibility::Hashed, weights))
                    .expect("plans");
            assert!(
                layout.num_lanes() <= MAX_FOLDED_LANES,
                "{weights:?} x {batch}: {} lanes at width {}",
                layout.num_lanes(),
                layout.dot_width
            );
        }
    }
    // The same batch with public outputs is planned for prover cost alone: without the cap,
    // hashed weights at N = 256 take more lanes (measured: width 3, 8 lanes).
    let unbounded = MlpLayout::with_visibility(
        nft,
        256,
        VisibilitySettings {
            inputs: Visibility::Hashed,
            weights: Visibility::Hashed,
            outputs: Visibility::Public,
        },
    )
    .expect("plans");
    assert!(unbounded.num_lanes() > MAX_FOLDED_LANES);
}
