//! Calibration: choose the fixed-point parameters `(s, b)` of a model from sample inputs.
//!
//! The samples fix a per-feature input box `[lo, hi]`, widened by a margin. The box is
//! propagated through the *quantized* network with exact integer interval arithmetic:
//!
//! ```text
//! acc in [bias + sum_i min(w_i lo_i, w_i hi_i),  bias + sum_i max(w_i lo_i, w_i hi_i)]
//! q   in [floor((acc_lo + 2^(s-1)) / 2^s),      floor((acc_hi + 2^(s-1)) / 2^s)]
//! y   in [max(q_lo, 0), max(q_hi, 0)]  (ReLU)   or  [q_lo, q_hi]  (identity)
//! ```
//!
//! Every step is monotone in each input, so the intervals contain every `q` the network
//! computes for *any* input in the box, not only the samples. The activation width `b` is the
//! smallest that holds the quantized box and every interval: an input inside the calibrated
//! range therefore always has a valid witness. Scale bits `s` are searched over
//! `1..=MAX_SCALE_BITS`, each candidate compiled for its `k` and measured on the samples.

use std::fmt;

use zkmlp_circuits::{
    spec::{SquashSpec, MAX_ACTIVATION_BITS, MAX_SCALE_BITS},
    Activation as QActivation, MlpParams, QuantizedMlp,
};

use crate::{
    compiled::CompiledModel,
    error::Error,
    model::{Mlp, ModelError},
    quantize::{
        dequantize, quantization_report, quantize, quantize_input, reference_forward,
        QuantizationReport, QuantizeError,
    },
};

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

/// A closed interval of integers `[lo, hi]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interval {
    /// Smallest value.
    pub lo: i128,
    /// Largest value.
    pub hi: i128,
}

impl Interval {
    /// Whether `v` lies in the interval.
    pub fn contains(&self, v: i128) -> bool {
        self.lo <= v && v <= self.hi
    }

    /// The smallest signed width `b >= 2` with `[lo, hi]` inside `[-2^(b-1), 2^(b-1))`.
    pub fn signed_bits(&self) -> u32 {
        // v >= 0 needs v < 2^(b-1); v < 0 needs -v - 1 = !v < 2^(b-1).
        let bits = |v: i128| 129 - if v < 0 { !v } else { v }.leading_zeros();
        bits(self.lo).max(bits(self.hi)).max(2)
    }
}

/// `2^(MAX_ACTIVATION_BITS - 1)`: no value at or beyond it in magnitude fits any circuit.
const LIMIT: i128 = 1 << (MAX_ACTIVATION_BITS - 1);

