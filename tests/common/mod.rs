//! Fixtures shared by the integration tests.
#![allow(dead_code)]

pub mod chain;
pub mod cli;

use zkmlp::model::{Activation, DenseLayer, Mlp};

/// A deterministic 4-6-1 MLP (ReLU, identity) whose weights depend smoothly on `salt`.
pub fn small_model_salted(salt: f64) -> Mlp {
    let layer = |inputs: usize, outputs: usize, activation, salt: f64| DenseLayer {
        weights: (0..outputs)
            .map(|j| {
                (0..inputs)
                    .map(|i| ((i * 7 + j * 3) as f64 * 0.37 + salt).sin() * 0.8)
                    .collect()
            })
            .collect(),
        biases: (0..outputs)
            .map(|j| (j as f64 + salt).cos() * 0.2)
            .collect(),
        activation,
    };
    Mlp {
        layers: vec![
            layer(4, 6, Activation::Relu, salt),
            layer(6, 1, Activation::Identity, salt + 1.0),
        ],
    }
}

/// The 4-6-1 model most tests prove with.
pub fn small_model() -> Mlp {
    small_model_salted(0.3)
}
