//! Why calibration fails: [`CalibrationError`].

use zkmlp_circuits::spec::{MAX_ACTIVATION_BITS, MAX_SCALE_BITS};

use crate::{error::Error, model::ModelError, quantize::QuantizeError};

/// Why calibration failed.
#[derive(Debug, thiserror::Error)]
pub enum CalibrationError {
    /// No samples were given.
    #[error("calibration needs at least one sample")]
    NoSamples,
    /// A sample has the wrong number of features.
    #[error("sample {sample} has {got} features, the model expects {expected}")]
    FeatureCount {
        /// Sample index.
        sample: usize,
        /// Input size of the model.
        expected: usize,
        /// Features in the sample.
        got: usize,
    },
    /// A sample feature is NaN or infinite.
    #[error("sample {sample}, feature {feature} is not finite")]
    NonFinite {
        /// Sample index.
        sample: usize,
        /// Feature index.
        feature: usize,
    },
    /// An option is out of its domain (negative or non-finite margin or tolerance, zero
    /// batch size).
    #[error("invalid calibration option {name} = {value}")]
    InvalidOption {
        /// The option.
        name: &'static str,
        /// Its value.
        value: f64,
    },
    /// The float model is invalid or fails on a sample.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// Quantization failed other than by overflow.
    #[error(transparent)]
    Quantize(#[from] QuantizeError),
    /// A candidate could not be compiled.
    #[error("cannot compile a candidate: {0}")]
    Compile(#[source] Box<Error>),
    /// No `scale_bits` keeps every bound within [`MAX_ACTIVATION_BITS`].
    #[error(
        "no scale_bits in 1..={MAX_SCALE_BITS} keeps every activation over the calibrated \
         range within {MAX_ACTIVATION_BITS} bits (scale_bits 1 needs {needed_bits})"
    )]
    NothingFits {
        /// Bits needed at the smallest scale (a lower bound when above the limit).
        needed_bits: u32,
    },
    /// No fitting candidate reaches the tolerance
    /// ([`Objective::Resources`](super::Objective::Resources)).
    #[error(
        "no setting reaches the tolerance {tolerance:.4e}: the best max |error| is \
         {best_error:.4e} (scale_bits {best_scale_bits})"
    )]
    ToleranceNotMet {
        /// The absolute tolerance.
        tolerance: f64,
        /// Smallest max absolute error of any fitting candidate.
        best_error: f64,
        /// Its `scale_bits`.
        best_scale_bits: u32,
    },
    /// An input range's bound lists differ in length or are empty.
    #[error("an input range needs as many lower as upper bounds, at least one: got {lo} and {hi}")]
    RangeShape {
        /// Lower bounds given.
        lo: usize,
        /// Upper bounds given.
        hi: usize,
    },
    /// An input range has a non-finite bound or `lo > hi`.
    #[error("input range of feature {feature} is invalid: [{lo}, {hi}]")]
    InvalidRange {
        /// Feature index.
        feature: usize,
        /// Lower bound.
        lo: f64,
        /// Upper bound.
        hi: f64,
    },
    /// An input range does not have one interval per model input.
    #[error("the input range has {got} features, the model expects {expected}")]
    RangeFeatureCount {
        /// Input size of the model.
        expected: usize,
        /// Features in the range.
        got: usize,
    },
}
