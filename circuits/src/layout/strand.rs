//! Planning of packed chains (see [`crate::chips::strand`]): one dot-product chain for the
//! `P` neurons of a group, unpacked into their existing rescale blocks.

use ff::Field;
use halo2_proofs::halo2curves::bn256::Fr;

use super::{MlpLayout, NeuronPlacement};
use crate::chips::{
    dot::{DotRow, PackedRow},
    strand::Strands,
};
use crate::spec::QuantizedLayer;

impl MlpLayout {
    /// The packed weights of the neurons `group` of `layer` (one per input, then the unpacking
    /// weights `-2^(pS)` for `p = 1..P-1`) and their packed bias: the same for every item of a
    /// batch, so computed once per group.
    pub(super) fn group_terms(
        layer: &QuantizedLayer,
        strands: Strands,
        group: &[usize],
    ) -> (Vec<Fr>, Fr) {
        let mut weights: Vec<Fr> = (0..layer.input_size())
            .map(|i| strands.shifted(group.iter().map(|&j| i128::from(layer.weights[j][i]))))
            .collect();
        weights.extend((1..group.len()).map(|p| strands.unpack_weight(p)));
        let bias = strands.shifted(group.iter().map(|&j| i128::from(layer.biases[j])));
        (weights, bias)
    }

    /// One packed chain for the neurons `group` of `layer` (see [`crate::chips::strand`]),
    /// whose [`MlpLayout::group_terms`] are `packed`: the inputs with packed weights, then the
    /// unpacking terms `-2^(pS) z0_p` for `p = 1..P-1`, then each neuron's rescale block and
    /// activation.
    pub(super) fn plan_group(
        &mut self,
        layer: &QuantizedLayer,
        (group, packed): (&[usize], &(Vec<Fr>, Fr)),
        sources: &[usize],
        placements: &mut Vec<NeuronPlacement>,
    ) {
        let width = self.dot_width;
        let inputs = layer.input_size();
        // (packed weight, source row); the unpacking terms' sources are set below.
        let (weights, bias) = packed;
        let bias = *bias;
        let terms: Vec<(Fr, Option<usize>)> = (weights.iter().enumerate())
            .map(|(i, &w)| (w, (i < inputs).then(|| sources[i])))
            .collect();
        let dot_start = self.dot_rows.len();
        for (chunk_index, chunk) in terms.chunks(width).enumerate() {
            let mut weights = vec![Fr::ZERO; width];
            let mut row_sources = vec![None; width];
            for (slot, &(weight, source)) in chunk.iter().enumerate() {
                weights[slot] = weight;
                row_sources[slot] = source;
            }
            self.dot_rows.push(Some(DotRow {
                weights: vec![0; width],
                bias: 0,
                chain: chunk_index > 0,
                packed: Some(PackedRow {
                    weights,
                    bias: if chunk_index == 0 { bias } else { Fr::ZERO },
                }),
            }));
            self.dot_sources.push(row_sources);
            self.weight_sources.push(vec![None; width]);
        }
        let dot_rows = self.dot_rows.len() - dot_start;
        for p in 0..group.len() {
            let mut placement = self.plan_rescale(layer.activation, dot_start, dot_rows);
            placement.strand = p;
            if p > 0 {
                let term = inputs + p - 1;
                self.dot_sources[dot_start + term / width][term % width] =
                    Some(placement.block_start);
            }
            placements.push(placement);
        }
    }
}

/// `neurons` split into consecutive groups of at most `slots`, one packed chain each, with the
/// fewest dot rows: a group of `p` neurons has `inputs + p - 1` terms (the inputs, then the
/// unpacking terms), `ceil((inputs + p - 1) / width)` rows. Groups of `slots` (the last one
/// shorter) where those are among the fewest, so a layout they already suit is unchanged;
/// otherwise the fewest rows, larger groups first. Any group size up to `slots` is sound: the
/// no-overflow argument of [`crate::chips::strand`] is per slot.
pub(super) fn packed_groups(
    neurons: &[usize],
    slots: usize,
    inputs: usize,
    width: usize,
) -> Vec<&[usize]> {
    let rows = |p: usize| (inputs + p - 1).div_ceil(width);
    let chunked: usize = neurons.chunks(slots).map(|g| rows(g.len())).sum();
    // fewest[i]: the fewest rows for the first i neurons, and the last group's size
    let mut fewest = vec![(0usize, 0usize); neurons.len() + 1];
    for i in 1..=neurons.len() {
        fewest[i] = (1..=slots.min(i))
            .rev()
            .map(|p| (fewest[i - p].0 + rows(p), p))
            .min_by_key(|&(rows, _)| rows)
            .expect("at least one group size");
    }
    if fewest[neurons.len()].0 >= chunked {
        return neurons.chunks(slots).collect();
    }
    let mut ends = Vec::new();
    let mut end = neurons.len();
    while end > 0 {
        ends.push(end);
        end -= fewest[end].1;
    }
    let mut start = 0;
    (ends.into_iter().rev())
        .map(|end| {
            let group = &neurons[start..end];
            start = end;
            group
        })
        .collect()
}
