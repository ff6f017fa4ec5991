//! Sound integer interval arithmetic over the quantized network: [`Interval`] and
//! [`activation_bounds`], which bounds every rescaled value of every layer over a box of
//! quantized inputs (see the [calibration module docs](crate::calibrate)).

use zkmlp_circuits::{
    spec::{SquashSpec, MAX_ACTIVATION_BITS},
    Activation as QActivation, QuantizedMlp,
};

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

#[cfg(test)]
mod tests {
    use super::*;
    use zkmlp_circuits::{MlpParams, QuantizedLayer};

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
}
