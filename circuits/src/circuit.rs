//! The MLP circuit: configures the chips and assigns a planned layout in one region.
//!
//! Public instance (one column): the binding value, then the inputs, weights and outputs as
//! their visibility says (see [`crate::layout`]); by default the quantized input features,
//! then the quantized outputs. The instance is checked by the gate of
//! [`crate::chips::public`] on the range lane's first rows, outside the permutation.
//! Weights, biases and the lookup table are fixed columns, bound by the verifying key.

use std::sync::Arc;

use halo2_proofs::{
    circuit::{Cell, Layouter, Region, SimpleFloorPlanner, Value},
    halo2curves::bn256::Fr,
    plonk::{Advice, Any, Circuit, Column, ConstraintSystem, Error, Instance},
};

use crate::chips::{
    dot::{DotChip, DotConfig, DotInstructions},
    freivalds::{FreivaldsChip, FreivaldsConfig, FreivaldsInstructions},
    horner::{HornerChip, HornerConfig, HornerInstructions},
    pack::{PackChip, PackConfig},
    poseidon::{PoseidonChip, PoseidonConfig},
    public::{PublicChip, PublicConfig},
    range::{RangeChip, RangeConfig, RangeInstructions, BIT_LIMBS},
    rescale::{signed_schedule_of, ReluChip, ReluConfig, RescaleSchedule},
    squash,
};
use crate::layout::{hash_lanes, lanes::RangeGroups, CellRef, Lane, MlpLayout, PackSegment};
use crate::spec::{MlpParams, VisibilitySettings};
use crate::witness::MlpWitness;

/// Everything `configure` depends on: the fixed-point parameters, the dot width, the
/// visibility and the bit-widths of witnessed parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CircuitParams {
    /// Fixed-point parameters (limb schedules, table, ReLU rotation).
    pub fixed_point: MlpParams,
    /// Multiply-accumulates per dot-product row.
    pub dot_width: usize,
    /// Who sees inputs, weights and outputs.
    pub visibility: VisibilitySettings,
    /// Signed bit-width of witnessed weights (0 when fixed).
    pub weight_bits: u32,
    /// Signed bit-width of witnessed biases (0 when fixed).
    pub bias_bits: u32,
    /// Widest limb of the range checks (`8`, or `12` where the planner finds it cheaper); at
    /// [`BIT_LIMBS`] (`1`) the limbs are checked by a gate and the circuit has no lookup.
    pub limb_bits: u32,
    /// Whether some layer is checked by Freivalds (a second phase and a challenge).
    pub freivalds: bool,
    /// Range columns (see [`crate::layout::lanes`]): `1`, or more with a split range lane.
    pub range_lanes: usize,
    /// Whether the public values are copied to the instance column (which then joins the
    /// permutation) instead of checked by the public-value gate
    /// ([`MlpLayout::public_copies`]).
    pub public_copies: bool,
}

impl Default for CircuitParams {
    fn default() -> Self {
        Self {
            fixed_point: MlpParams::default(),
            dot_width: crate::chips::dot::MAX_DOT_WIDTH,
            visibility: VisibilitySettings::default(),
            weight_bits: 0,
            bias_bits: 0,
            limb_bits: crate::chips::LIMB_BITS,
            freivalds: false,
            range_lanes: 1,
            public_copies: false,
        }
    }
}

impl CircuitParams {
    /// The parameters of `layout`.
    pub fn of(layout: &MlpLayout) -> Self {
        Self {
            fixed_point: layout.model.params,
            dot_width: layout.dot_width,
            visibility: layout.visibility,
            weight_bits: layout.weight_bits,
            bias_bits: layout.bias_bits,
            limb_bits: layout.limb_bits,
            freivalds: !layout.freivalds.is_empty(),
            range_lanes: layout.range_lanes(),
            public_copies: layout.public_copies(),
        }
    }
}

