//! What a planned layout answers: schedules, lanes, sizes, and the cells of each public part.

use halo2_proofs::{halo2curves::bn256::Fr, plonk::ConstraintSystem};

use super::*;

impl MlpLayout {
    /// The limb schedule of a block kind.
    pub fn block_schedule(&self, kind: BlockKind) -> &[LimbSpec] {
        match kind {
            BlockKind::Signed => &self.schedule.signed,
            BlockKind::Rescale => &self.schedule.rescale,
            BlockKind::Weight => &self.weight_schedule,
            BlockKind::Bias => &self.bias_schedule,
        }
    }

    /// Advice columns: the running sum, the accumulator, `dot_width` inputs, and
    /// `dot_width` weights when the weights are witnessed.
    pub fn num_lanes(&self) -> usize {
        self.lanes().count()
    }

    /// Every advice lane, in column order.
    pub fn lanes(&self) -> impl Iterator<Item = Lane> {
        Lane::all_with(self.dot_width, self.visibility.weights_are_witnessed())
    }

    /// The circuit parameters of this layout.
    pub fn circuit_params(&self) -> crate::CircuitParams {
        crate::CircuitParams::of(self)
    }

    /// Committed polynomials per row that the prover pays for: advice columns, each lookup's
    /// three (permuted input, permuted table, product; none with bit limbs) and the
    /// permutation's products (the advice columns, `degree - 2` to a product; the instance is
    /// checked by a gate, or joins them with [`MlpLayout::public_copies`]). The Freivalds
    /// check's two second-phase columns count as lanes.
    pub fn prover_columns(&self) -> usize {
        self.prover_columns_in(&crate::constraint_system(self))
    }

    /// [`MlpLayout::prover_columns`] with this layout's constraint system already configured.
    ///
    /// The extra range columns of a split range lane (see [`super::lanes`]) share the first
    /// column's fixed columns, so they add no fixed column to count.
    fn prover_columns_in(&self, cs: &ConstraintSystem<Fr>) -> usize {
        let extra = self.range_lanes() - 1;
        let advice = self.num_lanes() + self.freivalds_columns() + extra;
        // the instance column joins the permutation when public values are copied to it
        let permuted = advice + usize::from(self.public_copies());
        advice + 3 * cs.lookups().len() + permuted.div_ceil(cs.degree() - 2)
    }

    /// The planner's cost: [`MlpLayout::prover_columns`] x `2^k` at [`crate::min_k`], from one
    /// configured constraint system.
    pub(super) fn prover_cost(&self) -> usize {
        let cs = crate::constraint_system(self);
        self.prover_columns_in(&cs) << crate::min_k_in(self, &cs)
    }

    /// The cost the planner weighs a split range lane by (see [`super::lanes`]):
    /// ([`MlpLayout::prover_columns`] + [`super::PROOF_FIXED_COLUMNS`]) x `2^k`, which also
    /// counts the work every proof does at `2^k` whatever its columns.
    pub fn proof_cost(&self) -> usize {
        let cs = crate::constraint_system(self);
        (self.prover_columns_in(&cs) + super::PROOF_FIXED_COLUMNS) << crate::min_k_in(self, &cs)
    }

    /// Rows used by the dot lane (dot-product chains only).
    pub fn dot_len(&self) -> usize {
        self.dot_rows.len()
    }

    /// Rows every witness column has: the longest lane.
    pub fn advice_len(&self) -> usize {
        self.range_len.max(self.side_len)
    }

    /// Rows of the lookup table (none with bit limbs, checked by a gate).
    pub fn table_rows(&self) -> usize {
        if self.limb_bits == BIT_LIMBS {
            return 0;
        }
        RangeChip::table_rows(&crate::circuit::table_widths(&self.circuit_params()))
            + self
                .squash_tables
                .iter()
                .map(SquashSpec::table_len)
                .sum::<usize>()
    }

    /// Rows the circuit needs before blinding: the longest lane or the table.
    pub fn rows(&self) -> usize {
        self.side_len
            .max(self.range_column_len() + 1)
            .max(self.table_rows())
    }

    /// Cells holding the input features, every item's in order.
    pub fn input_cells(&self) -> Vec<CellRef> {
        self.input_rows.iter().map(|&row| CellRef::z(row)).collect()
    }