/// Sound bounds on every rescaled value `q` (before the activation) of every layer, for every
/// quantized input in the box `input` (one interval per feature).
///
/// Returns one vector per layer, one interval per neuron. Propagation stops after the first
/// layer with a bound outside `[-2^39, 2^39)` (no circuit can hold it, and going further could
/// overflow `i128`); it returns nothing if an input interval is already outside it.
///
/// # Panics
/// If `input` does not have one interval per model input, or `model` does not validate
/// (ragged weights).
pub fn activation_bounds(model: &QuantizedMlp, input: &[Interval]) -> Vec<Vec<Interval>> {
    assert_eq!(input.len(), model.input_size(), "one interval per input");
    let fits = |i: &Interval| -LIMIT <= i.lo && i.hi < LIMIT;
    if !input.iter().all(fits) {
        return Vec::new();
    }
    let s = model.params.scale_bits;
    let (half, divisor) = (1i128 << (s - 1), 1i128 << s);
    let rescale = |acc: i128| (acc + half).div_euclid(divisor);
    // A sigmoid's or tanh's grid cell u(q) = floor((2^g q + T 2^s) / 2^s), and
    // y = F(clamp(u)): both monotone in q.
    let grid = |spec: &SquashSpec, q: i128| {
        ((q << spec.grid_bits) + (i128::from(spec.half_range()) << s)).div_euclid(divisor)
    };
    let squash = |spec: &SquashSpec, q: i128| {
        let index = grid(spec, q).clamp(0, 2 * i128::from(spec.half_range()) - 1);
        i128::from(spec.value(s, index as i64))
    };
    let mut values = input.to_vec();
    let mut bounds = Vec::with_capacity(model.layers.len());
    for layer in &model.layers {
        assert_eq!(layer.input_size(), values.len(), "model must validate");
        // |acc| <= 2^62 + 2^20 * 2^62 * 2^39 < 2^122: no overflow while inputs fit 40 bits.
        let qs: Vec<Interval> = layer
            .weights
            .iter()
            .zip(&layer.biases)
            .map(|(row, &bias)| {
                let (mut lo, mut hi) = (i128::from(bias), i128::from(bias));
                for (&w, x) in row.iter().zip(&values) {
                    let (a, b) = (i128::from(w) * x.lo, i128::from(w) * x.hi);
                    lo += a.min(b);
                    hi += a.max(b);
                }
                Interval {
                    lo: rescale(lo),
                    hi: rescale(hi),
                }
            })
            .collect();
        values = qs
            .iter()
            .map(|q| match layer.activation {
                QActivation::Relu => Interval {
                    lo: q.lo.max(0),
                    hi: q.hi.max(0),
                },
                QActivation::Identity => *q,
                // y = q for q >= 0, n(q) = floor((alpha q + 2^(s-1)) / 2^s) below; n is
                // monotone in q, so its extremes are at the ends of the negative part.
                QActivation::LeakyRelu { alpha } => {
                    let n = |q: i128| rescale(i128::from(alpha) * q);
                    let mut y = Interval {
                        lo: q.lo.max(0),
                        hi: q.hi.max(0),
                    };
                    if q.lo < 0 {
                        for v in [n(q.lo), n(q.hi.min(-1))] {
                            y.lo = y.lo.min(v);
                            y.hi = y.hi.max(v);
                        }
                    }
                    y
                }
                QActivation::Squash(spec) => Interval {
                    lo: squash(&spec, q.lo),
                    hi: squash(&spec, q.hi),
                },
            })
            .collect();
        // The circuit computes a leaky ReLU's n, a sigmoid's or tanh's u, for every q: they
        // must fit too.
        let qs: Vec<Interval> = (qs.iter())
            .map(|q| match layer.activation {
                QActivation::LeakyRelu { alpha } => {
                    let (a, b) = (
                        rescale(i128::from(alpha) * q.lo),
                        rescale(i128::from(alpha) * q.hi),
                    );
                    Interval {
                        lo: q.lo.min(a).min(b),
                        hi: q.hi.max(a).max(b),
                    }
                }
                QActivation::Squash(spec) => Interval {
                    lo: q.lo.min(grid(&spec, q.lo)),
                    hi: q.hi.max(grid(&spec, q.hi)),
                },
                _ => *q,
            })
            .collect();
        let overflow = !qs.iter().all(fits);
        bounds.push(qs);
        if overflow {
            break;
        }
    }
    bounds
}

/// A per-feature box of real inputs `[lo_i, hi_i]`: the calibrated input range.
#[derive(Clone, Debug, PartialEq)]
pub struct InputRange {
    lo: Vec<f64>,
    hi: Vec<f64>,
}

impl InputRange {
    /// The box `[lo_i, hi_i]`.
    ///
    /// # Errors
    /// [`CalibrationError::RangeShape`] if the lengths differ or are zero;
    /// [`CalibrationError::InvalidRange`] if a bound is not finite or `lo_i > hi_i`.
    pub fn new(lo: Vec<f64>, hi: Vec<f64>) -> Result<Self, CalibrationError> {
        if lo.len() != hi.len() || lo.is_empty() {
            return Err(CalibrationError::RangeShape {
                lo: lo.len(),
                hi: hi.len(),
            });
        }
        if let Some(feature) =
            (0..lo.len()).find(|&i| !(lo[i].is_finite() && hi[i].is_finite() && lo[i] <= hi[i]))
        {
            return Err(CalibrationError::InvalidRange {
                feature,
                lo: lo[feature],
                hi: hi[feature],
            });
        }
        Ok(Self { lo, hi })
    }

    /// Lower bounds, one per feature.
    pub fn lo(&self) -> &[f64] {
        &self.lo
    }

    /// Upper bounds, one per feature.
    pub fn hi(&self) -> &[f64] {
        &self.hi
    }

    /// Number of features.
    pub fn len(&self) -> usize {
        self.lo.len()
    }

    /// Always false: a range has at least one feature.
    pub fn is_empty(&self) -> bool {
        self.lo.is_empty()
    }

