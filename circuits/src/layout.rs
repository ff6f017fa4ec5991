//! Where every cell of the MLP circuit lives: a plan computed once from the model.
//!
//! The circuit has two independent lanes that share rows:
//! - the *dot lane* (advice `x_0..x_(W-1)`, `acc`): one chain of dot-product rows per neuron;
//! - the *range lane* (advice `z`): one bound block per input feature, then one rescale block
//!   (plus a ReLU row) per neuron.
//!
//! Copy constraints tie them together: every `x` cell equals the `z` cell holding the
//! activation it reads, and every chain's last `acc` equals the first `z` of its rescale
//! block.
//!
//! The range lane's first rows `0..n` are the *public rows*, one per instance value: the
//! gate of [`crate::chips::public`] checks `z_i = instance_i` there, and copy constraints tie
//! `z_i` to the cell holding the value (the binding cell, the input features' cells, then the
//! outputs' cells). The instance column is not in the permutation. A split range lane
//! ([`lanes`]) may instead have no public rows but the binding's: the instance column then
//! joins the permutation and each instance value is a copy of its cell
//! ([`MlpLayout::public_copies`]).
//!
//! The *binding* is one public field element the proof commits to without computing on it
//! (e.g. a hash of the NFT being valued), so that a proof cannot be replayed for another
//! subject. It sits in range-lane row 0, outside every block: the first public row.
//!
//! *Visibility* ([`VisibilitySettings`]) changes three things:
//! - witnessed weights (any mode but `Fixed`): every weight and bias gets a range-lane block
//!   bounding it to the model's bit-width (once, shared by the batch), `Weight` lanes carry
//!   copies of the weights next to the inputs they multiply, and each chain starts from a
//!   bias row whose `acc` is a copy of the bias (see [`crate::chips::dot`]);
//! - a hashed part gets packing rows on the side lanes (after the dot rows) and Poseidon
//!   blocks (see [`crate::chips::pack`], [`crate::chips::poseidon`]): on the first three side
//!   lanes when there are three, otherwise on `Z, Acc, Input(0)` below every other row;
//! - folded outputs (see [`crate::chips::horner`]) get packing rows after those of the hashed
//!   parts and a Horner chain of one row per packed word after the Poseidon blocks, on the
//!   same three lanes as Poseidon;
//! - the instance lists, after the binding, each part's values if public, its digest if
//!   hashed, the fold if folded, nothing if private or fixed.
//!
//! A *batch* layout repeats the plan for several inferences of the same model; the instance
//! then lists every item's features, then every item's outputs. The plan depends only on the
//! model, the dot width, the limb width and the batch size, so keygen and proving agree on
//! it.
//!
//! The planner ([`MlpLayout::with_visibility`]) tries every dot width with 8-bit limbs and
//! with 12-bit limbs and keeps the plan of least prover cost (8-bit on a tie). Wide limbs
//! pay where the range lane is the longest and the circuit already has `2^13` rows (batches:
//! a rescale block at the default parameters takes 4 rows instead of 6, an input bound 3
//! instead of 4); the bounds enforced are the same at either width. With fixed weights it
//! also plans every layer packed, `P` neurons per dot chain (see [`crate::chips::strand`]),
//! and keeps the packed plan only if strictly cheaper than the best unpacked one, so a model
//! where packing does not pay keeps exactly its unpacked circuit. The search is in
//! `layout/planner.rs`, the packed chains' planning in `layout/strand.rs`.

mod activations;
mod freivalds;
mod hashes;
pub use hashes::{FoldPlan, HashPlan, PackSegment};
pub mod lanes;
use lanes::RangeGroups;
mod planner;
mod queries;
pub use planner::{PlanObjective, BIT_LIMBS_EXTRA_K, BIT_LIMBS_MAX_K, PROOF_FIXED_COLUMNS};
mod strand;
use strand::packed_groups;

pub use freivalds::{FreivaldsItem, FreivaldsLayer, FreivaldsMode};

use crate::chips::{
    dot::{DotRow, MAX_DOT_WIDTH},
    leaky::{DotGroup, LeakyPlacement},
    range::{LimbSpec, RangeChip, BIT_LIMBS},
    rescale::{signed_schedule_of, RescaleSchedule},
    squash::{AffineRow, SquashPlacement, SQUASH_TAG_BASE},
    strand::Strands,
    LIMB_BITS, MAX_LIMB_BITS,
};
use crate::spec::{
    signed_bits, Activation, QuantizedMlp, SpecError, SquashSpec, Visibility, VisibilitySettings,
};

