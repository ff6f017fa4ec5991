//! How much precision fixed point costs: float against dequantized integer outputs.

use std::fmt;

use rayon::prelude::*;
use zkmlp_circuits::QuantizedMlp;

use super::{dequantize, quantize_input, reference_forward, QuantizeError};
use crate::model::Mlp;

/// How far the quantized model's outputs are from the float model's, over a data set.
#[derive(Clone, Debug, PartialEq)]
pub struct QuantizationReport {
    /// Samples compared (those that did not overflow).
    pub samples: usize,
    /// Mean of `|float - dequantized|` over every output of every compared sample (0 when
    /// none was compared).
    pub mean_abs_error: f64,
    /// Largest `|float - dequantized|`.
    pub max_abs_error: f64,
    /// Mean of `100 * |float - dequantized| / |float|`, over outputs with `|float| > 1e-9`
    /// (0 when there are none).
    pub mean_abs_relative_error_percent: f64,
    /// Samples skipped because an input or activation left the fixed-point range.
    pub overflow_count: usize,
}

impl fmt::Display for QuantizationReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "  samples compared     {:>12} ({} overflowed)",
            self.samples, self.overflow_count
        )?;
        writeln!(f, "  mean |error|         {:>12.6e}", self.mean_abs_error)?;
        writeln!(f, "  max |error|          {:>12.6e}", self.max_abs_error)?;
        write!(
            f,
            "  mean relative error  {:>11.4}%",
            self.mean_abs_relative_error_percent
        )
    }
}

/// Per-sample partial sums of [`quantization_report`].
#[derive(Default)]
struct SampleErrors {
    abs_sum: f64,
    abs_max: f64,
    outputs: usize,
    rel_sum: f64,
    rel_count: usize,
}

/// Compares `model.forward` with the dequantized [`reference_forward`] of `q` over `data`,
/// in parallel over samples (the result does not depend on the thread count).
///
/// Samples whose quantized input or activations leave the fixed-point range are counted in
/// [`QuantizationReport::overflow_count`] and skipped.
///
/// # Errors
/// [`QuantizeError::Spec`] when `q` does not validate; [`QuantizeError::ModelMismatch`] when
/// the models' input or output counts differ; [`QuantizeError::Model`] when the float model
/// fails on a sample (wrong feature count, non-finite feature), reported for the first such
/// sample.
pub fn quantization_report(
    model: &Mlp,
    q: &QuantizedMlp,
    data: &[Vec<f64>],
) -> Result<QuantizationReport, QuantizeError> {
    q.validate().map_err(QuantizeError::Spec)?;
    model.validate()?;
    for (what, float, quantized) in [
        ("inputs", model.input_size(), q.input_size()),
        ("outputs", model.output_size(), q.output_size()),
    ] {
        if float != quantized {
            return Err(QuantizeError::ModelMismatch {
                what,
                float,
                quantized,
            });
        }
    }
    let per_sample: Vec<Result<Option<SampleErrors>, QuantizeError>> = data
        .par_iter()
        .map(|x| {
            let expected = model.forward(x)?;
            let quantized = match quantize_input(q.params, x).and_then(|i| reference_forward(q, &i))
            {
                Ok(out) => out,
                Err(
                    QuantizeError::InputOutOfRange { .. }
                    | QuantizeError::ActivationOutOfRange { .. },
                ) => return Ok(None),
                Err(e) => return Err(e),
            };
            let mut errors = SampleErrors::default();
            for (&float, &v) in expected.iter().zip(&quantized) {
                let err = (float - dequantize(q.params, v)).abs();
                errors.abs_sum += err;
                errors.abs_max = errors.abs_max.max(err);
                errors.outputs += 1;
                if float.abs() > 1e-9 {
                    errors.rel_sum += 100.0 * err / float.abs();
                    errors.rel_count += 1;
                }
            }
            Ok(Some(errors))
        })
        .collect();
    // Reduce sequentially, in sample order, so the sums are deterministic.
    let mut total = SampleErrors::default();
    let mut report = QuantizationReport {
        samples: 0,
        mean_abs_error: 0.0,
        max_abs_error: 0.0,
        mean_abs_relative_error_percent: 0.0,
        overflow_count: 0,
    };
    for sample in per_sample {
        match sample? {
            None => report.overflow_count += 1,
            Some(e) => {
                report.samples += 1;
                total.abs_sum += e.abs_sum;
                total.abs_max = total.abs_max.max(e.abs_max);
                total.outputs += e.outputs;
                total.rel_sum += e.rel_sum;
                total.rel_count += e.rel_count;
            }
        }
    }
    if total.outputs > 0 {
        report.mean_abs_error = total.abs_sum / total.outputs as f64;
    }
    report.max_abs_error = total.abs_max;
    if total.rel_count > 0 {
        report.mean_abs_relative_error_percent = total.rel_sum / total.rel_count as f64;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Activation, ModelError};
    use crate::quantize::{quantize, tests::float_layer};
    use zkmlp_circuits::MlpParams;

    #[test]
    fn report_measures_error_and_counts_overflows() {
        // 0.1 -> 410 / 4096; at input 1.0 the output is exactly 410 / 4096.
        let model = Mlp {
            layers: vec![float_layer(
                vec![vec![0.1]],
                vec![0.0],
                Activation::Identity,
            )],
        };
        let q = quantize(&model, MlpParams::default()).unwrap();
        let data = vec![vec![1.0], vec![3000.0], vec![1.0], vec![0.0]];
        let report = quantization_report(&model, &q, &data).unwrap();
        let err = 410.0 / 4096.0 - 0.1;
        assert_eq!(report.samples, 3);
        assert_eq!(report.overflow_count, 1);
        assert!((report.max_abs_error - err).abs() < 1e-15);
        assert!((report.mean_abs_error - 2.0 * err / 3.0).abs() < 1e-15);
        // The output 0 at input 0 is skipped for the relative error.
        assert!((report.mean_abs_relative_error_percent - 100.0 * err / 0.1).abs() < 1e-9);
        assert!(report.to_string().contains("samples compared"));

        assert!(matches!(
            quantization_report(&model, &q, &[vec![1.0, 2.0]]),
            Err(QuantizeError::Model(ModelError::FeatureCount {
                expected: 1,
                got: 2
            }))
        ));
        let wider = Mlp {
            layers: vec![float_layer(
                vec![vec![0.1], vec![0.2]],
                vec![0.0, 0.0],
                Activation::Identity,
            )],
        };
        assert!(matches!(
            quantization_report(&wider, &q, &data),
            Err(QuantizeError::ModelMismatch {
                what: "outputs",
                float: 2,
                quantized: 1
            })
        ));
        let empty = quantization_report(&model, &q, &[]).unwrap();
        assert_eq!((empty.samples, empty.mean_abs_error), (0, 0.0));
    }
}