    /// Checks item `item`'s `features` against the box. NaN features are left for
    /// quantization to report; extra or missing features for the witness.
    ///
    /// # Errors
    /// [`Error::OutsideCalibratedRange`] for the first feature outside its `[lo, hi]`.
    pub fn check(&self, item: usize, features: &[f64]) -> Result<(), Error> {
        for (feature, ((&value, &lo), &hi)) in
            features.iter().zip(&self.lo).zip(&self.hi).enumerate()
        {
            if !(value.is_nan() || lo <= value && value <= hi) {
                return Err(Error::OutsideCalibratedRange {
                    item,
                    feature,
                    value,
                    lo,
                    hi,
                });
            }
        }
        Ok(())
    }

    /// The quantized box `[round(lo_i 2^s), round(hi_i 2^s)]`: rounding is monotone, so
    /// every real input in the box quantizes into it. `None` when a bound leaves `i64`.
    pub fn quantized(&self, scale_bits: u32) -> Option<Vec<Interval>> {
        let scale = 2f64.powi(scale_bits as i32);
        let q = |v: f64| {
            let r = (v * scale).round();
            // 2^62 is exact; anything beyond cannot fit 40 bits anyway.
            (r.abs() <= (1u64 << 62) as f64).then_some(r as i128)
        };
        self.lo
            .iter()
            .zip(&self.hi)
            .map(|(&lo, &hi)| {
                Some(Interval {
                    lo: q(lo)?,
                    hi: q(hi)?,
                })
            })
            .collect()
    }
}

/// One `scale_bits` tried by [`calibrate`].
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

/// The result of [`calibrate`].
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
    /// Sound bounds on every layer's rescaled values over the box ([`activation_bounds`]).
    pub activation_bounds: Vec<Vec<Interval>>,
    /// Circuit size of the chosen setting at [`CalibrationOptions::batch_size`].
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
                self.input_range.lo[i], self.input_range.hi[i]
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
    /// No fitting candidate reaches the tolerance ([`Objective::Resources`]).
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

/// Calibrates `model` on `samples`: see the module docs.
///
/// # Errors
/// [`CalibrationError::NoSamples`], [`CalibrationError::FeatureCount`],
/// [`CalibrationError::NonFinite`], [`CalibrationError::InvalidOption`] for bad input;
/// [`CalibrationError::Model`] for an invalid model; [`CalibrationError::NothingFits`] when
/// no scale keeps the bounds within 40 bits; [`CalibrationError::ToleranceNotMet`] when
/// [`Objective::Resources`] finds no setting within the tolerance.
pub fn calibrate(
    model: &Mlp,
    samples: &[Vec<f64>],
    options: &CalibrationOptions,
) -> Result<Calibration, CalibrationError> {
    model.validate()?;
    let input_range = sample_box(model.input_size(), samples, options.input_margin)?;
    if options.batch_size == 0 {
        return Err(CalibrationError::InvalidOption {
            name: "batch_size",
            value: 0.0,
        });
    }
    let float_outputs: Vec<Vec<f64>> = samples
        .iter()
        .map(|x| model.forward(x))
        .collect::<Result<_, _>>()?;
    let max_abs_output = float_outputs
        .iter()
        .flatten()
        .fold(0.0f64, |m, v| m.max(v.abs()));
    let tolerance = match options.tolerance {
        Tolerance::RelativeToMaxOutput(t) if t.is_finite() && t >= 0.0 => t * max_abs_output,
        Tolerance::Absolute(t) if t.is_finite() && t >= 0.0 => t,
        Tolerance::RelativeToMaxOutput(value) | Tolerance::Absolute(value) => {
            return Err(CalibrationError::InvalidOption {
                name: "tolerance",
                value,
            })
        }
    };

    let mut candidates = Vec::new();
    for scale_bits in 1..=MAX_SCALE_BITS {
        candidates.push(try_scale(
            model,
            samples,
            &float_outputs,
            &input_range,
            scale_bits,
            options.batch_size,
        )?);
    }
    let fits = || candidates.iter().filter_map(|c| c.fit.as_ref());
    let chosen = match options.objective {
        Objective::Accuracy => fits().max_by_key(|fit| fit.params.scale_bits),
        Objective::Resources => {
            // Within the tolerance, and for a classifier head the same decision as the float
            // model on at least 99% of the samples.
            let within = |fit: &&CandidateFit| {
                fit.report.max_abs_error <= tolerance && 100 * fit.decision_flips <= samples.len()
            };
            let k = fits().filter(within).map(|fit| fit.k).min();
            match k {
                Some(k) => fits()
                    .filter(within)
                    .filter(|fit| fit.k == k)
                    .min_by(|a, b| {
                        let key =
                            |f: &CandidateFit| (f.report.max_abs_error, f.report.mean_abs_error);
                        key(a)
                            .partial_cmp(&key(b))
                            .unwrap_or(std::cmp::Ordering::Equal)
                            .then(a.params.activation_bits.cmp(&b.params.activation_bits))
                    }),
                None => {
                    if let Some(best) = fits()
                        .min_by(|a, b| a.report.max_abs_error.total_cmp(&b.report.max_abs_error))
                    {
                        return Err(CalibrationError::ToleranceNotMet {
                            tolerance,
                            best_error: best.report.max_abs_error,
                            best_scale_bits: best.params.scale_bits,
                        });
                    }
                    None
                }
            }
        }
    };
    let Some(chosen) = chosen.cloned() else {
        return Err(CalibrationError::NothingFits {
            needed_bits: candidates[0].required_bits.unwrap_or(u32::MAX),
        });
    };
    let quantized = quantize(model, chosen.params)?;
    let quantized_input_range = input_range
        .quantized(chosen.params.scale_bits)
        .expect("a fitting candidate's box fits 40 bits");
    let activation_bounds = activation_bounds(&quantized, &quantized_input_range);
    let accuracy = accuracy(&quantized, samples, &float_outputs, chosen.report.clone())?;
    Ok(Calibration {
        objective: options.objective,
        params: chosen.params,
        quantized,
        input_range,
        quantized_input_range,
        activation_bounds,
        k: chosen.k,
        batch_size: options.batch_size,
        accuracy,
        tolerance,
        candidates,
    })
}

