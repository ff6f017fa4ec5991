//! A quantized model compiled into a circuit layout, with its size.

use std::sync::Arc;

use halo2_proofs::halo2curves::bn256::Fr;
use zkmlp_circuits::{
    layout::{FreivaldsMode, PlanObjective},
    min_k, MlpLayout, MlpParams, MlpWitness, QuantizedMlp, VisibilitySettings,
};

use zkmlp_circuits::{
    chips::{pack::pack, poseidon, range::BIT_LIMBS},
    spec::signed_bits,
};

use crate::calibrate::{Calibration, CalibrationError, InputRange};
use crate::error::Result;
use crate::proof::{binding_from_field, Binding};

/// A quantized model planned as a circuit: what keys are generated for.
#[derive(Clone, Debug)]
pub struct CompiledModel {
    layout: Arc<MlpLayout>,
    k: u32,
    /// The calibrated real input box, checked before proving (none: unchecked).
    input_range: Option<InputRange>,
    /// What the planner minimized (kept by the compiled file, so that it replans the same).
    objective: PlanObjective,
}

impl CompiledModel {
    /// Validates and plans `model`, choosing the smallest `k` that fits.
    ///
    /// # Errors
    /// [`crate::Error::Spec`] if the model is malformed.
    pub fn new(model: QuantizedMlp) -> Result<Self> {
        Self::new_batch(model, 1)
    }

    /// Plans a circuit that proves `batch_size` inferences of `model` in one proof.
    ///
    /// # Errors
    /// [`crate::Error::Spec`] if the model is malformed or the batch is empty.
    pub fn new_batch(model: QuantizedMlp, batch_size: usize) -> Result<Self> {
        Self::with_visibility(model, batch_size, VisibilitySettings::default())
    }

    /// Plans `batch_size` inferences of `model` with the given visibility of inputs, weights
    /// and outputs (see [`zkmlp_circuits::Visibility`]).
    ///
    /// # Errors
    /// [`crate::Error::Spec`] if the model is malformed, the batch is empty, or a part has a
    /// visibility it cannot take.
    pub fn with_visibility(
        model: QuantizedMlp,
        batch_size: usize,
        visibility: VisibilitySettings,
    ) -> Result<Self> {
        Self::with_packing(model, batch_size, visibility, true)
    }

    /// Plans as [`CompiledModel::with_visibility`]; `allow_packing = false` forces one neuron
    /// per dot chain (no packed weights, see `zkmlp_circuits::chips::strand`), e.g. to
    /// measure what packing saves. With `true` (the default of every other constructor) the
    /// planner packs fixed weights only where that is strictly cheaper.
    ///
    /// # Errors
    /// As [`CompiledModel::with_visibility`].
    pub fn with_packing(
        model: QuantizedMlp,
        batch_size: usize,
        visibility: VisibilitySettings,
        allow_packing: bool,
    ) -> Result<Self> {
        let mode = FreivaldsMode::Auto;
        Self::with_freivalds(model, batch_size, visibility, allow_packing, mode)
    }

    /// Plans as [`CompiledModel::with_packing`], with Freivalds checks of batch layers as
    /// `freivalds` says (`zkmlp_circuits::chips::freivalds`): `Auto` (the default of every
    /// other constructor) where strictly cheaper, `On` on every layer with fixed weights, `Off`
    /// never; e.g. to measure what the check saves.
    ///
    /// # Errors
    /// As [`CompiledModel::with_visibility`].
    pub fn with_freivalds(
        model: QuantizedMlp,
        batch_size: usize,
        visibility: VisibilitySettings,
        allow_packing: bool,
        freivalds: FreivaldsMode,
    ) -> Result<Self> {
        let layout =
            MlpLayout::with_freivalds(model, batch_size, visibility, allow_packing, freivalds)?;
        Ok(Self::planned(layout, PlanObjective::Prover))
    }

    /// Plans as [`CompiledModel::with_visibility`]; `allow_split = false` keeps the range
    /// lane in one column (`zkmlp_circuits::layout::lanes`), e.g. to measure what a split
    /// saves. With `true` (the default of every other constructor) the planner splits it
    /// where strictly cheaper. Like `allow_packing`, a measurement knob: a compiled file
    /// replans with the default.
    ///
    /// # Errors
    /// As [`CompiledModel::with_visibility`].
    pub fn with_split(
        model: QuantizedMlp,
        batch_size: usize,
        visibility: VisibilitySettings,
        allow_split: bool,
    ) -> Result<Self> {
        let options = (true, FreivaldsMode::Auto, PlanObjective::Prover);
        let layout = MlpLayout::with_split(model, batch_size, visibility, options, allow_split)?;
        Ok(Self::planned(layout, PlanObjective::Prover))
    }

