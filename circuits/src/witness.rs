//! The honest witness: every advice cell's value, computed natively from the model and input.
//!
//! Neurons of a layer are computed in parallel with rayon. The witness is a plain matrix of
//! field elements indexed by [`CellRef`], so tests can overwrite any single cell to check that
//! the circuit rejects it.

use std::fmt;

use ff::Field;
use halo2_proofs::halo2curves::bn256::Fr;
use rayon::prelude::*;

use crate::chips::{
    horner::horner_trace,
    pack::{pack, pack_trace},
    poseidon::hash_trace,
    range::{decomposition_fits, running_sum},
};
use crate::field::i128_to_field;
use crate::layout::{BlockKind, CellRef, Lane, MlpLayout, NeuronPlacement, PackSegment, Part};
use crate::spec::Activation;
use crate::spec::{Visibility, VisibilitySettings};

/// Why an input has no valid witness.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WitnessError {
    /// Wrong number of features.
    FeatureCount {
        /// Features the model takes.
        expected: usize,
        /// Features given.
        got: usize,
    },
    /// An input feature lies outside `[-2^(b-1), 2^(b-1))`.
    InputOutOfRange {
        /// Feature index.
        index: usize,
        /// Quantized value.
        value: i64,
    },
    /// A witnessed weight or bias lies outside the layout's bit-width (the layout was planned
    /// for another model).
    ParameterOutOfRange {
        /// Layer index.
        layer: usize,
        /// The value.
        value: i64,
    },
    /// A rescaled activation lies outside `[-2^(b-1), 2^(b-1))`.
    ActivationOutOfRange {
        /// Layer index.
        layer: usize,
        /// Neuron index.
        neuron: usize,
        /// The rescaled value `q` (a leaky ReLU's `n`, a sigmoid's or tanh's grid value `u`,
        /// when that is what leaves the range).
        value: i128,
    },
}

impl fmt::Display for WitnessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::FeatureCount { expected, got } => {
                write!(f, "model expects {expected} features, got {got}")
            }
            Self::InputOutOfRange { index, value } => {
                write!(f, "feature {index} (quantized {value}) is outside the activation range")
            }
            Self::ParameterOutOfRange { layer, value } => write!(
                f,
                "layer {layer}: parameter {value} exceeds the bit-width the circuit was planned for"
            ),
            Self::ActivationOutOfRange { layer, neuron, value } => write!(
                f,
                "layer {layer}, neuron {neuron}: rescaled value {value} is outside the activation range"
            ),
        }
    }
}

impl std::error::Error for WitnessError {}

/// A neuron's accumulator chain, rescale running sum and activation.
type NeuronValues = (Vec<i128>, Vec<i128>, i128);

/// Values of every advice cell, plus the integer inputs and outputs they encode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MlpWitness {
    /// `columns[lane.index()][row]`.
    pub columns: Vec<Vec<Fr>>,
    /// The public value the proof is bound to (see [`crate::layout`]).
    pub binding: Fr,
    /// Quantized input features.
    pub inputs: Vec<i64>,
    /// Quantized outputs, equal to the integer reference forward pass.
    pub outputs: Vec<i64>,
    /// Who sees what: decides which of the values above [`MlpWitness::instance`] lists.
    pub visibility: VisibilitySettings,
    /// Every weight, then every bias, as field elements (empty unless the weights are public).
    pub public_weights: Vec<Fr>,
    /// The Poseidon digest of each hashed part, in instance order.
    pub digests: Vec<Fr>,
    /// With folded outputs: the packed words, in order.
    pub words: Vec<Fr>,
    /// With folded outputs: their fold `D = sum_j words[j] * binding^j`.
    pub folded: Option<Fr>,
}

