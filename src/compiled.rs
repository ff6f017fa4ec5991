//! A quantized model compiled into a circuit layout, with its size.

use std::sync::Arc;

use halo2_proofs::halo2curves::bn256::Fr;
use zkmlp_circuits::{min_k, MlpLayout, MlpParams, MlpWitness, QuantizedMlp};

use crate::error::Result;

/// A quantized model planned as a circuit: what keys are generated for.
#[derive(Clone, Debug)]
pub struct CompiledModel {
    layout: Arc<MlpLayout>,
    k: u32,
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
        let layout = Arc::new(MlpLayout::new_batch(model, batch_size)?);
        let k = min_k(&layout);
        Ok(Self { layout, k })
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
            table_rows: self.layout.table_rows(),
            advice_columns: self.layout.num_lanes(),
            dot_width: self.layout.dot_width,
            lookups: 1,
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
    /// Rows of the range lane.
    pub range_rows: usize,
    /// Rows of the lookup table.
    pub table_rows: usize,
    /// Advice columns.
    pub advice_columns: usize,
    /// Multiply-accumulates per dot-product row.
    pub dot_width: usize,
    /// Lookup arguments.
    pub lookups: usize,
    /// Weights and biases.
    pub parameters: usize,
}