    /// Compiles a layout planned by hand (e.g. by `MlpLayout::plan_split_with`, to compare a
    /// split range lane's public rows with its public copies), for measurements and tests. The
    /// layout must come unmodified from one of `MlpLayout`'s planning functions, which keep
    /// its cells consistent. A measurement knob like `allow_split`: a compiled file replans
    /// its model with the planner, so keys saved from such a model do not load unless the
    /// planner lays it out the same way.
    pub fn from_layout(layout: MlpLayout) -> Self {
        Self::planned(layout, PlanObjective::Prover)
    }

    /// A planned layout, with its `k` and no input range.
    fn planned(layout: MlpLayout, objective: PlanObjective) -> Self {
        let k = min_k(&layout);
        Self {
            layout: Arc::new(layout),
            k,
            input_range: None,
            objective,
        }
    }

    /// Plans as [`CompiledModel::with_visibility`], minimizing what `objective` says:
    /// [`PlanObjective::Verifier`] gives a small single inference one-bit range limbs checked
    /// by a gate, no lookup (`zkmlp_circuits::layout::PlanObjective`): about 46,000 gas less
    /// per on-chain verification, for a prover with up to 4x the rows (`k <= 16`). Sigmoid and
    /// tanh models, batches and large models plan as with [`PlanObjective::Prover`]. The
    /// objective is part of the compiled file and its digest.
    ///
    /// # Errors
    /// As [`CompiledModel::with_visibility`].
    pub fn with_objective(
        model: QuantizedMlp,
        batch_size: usize,
        visibility: VisibilitySettings,
        objective: PlanObjective,
    ) -> Result<Self> {
        let auto = FreivaldsMode::Auto;
        let layout =
            MlpLayout::with_objective(model, batch_size, visibility, true, auto, objective)?;
        Ok(Self::planned(layout, objective))
    }

    /// What the planner minimized.
    pub fn objective(&self) -> PlanObjective {
        self.objective
    }

    /// The circuit of a calibration's chosen setting, at its batch size, carrying its
    /// calibrated input range: every input inside that range has a valid witness.
    ///
    /// # Errors
    /// As [`CompiledModel::new_batch`].
    pub fn from_calibration(calibration: &Calibration) -> Result<Self> {
        Self::new_batch(calibration.quantized.clone(), calibration.batch_size)?
            .with_input_range(calibration.input_range.clone())
    }

    /// Attaches a calibrated input range (one interval per model input): proving real
    /// features refuses any feature outside it with [`crate::Error::OutsideCalibratedRange`]. The
    /// range is part of the compiled file and its digest.
    ///
    /// # Errors
    /// [`crate::Error::Calibration`] ([`CalibrationError::RangeFeatureCount`]) if the range does
    /// not have one interval per model input.
    pub fn with_input_range(mut self, range: InputRange) -> Result<Self> {
        let expected = self.layout.model.input_size();
        if range.len() != expected {
            return Err(CalibrationError::RangeFeatureCount {
                expected,
                got: range.len(),
            }
            .into());
        }
        self.input_range = Some(range);
        Ok(self)
    }

    /// The calibrated input range, if any.
    pub fn input_range(&self) -> Option<&InputRange> {
        self.input_range.as_ref()
    }

    /// Checks real features of batch item `item` against the calibrated input range (always
    /// passes without one).
    ///
    /// # Errors
    /// [`crate::Error::OutsideCalibratedRange`] for the first feature outside it.
    pub fn check_input_range(&self, item: usize, features: &[f64]) -> Result<()> {
        match &self.input_range {
            Some(range) => range.check(item, features),
            None => Ok(()),
        }
    }

    /// The same model, batch size, input range and objective, planned again under
    /// `visibility`.
    ///
    /// # Errors
    /// [`crate::Error::Spec`] if a part has a visibility it cannot take.
    pub fn replan(self, visibility: VisibilitySettings) -> Result<Self> {
        let objective = self.objective;
        self.replan_with(visibility, objective)
    }

    /// The same model, batch size and input range, planned again under `visibility` for
    /// `objective`.
    ///
    /// # Errors
    /// [`crate::Error::Spec`] if a part has a visibility it cannot take.
    pub fn replan_with(
        self,
        visibility: VisibilitySettings,
        objective: PlanObjective,
    ) -> Result<Self> {
        if visibility == self.visibility() && objective == self.objective {
            return Ok(self);
        }
        let model = self.layout.model.clone();
        let replanned = Self::with_objective(model, self.batch_size(), visibility, objective)?;
        Ok(Self {
            input_range: self.input_range,
            ..replanned
        })
    }