impl MlpWitness {
    /// Computes the witness of `input` (quantized features; for a batch, every item's
    /// features one after another) under `layout`, bound to `binding`.
    ///
    /// Indices in errors count across the batch: feature `item * inputs + i`, neuron
    /// `item * outputs + j`.
    ///
    /// # Errors
    /// [`WitnessError`] if the input count is wrong or a value leaves the activation range.
    pub fn generate(layout: &MlpLayout, input: &[i64], binding: Fr) -> Result<Self, WitnessError> {
        let model = &layout.model;
        let expected = layout.batch_size * model.input_size();
        if input.len() != expected {
            return Err(WitnessError::FeatureCount {
                expected,
                got: input.len(),
            });
        }
        let mut z = vec![0i128; layout.range_len];
        let mut acc = vec![0i128; layout.dot_len()];
        let signed = layout.block_schedule(BlockKind::Signed);
        for (index, (&value, &row)) in input.iter().zip(&layout.input_rows).enumerate() {
            if !decomposition_fits(value.into(), signed) {
                return Err(WitnessError::InputOutOfRange { index, value });
            }
            let sums = running_sum(value.into(), signed);
            z[row..row + sums.len()].copy_from_slice(&sums);
        }

        if layout.visibility.weights_are_witnessed() {
            fill_parameter_blocks(layout, &mut z)?;
        }
        let rescale = layout.block_schedule(BlockKind::Rescale);
        let q_offset = layout.schedule.remainder_rows;
        let mut activations: Vec<i128> = input.iter().map(|&v| v.into()).collect();
        // Accumulators of packed chains: field elements beyond i128.
        let mut packed_acc: Vec<(usize, Fr)> = Vec::new();
        for (layer_index, (layer, placements)) in
            model.layers.iter().zip(&layout.neurons).enumerate()
        {
            // Collected per neuron first, so that the error reported is the lowest-index one.
            let (inputs, outputs) = (layer.input_size(), layer.output_size());
            let packed = layout.strands[layer_index].is_packed();
            let checked = layout.freivalds.iter().any(|f| f.layer == layer_index);
            let computed: Vec<Result<NeuronValues, WitnessError>> = (0..placements.len())
                .into_par_iter()
                .map(|neuron| {
                    let (item, j) = (neuron / outputs, neuron % outputs);
                    let (weights, bias) = (&layer.weights[j], layer.biases[j]);
                    let activations = &activations[item * inputs..(item + 1) * inputs];
                    let width = layout.dot_width;
                    let mut chain = Vec::with_capacity(weights.len().div_ceil(width));
                    let mut running = i128::from(bias);
                    for (chunk, xs) in weights.chunks(width).zip(activations.chunks(width)) {
                        running += chunk
                            .iter()
                            .zip(xs)
                            .map(|(&w, &x)| i128::from(w) * x)
                            .sum::<i128>();
                        chain.push(running);
                    }
                    if packed || checked {
                        // The shared chain is filled once the group's blocks are in `z`; a
                        // Freivalds-checked layer has none (its rows are second-phase).
                        chain.clear();
                    }
                    let sums = running_sum(running, rescale);
                    let q = sums[q_offset];
                    if !decomposition_fits(running, rescale) {
                        return Err(WitnessError::ActivationOutOfRange {
                            layer: layer_index,
                            neuron,
                            value: q,
                        });
                    }
                    let y = match layer.activation {
                        Activation::Relu => q.max(0),
                        // Filled below, once the block is in `z`.
                        Activation::Identity
                        | Activation::LeakyRelu { .. }
                        | Activation::Squash(_) => q,
                    };
                    Ok((chain, sums, y))
                })
                .collect();
            activations = Vec::with_capacity(computed.len());
            for (neuron, (values, placement)) in computed.into_iter().zip(placements).enumerate() {
                let (chain, sums, y) = values?;
                acc[placement.dot_start..placement.dot_start + chain.len()].copy_from_slice(&chain);
                if let Some(row) = placement.bias_row {
                    acc[row] = layer.biases[neuron % outputs].into();
                }
                let block = placement.block_start;
                z[block..block + sums.len()].copy_from_slice(&sums);
                // A leaky ReLU's or sigmoid's extra cells; Err(value out of range).
                let filled = match (placement.leaky, placement.squash) {
                    (Some(i), _) => layout.leaky[i].fill(
                        rescale,
                        q_offset,
                        layout.schedule.magnitude_rows,
                        layout.dot_width,
                        &mut z,
                        &mut acc,
                    ),
                    (None, Some(i)) => layout.squash[i].fill(
                        model.params.scale_bits,
                        rescale,
                        layout.block_schedule(BlockKind::Signed),
                        q_offset,
                        &mut z,
                        &mut acc,
                    ),
                    (None, None) => Ok(y),
                };
                let y = filled.map_err(|value| WitnessError::ActivationOutOfRange {
                    layer: layer_index,
                    neuron,
                    value,
                })?;
                z[placement.output.row] = y;
                activations.push(y);
            }
            if packed {
                let leaders = placements.iter().filter(|p| p.strand == 0);
                packed_acc.extend(leaders.flat_map(|p| packed_chain(layout, p, &z)));
            }
        }

        // a split range lane's padding slots repeat their group's first block
        layout.fill_padding(&mut z);
        let len = layout.advice_len();
        let to_column = |values: Vec<Fr>| -> Vec<Fr> {
            let mut values = values;
            values.resize(len, Fr::ZERO);
            values
        };
        let from_sources = |sources: &Vec<Vec<Option<usize>>>, slot: usize| -> Vec<Fr> {
            to_column(
                sources
                    .par_iter()
                    .map(|s| s[slot].map_or(Fr::ZERO, |row| i128_to_field(z[row])))
                    .collect(),
            )
        };
        let mut columns = vec![Vec::new(); layout.num_lanes()];
        for lane in layout.lanes() {
            columns[lane.index()] = match lane {
                Lane::Z => to_column(z.par_iter().map(|&v| i128_to_field(v)).collect()),
                Lane::Acc => to_column(acc.par_iter().map(|&v| i128_to_field(v)).collect()),
                Lane::Input(slot) => from_sources(&layout.dot_sources, slot),
                Lane::Weight { slot, .. } => from_sources(&layout.weight_sources, slot),
            };
        }
        columns[Lane::Z.index()][layout.binding_row] = binding;
        for (row, value) in packed_acc {
            columns[Lane::Acc.index()][row] = value;
        }
        fill_hashes(layout, &z, &mut columns);
        let words = fill_fold_packing(layout, &z, &mut columns);
        let outputs = activations
            .into_iter()
            .map(|v| i64::try_from(v).expect("activations are bounded by 2^39"))
            .collect();
        let mut witness = Self {
            columns,
            binding,
            inputs: input.to_vec(),
            outputs,
            visibility: layout.visibility,
            public_weights: Vec::new(),
            digests: Vec::new(),
            words,
            folded: None,
        };
        witness.rebind(layout, binding);
        witness.public_weights = match layout.visibility.weights {
            Visibility::Public => layout.part_instance_cells(Part::Weights),
            _ => Vec::new(),
        }
        .into_iter()
        .map(|cell| witness.get(cell))
        .collect();
        witness.digests = layout
            .hashes
            .iter()
            .map(|plan| witness.get(layout.digest_cell(plan)))
            .collect();
        Ok(witness)
    }

