//! Freivalds checks (`chips::freivalds`): the chip alone (every second-phase cell mutated, a
//! wrong `y`), and whole batch circuits with Freivalds-checked layers (honest witnesses, a
//! valid-looking witness of a wrong `Y`, the planner's choice).

mod common;

use std::sync::Arc;

use common::*;
use ff::Field;
use halo2_proofs::{
    circuit::{Cell, Layouter, SimpleFloorPlanner, Value},
    halo2curves::bn256::Fr,
    plonk::{Advice, Any, Circuit, Column, ConstraintSystem, Error, Fixed},
};
use zkmlp_circuits::{
    chips::freivalds::{
        self, FreivaldsChip, FreivaldsConfig, FreivaldsInstructions, HORNER_ACC, HORNER_U, PRODUCT,
        START_ACC, START_U,
    },
    field::i128_to_field,
    layout::{FreivaldsItem, FreivaldsLayer, FreivaldsMode},
    Activation, MlpLayout, MlpParams, MlpWitness, QuantizedLayer, QuantizedMlp, VisibilitySettings,
};

/// Which second-phase cell a chip test overwrites, and by how much.
#[derive(Clone, Copy, Debug)]
struct Tamper {
    /// `true` for the `u` column, `false` for `acc`.
    u: bool,
    row: usize,
    delta: Fr,
}

/// One layer `y_k = W x_k + b` over a few items, with the `x` and `y` values in a first-phase
/// column `z` and the Freivalds rows after them.
#[derive(Clone, Debug)]
struct ChipCircuit {
    layer: QuantizedLayer,
    xs: Vec<Vec<i64>>,
    ys: Vec<Vec<i64>>,
    tamper: Option<Tamper>,
}

#[derive(Clone, Debug)]
struct ChipConfig {
    z: Column<Advice>,
    v: Column<Advice>,
    anchor: Column<Fixed>,
    freivalds: FreivaldsConfig,
}

impl ChipCircuit {
    fn honest(layer: QuantizedLayer, xs: Vec<Vec<i64>>) -> Self {
        let ys = xs.iter().map(|x| forward(&layer, x)).collect();
        Self {
            layer,
            xs,
            ys,
            tamper: None,
        }
    }

    /// The range-lane rows (`x` of every item, then `y`) and the Freivalds plan after them.
    fn plan(&self) -> (Vec<Fr>, FreivaldsLayer) {
        let (m, n) = (self.layer.output_size(), self.layer.input_size());
        let mut z = vec![Fr::ZERO];
        let mut items = Vec::new();
        let weight_start = 1 + self.xs.len() * (m + n);
        let mut start = weight_start + m * (n + 1);
        for (x, y) in self.xs.iter().zip(&self.ys) {
            let inputs: Vec<usize> = (z.len()..z.len() + n).collect();
            z.extend(x.iter().map(|&v| i128_to_field(v.into())));
            let outputs: Vec<usize> = (z.len()..z.len() + m).collect();
            z.extend(y.iter().map(|&v| i128_to_field(v.into())));
            items.push(FreivaldsItem {
                start,
                outputs,
                inputs,
            });
            start += m + n;
        }
        let plan = FreivaldsLayer {
            layer: 0,
            outputs: m,
            inputs: n,
            weight_start,
            items,
        };
        (z, plan)
    }
}

/// `W x + b` over the integers.
fn forward(layer: &QuantizedLayer, x: &[i64]) -> Vec<i64> {
    (layer.weights.iter().zip(&layer.biases))
        .map(|(w, &b)| b + w.iter().zip(x).map(|(w, x)| w * x).sum::<i64>())
        .collect()
}

fn cell(column: Column<Advice>, row: usize) -> Cell {
    Cell {
        row_offset: row,
        column: Column::<Any>::from(column),
    }
}

impl Circuit<Fr> for ChipCircuit {
    type Config = ChipConfig;
    type FloorPlanner = SimpleFloorPlanner;
    type Params = ();

    fn without_witnesses(&self) -> Self {
        self.clone()
    }

    fn configure(meta: &mut ConstraintSystem<Fr>) -> ChipConfig {
        let (z, v) = (meta.advice_column(), meta.advice_column());
        meta.enable_equality(z);
        meta.enable_equality(v);
        let anchor = meta.fixed_column();
        let freivalds = FreivaldsChip::configure(meta, v);
        ChipConfig {
            z,
            v,
            anchor,
            freivalds,
        }
    }