/// Most advice lanes the planner gives a circuit with [`Visibility::Folded`] outputs (an
/// on-chain batch), so that snark-verifier's generated verifier stays under EIP-170's 24,576
/// bytes: measured on 2026-12-01 for the 8-16-16-1 batch with hashed inputs, 6 lanes (hashed
/// weights, width 2) give a 23,589-byte verifier and 8 lanes (width 3) 25,497 bytes.
pub const MAX_FOLDED_LANES: usize = 6;

/// An advice column of the circuit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lane {
    /// Range-check running sum, which also holds every activation.
    Z,
    /// Dot-product accumulator.
    Acc,
    /// Dot-product input slot `i` (below the layout's dot width).
    Input(usize),
    /// Witnessed weight of dot-product slot `slot`, in a circuit of width `dot_width` (only
    /// when the weights are not fixed).
    Weight {
        /// The slot.
        slot: usize,
        /// The circuit's dot width.
        dot_width: usize,
    },
}

impl Lane {
    /// Index of the lane among the advice columns: `Z`, `Acc`, the inputs, then the
    /// witnessed weights.
    pub fn index(self) -> usize {
        match self {
            Lane::Z => 0,
            Lane::Acc => 1,
            Lane::Input(i) => 2 + i,
            Lane::Weight { slot, dot_width } => 2 + dot_width + slot,
        }
    }

    /// The lanes of a circuit of dot width `dot_width` with fixed weights, in column order.
    pub fn all(dot_width: usize) -> impl Iterator<Item = Lane> {
        [Lane::Z, Lane::Acc]
            .into_iter()
            .chain((0..dot_width).map(Lane::Input))
    }

    /// The lanes of a circuit of dot width `dot_width`, in column order, with the weight
    /// lanes when `witnessed_weights`.
    pub fn all_with(dot_width: usize, witnessed_weights: bool) -> impl Iterator<Item = Lane> {
        let weights = if witnessed_weights { dot_width } else { 0 };
        Self::all(dot_width).chain((0..weights).map(move |slot| Lane::Weight { slot, dot_width }))
    }
}

/// One advice cell: a lane and an absolute row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CellRef {
    /// Column.
    pub lane: Lane,
    /// Row.
    pub row: usize,
}

impl CellRef {
    /// A cell of the range lane.
    pub fn z(row: usize) -> Self {
        Self { lane: Lane::Z, row }
    }
}

/// Where one neuron's cells are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NeuronPlacement {
    /// First row of its dot-product chain.
    pub dot_start: usize,
    /// Rows of the chain.
    pub dot_rows: usize,
    /// With witnessed weights: the row above the chain, whose `acc` holds the bias.
    pub bias_row: Option<usize>,
    /// First row of its rescale block in the range lane.
    pub block_start: usize,
    /// The cell holding the neuron's activation.
    pub output: CellRef,
    /// A leaky ReLU's extra cells (see [`crate::chips::leaky`]).
    pub leaky: Option<usize>,
    /// The neuron's slot `p` in a packed chain (see [`crate::chips::strand`]); `0` when
    /// unpacked. The chain (`dot_start`, `dot_rows`) is shared by the neurons of its group,
    /// and only slot 0's block start is a copy of the chain's last `acc`.
    pub strand: usize,
    /// A sigmoid's or tanh's extra cells (see [`crate::chips::squash`]): an index into
    /// [`MlpLayout::squash`].
    pub squash: Option<usize>,
}

/// Kind of a block in the range lane.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockKind {
    /// Bounds an input feature.
    Signed,
    /// Rescales an accumulator.
    Rescale,
    /// Bounds a witnessed weight to `weight_bits`.
    Weight,
    /// Bounds a witnessed bias to `bias_bits`.
    Bias,
}

/// A part of the statement with its own visibility.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Part {
    /// Input features.
    Inputs,
    /// Weights and biases.
    Weights,
    /// Outputs.
    Outputs,
}

