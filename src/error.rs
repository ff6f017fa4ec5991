//! The library's error type: one enum, with the lower layers' errors as typed variants.

use zkmlp_circuits::{SpecError, WitnessError};

use crate::{model::ModelError, quantize::QuantizeError};

/// Everything that can go wrong between a model file and a verified proof.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The float model is malformed.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// Quantization failed or a value left the fixed-point range.
    #[error(transparent)]
    Quantize(#[from] QuantizeError),
    /// The quantized model cannot be compiled into a circuit.
    #[error("invalid quantized model: {0}")]
    Spec(#[from] SpecError),
    /// The input has no valid witness (it would overflow the circuit's bounds).
    #[error("no valid witness: {0}")]
    Witness(#[from] WitnessError),
    /// The SRS is too small for the circuit.
    #[error("the SRS supports circuits up to k = {srs_k}, this one needs k = {needed_k}")]
    SrsTooSmall {
        /// The SRS's `k`.
        srs_k: u32,
        /// The circuit's `k`.
        needed_k: u32,
    },
    /// The key was made for another circuit size.
    #[error("the key was made for k = {key_k}, the SRS gives k = {srs_k}")]
    KeyMismatch {
        /// The key's `k`.
        key_k: u32,
        /// The SRS's `k`.
        srs_k: u32,
    },
    /// The proof carries the wrong number of public features or outputs.
    #[error("the proof has {got_features} features and {got_outputs} outputs, the key expects {expected_features} and {expected_outputs}")]
    InstanceShape {
        /// Features the key expects.
        expected_features: usize,
        /// Outputs the key expects.
        expected_outputs: usize,
        /// Features in the proof.
        got_features: usize,
        /// Outputs in the proof.
        got_outputs: usize,
    },
    /// The proof's public weights or commitments do not match the key's visibility.
    #[error("the proof's public inputs do not match the key's visibility: {0}")]
    VisibilityMismatch(String),
    /// A public input lies outside the circuit's activation range, so no proof can hold.
    #[error("public input {index} ({value}) is outside the activation range [{min}, {max}]")]
    PublicInputOutOfRange {
        /// Position in the instance.
        index: usize,
        /// The value.
        value: i64,
        /// Smallest allowed value.
        min: i64,
        /// Largest allowed value.
        max: i64,
    },
    /// A feature lies outside the input range the circuit was calibrated for
    /// ([`crate::CompiledModel::with_input_range`]), so its activations are not guaranteed to
    /// fit the fixed-point range.
    #[error(
        "item {item}, feature {feature} = {value} is outside the calibrated range [{lo}, {hi}]"
    )]
    OutsideCalibratedRange {
        /// Item of the batch (0 for a single inference).
        item: usize,
        /// Feature index.
        feature: usize,
        /// The feature.
        value: f64,
        /// Calibrated lower bound.
        lo: f64,
        /// Calibrated upper bound.
        hi: f64,
    },
    /// Calibration failed, or a calibrated input range does not suit the model.
    #[error(transparent)]
    Calibration(#[from] crate::calibrate::CalibrationError),
    /// A hand-built witness does not have the shape of the key's circuit.
    #[error("the witness does not have the shape of this key's circuit")]
    WitnessShape,
    /// The number of items does not match the key's batch size.
    #[error("the key proves batches of {expected} items, got {got}")]
    BatchSize {
        /// The key's batch size.
        expected: usize,
        /// Items given.
        got: usize,
    },
    /// A binding value is not below the BN254 scalar modulus.
    #[error("the binding value is not below the BN254 scalar field modulus")]
    BindingOutOfField,
    /// The proof bytes are malformed or the proof does not verify for these public inputs.
    #[error("the proof is invalid: {0}")]
    InvalidProof(String),
    /// A batch with folded outputs is malformed, or a key is used with the wrong kind of
    /// proof (see [`crate::batch`]).
    #[error(transparent)]
    Batch(#[from] crate::batch::BatchError),
    /// A halo2 operation (key generation or proving) failed.
    #[error("halo2 {operation} failed: {message}")]
    Halo2 {
        /// What was being done.
        operation: &'static str,
        /// halo2's error.
        message: String,
    },
}

/// Result with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
