//! Checking, measuring and running a float model: [`Mlp::validate`], its sizes and
//! parameter count, the forward pass, random models, and splitting a final sigmoid or tanh
//! off into a [`Head`].

use super::{
    activation::{Activation, Head},
    DenseLayer, Mlp, ModelError,
};

impl Mlp {
    /// Checks that the model has layers, that no layer is empty, that shapes chain, and that
    /// every weight and bias is finite.
    ///
    /// # Errors
    /// The first problem found, as [`ModelError::NoLayers`], [`ModelError::EmptyLayer`],
    /// [`ModelError::ShapeMismatch`], [`ModelError::BiasCount`] or [`ModelError::NonFinite`].
    pub fn validate(&self) -> Result<(), ModelError> {
        if self.layers.is_empty() {
            return Err(ModelError::NoLayers);
        }
        let mut expected_inputs = self.input_size();
        for (index, layer) in self.layers.iter().enumerate() {
            let outputs = layer.output_size();
            if outputs == 0 || expected_inputs == 0 {
                return Err(ModelError::EmptyLayer { layer: index });
            }
            if let Some(row) = layer
                .weights
                .iter()
                .position(|r| r.len() != expected_inputs)
            {
                return Err(ModelError::ShapeMismatch {
                    layer: index,
                    row,
                    expected: expected_inputs,
                    got: layer.weights[row].len(),
                });
            }
            if layer.biases.len() != outputs {
                return Err(ModelError::BiasCount {
                    layer: index,
                    expected: outputs,
                    got: layer.biases.len(),
                });
            }
            if let Some(flat) = layer.weights.iter().flatten().position(|w| !w.is_finite()) {
                return Err(ModelError::NonFinite {
                    layer: index,
                    what: "weight",
                    index: flat,
                });
            }
            if let Some(bias) = layer.biases.iter().position(|b| !b.is_finite()) {
                return Err(ModelError::NonFinite {
                    layer: index,
                    what: "bias",
                    index: bias,
                });
            }
            if let Activation::LeakyRelu { alpha } = layer.activation {
                if !alpha.is_finite() {
                    return Err(ModelError::NonFinite {
                        layer: index,
                        what: "slope",
                        index: 0,
                    });
                }
            }
            expected_inputs = outputs;
        }
        Ok(())
    }

    /// The model with a final sigmoid or tanh replaced by identity, and the head that applies
    /// it to the outputs: the circuit proves the logits, and both functions are monotone, so a
    /// threshold on the probability is a threshold on the logit. Other models are returned as
    /// they are, with [`Head::Values`].
    pub fn split_output_squash(&self) -> (Mlp, Head) {
        let mut model = self.clone();
        let head = match model.layers.last_mut() {
            Some(last) if last.activation == Activation::Sigmoid => {
                last.activation = Activation::Identity;
                Head::Sigmoid
            }
            Some(last) if last.activation == Activation::Tanh => {
                last.activation = Activation::Identity;
                Head::Tanh
            }
            _ => Head::Values,
        };
        (model, head)
    }

    /// Number of input features (0 for a model without layers).
    pub fn input_size(&self) -> usize {
        self.layers.first().map_or(0, DenseLayer::input_size)
    }

    /// Number of outputs (0 for a model without layers).
    pub fn output_size(&self) -> usize {
        self.layers.last().map_or(0, DenseLayer::output_size)
    }

    /// A random model with the given layer sizes (`sizes[0]` inputs, then each layer's
    /// outputs), ReLU between layers and identity at the end: weights uniform in
    /// `[-1.7, 1.7] / sqrt(fan_in)` (about unit variance per output), biases uniform in
    /// `[-0.1, 0.1]`, deterministic in `seed`. For benchmarks, examples and tests.
    ///
    /// # Panics
    /// If `sizes` has fewer than two entries or contains a zero.
    pub fn random(sizes: &[usize], seed: u64) -> Self {
        use rand::{Rng, SeedableRng};
        assert!(
            sizes.len() >= 2 && !sizes.contains(&0),
            "an MLP needs nonzero layer sizes"
        );
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let layers = sizes
            .windows(2)
            .enumerate()
            .map(|(i, pair)| {
                let scale = (pair[0] as f64).sqrt().recip();
                DenseLayer {
                    weights: (0..pair[1])
                        .map(|_| {
                            (0..pair[0])
                                .map(|_| rng.gen_range(-1.7..1.7) * scale)
                                .collect()
                        })
                        .collect(),
                    biases: (0..pair[1]).map(|_| rng.gen_range(-0.1..0.1)).collect(),
                    activation: if i + 2 == sizes.len() {
                        Activation::Identity
                    } else {
                        Activation::Relu
                    },
                }
            })
            .collect();
        Self { layers }
    }