/// Every limb width the range table serves under `params`.
pub fn table_widths(params: &CircuitParams) -> Vec<u32> {
    let mut widths = RescaleSchedule::with_limb_bits(params.fixed_point, params.limb_bits).widths();
    for bits in [params.weight_bits, params.bias_bits] {
        if bits >= 2 {
            widths.extend(
                signed_schedule_of(bits, params.limb_bits)
                    .iter()
                    .map(|limb| limb.width),
            );
        }
    }
    widths.sort_unstable();
    widths.dedup();
    widths
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
    /// Range checks (a lookup, or the bit gate at [`BIT_LIMBS`]).
    pub range: RangeConfig,
    /// ReLU gate.
    pub relu: ReluConfig,
    /// Public-value gate (sharing the ReLU gate's row-kind column); none when the public
    /// values are copied to the instance column ([`CircuitParams::public_copies`]).
    pub public: Option<PublicConfig>,
    /// Packing gate, when a part is hashed.
    pub pack: Option<PackConfig>,
    /// Poseidon gates, when a part is hashed.
    pub poseidon: Option<PoseidonConfig>,
    /// Horner gate, when the outputs are folded.
    pub horner: Option<HornerConfig>,
    /// Freivalds gates, when a layer is checked by Freivalds.
    pub freivalds: Option<FreivaldsConfig>,
    /// The extra range columns of a split range lane (see [`crate::layout::lanes`]), each
    /// with its own range lookup and ReLU gate on the first column's fixed columns and
    /// table; empty otherwise.
    pub more_range: Vec<(RangeConfig, ReluConfig)>,
    /// Where a split range lane's rows lie (see [`crate::layout::lanes`]; `None`: one
    /// column); set from the layout when synthesizing, since `configure` sees only
    /// [`CircuitParams`].
    pub range_groups: Option<Arc<RangeGroups>>,
}

impl MlpConfig {
    /// Creates all columns, gates and the lookup for `params`.
    pub fn configure(meta: &mut ConstraintSystem<Fr>, params: CircuitParams) -> Self {
        let witnessed = params.visibility.weights_are_witnessed();
        let advice: Vec<Column<Advice>> = Lane::all_with(params.dot_width, witnessed)
            .map(|_| meta.advice_column())
            .collect();
        let instance = meta.instance_column();
        if params.public_copies {
            meta.enable_equality(instance);
        }
        for &column in &advice {
            meta.enable_equality(column);
        }
        let schedule = RescaleSchedule::with_limb_bits(params.fixed_point, params.limb_bits);
        let z = advice[Lane::Z.index()];
        let inputs: Vec<Column<Advice>> = (0..params.dot_width)
            .map(|i| advice[Lane::Input(i).index()])
            .collect();
        let weights: Vec<Column<Advice>> = (0..if witnessed { params.dot_width } else { 0 })
            .map(|slot| {
                advice[Lane::Weight {
                    slot,
                    dot_width: params.dot_width,
                }
                .index()]
            })
            .collect();
        let acc = advice[Lane::Acc.index()];
        let dot = DotChip::configure(meta, &inputs, acc, witnessed.then_some(&weights[..]));
        let range = if params.limb_bits == BIT_LIMBS {
            RangeChip::configure_bits(meta, z)
        } else {
            RangeChip::configure(meta, z, &table_widths(&params))
        };
        let relu = ReluChip::configure(meta, z, &schedule);
        let public =
            (!params.public_copies).then(|| PublicChip::configure(meta, z, instance, relu.kind));
        let visibility = params.visibility;
        let pack = visibility
            .any_packed()
            .then(|| PackChip::configure(meta, inputs[0], acc, dot.weights[0], dot.bias));
        let lanes = hash_lanes(params.dot_width, witnessed).map(|lane| advice[lane.index()]);
        let poseidon = visibility
            .any_hashed()
            .then(|| PoseidonChip::configure(meta, lanes));
        let horner = visibility
            .outputs_folded()
            .then(|| HornerChip::configure(meta, lanes));
        let freivalds = params
            .freivalds
            .then(|| FreivaldsChip::configure(meta, inputs[0]));
        // last, so that a one-column circuit keeps its column order
        let more_range = (1..params.range_lanes)
            .map(|_| {
                let z = meta.advice_column();
                meta.enable_equality(z);
                let lane = RangeChip::configure_sharing(meta, z, &range);
                (
                    lane,
                    ReluChip::configure_sharing(meta, z, &schedule, relu.kind),
                )
            })
            .collect();
        Self {
            advice,
            instance,
            dot,
            range,
            relu,
            public,
            pack,
            poseidon,
            horner,
            freivalds,
            more_range,
            range_groups: None,
        }
    }

    /// The range column `lane` (`0` is `z`) of a split range lane.
    fn range_column(&self, lane: usize) -> Column<Advice> {
        match lane {
            0 => self.advice[Lane::Z.index()],
            _ => self.more_range[lane - 1].0.z,
        }
    }