    /// Sets the binding to `binding` and, with folded outputs, recomputes the Horner chain
    /// and the fold at it. For folded outputs the binding is a hash of the words, so a prover
    /// generates the witness first (with any binding), hashes its words, then rebinds. The
    /// public rows are copied afresh.
    ///
    /// # Panics
    /// If the witness was not made for `layout`.
    pub fn rebind(&mut self, layout: &MlpLayout, binding: Fr) {
        self.binding = binding;
        self.set(CellRef::z(layout.binding_row), binding);
        self.refold(layout, binding);
        self.copy_public_rows(layout);
    }

    /// Copies every public value into its public row (see [`MlpLayout::public_cells`]), as an
    /// honest prover does; tests that tamper with a public value call it to model a prover
    /// claiming the tampered value.
    ///
    /// # Panics
    /// If the witness was not made for `layout`.
    pub fn copy_public_rows(&mut self, layout: &MlpLayout) {
        for (public, value) in layout
            .public_cells()
            .into_iter()
            .zip(layout.instance_cells())
        {
            let value = self.get(value);
            self.set(public, value);
        }
    }

    /// The Horner chain and the fold of folded outputs at `binding` (nothing otherwise).
    fn refold(&mut self, layout: &MlpLayout, binding: Fr) {
        let Some(fold) = &layout.fold else {
            return;
        };
        let trace = horner_trace(&self.words, binding);
        let last = self.words.len() - 1;
        for (t, &acc) in trace.iter().enumerate() {
            let [acc_cell, c_cell, w_cell] = fold.row_cells(t);
            self.set(acc_cell, acc);
            if t > 0 {
                self.set(c_cell, binding);
                self.set(w_cell, self.words[last - t]);
            }
        }
        self.folded = trace.last().copied();
    }

    /// Whether this witness has the shape `layout` expects: one column per lane, each as long
    /// as its lane, and the right number of inputs and outputs. A witness from
    /// [`MlpWitness::generate`] always has; a hand-built one may not.
    pub fn fits(&self, layout: &MlpLayout) -> bool {
        let model = &layout.model;
        self.columns.len() == layout.num_lanes()
            && layout
                .lanes()
                .all(|lane| self.columns[lane.index()].len() == layout.advice_len())
            && self.inputs.len() == layout.batch_size * model.input_size()
            && self.outputs.len() == layout.batch_size * model.output_size()
            && self.instance().len() == layout.instance_len()
    }

    /// The value of one cell (zero where nothing is assigned).
    pub fn get(&self, cell: CellRef) -> Fr {
        self.columns[cell.lane.index()]
            .get(cell.row)
            .copied()
            .unwrap_or(Fr::ZERO)
    }

    /// Overwrites one cell: for soundness tests that need a dishonest witness.
    ///
    /// # Panics
    /// If `cell` lies outside the rows the layout uses.
    pub fn set(&mut self, cell: CellRef, value: Fr) {
        self.columns[cell.lane.index()][cell.row] = value;
    }

