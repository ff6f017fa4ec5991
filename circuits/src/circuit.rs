//! The MLP circuit: configures the chips and assigns a planned layout in one region.
//!
//! Public instance (one column): the binding value, the quantized input features, then the
//! quantized outputs.
//! Weights, biases and the lookup table are fixed columns, bound by the verifying key.

use std::sync::Arc;

use halo2_proofs::{
    circuit::{Cell, Layouter, SimpleFloorPlanner, Value},
    halo2curves::bn256::Fr,
    plonk::{Advice, Any, Circuit, Column, ConstraintSystem, Error, Instance},
};

use crate::chips::{
    dot::{DotChip, DotConfig, DotInstructions},
    range::{RangeChip, RangeConfig, RangeInstructions},
    rescale::{ReluChip, ReluConfig, RescaleSchedule},
};
use crate::layout::{CellRef, Lane, MlpLayout};
use crate::spec::MlpParams;
use crate::witness::MlpWitness;

/// Everything `configure` depends on: the fixed-point parameters and the dot width.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CircuitParams {
    /// Fixed-point parameters (limb schedules, table, ReLU rotation).
    pub fixed_point: MlpParams,
    /// Multiply-accumulates per dot-product row.
    pub dot_width: usize,
}

impl Default for CircuitParams {
    fn default() -> Self {
        Self {
            fixed_point: MlpParams::default(),
            dot_width: crate::chips::dot::MAX_DOT_WIDTH,
        }
    }
}

impl CircuitParams {
    /// The parameters of `layout`.
    pub fn of(layout: &MlpLayout) -> Self {
        Self {
            fixed_point: layout.model.params,
            dot_width: layout.dot_width,
        }
    }
}

/// Columns and chips of the MLP circuit.
#[derive(Clone, Debug)]
pub struct MlpConfig {
    /// Advice columns, indexed by [`Lane::index`].
    pub advice: Vec<Column<Advice>>,
    /// The public instance column.
    pub instance: Column<Instance>,
    /// Dot-product gate.
    pub dot: DotConfig,
    /// Range lookup.
    pub range: RangeConfig,
    /// ReLU gate.
    pub relu: ReluConfig,
}

impl MlpConfig {
    /// Creates all columns, gates and the lookup for `params`.
    pub fn configure(meta: &mut ConstraintSystem<Fr>, params: CircuitParams) -> Self {
        let advice: Vec<Column<Advice>> = Lane::all(params.dot_width)
            .map(|_| meta.advice_column())
            .collect();
        let instance = meta.instance_column();
        meta.enable_equality(instance);
        for &column in &advice {
            meta.enable_equality(column);
        }
        let schedule = RescaleSchedule::new(params.fixed_point);
        let z = advice[Lane::Z.index()];
        let inputs: Vec<Column<Advice>> = (0..params.dot_width)
            .map(|i| advice[Lane::Input(i).index()])
            .collect();
        let dot = DotChip::configure(meta, &inputs, advice[Lane::Acc.index()]);
        let range = RangeChip::configure(meta, z, &schedule.widths());
        let relu = ReluChip::configure(meta, z, &schedule);
        Self {
            advice,
            instance,
            dot,
            range,
            relu,
        }
    }

    fn cell(&self, cell: CellRef) -> Cell {
        Cell {
            row_offset: cell.row,
            column: Column::<Any>::from(self.advice[cell.lane.index()]),
        }
    }
}

/// Proves `outputs = MLP(inputs)` for the model fixed in its layout.
#[derive(Clone, Debug)]
pub struct MlpCircuit {
    layout: Arc<MlpLayout>,
    witness: Option<Arc<MlpWitness>>,
}

impl MlpCircuit {
    /// A circuit without witness, for key generation.
    pub fn keygen(layout: Arc<MlpLayout>) -> Self {
        Self {
            layout,
            witness: None,
        }
    }

    /// A circuit carrying a witness, for proving or the mock prover.
    pub fn new(layout: Arc<MlpLayout>, witness: Arc<MlpWitness>) -> Self {
        Self {
            layout,
            witness: Some(witness),
        }
    }

    /// The layout.
    pub fn layout(&self) -> &MlpLayout {
        &self.layout
    }
}

impl Circuit<Fr> for MlpCircuit {
    type Config = MlpConfig;
    type FloorPlanner = SimpleFloorPlanner;
    type Params = CircuitParams;

    fn without_witnesses(&self) -> Self {
        Self::keygen(self.layout.clone())
    }

    fn params(&self) -> CircuitParams {
        CircuitParams::of(&self.layout)
    }

    fn configure_with_params(meta: &mut ConstraintSystem<Fr>, params: CircuitParams) -> MlpConfig {
        MlpConfig::configure(meta, params)
    }

    /// Only reached if halo2's `circuit-params` feature were off; the workspace keeps it on
    /// (halo2-axiom's default), so the real parameters always arrive through
    /// `configure_with_params`.
    fn configure(meta: &mut ConstraintSystem<Fr>) -> MlpConfig {
        MlpConfig::configure(meta, CircuitParams::default())
    }

    fn synthesize(&self, config: MlpConfig, mut layouter: impl Layouter<Fr>) -> Result<(), Error> {
        let layout = &self.layout;
        let range = RangeChip::construct(config.range.clone());
        let dot = DotChip::construct(config.dot.clone());
        let relu = ReluChip::construct(config.relu);
        range.load_table(&mut layouter)?;

        let instance_cells = layouter.assign_region(
            || "mlp",
            |mut region| {
                for (row, dot_row) in layout.dot_rows.iter().enumerate() {
                    match dot_row {
                        Some(dot_row) => dot.assign_row_fixed(&mut region, row, dot_row)?,
                        None => dot.assign_empty_row(&mut region, row),
                    }
                }
                for &(start, kind) in &layout.blocks {
                    range.assign_block_fixed(&mut region, start, layout.block_schedule(kind));
                }
                for &row in &layout.relu_rows {
                    relu.enable(&mut region, row)?;
                }

                for lane in Lane::all(layout.dot_width) {
                    let column = config.advice[lane.index()];
                    let len = if lane == Lane::Z {
                        layout.range_len
                    } else {
                        layout.dot_len()
                    };
                    for row in 0..len {
                        let value = match &self.witness {
                            Some(w) => Value::known(w.get(CellRef { lane, row })),
                            None => Value::unknown(),
                        };
                        region.assign_advice(column, row, value);
                    }
                }

                for (row, sources) in layout.dot_sources.iter().enumerate() {
                    for (slot, source) in sources.iter().enumerate() {
                        if let Some(source_row) = source {
                            region.constrain_equal(
                                config.cell(CellRef {
                                    lane: Lane::Input(slot),
                                    row,
                                }),
                                config.cell(CellRef::z(*source_row)),
                            );
                        }
                    }
                }
                for layer in &layout.neurons {
                    for neuron in layer {
                        let last_acc = CellRef {
                            lane: Lane::Acc,
                            row: neuron.dot_start + neuron.dot_rows - 1,
                        };
                        region.constrain_equal(
                            config.cell(last_acc),
                            config.cell(CellRef::z(neuron.block_start)),
                        );
                    }
                }
                Ok(layout
                    .instance_cells()
                    .into_iter()
                    .map(|c| config.cell(c))
                    .collect::<Vec<_>>())
            },
        )?;
        for (index, cell) in instance_cells.into_iter().enumerate() {
            layouter.constrain_instance(cell, config.instance, index);
        }
        Ok(())
    }
}