/// The complete cell plan of an MLP circuit.
#[derive(Clone, Debug)]
pub struct MlpLayout {
    /// The model, validated.
    pub model: QuantizedMlp,
    /// Who sees inputs, weights and outputs.
    pub visibility: VisibilitySettings,
    /// Widest limb of the range checks: [`LIMB_BITS`] or [`WIDE_LIMB_BITS`](crate::chips::WIDE_LIMB_BITS).
    pub limb_bits: u32,
    /// Limb schedules.
    pub schedule: RescaleSchedule,
    /// Signed bit-width of witnessed weights (0 when the weights are fixed).
    pub weight_bits: u32,
    /// Signed bit-width of witnessed biases (0 when the weights are fixed).
    pub bias_bits: u32,
    /// Schedule of a weight block (empty when the weights are fixed).
    pub weight_schedule: Vec<LimbSpec>,
    /// Schedule of a bias block (empty when the weights are fixed).
    pub bias_schedule: Vec<LimbSpec>,
    /// Fixed values of every dot-lane row; `None` where the gate is off. Row 0 is always off:
    /// the gate reads `acc` at rotation -1, which on row 0 wraps to the last (blinding) row.
    /// With witnessed weights, the fixed weights are 0/1 slot flags.
    pub dot_rows: Vec<Option<DotRow>>,
    /// Multiply-accumulates per dot-lane row.
    pub dot_width: usize,
    /// How each layer's neurons are packed (see [`crate::chips::strand`]); every layer
    /// [`Strands::UNPACKED`] unless the planner found packing cheaper.
    pub strands: Vec<Strands>,
    /// For every dot-lane row and slot, the range-lane row whose activation it reads.
    pub dot_sources: Vec<Vec<Option<usize>>>,
    /// With witnessed weights: for every dot-lane row and slot, the range-lane row of the
    /// weight it multiplies by.
    pub weight_sources: Vec<Vec<Option<usize>>>,
    /// Range-lane row holding the binding value.
    pub binding_row: usize,
    /// Range-lane row holding each input feature (the start of its bound block).
    pub input_rows: Vec<usize>,
    /// With witnessed weights: `weight_rows[l][j][i]`, the range-lane row of each weight.
    pub weight_rows: Vec<Vec<Vec<usize>>>,
    /// With witnessed weights: `bias_rows[l][j]`, the range-lane row of each bias.
    pub bias_rows: Vec<Vec<usize>>,
    /// Placement of every neuron, per layer.
    pub neurons: Vec<Vec<NeuronPlacement>>,
    /// Range-lane blocks: start row and kind.
    pub blocks: Vec<(usize, BlockKind)>,
    /// Rows where the ReLU gate is enabled.
    pub relu_rows: Vec<usize>,
    /// Every leaky ReLU's cells; [`NeuronPlacement::leaky`] indexes this list.
    pub leaky: Vec<LeakyPlacement>,
    /// Every sigmoid's or tanh's cells; [`NeuronPlacement::squash`] indexes this list.
    pub squash: Vec<SquashPlacement>,
    /// The distinct sigmoid/tanh tables, in tag order (tag `16 + i`).
    pub squash_tables: Vec<SquashSpec>,
    /// Extra copy constraints (between the dot and range lanes, for leaky ReLUs, sigmoid and
    /// tanh).
    pub copies: Vec<(CellRef, CellRef)>,
    /// Rows used by the range lane (the Poseidon blocks included when they run there).
    pub range_len: usize,
    /// Rows used by every other lane: dot rows, packing rows, and the Poseidon blocks when
    /// they run there.
    pub side_len: usize,
    /// The hashed parts.
    pub hashes: Vec<HashPlan>,
    /// The three lanes holding the Poseidon state and the Horner chain (unused when nothing
    /// is hashed or folded).
    pub hash_lanes: [Lane; 3],
    /// With folded outputs: their packing and Horner chain.
    pub fold: Option<FoldPlan>,
    /// Layers checked by Freivalds instead of dot chains (see [`crate::chips::freivalds`]);
    /// empty unless the planner found it cheaper or it was forced on.
    pub freivalds: Vec<FreivaldsLayer>,
    /// Inferences proven together. Items are laid out one after another; `input_rows` and
    /// every layer of `neurons` list item 0's entries, then item 1's, and so on. Witnessed
    /// weights are laid out once and shared by every item.
    pub batch_size: usize,
    /// With the range lane split into several columns (see [`lanes`]), the most rows each
    /// may have; `0` when the range lane is one column.
    pub lane_rows: usize,
    /// With a split range lane, its lockstep groups (see [`lanes`]); none otherwise.
    pub range_groups: RangeGroups,
    /// Whether the public values are copies of their cells into the instance column (see
    /// [`MlpLayout::public_copies`]); only ever with a split range lane.
    pub(crate) copies_to_instance: bool,
}