    /// The public instance, in the layout's order: the binding, then the inputs, weights and
    /// outputs as their visibility says (the values of `inputs`, `public_weights` and
    /// `outputs` when public, their digest when hashed, `folded` when folded).
    pub fn instance(&self) -> Vec<Fr> {
        let field = |v: &i64| i128_to_field((*v).into());
        let mut digests = self.digests.iter().copied();
        let mut instance = vec![self.binding];
        let parts: [(Visibility, Vec<Fr>); 3] = [
            (
                self.visibility.inputs,
                self.inputs.iter().map(field).collect(),
            ),
            (self.visibility.weights, self.public_weights.clone()),
            (
                self.visibility.outputs,
                self.outputs.iter().map(field).collect(),
            ),
        ];
        for (visibility, values) in parts {
            match visibility {
                Visibility::Public => instance.extend(values),
                Visibility::Hashed => instance.extend(digests.next()),
                Visibility::Folded => instance.extend(self.folded),
                Visibility::Private | Visibility::Fixed => {}
            }
        }
        instance
    }
}

/// The accumulators of the packed chain of `leader` (slot 0 of its group), row by row, from
/// the chain's fixed values and the range-lane cells it reads (inputs and the other slots'
/// `z0`, all already in `z`): `acc = chain acc_prev + bias + sum_i w_i x_i` in the field
/// (`chain = q - 1`, see [`crate::chips::dot`]).
fn packed_chain(layout: &MlpLayout, leader: &NeuronPlacement, z: &[i128]) -> Vec<(usize, Fr)> {
    let mut running = Fr::ZERO;
    (leader.dot_start..leader.dot_start + leader.dot_rows)
        .map(|row| {
            let dot = layout.dot_rows[row]
                .as_ref()
                .expect("a chain row has the gate");
            let (weights, bias) = dot.field_values();
            if !dot.chain {
                running = Fr::ZERO;
            }
            running += bias;
            for (weight, source) in weights.iter().zip(&layout.dot_sources[row]) {
                if let Some(source) = source {
                    running += *weight * i128_to_field(z[*source]);
                }
            }
            (row, running)
        })
        .collect()
}

/// Range-checks every witnessed weight and bias.
fn fill_parameter_blocks(layout: &MlpLayout, z: &mut [i128]) -> Result<(), WitnessError> {
    let weight = layout.block_schedule(BlockKind::Weight);
    let bias = layout.block_schedule(BlockKind::Bias);
    for (l, layer) in layout.model.layers.iter().enumerate() {
        let weights = layer
            .weights
            .iter()
            .flatten()
            .zip(layout.weight_rows[l].iter().flatten());
        let biases = layer.biases.iter().zip(&layout.bias_rows[l]);
        for (schedule, (&value, &row)) in weights
            .map(|pair| (weight, pair))
            .chain(biases.map(|pair| (bias, pair)))
        {
            if !decomposition_fits(value.into(), schedule) {
                return Err(WitnessError::ParameterOutOfRange { layer: l, value });
            }
            let sums = running_sum(value.into(), schedule);
            z[row..row + sums.len()].copy_from_slice(&sums);
        }
    }
    Ok(())
}

/// Fills the packing rows of folded outputs; returns their words (none without folding).
fn fill_fold_packing(layout: &MlpLayout, z: &[i128], columns: &mut [Vec<Fr>]) -> Vec<Fr> {
    let Some(fold) = &layout.fold else {
        return Vec::new();
    };
    let values = fill_packing(&fold.segment, z, columns);
    pack(&values, fold.segment.bits)
}

/// Fills the packing rows of `segment` (values on `Input(0)`, running packed element on
/// `Acc`); returns the values.
fn fill_packing(segment: &PackSegment, z: &[i128], columns: &mut [Vec<Fr>]) -> Vec<i64> {
    let values: Vec<i64> = segment
        .cells
        .iter()
        .map(|cell| i64::try_from(z[cell.row]).expect("range-checked values fit i64"))
        .collect();
    let trace = pack_trace(&values, segment.bits);
    for (i, (&value, &packed)) in values.iter().zip(&trace).enumerate() {
        let row = segment.start + i;
        columns[Lane::Input(0).index()][row] = i128_to_field(value.into());
        columns[Lane::Acc.index()][row] = packed;
    }
    values
}

/// Fills the packing rows and Poseidon blocks of every hashed part.
fn fill_hashes(layout: &MlpLayout, z: &[i128], columns: &mut [Vec<Fr>]) {
    for plan in &layout.hashes {
        let mut message = Vec::new();
        for segment in &plan.segments {
            let values = fill_packing(segment, z, columns);
            message.extend(pack(&values, segment.bits));
        }
        for (offset, row) in hash_trace(&message).into_iter().enumerate() {
            for (lane, value) in layout.hash_lanes.iter().zip(row) {
                columns[lane.index()][plan.start + offset] = value;
            }
        }
    }
}