/// Checks the samples and returns their per-feature box, widened by `margin`.
fn sample_box(
    inputs: usize,
    samples: &[Vec<f64>],
    margin: f64,
) -> Result<InputRange, CalibrationError> {
    if samples.is_empty() {
        return Err(CalibrationError::NoSamples);
    }
    if !(margin.is_finite() && margin >= 0.0) {
        return Err(CalibrationError::InvalidOption {
            name: "input_margin",
            value: margin,
        });
    }
    let mut lo = vec![f64::INFINITY; inputs];
    let mut hi = vec![f64::NEG_INFINITY; inputs];
    for (sample, x) in samples.iter().enumerate() {
        if x.len() != inputs {
            return Err(CalibrationError::FeatureCount {
                sample,
                expected: inputs,
                got: x.len(),
            });
        }
        for (feature, &v) in x.iter().enumerate() {
            if !v.is_finite() {
                return Err(CalibrationError::NonFinite { sample, feature });
            }
            lo[feature] = lo[feature].min(v);
            hi[feature] = hi[feature].max(v);
        }
    }
    for (lo, hi) in lo.iter_mut().zip(&mut hi) {
        let span = *hi - *lo;
        let span = if span > 0.0 { span } else { lo.abs().max(1.0) };
        *lo -= margin * span;
        *hi += margin * span;
    }
    InputRange::new(lo, hi)
}

