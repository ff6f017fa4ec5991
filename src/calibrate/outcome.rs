//! The outcome of calibration: the chosen setting ([`Calibration`]), every candidate tried
//! ([`Candidate`], [`CandidateFit`]), the chosen setting's [`Accuracy`], and the printed
//! summary.

use std::fmt;

use zkmlp_circuits::{spec::MAX_ACTIVATION_BITS, MlpParams, QuantizedMlp};

use super::{bounds::Interval, options::Objective, range::InputRange};
use crate::{compiled::CompiledModel, error::Error, quantize::QuantizationReport};

/// One `scale_bits` tried by [`calibrate`](super::calibrate).
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    /// `s`.
    pub scale_bits: u32,
    /// Activation bits the sound bounds need; `None` when the weights do not quantize at
    /// this scale. Above [`MAX_ACTIVATION_BITS`] it is a lower bound (propagation stopped).
    pub required_bits: Option<u32>,
    /// The setting, when it fits.
    pub fit: Option<CandidateFit>,
}

/// A candidate that fits the circuit's limits.
#[derive(Clone, Debug, PartialEq)]
pub struct CandidateFit {
    /// `(s, b)`.
    pub params: MlpParams,
    /// Circuit size.
    pub k: u32,
    /// Accuracy on the samples.
    pub report: QuantizationReport,
    /// Samples whose decision differs from the float model's, for a classifier head (last
    /// layer sigmoid: `p >= 1/2` per output; tanh: `y >= 0`); `0` for other models, and for
    /// samples the setting cannot represent (those are counted in `report`).
    pub decision_flips: usize,
}

/// Accuracy of the chosen setting on the samples.
#[derive(Clone, Debug, PartialEq)]
pub struct Accuracy {
    /// Mean and max absolute error of dequantized against float outputs.
    pub report: QuantizationReport,
    /// `100 * mean |error| / mean |float output|` (0 when every output is 0).
    pub percent_error: f64,
    /// Largest `100 * |error| / |float output|` over outputs with `|float| > 1e-9`.
    pub max_relative_error_percent: f64,
    /// Largest `|float output|` on the samples.
    pub max_abs_output: f64,
}

/// The result of [`calibrate`](super::calibrate).
#[derive(Clone, Debug)]
pub struct Calibration {
    /// The objective used.
    pub objective: Objective,
    /// The chosen fixed-point parameters.
    pub params: MlpParams,
    /// The model quantized with them.
    pub quantized: QuantizedMlp,
    /// The calibrated real input box (the samples' box widened by the margin).
    pub input_range: InputRange,
    /// The same box quantized at the chosen scale.
    pub quantized_input_range: Vec<Interval>,
    /// Sound bounds on every layer's rescaled values over the box
    /// ([`activation_bounds`](super::activation_bounds)).
    pub activation_bounds: Vec<Vec<Interval>>,
    /// Circuit size of the chosen setting at
    /// [`CalibrationOptions::batch_size`](super::CalibrationOptions::batch_size).
    pub k: u32,
    /// Batch size the circuit was planned for.
    pub batch_size: usize,
    /// Accuracy of the chosen setting on the samples.
    pub accuracy: Accuracy,
    /// The absolute error tolerance in force.
    pub tolerance: f64,
    /// Every candidate tried, by increasing `scale_bits`.
    pub candidates: Vec<Candidate>,
}

impl Calibration {
    /// The circuit of the chosen setting, carrying the calibrated input range.
    ///
    /// # Errors
    /// As [`CompiledModel::new_batch`].
    pub fn compile(&self) -> Result<CompiledModel, Error> {
        CompiledModel::from_calibration(self)
    }
}

impl fmt::Display for Calibration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = &self.accuracy.report;
        writeln!(
            f,
            "calibration (objective {}, {} samples, {} features, tolerance {:.4e})",
            self.objective,
            r.samples + r.overflow_count,
            self.input_range.len(),
            self.tolerance
        )?;
        writeln!(
            f,
            "  chosen               scale_bits {}, activation_bits {}, k {} (batch {})",
            self.params.scale_bits, self.params.activation_bits, self.k, self.batch_size
        )?;
        writeln!(
            f,
            "  mean |error|         {:.6e}   max |error| {:.6e}",
            r.mean_abs_error, r.max_abs_error
        )?;
        writeln!(
            f,
            "  error                {:.4}% of mean |output|, max relative {:.4}%",
            self.accuracy.percent_error, self.accuracy.max_relative_error_percent
        )?;
        let shown = self.input_range.len().min(4);
        write!(f, "  input range         ")?;
        for i in 0..shown {
            write!(
                f,
                " [{:.4}, {:.4}]",
                self.input_range.lo()[i],
                self.input_range.hi()[i]
            )?;
        }
        if self.input_range.len() > shown {
            write!(f, " ... ({} more)", self.input_range.len() - shown)?;
        }
        writeln!(f)?;
        write!(f, "  candidates           s   b   k   max |error|")?;
        for c in &self.candidates {
            write!(f, "\n                     {:>2}  ", c.scale_bits)?;
            match (&c.fit, c.required_bits) {
                (Some(fit), _) => write!(
                    f,
                    "{:>2}  {:>2}   {:.4e}{}",
                    fit.params.activation_bits,
                    fit.k,
                    fit.report.max_abs_error,
                    if fit.params == self.params {
                        "  <- chosen"
                    } else {
                        ""
                    }
                )?,
                (None, Some(bits)) => write!(
                    f,
                    "{bits:>2}   -   (needs more than {MAX_ACTIVATION_BITS} bits)"
                )?,
                (None, None) => write!(f, " -   -   (weights do not quantize)")?,
            }
        }
        Ok(())
    }
}