impl MlpLayout {
    /// Plans the circuit for `model` with the dot width of least prover cost.
    ///
    /// Prover time is about (committed columns x 2^k). Each width from 1 to
    /// [`MAX_DOT_WIDTH`] is planned, and the cheapest kept; on a tie the narrower one, which
    /// also gives a smaller proof and a cheaper on-chain verifier.
    ///
    /// # Errors
    /// The model's [`SpecError`] if it does not validate.
    pub fn new(model: QuantizedMlp) -> Result<Self, SpecError> {
        Self::new_batch(model, 1)
    }

    /// Plans a circuit proving `batch_size` inferences of `model` at once, with the dot width
    /// of least prover cost (see [`MlpLayout::new`]).
    ///
    /// # Errors
    /// The model's [`SpecError`] if it does not validate, [`SpecError::EmptyBatch`] if
    /// `batch_size` is zero.
    pub fn new_batch(model: QuantizedMlp, batch_size: usize) -> Result<Self, SpecError> {
        Self::with_visibility(model, batch_size, VisibilitySettings::default())
    }

    /// Plans the circuit for `model` with `dot_width` multiply-accumulates per row.
    ///
    /// # Errors
    /// The model's [`SpecError`] if it does not validate, [`SpecError::InvalidDotWidth`] if
    /// `dot_width` is not in `1..=MAX_DOT_WIDTH`.
    pub fn with_dot_width(model: QuantizedMlp, dot_width: usize) -> Result<Self, SpecError> {
        Self::plan(model, dot_width, 1)
    }

    /// Plans `batch_size` inferences of `model` with `dot_width` multiply-accumulates per row.
    ///
    /// # Errors
    /// As [`MlpLayout::with_dot_width`], and [`SpecError::EmptyBatch`] for a batch of zero.
    pub fn plan(
        model: QuantizedMlp,
        dot_width: usize,
        batch_size: usize,
    ) -> Result<Self, SpecError> {
        Self::plan_with(model, dot_width, batch_size, VisibilitySettings::default())
    }

    /// Plans `batch_size` inferences of `model` under `visibility` with `dot_width`
    /// multiply-accumulates per row.
    ///
    /// # Errors
    /// As [`MlpLayout::plan`], and [`SpecError::InvalidVisibility`].
    pub fn plan_with(
        model: QuantizedMlp,
        dot_width: usize,
        batch_size: usize,
        visibility: VisibilitySettings,
    ) -> Result<Self, SpecError> {
        Self::plan_with_limbs(model, dot_width, batch_size, visibility, LIMB_BITS)
    }

    /// Plans as [`MlpLayout::plan_with`], with range-check limbs of at most `limb_bits` bits.
    ///
    /// The limb width changes only how many rows each range block takes (and the table's
    /// size), never the bounds the blocks enforce: the same integer semantics at any width.
    ///
    /// # Errors
    /// As [`MlpLayout::plan_with`], and [`SpecError::InvalidLimbBits`] if `limb_bits` is not
    /// in `1..=MAX_LIMB_BITS`.
    pub fn plan_with_limbs(
        model: QuantizedMlp,
        dot_width: usize,
        batch_size: usize,
        visibility: VisibilitySettings,
        limb_bits: u32,
    ) -> Result<Self, SpecError> {
        Self::plan_packed(model, dot_width, batch_size, visibility, limb_bits, false)
    }

    /// Plans as [`MlpLayout::plan_with_limbs`]; with `packed` and fixed weights, every layer
    /// whose [`Strands::widest`] packing has two slots or more is packed (see
    /// [`crate::chips::strand`]). Witnessed weights are never packed.
    ///
    /// # Errors
    /// As [`MlpLayout::plan_with_limbs`].
    pub fn plan_packed(
        model: QuantizedMlp,
        dot_width: usize,
        batch_size: usize,
        visibility: VisibilitySettings,
        limb_bits: u32,
        packed: bool,
    ) -> Result<Self, SpecError> {
        let mode = FreivaldsMode::Off;
        Self::plan_options(
            model, dot_width, batch_size, visibility, limb_bits, packed, mode,
        )
    }

