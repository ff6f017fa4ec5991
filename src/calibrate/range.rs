//! The calibrated input range: [`InputRange`], a per-feature box of real inputs, and how the
//! samples determine it (their box, widened by a margin).

use super::{bounds::Interval, error::CalibrationError};
use crate::error::Error;

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

/// Checks the samples and returns their per-feature box, widened by `margin`.
pub(super) fn sample_box(
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

#[cfg(test)]
mod tests {
    use super::*;

    fn iv(lo: i128, hi: i128) -> Interval {
        Interval { lo, hi }
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
}
