//! Planning of Freivalds-checked layers (see [`crate::chips::freivalds`]): the layer's dot
//! chains are replaced by weight chains once per batch and one check chain per item, on the
//! side rows (`Input(0)` holds the copied `x` and `y` values, the dot gate is off there).
//! A layer costs `m (n + 1)` rows once and `m + n` rows per item, against `m ceil(n / W)`
//! dot rows per item.

use super::{CellRef, MlpLayout, NeuronPlacement};
use crate::spec::QuantizedLayer;

/// Whether the planner checks dense layers by Freivalds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum FreivaldsMode {
    /// Never: every layer keeps its dot chains.
    Off,
    /// Where it saves rows (fixed weights only), and only if the whole plan is strictly
    /// cheaper than the best plan without it.
    #[default]
    Auto,
    /// Every layer, whenever the weights are fixed (for tests and benchmarks).
    On,
}

/// One item's check chain: `m` output Horner rows, then `n` product rows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FreivaldsItem {
    /// First row of the chain.
    pub start: usize,
    /// Range-lane rows of `y_0..y_(m-1)` (the first cells of the neurons' rescale blocks).
    pub outputs: Vec<usize>,
    /// Range-lane rows of `x_0..x_(n-1)` (the activations the layer reads).
    pub inputs: Vec<usize>,
}

impl FreivaldsItem {
    /// The chain's last row (its `acc` is a copy of `u_n`), for a layer of `m` outputs and `n`
    /// inputs.
    pub fn last_row(&self, m: usize, n: usize) -> usize {
        self.start + m + n - 1
    }
}

/// A Freivalds-checked layer: its weight chains and every item's check chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FreivaldsLayer {
    /// Index of the layer in the model.
    pub layer: usize,
    /// Outputs `m`.
    pub outputs: usize,
    /// Inputs `n`.
    pub inputs: usize,
    /// First row of the `n + 1` weight chains of `m` rows each (the last one for the biases).
    pub weight_start: usize,
    /// One check chain per batch item.
    pub items: Vec<FreivaldsItem>,
}

impl FreivaldsLayer {
    /// Row `t` of weight chain `i`.
    pub fn weight_row(&self, i: usize, t: usize) -> usize {
        self.weight_start + i * self.outputs + t
    }

    /// Rows of a layer of `m` outputs and `n` inputs over `items` items.
    pub fn rows(m: usize, n: usize, items: usize) -> usize {
        m * (n + 1) + items * (m + n)
    }

    /// The row of `u_i` (the last `u` of weight chain `i`), on the second-phase `u` column
    /// (not a [`CellRef`] lane, so only its row is given).
    pub fn u_row(&self, i: usize) -> usize {
        self.weight_row(i, self.outputs - 1)
    }
}

impl MlpLayout {
    /// Whether layer `layer_index` is checked by Freivalds under `mode`: never with witnessed
    /// weights; under `Auto` only where the check's rows are fewer than the dot chains'.
    pub(super) fn freivalds_pays(&self, layer: &QuantizedLayer, mode: FreivaldsMode) -> bool {
        if self.visibility.weights_are_witnessed() {
            return false;
        }
        let (m, n) = (layer.output_size(), layer.input_size());
        match mode {
            FreivaldsMode::Off => false,
            FreivaldsMode::On => true,
            FreivaldsMode::Auto => {
                let chains = self.batch_size * m * n.div_ceil(self.dot_width);
                FreivaldsLayer::rows(m, n, self.batch_size) < chains
            }
        }
    }

    /// Every item's rescale blocks of `layer_index` with a Freivalds check instead of dot
    /// chains (see [`crate::chips::freivalds`]).
    pub(super) fn plan_freivalds_layer(
        &mut self,
        layer_index: usize,
        sources: &[usize],
    ) -> Vec<NeuronPlacement> {
        let layer = self.model.layers[layer_index].clone();
        let (m, n) = (layer.output_size(), layer.input_size());
        let weight_start = self.dot_rows.len();
        for _ in 0..m * (n + 1) {
            self.push_side_row(None);
        }
        let mut placements = Vec::with_capacity(self.batch_size * m);
        let mut items = Vec::with_capacity(self.batch_size);
        for item in 0..self.batch_size {
            let inputs = sources[item * n..(item + 1) * n].to_vec();
            let neurons: Vec<NeuronPlacement> = (0..m)
                .map(|_| self.plan_rescale(layer.activation, 0, 0))
                .collect();
            let outputs: Vec<usize> = neurons.iter().map(|p| p.block_start).collect();
            let start = self.dot_rows.len();
            for &row in outputs.iter().rev().chain(&inputs) {
                self.push_side_row(Some(row));
            }
            placements.extend(neurons.into_iter().map(|placement| NeuronPlacement {
                dot_start: start,
                ..placement
            }));
            items.push(FreivaldsItem {
                start,
                outputs,
                inputs,
            });
        }
        self.freivalds.push(FreivaldsLayer {
            layer: layer_index,
            outputs: m,
            inputs: n,
            weight_start,
            items,
        });
        placements
    }

    /// A side row with the dot gate off whose `Input(0)` cell copies range-lane row `source`.
    fn push_side_row(&mut self, source: Option<usize>) {
        let width = self.dot_width;
        let mut sources = vec![None; width];
        sources[0] = source;
        self.dot_rows.push(None);
        self.dot_sources.push(sources);
        self.weight_sources.push(vec![None; width]);
    }

    /// The `v` cell (lane `Input(0)`) of a Freivalds row.
    pub fn freivalds_v(row: usize) -> CellRef {
        CellRef {
            lane: super::Lane::Input(0),
            row,
        }
    }

    /// Second-phase advice columns the Freivalds check adds (0 without it).
    pub fn freivalds_columns(&self) -> usize {
        if self.freivalds.is_empty() {
            0
        } else {
            2
        }
    }
}
