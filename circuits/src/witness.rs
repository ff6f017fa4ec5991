//! The honest witness: every advice cell's value, computed natively from the model and input.
//!
//! Neurons of a layer are computed in parallel with rayon. The witness is a plain matrix of
//! field elements indexed by [`CellRef`], so tests can overwrite any single cell to check that
//! the circuit rejects it.

use std::fmt;

use ff::Field;
use halo2_proofs::halo2curves::bn256::Fr;
use rayon::prelude::*;

use crate::chips::range::{decomposition_fits, running_sum};
use crate::field::i128_to_field;
use crate::layout::{BlockKind, CellRef, Lane, MlpLayout};
use crate::spec::Activation;

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
    /// A rescaled activation lies outside `[-2^(b-1), 2^(b-1))`.
    ActivationOutOfRange {
        /// Layer index.
        layer: usize,
        /// Neuron index.
        neuron: usize,
        /// The rescaled value `q`.
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

        let rescale = layout.block_schedule(BlockKind::Rescale);
        let q_offset = layout.schedule.remainder_rows;
        let mut activations: Vec<i128> = input.iter().map(|&v| v.into()).collect();
        for (layer_index, (layer, placements)) in
            model.layers.iter().zip(&layout.neurons).enumerate()
        {
            // Collected per neuron first, so that the error reported is the lowest-index one.
            let (inputs, outputs) = (layer.input_size(), layer.output_size());
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
                        Activation::Identity => q,
                    };
                    Ok((chain, sums, y))
                })
                .collect();
            activations = Vec::with_capacity(computed.len());
            for (values, placement) in computed.into_iter().zip(placements) {
                let (chain, sums, y) = values?;
                acc[placement.dot_start..placement.dot_start + chain.len()].copy_from_slice(&chain);
                let block = placement.block_start;
                z[block..block + sums.len()].copy_from_slice(&sums);
                z[placement.output.row] = y;
                activations.push(y);
            }
        }

        let mut columns = vec![Vec::new(); layout.num_lanes()];
        for slot in 0..layout.dot_width {
            columns[Lane::Input(slot).index()] = layout
                .dot_sources
                .par_iter()
                .map(|sources| sources[slot].map_or(Fr::ZERO, |row| i128_to_field(z[row])))
                .collect();
        }
        columns[Lane::Acc.index()] = acc.par_iter().map(|&v| i128_to_field(v)).collect();
        columns[Lane::Z.index()] = z.par_iter().map(|&v| i128_to_field(v)).collect();
        columns[Lane::Z.index()][layout.binding_row] = binding;
        let outputs = activations
            .into_iter()
            .map(|v| i64::try_from(v).expect("activations are bounded by 2^39"))
            .collect();
        Ok(Self {
            columns,
            binding,
            inputs: input.to_vec(),
            outputs,
        })
    }

    /// Whether this witness has the shape `layout` expects: one column per lane, each as long
    /// as its lane, and the right number of inputs and outputs. A witness from
    /// [`MlpWitness::generate`] always has; a hand-built one may not.
    pub fn fits(&self, layout: &MlpLayout) -> bool {
        let model = &layout.model;
        self.columns.len() == layout.num_lanes()
            && Lane::all(layout.dot_width).all(|lane| {
                let len = if lane == Lane::Z {
                    layout.range_len
                } else {
                    layout.dot_len()
                };
                self.columns[lane.index()].len() == len
            })
            && self.inputs.len() == layout.batch_size * model.input_size()
            && self.outputs.len() == layout.batch_size * model.output_size()
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

    /// The public instance: the binding, input features, then outputs.
    pub fn instance(&self) -> Vec<Fr> {
        let values = self
            .inputs
            .iter()
            .chain(&self.outputs)
            .map(|&v| i128_to_field(v.into()));
        std::iter::once(self.binding).chain(values).collect()
    }
}