    /// With witnessed weights: the cells of every weight (layer by layer, row-major), and of
    /// every bias (layer by layer).
    pub fn parameter_cells(&self) -> (Vec<CellRef>, Vec<CellRef>) {
        let weights = self.weight_rows.iter().flatten().flatten();
        let biases = self.bias_rows.iter().flatten();
        (
            weights.map(|&row| CellRef::z(row)).collect(),
            biases.map(|&row| CellRef::z(row)).collect(),
        )
    }

    /// Cells holding the model's outputs, every item's in order.
    pub fn output_cells(&self) -> Vec<CellRef> {
        self.neurons
            .last()
            .map(|layer| layer.iter().map(|n| n.output).collect())
            .unwrap_or_default()
    }

    /// The cell holding the Poseidon digest of a hashed part.
    pub fn digest_cell(&self, plan: &HashPlan) -> CellRef {
        let len = plan.message_cells().len();
        CellRef {
            lane: self.hash_lanes[0],
            row: plan.start + crate::chips::poseidon::PoseidonChip::digest_row(len),
        }
    }

    /// The instance cells of one part: its values if public, its digest if hashed, the fold
    /// if folded, nothing if private or fixed.
    pub fn part_instance_cells(&self, part: Part) -> Vec<CellRef> {
        let visibility = match part {
            Part::Inputs => self.visibility.inputs,
            Part::Weights => self.visibility.weights,
            Part::Outputs => self.visibility.outputs,
        };
        match visibility {
            Visibility::Public => match part {
                Part::Inputs => self.input_cells(),
                Part::Weights => {
                    let (mut weights, biases) = self.parameter_cells();
                    weights.extend(biases);
                    weights
                }
                Part::Outputs => self.output_cells(),
            },
            Visibility::Hashed => self
                .hashes
                .iter()
                .filter(|plan| plan.part == part)
                .map(|plan| self.digest_cell(plan))
                .collect(),
            Visibility::Folded => self.fold.iter().map(FoldPlan::folded_cell).collect(),
            Visibility::Private | Visibility::Fixed => Vec::new(),
        }
    }

    /// Length of the public instance (see [`MlpLayout::instance_cells`]).
    pub fn instance_len(&self) -> usize {
        self.instance_cells().len()
    }

    /// All cells whose values are public, in instance order (each copied to its public row;
    /// see [`MlpLayout::public_cells`]): the binding, then the
    /// inputs, the weights and the outputs, each as its visibility says (values if public,
    /// one digest if hashed, the fold if folded, nothing if private or fixed).
    pub fn instance_cells(&self) -> Vec<CellRef> {
        std::iter::once(CellRef::z(self.binding_row))
            .chain(self.part_instance_cells(Part::Inputs))
            .chain(self.part_instance_cells(Part::Weights))
            .chain(self.part_instance_cells(Part::Outputs))
            .collect()
    }

    /// Whether the public values are tied to the instance column by copy constraints (the
    /// instance joins the permutation) rather than by the public-value gate on public rows.
    /// Only a split range lane (see [`lanes`]) may copy: the planner copies where the public
    /// rows would cost more (a batch's many public values would take range columns of their
    /// own) and keeps public rows where the instance would add a permutation product.
    pub fn public_copies(&self) -> bool {
        self.copies_to_instance
    }

    /// Public rows at the top of the range lane: one per instance value (see
    /// [`MlpLayout::instance_entries`]) under the public-value gate; only the binding's row
    /// when the public values are copied to the instance ([`MlpLayout::public_copies`]).
    pub fn public_len(&self) -> usize {
        match self.public_copies() {
            true => 1,
            false => self.instance_entries(),
        }
    }

    /// Instance values: the binding, then each part's entries as its visibility says (see
    /// [`Visibility::instance_entries`]).
    pub fn instance_entries(&self) -> usize {
        let model = &self.model;
        let visibility = self.visibility;
        1 + visibility
            .inputs
            .instance_entries(self.batch_size * model.input_size())
            + visibility.weights.instance_entries(model.parameter_count())
            + visibility
                .outputs
                .instance_entries(self.batch_size * model.output_size())
    }

    /// The public rows' cells, `z_0..z_(n-1)`, in instance order; row `i` is tied by a copy
    /// constraint to the `i`-th of [`MlpLayout::instance_cells`] (the binding is row 0 itself).
    /// With [`MlpLayout::public_copies`], only the binding's row.
    pub fn public_cells(&self) -> Vec<CellRef> {
        (0..self.public_len()).map(CellRef::z).collect()
    }
}