    fn synthesize(&self, config: ChipConfig, mut layouter: impl Layouter<Fr>) -> Result<(), Error> {
        let (z, plan) = self.plan();
        let layers = [self.layer.clone()];
        let chip = FreivaldsChip::construct(config.freivalds);
        layouter.assign_region(
            || "freivalds",
            |mut region| {
                anchor_row_zero(&mut region, config.anchor);
                for (row, &value) in z.iter().enumerate() {
                    region.assign_advice(config.z, row, Value::known(value));
                }
                let m = plan.outputs;
                for item in &plan.items {
                    let sources = item.outputs.iter().rev().chain(&item.inputs);
                    for (t, &source) in sources.enumerate() {
                        region.assign_advice(config.v, item.start + t, Value::known(z[source]));
                        region.constrain_equal(
                            cell(config.v, item.start + t),
                            cell(config.z, source),
                        );
                    }
                    let _ = m;
                }
                chip.assign_fixed(&mut region, std::slice::from_ref(&plan), &layers)?;
                chip.constrain(&mut region, std::slice::from_ref(&plan));
                chip.assign_second_phase(
                    &mut region,
                    std::slice::from_ref(&plan),
                    &layers,
                    Some(&z),
                )?;
                let Some(tamper) = self.tamper else {
                    return Ok(());
                };
                let mut rho = None;
                region
                    .get_challenge(config.freivalds.rho)
                    .map(|value| rho = Some(value));
                if let Some(rho) = rho {
                    let (accs, us) = freivalds::trace(&plan, &self.layer, rho, &z);
                    let (column, values) = match tamper.u {
                        true => (config.freivalds.u, us),
                        false => (config.freivalds.acc, accs),
                    };
                    let honest = values.iter().find(|(row, _)| *row == tamper.row).unwrap().1;
                    region.assign_advice(column, tamper.row, Value::known(honest + tamper.delta));
                }
                Ok(())
            },
        )
    }
}

fn small_layer() -> QuantizedLayer {
    QuantizedLayer {
        weights: vec![
            vec![3, -1, 4],
            vec![-1, 5, -9],
            vec![2, 6, -5],
            vec![3, 5, -8],
        ],
        biases: vec![7, -2, 0, 11],
        activation: Activation::Identity,
    }
}

fn small_chip() -> ChipCircuit {
    ChipCircuit::honest(small_layer(), vec![vec![1, -2, 3], vec![-4, 0, 6]])
}

fn constraint(gate: &str, constraint: &str, row: usize) -> Failure {
    Failure::Constraint {
        gate: gate.into(),
        constraint: constraint.into(),
        row,
    }
}

#[test]
fn the_chip_accepts_an_honest_layer() {
    assert_eq!(mock_chip(7, &small_chip()), Ok(()));
}

#[test]
fn the_chip_rejects_a_wrong_output_at_the_items_last_copy() {
    let mut circuit = small_chip();
    circuit.ys[1][2] += 1;
    let (_, plan) = circuit.plan();
    // The copy `acc(last row) = u_n` fails at both ends: the item's last `acc` and `u_n`
    // (advice columns: z, v, acc, u).
    assert_fails(
        mock_chip(7, &circuit),
        vec![
            Failure::Permutation {
                column: Col::Advice(2),
                row: plan.items[1].last_row(4, 3),
            },
            Failure::Permutation {
                column: Col::Advice(3),
                row: plan.u_row(3),
            },
        ],
    );
}

/// Every second-phase cell, overwritten by `+1` and by `-1`, is rejected, by the gate that
/// reads it or by its copy.
#[test]
fn every_second_phase_cell_is_constrained() {
    let circuit = small_chip();
    let (z, plan) = circuit.plan();
    let (accs, us) = freivalds::trace(&plan, &circuit.layer, Fr::from(5), &z);
    let cells =
        (accs.iter().map(|&(row, _)| (false, row))).chain(us.iter().map(|&(row, _)| (true, row)));
    let mut mutants = 0;
    for (u, row) in cells {
        for delta in [Fr::ONE, -Fr::ONE, Fr::from(1 << 20)] {
            let mut mutant = circuit.clone();
            mutant.tamper = Some(Tamper { u, row, delta });
            assert!(
                mock_chip(7, &mutant).is_err(),
                "accepted: u = {u}, row {row}"
            );
            mutants += 1;
        }
    }
    let (m, n, items) = (4, 3, 2);
    assert_eq!(mutants, 3 * 2 * (m * (n + 1) + items * (m + n)));
}

/// Each constraint rejects a changed cell of its own row by name: a weight chain's start and
/// Horner step (`u`), an item's start and Horner step (`acc`), the product step.
#[test]
fn each_gate_names_its_constraint() {
    let circuit = small_chip();
    let (_, plan) = circuit.plan();
    let item = &plan.items[0];
    let cases = [
        (true, plan.weight_row(0, 0), "freivalds start", START_U),
        (true, plan.weight_row(1, 2), "freivalds horner", HORNER_U),
        (false, item.start, "freivalds start", START_ACC),
        (false, item.start + 2, "freivalds horner", HORNER_ACC),
        (false, item.start + 4 + 1, "freivalds product", PRODUCT),
    ];
    for (u, row, gate, name) in cases {
        let mut mutant = circuit.clone();
        mutant.tamper = Some(Tamper {
            u,
            row,
            delta: Fr::ONE,
        });
        let found = failures(mock_chip(7, &mutant));
        assert!(
            found.contains(&constraint(gate, name, row)),
            "{gate}: {found:?}"
        );
    }
}

/// The model of the batch tests: three layers, all Freivalds-checked when forced on.
fn batch_model(seed: u64) -> QuantizedMlp {
    random_model(&[6, 9, 5, 2], MlpParams::default(), seed)
}