    /// Who sees the inputs, weights and outputs.
    pub fn visibility(&self) -> VisibilitySettings {
        self.layout.visibility
    }

    /// The Poseidon commitment to this model's weights and biases, as proofs with hashed
    /// weights carry it: the model owner publishes it once, and verifiers compare every
    /// proof's weight commitment with it.
    ///
    /// The weights (layer by layer, row-major), then the biases, are packed into field
    /// elements at the circuit's bit-widths (see `zkmlp_circuits::chips::pack`) and hashed
    /// with Poseidon (`zkmlp_circuits::chips::poseidon`).
    pub fn weight_commitment(&self) -> Binding {
        let (weights, biases) = self.model().flat_parameters();
        let bits = |stored: u32, values: &[i64]| {
            if stored == 0 {
                signed_bits(values)
            } else {
                stored
            }
        };
        let mut message = pack(&weights, bits(self.layout.weight_bits, &weights));
        message.extend(pack(&biases, bits(self.layout.bias_bits, &biases)));
        binding_from_field(poseidon::hash(&message))
    }

    /// The Poseidon commitment to quantized `input` (every item's features) that proofs with
    /// hashed inputs carry, e.g. for a data provider to publish.
    pub fn input_commitment(&self, input: &[i64]) -> Binding {
        let bits = self.params().activation_bits;
        binding_from_field(poseidon::hash(&pack(input, bits)))
    }

    /// The Poseidon commitment to quantized `outputs`, as proofs with hashed outputs carry it.
    pub fn output_commitment(&self, outputs: &[i64]) -> Binding {
        self.input_commitment(outputs)
    }

    /// Inferences proven per proof.
    pub fn batch_size(&self) -> usize {
        self.layout.batch_size
    }

    /// Circuit size: `2^k` rows.
    pub fn k(&self) -> u32 {
        self.k
    }

    /// The quantized model.
    pub fn model(&self) -> &QuantizedMlp {
        &self.layout.model
    }

    /// Fixed-point parameters.
    pub fn params(&self) -> MlpParams {
        self.layout.model.params
    }

    /// The cell plan.
    pub fn layout(&self) -> &Arc<MlpLayout> {
        &self.layout
    }

    /// Summary of the circuit's shape.
    pub fn stats(&self) -> CircuitStats {
        CircuitStats {
            k: self.k,
            rows_used: self.layout.rows(),
            dot_rows: self.layout.dot_len(),
            range_rows: self.layout.range_len,
            range_lanes: self.layout.range_lanes(),
            hash_rows: self
                .layout
                .hashes
                .iter()
                .map(|plan| zkmlp_circuits::chips::poseidon::hash_rows(plan.message_cells().len()))
                .sum(),
            table_rows: self.layout.table_rows(),
            advice_columns: self.layout.num_lanes() + self.layout.range_lanes() - 1,
            dot_width: self.layout.dot_width,
            // one range lookup per range column, or none when one-bit limbs are checked by a gate
            lookups: match self.layout.limb_bits {
                BIT_LIMBS => 0,
                _ => self.layout.range_lanes(),
            },
            parameters: self.layout.model.parameter_count(),
        }
    }

    /// The honest witness for quantized `input` (every item's features, one item after
    /// another), bound to `binding`.
    ///
    /// # Errors
    /// [`crate::Error::Witness`] if the input count is wrong or a value overflows.
    pub fn witness(&self, input: &[i64], binding: Fr) -> Result<MlpWitness> {
        Ok(MlpWitness::generate(&self.layout, input, binding)?)
    }
}

/// Size figures of a compiled circuit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CircuitStats {
    /// `log2` of the row count.
    pub k: u32,
    /// Rows used (longest lane or table).
    pub rows_used: usize,
    /// Rows of the dot-product lane.
    pub dot_rows: usize,
    /// Rows of the range lane (all its columns together, with the rows a split range lane
    /// leaves unused at column ends).
    pub range_rows: usize,
    /// Columns the range lane is split into (`1` unless the planner split it: see
    /// `zkmlp_circuits::layout::lanes`).
    pub range_lanes: usize,
    /// Rows of Poseidon blocks (zero unless a part is hashed).
    pub hash_rows: usize,
    /// Rows of the lookup table.
    pub table_rows: usize,
    /// Advice columns.
    pub advice_columns: usize,
    /// Multiply-accumulates per dot-product row.
    pub dot_width: usize,
    /// Lookup arguments (`0` with one-bit limbs, checked by a gate).
    pub lookups: usize,
    /// Weights and biases.
    pub parameters: usize,
}