    /// Plans as [`MlpLayout::plan_packed`]; layers for which `freivalds` says so (see
    /// [`FreivaldsMode`]) are checked by Freivalds (see [`crate::chips::freivalds`]) and never
    /// packed.
    ///
    /// # Errors
    /// As [`MlpLayout::plan_packed`].
    pub fn plan_options(
        model: QuantizedMlp,
        dot_width: usize,
        batch_size: usize,
        visibility: VisibilitySettings,
        limb_bits: u32,
        packed: bool,
        freivalds: FreivaldsMode,
    ) -> Result<Self, SpecError> {
        let options = (limb_bits, packed, freivalds);
        Self::plan_inner(
            model,
            dot_width,
            batch_size,
            visibility,
            options,
            (0, 1, false),
        )
    }

    /// [`MlpLayout::plan_options`] with `(lane_rows, columns, copies)` set (see [`lanes`];
    /// `(0, 1, false)`: one range column, public rows).
    fn plan_inner(
        model: QuantizedMlp,
        dot_width: usize,
        batch_size: usize,
        visibility: VisibilitySettings,
        (limb_bits, packed, freivalds): (u32, bool, FreivaldsMode),
        (lane_rows, columns, copies): (usize, usize, bool),
    ) -> Result<Self, SpecError> {
        model.validate()?;
        if !(1..=MAX_LIMB_BITS).contains(&limb_bits) {
            return Err(SpecError::InvalidLimbBits(limb_bits));
        }
        visibility.validate()?;
        if !(1..=MAX_DOT_WIDTH).contains(&dot_width) {
            return Err(SpecError::InvalidDotWidth(dot_width));
        }
        if batch_size == 0 {
            return Err(SpecError::EmptyBatch);
        }
        let witnessed = visibility.weights_are_witnessed();
        if witnessed {
            let leaky = (model.layers.iter())
                .position(|l| matches!(l.activation, Activation::LeakyRelu { .. }));
            if let Some(layer) = leaky {
                return Err(SpecError::UnsupportedActivation {
                    layer,
                    reason: "a leaky ReLU's slope is a fixed weight: the weights must be fixed",
                });
            }
            let squash =
                (model.layers.iter()).position(|l| matches!(l.activation, Activation::Squash(_)));
            if let Some(layer) = squash {
                return Err(SpecError::UnsupportedActivation {
                    layer,
                    reason:
                        "sigmoid and tanh use fixed dot-row constants: the weights must be fixed",
                });
            }
        }
        if limb_bits == BIT_LIMBS {
            let squash =
                (model.layers.iter()).position(|l| matches!(l.activation, Activation::Squash(_)));
            if let Some(layer) = squash {
                return Err(SpecError::UnsupportedActivation {
                    layer,
                    reason: "sigmoid and tanh are looked up in the range table; one-bit limbs \
                             are checked by a gate and have no table",
                });
            }
        }
        let (weight_bits, bias_bits) = if witnessed {
            let (weights, biases) = model.flat_parameters();
            (signed_bits(&weights), signed_bits(&biases))
        } else {
            (0, 0)
        };
        let schedule = RescaleSchedule::with_limb_bits(model.params, limb_bits);
        let signed = |bits: u32| {
            if bits == 0 {
                Vec::new()
            } else {
                signed_schedule_of(bits, limb_bits)
            }
        };
        let strands = (model.layers.iter())
            .map(|layer| match packed && !witnessed {
                true => Strands::widest(layer, model.params),
                false => Strands::UNPACKED,
            })
            .collect();
        let mut layout = Self {
            strands,
            limb_bits,
            schedule,
            visibility,
            weight_bits,
            bias_bits,
            weight_schedule: signed(weight_bits),
            bias_schedule: signed(bias_bits),
            dot_width,
            dot_rows: vec![None],
            dot_sources: vec![vec![None; dot_width]],
            weight_sources: vec![vec![None; dot_width]],
            binding_row: 0,
            input_rows: Vec::new(),
            weight_rows: Vec::new(),
            bias_rows: Vec::new(),
            neurons: Vec::new(),
            blocks: Vec::new(),
            relu_rows: Vec::new(),
            leaky: Vec::new(),
            squash: Vec::new(),
            squash_tables: Vec::new(),
            copies: Vec::new(),
            range_len: 0,
            side_len: 0,
            hashes: Vec::new(),
            hash_lanes: [Lane::Z, Lane::Acc, Lane::Input(0)],
            fold: None,
            freivalds: Vec::new(),
            batch_size,
            lane_rows,
            range_groups: RangeGroups::new(columns),
            copies_to_instance: copies && lane_rows > 0,
            model,
        };
        layout.range_len = layout.public_len();
        let checked: Vec<bool> = (layout.model.layers.iter())
            .map(|layer| layout.freivalds_pays(layer, freivalds))
            .collect();
        for (strands, &checked) in layout.strands.iter_mut().zip(&checked) {
            if checked {
                *strands = Strands::UNPACKED;
            }
        }
        for _ in 0..batch_size * layout.model.input_size() {
            let start = layout.push_block(BlockKind::Signed);
            layout.input_rows.push(start);
        }
        if witnessed {
            layout.plan_parameter_blocks();
        }
        let mut sources: Vec<usize> = layout.input_rows.clone();
        for (layer_index, &checked) in checked.iter().enumerate() {
            let placements = match checked {
                true => layout.plan_freivalds_layer(layer_index, &sources),
                false => layout.plan_layer(layer_index, &sources),
            };
            sources = placements.iter().map(|p| p.output.row).collect();
            layout.neurons.push(placements);
        }
        layout.side_len = layout.dot_rows.len();
        layout.plan_hashes();
        assert_eq!(
            layout.instance_len(),
            layout.instance_entries(),
            "one instance value per instance cell (a planning bug, not user input)"
        );
        Ok(layout)
    }