    /// The circuit cell of a layout cell: a range-lane row is mapped to its range column and
    /// row (see [`crate::layout::lanes`]).
    fn cell(&self, cell: CellRef) -> Cell {
        let (column, row_offset) = match (cell.lane, &self.range_groups) {
            (Lane::Z, Some(groups)) => {
                let (column, row) = groups.cell(cell.row);
                (self.range_column(column), row)
            }
            (lane, _) => (self.advice[lane.index()], cell.row),
        };
        Cell {
            row_offset,
            column: Column::<Any>::from(column),
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
        let config = MlpConfig {
            range_groups: (layout.lane_rows > 0).then(|| Arc::new(layout.range_groups.clone())),
            ..config
        };
        let range = RangeChip::construct(config.range.clone());
        let dot = DotChip::construct(config.dot.clone());
        let relu = ReluChip::construct(config.relu);
        range.load_table_with(
            &mut layouter,
            &squash::table_entries(&layout.squash_tables, layout.model.params.scale_bits),
        )?;

        layouter.assign_region(
            || "mlp",
            |mut region| {
                assign_hash_fixed(&config, layout, &mut region)?;
                assign_fold_fixed(&config, layout, &mut region)?;
                for (row, dot_row) in layout.dot_rows.iter().enumerate() {
                    match dot_row {
                        Some(dot_row) => dot.assign_row_fixed(&mut region, row, dot_row),
                        None => dot.assign_empty_row(&mut region, row),
                    }
                }
                // A split range lane's columns share the first column's fixed columns
                // (`layout::lanes`): each group's rows are assigned once, by its slot 0, the
                // block in column 0.
                for &(start, kind) in &layout.blocks {
                    if let (0, row) = layout.range_cell(start) {
                        range.assign_block_fixed(&mut region, row, layout.block_schedule(kind));
                    }
                }
                for &row in &layout.relu_rows {
                    if let (0, row) = layout.range_cell(row) {
                        relu.enable(&mut region, row);
                    }
                }
                if let Some(public) = config.public {
                    PublicChip::construct(public).enable(&mut region, layout.public_len());
                }
                for placement in &layout.squash {
                    let scale_bits = layout.model.params.scale_bits;
                    placement.assign_lookup_fixed(&config.range, &mut region, scale_bits);
                }

                // with a split range lane, the other lanes end at their own last row (the
                // witness columns are as long as the range lane's rows, zero below)
                let side_len = layout.side_len.max(layout.range_column_len());
                for lane in layout.lanes() {
                    let rows = match (lane, layout.lane_rows) {
                        // a split range lane: every range-lane row, padding slots included
                        (Lane::Z, 0) => layout.advice_len(),
                        (Lane::Z, _) => layout.range_len,
                        _ => side_len,
                    };
                    for row in 0..rows {
                        let value = match &self.witness {
                            Some(w) => Value::known(w.get(CellRef { lane, row })),
                            None => Value::unknown(),
                        };
                        let cell = config.cell(CellRef { lane, row });
                        let column = Column::<Advice>::try_from(cell.column)
                            .expect("layout cells are advice cells");
                        region.assign_advice(column, cell.row_offset, value);
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
                for (row, sources) in layout.weight_sources.iter().enumerate() {
                    for (slot, source) in sources.iter().enumerate() {
                        if let Some(source_row) = source {
                            let lane = Lane::Weight {
                                slot,
                                dot_width: layout.dot_width,
                            };
                            region.constrain_equal(
                                config.cell(CellRef { lane, row }),
                                config.cell(CellRef::z(*source_row)),
                            );
                        }
                    }
                }
                constrain_hash_inputs(&config, layout, &mut region);
                constrain_fold(&config, layout, &mut region);
                for &(a, b) in &layout.copies {
                    region.constrain_equal(config.cell(a), config.cell(b));
                }
                for (layer, bias_rows) in layout.neurons.iter().zip(layout.bias_rows.iter()) {
                    for (neuron, &bias_row) in layer.iter().zip(bias_rows.iter().cycle()) {
                        if let Some(row) = neuron.bias_row {
                            region.constrain_equal(
                                config.cell(CellRef {
                                    lane: Lane::Acc,
                                    row,
                                }),
                                config.cell(CellRef::z(bias_row)),
                            );
                        }
                    }
                }
                for layer in &layout.neurons {
                    // A packed chain's end is slot 0's accumulator (see chips::strand).
                    // A Freivalds-checked neuron has no chain (`dot_rows = 0`).
                    for neuron in layer.iter().filter(|n| n.strand == 0 && n.dot_rows > 0) {
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
                // Last: it ends the first phase.
                if let Some(freivalds) = config.freivalds {
                    let chip = FreivaldsChip::construct(freivalds);
                    let layers = &layout.model.layers;
                    chip.assign_fixed(&mut region, &layout.freivalds, layers)?;
                    chip.constrain(&mut region, &layout.freivalds);
                    let z = self
                        .witness
                        .as_ref()
                        .map(|w| &w.columns[Lane::Z.index()][..]);
                    chip.assign_second_phase(&mut region, &layout.freivalds, layers, z)?;
                }
                for (public, value) in layout
                    .public_cells()
                    .into_iter()
                    .zip(layout.instance_cells())
                {
                    if public != value {
                        region.constrain_equal(config.cell(public), config.cell(value));
                    }
                }
                Ok(())
            },
        )?;
        // with public copies, the instance value `i` is the `i`-th instance cell itself
        if layout.public_copies() {
            for (row, cell) in layout.instance_cells().into_iter().enumerate() {
                layouter.constrain_instance(config.cell(cell), config.instance, row);
            }
        }
        Ok(())
    }
}

/// Enables the packing and Horner gates of folded outputs and assigns their fixed values.
fn assign_fold_fixed(
    config: &MlpConfig,
    layout: &MlpLayout,
    region: &mut Region<'_, Fr>,
) -> Result<(), Error> {
    let (Some(fold), Some(pack), Some(horner)) = (&layout.fold, config.pack, config.horner) else {
        return Ok(());
    };
    let segment = &fold.segment;
    PackChip::construct(pack).assign_fixed(
        region,
        segment.start,
        segment.cells.len(),
        segment.bits,
    )?;
    HornerChip::construct(horner).enable_chain(region, fold.start, fold.words())
}

/// Ties the folded outputs' packed values to their range-checked cells, and the Horner chain
/// to the words and the binding: `acc_0 = w_(m-1)`, then on row `t >= 1`, `c = binding` and
/// `w = w_(m-1-t)` (see [`crate::chips::horner`]).
fn constrain_fold(config: &MlpConfig, layout: &MlpLayout, region: &mut Region<'_, Fr>) {
    let Some(fold) = &layout.fold else {
        return;
    };
    constrain_packed_values(config, &fold.segment, region);
    let words = fold.word_cells();
    let binding = config.cell(CellRef::z(layout.binding_row));
    let last = words.len() - 1;
    for t in 0..words.len() {
        let [acc, c, w] = fold.row_cells(t).map(|cell| config.cell(cell));
        let word = config.cell(words[last - t]);
        if t == 0 {
            region.constrain_equal(acc, word);
        } else {
            region.constrain_equal(c, binding);
            region.constrain_equal(w, word);
        }
    }
}

/// Ties every value of a packing segment to its range-checked cell.
fn constrain_packed_values(config: &MlpConfig, segment: &PackSegment, region: &mut Region<'_, Fr>) {
    for (i, &cell) in segment.cells.iter().enumerate() {
        let value = CellRef {
            lane: Lane::Input(0),
            row: segment.start + i,
        };
        region.constrain_equal(config.cell(value), config.cell(cell));
    }
}

/// Enables the packing and Poseidon gates of every hashed part and assigns their fixed values.
fn assign_hash_fixed(
    config: &MlpConfig,
    layout: &MlpLayout,
    region: &mut Region<'_, Fr>,
) -> Result<(), Error> {
    let (Some(pack), Some(poseidon)) = (config.pack, config.poseidon) else {
        return Ok(());
    };
    let (pack, poseidon) = (PackChip::construct(pack), PoseidonChip::construct(poseidon));
    for plan in &layout.hashes {
        for segment in &plan.segments {
            pack.assign_fixed(region, segment.start, segment.cells.len(), segment.bits)?;
        }
        poseidon.assign_fixed(region, plan.start, plan.message_cells().len())?;
    }
    Ok(())
}

/// Ties every packed value to its range-checked cell and every packed element to the Poseidon
/// cell absorbing it.
fn constrain_hash_inputs(config: &MlpConfig, layout: &MlpLayout, region: &mut Region<'_, Fr>) {
    for plan in &layout.hashes {
        for segment in &plan.segments {
            constrain_packed_values(config, segment, region);
        }
        for (index, element) in plan.message_cells().into_iter().enumerate() {
            let (offset, column) = PoseidonChip::message_cell(index);
            let absorbed = CellRef {
                lane: layout.hash_lanes[column],
                row: plan.start + offset,
            };
            region.constrain_equal(config.cell(absorbed), config.cell(element));
        }
    }
}
