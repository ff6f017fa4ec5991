//! Planning of the activations built from several gadgets: leaky ReLU, sigmoid and tanh.

use super::*;

impl MlpLayout {
    /// The cells of a leaky ReLU on the neuron whose rescale block starts at `block_start`
    /// (see [`crate::chips::leaky`]).
    pub(super) fn plan_leaky(&mut self, alpha: i64, block_start: usize) -> LeakyPlacement {
        let (r, m) = (self.schedule.remainder_rows, self.schedule.magnitude_rows);
        let (q_row, sign_row) = (block_start + r, block_start + r + m);
        let product = self.push_dot_group(vec![(alpha, q_row)]);
        let slope_block = self.push_block(BlockKind::Rescale);
        let n_row = slope_block + r;
        let difference = self.push_dot_group(vec![(1, q_row), (-1, n_row)]);
        let frame = self.range_len;
        self.range_len += m + 2;
        self.relu_rows.push(frame + m + 1);
        let sum = self.push_dot_group(vec![(1, n_row), (1, frame + m + 1)]);
        let output = self.range_len;
        self.range_len += 1;
        let placement = LeakyPlacement {
            alpha,
            q_row,
            sign_row,
            product,
            slope_block,
            difference,
            frame,
            sum,
            output,
        };
        let copies = placement.copies(m, self.dot_width);
        self.copies.extend(copies);
        placement
    }

    /// One dot row `acc = bias + weight * z[source]`.
    pub(super) fn push_affine(&mut self, weight: i64, bias: i64, source: usize) -> AffineRow {
        let width = self.dot_width;
        let mut weights = vec![0; width];
        weights[0] = weight;
        let mut sources = vec![None; width];
        sources[0] = Some(source);
        self.dot_rows.push(Some(DotRow {
            weights,
            bias,
            chain: false,
            packed: None,
        }));
        self.dot_sources.push(sources);
        self.weight_sources.push(vec![None; width]);
        AffineRow {
            row: self.dot_rows.len() - 1,
            bias,
            weight,
            source,
        }
    }

    /// The cells of a sigmoid or tanh on the neuron whose rescale block starts at
    /// `block_start` (see [`crate::chips::squash`]).
    pub(super) fn plan_squash(&mut self, spec: SquashSpec, block_start: usize) -> SquashPlacement {
        let s = self.model.params.scale_bits;
        let q_row = block_start + self.schedule.remainder_rows;
        let tag = match self.squash_tables.iter().position(|t| *t == spec) {
            Some(i) => i,
            None => {
                self.squash_tables.push(spec);
                self.squash_tables.len() - 1
            }
        };
        let (half, top) = (spec.half_range(), 2 * spec.half_range() - 1);
        // p = 2^g q + T 2^s - 2^(s-1): the rescale's rounding offset cancels, u is a floor.
        let shift = self.push_affine(1 << spec.grid_bits, (half << s) - (1 << (s - 1)), q_row);
        let grid_block = self.push_block(BlockKind::Rescale);
        let low_relu = self.push_relu_row(grid_block, BlockKind::Rescale);
        let flip = self.push_affine(-1, top, low_relu);
        let high_block = self.push_block(BlockKind::Signed);
        let high_relu = self.push_relu_row(high_block, BlockKind::Signed);
        let index = self.push_affine(-1, top, high_relu);
        let lookup_row = self.range_len;
        self.range_len += 1;
        let output = self.push_block(BlockKind::Signed);
        debug_assert_eq!(output, lookup_row + 1);
        let placement = SquashPlacement {
            spec,
            tag: SQUASH_TAG_BASE + tag as u64,
            shift,
            grid_block,
            low_relu,
            flip,
            high_block,
            high_relu,
            index,
            lookup_row,
        };
        self.copies.extend(placement.copies());
        placement
    }
}