    /// Number of weights and biases.
    pub fn parameter_count(&self) -> usize {
        self.layers
            .iter()
            .map(|l| l.weights.iter().map(Vec::len).sum::<usize>() + l.biases.len())
            .sum()
    }

    /// Runs the model on one feature vector.
    ///
    /// # Errors
    /// Any [`Mlp::validate`] error; [`ModelError::FeatureCount`] when `x` has the wrong
    /// length; [`ModelError::NonFiniteFeature`] for a NaN or infinite feature;
    /// [`ModelError::NonFiniteActivation`] when a value overflows to infinity on the way.
    pub fn forward(&self, x: &[f64]) -> Result<Vec<f64>, ModelError> {
        self.validate()?;
        if x.len() != self.input_size() {
            return Err(ModelError::FeatureCount {
                expected: self.input_size(),
                got: x.len(),
            });
        }
        if let Some(index) = x.iter().position(|v| !v.is_finite()) {
            return Err(ModelError::NonFiniteFeature { index });
        }
        let mut values = x.to_vec();
        for (index, layer) in self.layers.iter().enumerate() {
            let next: Vec<f64> = layer
                .weights
                .iter()
                .zip(&layer.biases)
                .map(|(row, bias)| {
                    let z = bias + row.iter().zip(&values).map(|(w, v)| w * v).sum::<f64>();
                    layer.activation.apply(z)
                })
                .collect();
            if let Some(neuron) = next.iter().position(|v| !v.is_finite()) {
                return Err(ModelError::NonFiniteActivation {
                    layer: index,
                    neuron,
                });
            }
            values = next;
        }
        Ok(values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tests::example;

    fn layer(weights: Vec<Vec<f64>>, biases: Vec<f64>, activation: Activation) -> DenseLayer {
        DenseLayer {
            weights,
            biases,
            activation,
        }
    }

    #[test]
    fn forward_matches_hand_computation() {
        // h0 = relu(0.1 + 0.5*1 - 1.25*2 + 2*(-1)) = relu(-3.9) = 0
        // h1 = relu(-0.2 + 1*1 + 0 - 0.75*(-1)) = 1.55
        // y  = 0.25 + 1.5*0 - 0.5*1.55 = -0.525
        let y = example().forward(&[1.0, 2.0, -1.0]).unwrap();
        assert_eq!(y.len(), 1);
        assert!((y[0] - -0.525).abs() < 1e-12, "{y:?}");
    }

    #[test]
    fn non_finite_parameters_are_rejected() {
        let mut model = example();
        model.layers[1].weights[0][1] = f64::NAN;
        assert!(matches!(
            model.validate(),
            Err(ModelError::NonFinite {
                layer: 1,
                what: "weight",
                index: 1
            })
        ));
        let mut model = example();
        model.layers[0].weights[1][2] = f64::INFINITY;
        assert!(matches!(
            model.validate(),
            Err(ModelError::NonFinite {
                layer: 0,
                what: "weight",
                index: 5
            })
        ));
        let mut model = example();
        model.layers[0].biases[1] = f64::NEG_INFINITY;
        assert!(matches!(
            model.forward(&[0.0; 3]),
            Err(ModelError::NonFinite {
                layer: 0,
                what: "bias",
                index: 1
            })
        ));
        // serde_json writes non-finite floats as null, which does not load back.
        assert!(matches!(
            Mlp::from_json(&model.to_json()),
            Err(ModelError::Json(_))
        ));
    }

    #[test]
    fn forward_checks_its_input() {
        let model = example();
        assert!(matches!(
            model.forward(&[1.0, 2.0]),
            Err(ModelError::FeatureCount {
                expected: 3,
                got: 2
            })
        ));
        assert!(matches!(
            model.forward(&[1.0, f64::NAN, 0.0]),
            Err(ModelError::NonFiniteFeature { index: 1 })
        ));
        assert!(matches!(
            model.forward(&[1.0, 0.0, f64::NEG_INFINITY]),
            Err(ModelError::NonFiniteFeature { index: 2 })
        ));
        let huge = Mlp {
            layers: vec![layer(vec![vec![1e300]], vec![0.0], Activation::Identity)],
        };
        assert!(matches!(
            huge.forward(&[1e300]),
            Err(ModelError::NonFiniteActivation {
                layer: 0,
                neuron: 0
            })
        ));
        assert!(matches!(
            Mlp { layers: vec![] }.forward(&[]),
            Err(ModelError::NoLayers)
        ));
    }
}