    /// Range-checks every weight and bias once, shared by all batch items.
    fn plan_parameter_blocks(&mut self) {
        for layer_index in 0..self.model.layers.len() {
            let layer = &self.model.layers[layer_index];
            let (outputs, inputs) = (layer.output_size(), layer.input_size());
            let rows = (0..outputs)
                .map(|_| {
                    (0..inputs)
                        .map(|_| self.push_block(BlockKind::Weight))
                        .collect()
                })
                .collect();
            self.weight_rows.push(rows);
        }
        for layer_index in 0..self.model.layers.len() {
            let outputs = self.model.layers[layer_index].output_size();
            let rows = (0..outputs)
                .map(|_| self.push_block(BlockKind::Bias))
                .collect();
            self.bias_rows.push(rows);
        }
    }

    /// Dot chains and rescale blocks of every item's neurons of one layer.
    fn plan_layer(&mut self, layer_index: usize, sources: &[usize]) -> Vec<NeuronPlacement> {
        let layer = self.model.layers[layer_index].clone();
        let witnessed = self.visibility.weights_are_witnessed();
        let width = self.dot_width;
        let mut placements = Vec::with_capacity(self.batch_size * layer.output_size());
        let item_inputs = layer.input_size();
        let strands = self.strands[layer_index];
        let neurons: Vec<usize> = (0..layer.output_size()).collect();
        let groups: Vec<&[usize]> = match strands.is_packed() {
            true => packed_groups(&neurons, strands.slots, item_inputs, width),
            false => Vec::new(),
        };
        let packed: Vec<_> = (groups.iter())
            .map(|group| Self::group_terms(&layer, strands, group))
            .collect();
        for item in 0..self.batch_size {
            let sources = &sources[item * item_inputs..(item + 1) * item_inputs];
            if strands.is_packed() {
                for (&group, terms) in groups.iter().zip(&packed) {
                    self.plan_group(&layer, (group, terms), sources, &mut placements);
                }
                continue;
            }
            for (j, (weights, &bias)) in layer.weights.iter().zip(&layer.biases).enumerate() {
                let bias_row = witnessed.then(|| {
                    self.dot_rows.push(None);
                    self.dot_sources.push(vec![None; width]);
                    self.weight_sources.push(vec![None; width]);
                    self.dot_rows.len() - 1
                });
                let dot_start = self.dot_rows.len();
                for (chunk_index, chunk) in weights.chunks(width).enumerate() {
                    let mut row = DotRow {
                        weights: vec![0; width],
                        bias: if chunk_index == 0 && !witnessed {
                            bias
                        } else {
                            0
                        },
                        chain: chunk_index > 0 || witnessed,
                        packed: None,
                    };
                    let mut row_sources = vec![None; width];
                    let mut row_weights = vec![None; width];
                    for (slot, &weight) in chunk.iter().enumerate() {
                        let i = chunk_index * width + slot;
                        row.weights[slot] = if witnessed { 1 } else { weight };
                        row_sources[slot] = Some(sources[i]);
                        if witnessed {
                            row_weights[slot] = Some(self.weight_rows[layer_index][j][i]);
                        }
                    }
                    self.dot_rows.push(Some(row));
                    self.dot_sources.push(row_sources);
                    self.weight_sources.push(row_weights);
                }
                let dot_rows = self.dot_rows.len() - dot_start;
                let mut placement = self.plan_rescale(layer.activation, dot_start, dot_rows);
                placement.bias_row = bias_row;
                placements.push(placement);
            }
        }
        placements
    }