fn forced(model: QuantizedMlp, items: usize) -> Arc<MlpLayout> {
    let vis = VisibilitySettings::default();
    let layout = MlpLayout::with_freivalds(model, items, vis, false, FreivaldsMode::On);
    Arc::new(layout.expect("valid model"))
}

fn batch_input(model: &QuantizedMlp, items: usize) -> Vec<i64> {
    (0..items)
        .flat_map(|k| random_input(model, 40 + k as u64))
        .collect()
}

#[test]
fn a_forced_batch_checks_every_layer_and_proves_the_reference_outputs() {
    let model = batch_model(3);
    let layout = forced(model.clone(), 3);
    assert_eq!(layout.freivalds.len(), 3);
    assert!(layout.circuit_params().freivalds);
    let input = batch_input(&model, 3);
    let witness = MlpWitness::generate(&layout, &input, binding()).unwrap();
    let plain = Arc::new(
        MlpLayout::with_freivalds(
            model,
            3,
            VisibilitySettings::default(),
            false,
            FreivaldsMode::Off,
        )
        .unwrap(),
    );
    assert!(plain.freivalds.is_empty());
    let reference = MlpWitness::generate(&plain, &input, binding()).unwrap();
    assert_eq!(witness.outputs, reference.outputs);
    assert_eq!(mock(&layout, witness), Ok(()));
}

/// The witness of a model one weight away: every rescale block, activation and output is
/// consistent with its `Y`, only `Y ≠ W X` for the circuit's `W`. Each item whose input
/// reaches that weight fails its check (the copy of its chain's end to `u_n`), and nothing
/// else fails.
#[test]
fn a_valid_looking_witness_of_a_wrong_product_is_rejected_by_the_check_copy() {
    let model = batch_model(5);
    let layout = forced(model.clone(), 3);
    let mut twin = model.clone();
    twin.layers[0].weights[2][1] += 3;
    let twin_layout = MlpLayout::plan_options(
        twin,
        layout.dot_width,
        3,
        layout.visibility,
        layout.limb_bits,
        false,
        FreivaldsMode::On,
    )
    .unwrap();
    assert_eq!(twin_layout.freivalds, layout.freivalds);
    let input = batch_input(&model, 3);
    let wrong = MlpWitness::generate(&twin_layout, &input, binding()).unwrap();
    let plan = &layout.freivalds[0];
    let expected = (plan.items.iter().enumerate())
        .filter(|(k, _)| input[k * 6 + 1] != 0)
        .map(|(_, item)| item.last_row(9, 6))
        .collect::<Vec<_>>();
    assert_eq!(expected.len(), 3);
    // The second-phase columns come after the lanes: `acc`, then `u`. Each failing item's
    // last `acc` and the bias chain's `u_n` it is tied to.
    let (acc, u) = (
        Col::Advice(layout.num_lanes()),
        Col::Advice(layout.num_lanes() + 1),
    );
    let mut found: Vec<Failure> = expected
        .into_iter()
        .map(|row| Failure::Permutation { column: acc, row })
        .collect();
    found.push(Failure::Permutation {
        column: u,
        row: plan.u_row(6),
    });
    assert_fails(mock(&layout, wrong), found);
}

#[test]
fn the_planner_uses_freivalds_only_where_it_pays() {
    let vis = VisibilitySettings::default();
    let model = random_model(&[128, 64, 1], MlpParams::default(), 9);
    let cost = |l: &MlpLayout| l.prover_columns() << zkmlp_circuits::min_k(l);
    let plan = |items, packing, mode| {
        MlpLayout::with_freivalds(model.clone(), items, vis, packing, mode).unwrap()
    };
    assert!(plan(1, true, FreivaldsMode::Auto).freivalds.is_empty());
    // Without packing, the 64 x 128 layer pays at 16 items; the 1 x 64 layer never does.
    let auto = plan(16, false, FreivaldsMode::Auto);
    assert_eq!(
        auto.freivalds.iter().map(|f| f.layer).collect::<Vec<_>>(),
        [0]
    );
    let off = plan(16, false, FreivaldsMode::Off);
    assert!(off.freivalds.is_empty());
    assert!(cost(&auto) < cost(&off));
    // Packed weights beat it on this shape (both range-lane bound at k = 14, fewer columns):
    // the default planner keeps the cheapest.
    let default = MlpLayout::with_visibility(model.clone(), 16, vis).unwrap();
    let packed = plan(16, true, FreivaldsMode::Off);
    assert_eq!(cost(&default), cost(&packed).min(cost(&auto)));
    assert!(default.freivalds.is_empty());
}

#[test]
fn witnessed_weights_are_never_checked_by_freivalds() {
    let model = batch_model(7);
    let vis = VisibilitySettings {
        weights: zkmlp_circuits::Visibility::Private,
        ..VisibilitySettings::default()
    };
    let layout = MlpLayout::with_freivalds(model, 2, vis, false, FreivaldsMode::On).unwrap();
    assert!(layout.freivalds.is_empty());
}
