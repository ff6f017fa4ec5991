//! Measuring one candidate setting: quantizing at a `scale_bits`, sizing its activations
//! over the calibrated box, compiling it for its `k`, and measuring its accuracy and
//! decision flips on the samples.

use zkmlp_circuits::{
    spec::MAX_ACTIVATION_BITS, Activation as QActivation, MlpParams, QuantizedMlp,
};

use super::{
    bounds::{activation_bounds, Interval},
    error::CalibrationError,
    outcome::{Accuracy, Candidate, CandidateFit},
    range::InputRange,
};
use crate::{
    compiled::CompiledModel,
    model::Mlp,
    quantize::{
        dequantize, quantization_report, quantize, quantize_input, reference_forward,
        QuantizationReport, QuantizeError,
    },
};

/// Quantizes at `scale_bits`, bounds the activations over the box, and if they fit, compiles
/// and measures the setting.
pub(super) fn try_scale(
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
pub(super) fn accuracy(
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
