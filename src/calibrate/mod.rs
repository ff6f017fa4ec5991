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
//!
//! The pieces: [`Objective`], [`Tolerance`] and [`CalibrationOptions`] (the settings),
//! [`Interval`] and [`activation_bounds`] (the interval arithmetic), [`InputRange`] (the
//! calibrated box), [`Calibration`] and its [`Candidate`]s (the outcome), and
//! [`CalibrationError`].

mod bounds;
mod error;
mod options;
mod outcome;
mod range;
mod search;

use zkmlp_circuits::spec::MAX_SCALE_BITS;

pub use bounds::{activation_bounds, Interval};
pub use error::CalibrationError;
pub use options::{CalibrationOptions, Objective, Tolerance};
pub use outcome::{Accuracy, Calibration, Candidate, CandidateFit};
pub use range::InputRange;

use range::sample_box;
use search::{accuracy, try_scale};

use crate::{model::Mlp, quantize::quantize};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        model::{Activation, DenseLayer},
        quantize::{quantize_input, reference_forward},
    };

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