/// Quantizes at `scale_bits`, bounds the activations over the box, and if they fit, compiles
/// and measures the setting.
fn try_scale(
    model: &Mlp,
    samples: &[Vec<f64>],
    float_outputs: &[Vec<f64>],
    range: &InputRange,
    scale_bits: u32,
    batch_size: usize,
) -> Result<Candidate, CalibrationError> {
    let widest = MlpParams {
        scale_bits,
        activation_bits: MAX_ACTIVATION_BITS,
    };
    let unfit = |required_bits| Candidate {
        scale_bits,
        required_bits,
        fit: None,
    };
    let quantized = match quantize(model, widest) {
        Ok(q) => q,
        Err(QuantizeError::ParameterOutOfRange { .. }) => return Ok(unfit(None)),
        Err(e) => return Err(e.into()),
    };
    let Some(input) = range.quantized(scale_bits) else {
        return Ok(unfit(Some(u32::MAX)));
    };
    let bounds = activation_bounds(&quantized, &input);
    let bits = input
        .iter()
        .chain(bounds.iter().flatten())
        .map(Interval::signed_bits)
        .max()
        .unwrap_or(2);
    // Sigmoid and tanh outputs reach 2^s: b >= s + 2 (see `SquashSpec::check`).
    let squashes =
        (quantized.layers.iter()).any(|l| matches!(l.activation, QActivation::Squash(_)));
    let bits = if squashes {
        bits.max(scale_bits + 2)
    } else {
        bits
    };
    if bits > MAX_ACTIVATION_BITS || bounds.len() < quantized.layers.len() {
        return Ok(unfit(Some(bits.max(MAX_ACTIVATION_BITS + 1))));
    }
    let params = MlpParams {
        scale_bits,
        activation_bits: bits,
    };
    let quantized = QuantizedMlp {
        params,
        layers: quantized.layers,
    };
    let report = quantization_report(model, &quantized, samples)?;
    let decision_flips = decision_flips(model, &quantized, samples, float_outputs);
    let k = CompiledModel::new_batch(quantized, batch_size)
        .map_err(|e| CalibrationError::Compile(Box::new(e)))?
        .k();
    Ok(Candidate {
        scale_bits,
        required_bits: Some(bits),
        fit: Some(CandidateFit {
            params,
            k,
            report,
            decision_flips,
        }),
    })
}

/// How many samples get another decision from `quantized` than from the float `model`, for a
/// classifier head: a last layer in sigmoid decides `p >= 1/2` per output, in tanh `y >= 0`,
/// and a model with a sigmoid or tanh inside and several outputs (scikit-learn's binary
/// classifier ends in `[1 - p, p]`) decides by argmax. `0` for any other model. Samples
/// `quantized` cannot represent are not counted here (the report counts them).
fn decision_flips(
    model: &Mlp,
    quantized: &QuantizedMlp,
    samples: &[Vec<f64>],
    float_outputs: &[Vec<f64>],
) -> usize {
    use crate::model::Activation;
    let squashes = |a: &Activation| matches!(a, Activation::Sigmoid | Activation::Tanh);
    let threshold = match model.layers.last().map(|l| l.activation) {
        Some(Activation::Sigmoid) => Some(0.5),
        Some(Activation::Tanh) => Some(0.0),
        _ if model.output_size() >= 2 && model.layers.iter().any(|l| squashes(&l.activation)) => {
            None
        }
        _ => return 0,
    };
    let decide = |outputs: &[f64]| -> Vec<usize> {
        match threshold {
            Some(t) => outputs.iter().map(|&v| usize::from(v >= t)).collect(),
            None => {
                let best =
                    (0..outputs.len()).fold(0, |b, i| if outputs[i] > outputs[b] { i } else { b });
                vec![best]
            }
        }
    };
    let mut flips = 0;
    for (x, expected) in samples.iter().zip(float_outputs) {
        let Ok(out) =
            quantize_input(quantized.params, x).and_then(|i| reference_forward(quantized, &i))
        else {
            continue;
        };
        let ours: Vec<f64> = out
            .iter()
            .map(|&v| dequantize(quantized.params, v))
            .collect();
        flips += usize::from(decide(expected) != decide(&ours));
    }
    flips
}

