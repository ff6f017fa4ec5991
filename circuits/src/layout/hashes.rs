//! Planning of the packing rows, the Poseidon blocks and the Horner chain of hashed parts and
//! folded outputs.

use super::*;

/// A run of values of one bit-width, packed on consecutive side-lane rows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackSegment {
    /// The range-lane cells of the values, in packing order.
    pub cells: Vec<CellRef>,
    /// Their signed bit-width.
    pub bits: u32,
    /// First packing row (lanes `Input(0)` for the value, `Acc` for the accumulator).
    pub start: usize,
}

impl PackSegment {
    /// The accumulator cells holding each packed element, in order.
    pub fn element_cells(&self) -> Vec<CellRef> {
        let per = crate::chips::pack::values_per_element(self.bits);
        (0..self.cells.len().div_ceil(per))
            .map(|e| CellRef {
                lane: Lane::Acc,
                row: self.start + ((e + 1) * per).min(self.cells.len()) - 1,
            })
            .collect()
    }
}

/// Cells of values sharing one bit-width, before packing rows are given to them.
type ValueRun = (Vec<CellRef>, u32);

/// How one hashed part is packed and hashed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HashPlan {
    /// The part hashed.
    pub part: Part,
    /// Its values, packed segment by segment.
    pub segments: Vec<PackSegment>,
    /// First row of its Poseidon blocks.
    pub start: usize,
}

impl HashPlan {
    /// The packed elements' cells, in absorption order.
    pub fn message_cells(&self) -> Vec<CellRef> {
        self.segments
            .iter()
            .flat_map(PackSegment::element_cells)
            .collect()
    }
}

/// How folded outputs are packed into words and folded at the binding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FoldPlan {
    /// The outputs (every item's, in order), packed into words.
    pub segment: PackSegment,
    /// First row of the Horner chain (one row per word, the last word first).
    pub start: usize,
    /// The chain's lanes: the running fold `acc`, the point `c` and the word `w`.
    pub lanes: [Lane; 3],
}

impl FoldPlan {
    /// Number of packed words.
    pub fn words(&self) -> usize {
        self.word_cells().len()
    }

    /// The packing chains' final cells, one per word, in word order.
    pub fn word_cells(&self) -> Vec<CellRef> {
        self.segment.element_cells()
    }

    /// The `acc`, `c` and `w` cells of chain row `t` (`t = 0` adds the last word).
    pub fn row_cells(&self, t: usize) -> [CellRef; 3] {
        self.lanes.map(|lane| CellRef {
            lane,
            row: self.start + t,
        })
    }

    /// The cell holding the fold `D` (the chain's last `acc`).
    pub fn folded_cell(&self) -> CellRef {
        self.row_cells(self.words() - 1)[0]
    }
}

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
