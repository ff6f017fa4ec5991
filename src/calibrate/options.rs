//! Calibration settings: what calibration optimizes ([`Objective`]), the error it accepts
//! ([`Tolerance`]), and how the samples' box is widened and the circuit sized
//! ([`CalibrationOptions`]).

use std::fmt;

/// What calibration optimizes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Objective {
    /// The smallest circuit (`k`) whose max absolute output error on the samples is within
    /// the tolerance; then the most accurate setting at that `k`.
    #[default]
    Resources,
    /// The most accurate setting that fits: the largest `scale_bits` whose bounds fit within
    /// `MAX_ACTIVATION_BITS`.
    Accuracy,
}

impl fmt::Display for Objective {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Resources => "resources",
            Self::Accuracy => "accuracy",
        })
    }
}

/// The largest acceptable max absolute output error (for [`Objective::Resources`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Tolerance {
    /// This fraction of the largest `|float output|` on the samples (default 0.01).
    RelativeToMaxOutput(f64),
    /// An absolute error.
    Absolute(f64),
}

impl Default for Tolerance {
    fn default() -> Self {
        Self::RelativeToMaxOutput(0.01)
    }
}

/// Calibration settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CalibrationOptions {
    /// What to optimize.
    pub objective: Objective,
    /// The error tolerance.
    pub tolerance: Tolerance,
    /// Widening of each feature's observed `[min, max]` on both sides, as a fraction of its
    /// span (default 0.1). A constant feature is widened by this fraction of
    /// `max(|value|, 1)`.
    pub input_margin: f64,
    /// Inferences per proof of the circuit whose `k` is measured (default 1).
    pub batch_size: usize,
}

impl Default for CalibrationOptions {
    fn default() -> Self {
        Self {
            objective: Objective::default(),
            tolerance: Tolerance::default(),
            input_margin: 0.1,
            batch_size: 1,
        }
    }
}