/// The chosen setting's percent and max relative errors.
fn accuracy(
    quantized: &QuantizedMlp,
    samples: &[Vec<f64>],
    float_outputs: &[Vec<f64>],
    report: QuantizationReport,
) -> Result<Accuracy, CalibrationError> {
    let (mut abs_sum, mut float_sum, mut count, mut max_rel) = (0.0, 0.0, 0usize, 0.0f64);
    let mut max_abs_output = 0.0f64;
    for (x, expected) in samples.iter().zip(float_outputs) {
        let out = reference_forward(quantized, &quantize_input(quantized.params, x)?)?;
        for (&float, &v) in expected.iter().zip(&out) {
            let err = (float - dequantize(quantized.params, v)).abs();
            abs_sum += err;
            float_sum += float.abs();
            count += 1;
            max_abs_output = max_abs_output.max(float.abs());
            if float.abs() > 1e-9 {
                max_rel = max_rel.max(100.0 * err / float.abs());
            }
        }
    }
    let percent_error = if float_sum > 0.0 {
        100.0 * (abs_sum / count as f64) / (float_sum / count as f64)
    } else {
        0.0
    };
    Ok(Accuracy {
        report,
        percent_error,
        max_relative_error_percent: max_rel,
        max_abs_output,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Activation, DenseLayer};
    use zkmlp_circuits::QuantizedLayer;

    fn iv(lo: i128, hi: i128) -> Interval {
        Interval { lo, hi }
    }

    #[test]
    fn signed_bits_is_the_smallest_width() {
        for (lo, hi, bits) in [
            (0, 0, 2),
            (-2, 1, 2),
            (-3, 1, 3),
            (-2, 2, 3),
            (-128, 127, 8),
            (-129, 0, 9),
            (0, 128, 9),
            (-(1 << 39), (1 << 39) - 1, 40),
        ] {
            assert_eq!(iv(lo, hi).signed_bits(), bits, "[{lo}, {hi}]");
        }
    }

    /// Every rescaled value of every layer, for one input: the brute-force oracle.
    fn all_q(model: &QuantizedMlp, input: &[i128]) -> Vec<Vec<i128>> {
        let s = model.params.scale_bits;
        let mut x = input.to_vec();
        let mut out = Vec::new();
        for layer in &model.layers {
            let qs: Vec<i128> = layer
                .weights
                .iter()
                .zip(&layer.biases)
                .map(|(row, &b)| {
                    let acc = b as i128
                        + row
                            .iter()
                            .zip(&x)
                            .map(|(&w, &v)| w as i128 * v)
                            .sum::<i128>();
                    (acc + (1 << (s - 1))) >> s
                })
                .collect();
            x = qs
                .iter()
                .map(|&q| match layer.activation {
                    QActivation::Relu => q.max(0),
                    QActivation::Identity | QActivation::LeakyRelu { .. } => q,
                    QActivation::Squash(spec) => {
                        i128::from(spec.apply(q, s, model.params.activation_bits).unwrap().2)
                    }
                })
                .collect();
            out.push(qs);
        }
        out
    }

    fn tiny_model() -> QuantizedMlp {
        // s = 2: weights are quarters, biases sixteenths.
        QuantizedMlp {
            params: MlpParams {
                scale_bits: 2,
                activation_bits: 16,
            },
            layers: vec![
                QuantizedLayer {
                    weights: vec![vec![3, -5], vec![-2, 7], vec![4, 1]],
                    biases: vec![5, -9, 0],
                    activation: QActivation::Relu,
                },
                QuantizedLayer {
                    weights: vec![vec![-6, 3, 2], vec![1, -1, 5]],
                    biases: vec![-3, 11],
                    activation: QActivation::Relu,
                },
                QuantizedLayer {
                    weights: vec![vec![5, -4]],
                    biases: vec![7],
                    activation: QActivation::Identity,
                },
            ],
        }
    }

    #[test]
    fn interval_bounds_contain_brute_force_and_are_tight_on_the_first_layer() {
        let model = tiny_model();
        for (x0, x1) in [((-7, 5), (-3, 9)), ((0, 0), (-20, -11)), ((2, 13), (4, 4))] {
            let input = [iv(x0.0, x0.1), iv(x1.0, x1.1)];
            let bounds = activation_bounds(&model, &input);
            assert_eq!(bounds.len(), 3);
            let mut seen: Vec<Vec<(i128, i128)>> = bounds
                .iter()
                .map(|l| vec![(i128::MAX, i128::MIN); l.len()])
                .collect();
            for a in x0.0..=x0.1 {
                for b in x1.0..=x1.1 {
                    for (l, qs) in all_q(&model, &[a, b]).iter().enumerate() {
                        for (j, &q) in qs.iter().enumerate() {
                            assert!(bounds[l][j].contains(q), "layer {l} neuron {j}: {q}");
                            let s = &mut seen[l][j];
                            *s = (s.0.min(q), s.1.max(q));
                        }
                    }
                }
            }
            // A single affine layer attains its interval bounds at the box's corners.
            for (j, &(lo, hi)) in seen[0].iter().enumerate() {
                assert_eq!(bounds[0][j], iv(lo, hi));
            }
        }
    }

    #[test]
    fn propagation_stops_past_the_widest_circuit() {
        let model = tiny_model();
        let big = 1i128 << 38;
        let bounds = activation_bounds(&model, &[iv(-big, big), iv(-big, big)]);
        // Layer 0 reaches 3 * 2^38 > 2^39: propagation stops there.
        assert_eq!(bounds.len(), 1);
        assert!(bounds[0]
            .iter()
            .any(|i| i.signed_bits() > MAX_ACTIVATION_BITS));
        assert!(activation_bounds(&model, &[iv(0, 1 << 39), iv(0, 0)]).is_empty());
    }

    fn float_model() -> Mlp {
        Mlp {
            layers: vec![
                DenseLayer {
                    weights: vec![vec![0.7, -1.1], vec![0.4, 0.9]],
                    biases: vec![0.05, -0.1],
                    activation: Activation::Relu,
                },
                DenseLayer {
                    weights: vec![vec![1.3, -0.8]],
                    biases: vec![0.2],
                    activation: Activation::Identity,
                },
            ],
        }
    }

    #[test]
    fn the_box_is_the_samples_widened_by_the_margin() {
        let samples = vec![vec![-1.0, 2.0], vec![3.0, 2.0]];
        let range = sample_box(2, &samples, 0.1).unwrap();
        assert_eq!(range.lo(), &[-1.4, 1.8]);
        assert_eq!(range.hi(), &[3.4, 2.2]);
        let q = range.quantized(2).unwrap();
        assert_eq!(q, vec![iv(-6, 14), iv(7, 9)]);
        assert!(range.check(0, &[3.4, 1.8]).is_ok());
        assert!(matches!(
            range.check(3, &[0.0, 2.3]),
            Err(Error::OutsideCalibratedRange {
                item: 3,
                feature: 1,
                ..
            })
        ));
    }

    #[test]
    fn calibration_bounds_hold_on_a_grid_of_the_box() {
        let model = float_model();
        let samples: Vec<Vec<f64>> = (0..20)
            .map(|i| vec![(i as f64 * 0.37).sin() * 2.0, (i as f64 * 0.91).cos()])
            .collect();
        for objective in [Objective::Resources, Objective::Accuracy] {
            let options = CalibrationOptions {
                objective,
                ..Default::default()
            };
            let c = calibrate(&model, &samples, &options).unwrap();
            let (lo, hi) = (c.input_range.lo(), c.input_range.hi());
            for i in 0..=40 {
                for j in 0..=40 {
                    let x = [
                        lo[0] + (hi[0] - lo[0]) * i as f64 / 40.0,
                        lo[1] + (hi[1] - lo[1]) * j as f64 / 40.0,
                    ];
                    let q = quantize_input(c.params, &x).unwrap();
                    reference_forward(&c.quantized, &q).unwrap();
                }
            }
            assert!(c.to_string().contains("chosen"));
            assert_eq!(c.candidates.len(), MAX_SCALE_BITS as usize);
        }
    }

    #[test]
    fn bad_options_are_refused() {
        let model = float_model();
        let samples = vec![vec![0.0, 1.0]];
        let with = |options: CalibrationOptions| calibrate(&model, &samples, &options);
        assert!(matches!(
            with(CalibrationOptions {
                input_margin: -0.1,
                ..Default::default()
            }),
            Err(CalibrationError::InvalidOption {
                name: "input_margin",
                ..
            })
        ));
        assert!(matches!(
            with(CalibrationOptions {
                tolerance: Tolerance::Absolute(f64::NAN),
                ..Default::default()
            }),
            Err(CalibrationError::InvalidOption {
                name: "tolerance",
                ..
            })
        ));
        assert!(matches!(
            with(CalibrationOptions {
                batch_size: 0,
                ..Default::default()
            }),
            Err(CalibrationError::InvalidOption {
                name: "batch_size",
                ..
            })
        ));
        assert!(matches!(
            with(CalibrationOptions {
                tolerance: Tolerance::Absolute(0.0),
                ..Default::default()
            }),
            Err(CalibrationError::ToleranceNotMet { .. })
        ));
        assert!(matches!(
            InputRange::new(vec![1.0], vec![0.0]),
            Err(CalibrationError::InvalidRange { feature: 0, .. })
        ));
        assert!(matches!(
            InputRange::new(vec![1.0], vec![]),
            Err(CalibrationError::RangeShape { lo: 1, hi: 0 })
        ));
    }

    #[test]
    fn huge_inputs_fit_nothing() {
        let model = float_model();
        let samples = vec![vec![0.0, 1e12], vec![1.0, -1e12]];
        assert!(matches!(
            calibrate(&model, &samples, &CalibrationOptions::default()),
            Err(CalibrationError::NothingFits { needed_bits }) if needed_bits > 40
        ));
    }
}
