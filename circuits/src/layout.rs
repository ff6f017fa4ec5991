//! Where every cell of the MLP circuit lives: a plan computed once from the model.
//!
//! The circuit has two independent lanes that share rows:
//! - the *dot lane* (advice `x_0..x_(W-1)`, `acc`): one chain of dot-product rows per neuron;
//! - the *range lane* (advice `z`): one bound block per input feature, then one rescale block
//!   (plus a ReLU row) per neuron.
//!
//! Copy constraints tie them together: every `x` cell equals the `z` cell holding the
//! activation it reads, every chain's last `acc` equals the first `z` of its rescale block,
//! and the instance column equals the binding cell, the input features' cells, then the
//! outputs' cells.
//!
//! The *binding* is one public field element the proof commits to without computing on it
//! (e.g. a hash of the NFT being valued), so that a proof cannot be replayed for another
//! subject. It sits in range-lane row 0, outside every block, tied to the instance by a copy
//! constraint.
//!
//! A *batch* layout repeats the plan for several inferences of the same model; the instance
//! then lists every item's features, then every item's outputs. The plan depends only on the
//! model, the dot width and the batch size, so keygen and proving agree on it.

use crate::chips::{
    dot::{DotRow, MAX_DOT_WIDTH},
    range::{LimbSpec, RangeChip},
    rescale::RescaleSchedule,
};
use crate::spec::{Activation, QuantizedMlp, SpecError};

/// An advice column of the circuit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lane {
    /// Range-check running sum, which also holds every activation.
    Z,
    /// Dot-product accumulator.
    Acc,
    /// Dot-product input slot `i` (below the layout's dot width).
    Input(usize),
}

impl Lane {
    /// Index of the lane among the advice columns: `Z`, `Acc`, then the inputs.
    pub fn index(self) -> usize {
        match self {
            Lane::Z => 0,
            Lane::Acc => 1,
            Lane::Input(i) => 2 + i,
        }
    }

    /// All lanes of a circuit of dot width `dot_width`, in column order.
    pub fn all(dot_width: usize) -> impl Iterator<Item = Lane> {
        [Lane::Z, Lane::Acc]
            .into_iter()
            .chain((0..dot_width).map(Lane::Input))
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
    /// First row of its rescale block in the range lane.
    pub block_start: usize,
    /// The cell holding the neuron's activation.
    pub output: CellRef,
}

/// Kind of a block in the range lane.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockKind {
    /// Bounds an input feature.
    Signed,
    /// Rescales an accumulator.
    Rescale,
}

