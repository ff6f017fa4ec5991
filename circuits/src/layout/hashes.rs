//! Planning of the packing rows, the Poseidon blocks and the Horner chain of hashed parts and
//! folded outputs.

use super::*;

impl MlpLayout {
    /// Packing rows after the dot rows (hashed parts, then folded outputs), then the Poseidon
    /// blocks, then the Horner chain: on the side lanes when there are three of them,
    /// otherwise on `Z, Acc, Input(0)` below every other row.
    pub(super) fn plan_hashes(&mut self) {
        let params = self.model.params;
        let mut parts: Vec<(Part, Vec<ValueRun>)> = Vec::new();
        if self.visibility.inputs == Visibility::Hashed {
            parts.push((
                Part::Inputs,
                vec![(self.input_cells(), params.activation_bits)],
            ));
        }
        if self.visibility.weights == Visibility::Hashed {
            let (weights, biases) = self.parameter_cells();
            parts.push((
                Part::Weights,
                vec![(weights, self.weight_bits), (biases, self.bias_bits)],
            ));
        }
        if self.visibility.outputs == Visibility::Hashed {
            parts.push((
                Part::Outputs,
                vec![(self.output_cells(), params.activation_bits)],
            ));
        }
        let mut plans = Vec::new();
        for (part, runs) in parts {
            let segments = runs
                .into_iter()
                .map(|(cells, bits)| {
                    let start = self.side_len;
                    self.side_len += cells.len();
                    PackSegment { cells, bits, start }
                })
                .collect();
            plans.push(HashPlan {
                part,
                segments,
                start: 0,
            });
        }
        let fold_segment = self.visibility.outputs_folded().then(|| {
            let cells = self.output_cells();
            let start = self.side_len;
            self.side_len += cells.len();
            PackSegment {
                cells,
                bits: params.activation_bits,
                start,
            }
        });
        self.hash_lanes = hash_lanes(self.dot_width, self.visibility.weights_are_witnessed());
        let on_side = self.hash_lanes[0] != Lane::Z;
        let mut row = if on_side {
            self.side_len
        } else {
            self.side_len.max(self.range_len + 1)
        };
        for plan in &mut plans {
            plan.start = row;
            row += crate::chips::poseidon::hash_rows(plan.message_cells().len());
        }
        if let Some(segment) = fold_segment {
            let fold = FoldPlan {
                segment,
                start: row,
                lanes: self.hash_lanes,
            };
            row += fold.words();
            self.fold = Some(fold);
        }
        if !plans.is_empty() || self.fold.is_some() {
            self.side_len = row;
            if !on_side {
                self.range_len = row;
            }
        }
        self.hashes = plans;
    }
}