    /// A neuron's rescale block and activation, after its chain.
    fn plan_rescale(
        &mut self,
        activation: Activation,
        dot_start: usize,
        dot_rows: usize,
    ) -> NeuronPlacement {
        // a block and its ReLU row share one range column
        let relu = activation == Activation::Relu;
        let block_start = self.push_block_with(BlockKind::Rescale, relu);
        let (mut leaky, mut squash) = (None, None);
        let output_row = match activation {
            Activation::Identity => block_start + self.schedule.remainder_rows,
            Activation::Relu => self.push_relu_row(block_start, BlockKind::Rescale),
            Activation::LeakyRelu { alpha } => {
                let placement = self.plan_leaky(alpha, block_start);
                let output = placement.output;
                self.leaky.push(placement);
                leaky = Some(self.leaky.len() - 1);
                output
            }
            Activation::Squash(spec) => {
                let placement = self.plan_squash(spec, block_start);
                let output = placement.output();
                self.squash.push(placement);
                squash = Some(self.squash.len() - 1);
                output
            }
        };
        NeuronPlacement {
            dot_start,
            dot_rows,
            bias_row: None,
            block_start,
            output: CellRef::z(output_row),
            leaky,
            squash,
            strand: 0,
        }
    }

    /// Dot rows computing `sum_i w_i z[row_i]` (no bias), `dot_width` terms a row.
    fn push_dot_group(&mut self, terms: Vec<(i64, usize)>) -> DotGroup {
        let width = self.dot_width;
        let start = self.dot_rows.len();
        for (chunk_index, chunk) in terms.chunks(width).enumerate() {
            let mut row = DotRow {
                weights: vec![0; width],
                bias: 0,
                chain: chunk_index > 0,
                packed: None,
            };
            let mut sources = vec![None; width];
            for (slot, &(weight, source)) in chunk.iter().enumerate() {
                row.weights[slot] = weight;
                sources[slot] = Some(source);
            }
            self.dot_rows.push(Some(row));
            self.dot_sources.push(sources);
            self.weight_sources.push(vec![None; width]);
        }
        DotGroup { start, terms }
    }

    /// The ReLU row right after the block of `kind` at `block_start` (just pushed, with room
    /// for it: see [`MlpLayout::place_block`]).
    fn push_relu_row(&mut self, block_start: usize, kind: BlockKind) -> usize {
        let row = block_start + self.block_schedule(kind).len();
        self.relu_rows.push(row);
        if self.lane_rows == 0 {
            debug_assert_eq!(row, self.range_len, "the ReLU row follows its block");
            self.range_len += 1;
        }
        row
    }

    fn push_block(&mut self, kind: BlockKind) -> usize {
        self.push_block_with(kind, false)
    }

    /// Pushes a block of `kind`, with room for a ReLU row after it if `relu`.
    fn push_block_with(&mut self, kind: BlockKind, relu: bool) -> usize {
        let start = self.place_block(kind, relu);
        self.blocks.push((start, kind));
        start
    }
}

/// The lanes holding the Poseidon state (and the Horner chain): the first three side lanes (every lane but `Z`) when
/// there are three, otherwise `Z, Acc, Input(0)`.
pub fn hash_lanes(dot_width: usize, witnessed_weights: bool) -> [Lane; 3] {
    let side: Vec<Lane> = Lane::all_with(dot_width, witnessed_weights)
        .skip(1)
        .collect();
    if side.len() >= 3 {
        [side[0], side[1], side[2]]
    } else {
        [Lane::Z, Lane::Acc, Lane::Input(0)]
    }
}