/// The complete cell plan of an MLP circuit.
#[derive(Clone, Debug)]
pub struct MlpLayout {
    /// The model, validated.
    pub model: QuantizedMlp,
    /// Limb schedules.
    pub schedule: RescaleSchedule,
    /// Fixed values of every dot-lane row; `None` where the gate is off. Row 0 is always off:
    /// the gate reads `acc` at rotation -1, which on row 0 wraps to the last (blinding) row.
    pub dot_rows: Vec<Option<DotRow>>,
    /// Multiply-accumulates per dot-lane row.
    pub dot_width: usize,
    /// For every dot-lane row and slot, the range-lane row whose activation it reads.
    pub dot_sources: Vec<Vec<Option<usize>>>,
    /// Range-lane row holding the binding value.
    pub binding_row: usize,
    /// Range-lane row holding each input feature (the start of its bound block).
    pub input_rows: Vec<usize>,
    /// Placement of every neuron, per layer.
    pub neurons: Vec<Vec<NeuronPlacement>>,
    /// Range-lane blocks: start row and kind.
    pub blocks: Vec<(usize, BlockKind)>,
    /// Rows where the ReLU gate is enabled.
    pub relu_rows: Vec<usize>,
    /// Rows used by the range lane.
    pub range_len: usize,
    /// Inferences proven together. Items are laid out one after another; `input_rows` and
    /// every layer of `neurons` list item 0's entries, then item 1's, and so on.
    pub batch_size: usize,
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
        model.validate()?;
        let mut best: Option<(usize, Self)> = None;
        for width in 1..=MAX_DOT_WIDTH {
            let layout = Self::plan(model.clone(), width, batch_size)?;
            let cost = layout.prover_columns() << crate::min_k(&layout);
            if best.as_ref().is_none_or(|(best_cost, _)| cost < *best_cost) {
                best = Some((cost, layout));
            }
        }
        Ok(best.map(|(_, layout)| layout).expect("MAX_DOT_WIDTH >= 1"))
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
        model.validate()?;
        if !(1..=MAX_DOT_WIDTH).contains(&dot_width) {
            return Err(SpecError::InvalidDotWidth(dot_width));
        }
        if batch_size == 0 {
            return Err(SpecError::EmptyBatch);
        }
        let schedule = RescaleSchedule::new(model.params);
        let mut layout = Self {
            schedule,
            dot_width,
            dot_rows: vec![None],
            dot_sources: vec![vec![None; dot_width]],
            binding_row: 0,
            input_rows: Vec::new(),
            neurons: Vec::new(),
            blocks: Vec::new(),
            relu_rows: Vec::new(),
            range_len: 1,
            batch_size,
            model,
        };
        for _ in 0..batch_size * layout.model.input_size() {
            let start = layout.push_block(BlockKind::Signed);
            layout.input_rows.push(start);
        }
        let mut sources: Vec<usize> = layout.input_rows.clone();
        for layer_index in 0..layout.model.layers.len() {
            let layer = layout.model.layers[layer_index].clone();
            let mut placements = Vec::with_capacity(batch_size * layer.output_size());
            let item_inputs = layer.input_size();
            for (item, (weights, &bias)) in (0..batch_size).flat_map(|item| {
                std::iter::repeat(item).zip(layer.weights.iter().zip(&layer.biases))
            }) {
                let sources = &sources[item * item_inputs..(item + 1) * item_inputs];
                let dot_start = layout.dot_rows.len();
                for (chunk_index, chunk) in weights.chunks(dot_width).enumerate() {
                    let mut row = DotRow {
                        weights: vec![0; dot_width],
                        bias: if chunk_index == 0 { bias } else { 0 },
                        chain: chunk_index > 0,
                    };
                    let mut row_sources = vec![None; dot_width];
                    for (slot, &weight) in chunk.iter().enumerate() {
                        row.weights[slot] = weight;
                        row_sources[slot] = Some(sources[chunk_index * dot_width + slot]);
                    }
                    layout.dot_rows.push(Some(row));
                    layout.dot_sources.push(row_sources);
                }
                let block_start = layout.push_block(BlockKind::Rescale);
                let output_row = match layer.activation {
                    Activation::Identity => block_start + layout.schedule.remainder_rows,
                    Activation::Relu => {
                        let row = layout.range_len;
                        layout.relu_rows.push(row);
                        layout.range_len += 1;
                        row
                    }
                };
                placements.push(NeuronPlacement {
                    dot_start,
                    dot_rows: layout.dot_rows.len() - dot_start,
                    block_start,
                    output: CellRef::z(output_row),
                });
            }
            sources = placements.iter().map(|p| p.output.row).collect();
            layout.neurons.push(placements);
        }
        Ok(layout)
    }

    fn push_block(&mut self, kind: BlockKind) -> usize {
        let start = self.range_len;
        self.blocks.push((start, kind));
        self.range_len += self.block_schedule(kind).len();
        start
    }

    /// The limb schedule of a block kind.
    pub fn block_schedule(&self, kind: BlockKind) -> &[LimbSpec] {
        match kind {
            BlockKind::Signed => &self.schedule.signed,
            BlockKind::Rescale => &self.schedule.rescale,
        }
    }

    /// Advice columns: the running sum, the accumulator and `dot_width` inputs.
    pub fn num_lanes(&self) -> usize {
        self.dot_width + 2
    }

    /// Committed polynomials per row that the prover pays for: advice columns, the lookup's
    /// three (permuted input, permuted table, product) and the permutation's products (the
    /// equality columns, advice plus instance, three to a product at degree 5).
    pub fn prover_columns(&self) -> usize {
        self.num_lanes() + 3 + (self.num_lanes() + 1).div_ceil(3)
    }

    /// Rows used by the dot lane.
    pub fn dot_len(&self) -> usize {
        self.dot_rows.len()
    }

    /// Rows of the lookup table.
    pub fn table_rows(&self) -> usize {
        RangeChip::table_rows(&self.schedule.widths())
    }

    /// Rows the circuit needs before blinding: the longest lane or the table.
    pub fn rows(&self) -> usize {
        self.dot_len()
            .max(self.range_len + 1)
            .max(self.table_rows())
    }

    /// Cells holding the model's outputs, in order.
    pub fn output_cells(&self) -> Vec<CellRef> {
        self.neurons
            .last()
            .map(|layer| layer.iter().map(|n| n.output).collect())
            .unwrap_or_default()
    }

    /// Length of the public instance: the binding, every item's input features, then every
    /// item's outputs.
    pub fn instance_len(&self) -> usize {
        1 + self.batch_size * (self.model.input_size() + self.model.output_size())
    }

    /// All cells tied to the instance column, in instance order.
    pub fn instance_cells(&self) -> Vec<CellRef> {
        let inputs = self.input_rows.iter().map(|&row| CellRef::z(row));
        std::iter::once(CellRef::z(self.binding_row))
            .chain(inputs)
            .chain(self.output_cells())
            .collect()
    }
}
