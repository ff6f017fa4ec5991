//! A small, deterministic trainer for regression MLPs, so examples can train a model in Rust
//! in seconds.
//!
//! [`train_regressor`] fits ReLU hidden layers and one linear output to minimize the mean
//! squared error; [`train_classifier`] fits the same network with a sigmoid output to 0/1
//! labels by minimizing the logistic loss (binary cross-entropy), with He-initialized weights, zero biases, and mini-batch Adam (optionally
//! with decoupled weight decay, as in AdamW). Everything random (initialization and the
//! per-epoch shuffle) comes from one `ChaCha8Rng` seeded with [`TrainConfig::seed`], so the
//! same data and configuration always give bit-identical weights. [`Standardizer`] rescales
//! features to zero mean and unit variance, which plain gradient descent needs to converge.

use ndarray::{Array1, Array2, ArrayView2, Axis};
use rand::{seq::SliceRandom, Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::model::{Activation, DenseLayer, Mlp};

/// Hyperparameters of [`train_regressor`].
#[derive(Clone, Debug, PartialEq)]
pub struct TrainConfig {
    /// Widths of the ReLU hidden layers, in order (may be empty: a linear model).
    pub hidden: Vec<usize>,
    /// Passes over the data.
    pub epochs: usize,
    /// Adam step size.
    pub learning_rate: f64,
    /// Samples per gradient step (the last batch of an epoch may be smaller).
    pub batch_size: usize,
    /// Seed of the initialization and of the shuffles.
    pub seed: u64,
    /// Decoupled weight decay per step, scaled by the learning rate (AdamW); biases are not
    /// decayed. 0 disables it.
    pub weight_decay: f64,
}

impl Default for TrainConfig {
    /// Two hidden layers of 16, 200 epochs, learning rate `1e-2`, batches of 32, seed 0, no
    /// weight decay.
    fn default() -> Self {
        Self {
            hidden: vec![16, 16],
            epochs: 200,
            learning_rate: 1e-2,
            batch_size: 32,
            seed: 0,
            weight_decay: 0.0,
        }
    }
}

/// What training achieved.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainStats {
    /// Mean squared error of the trained model over the whole training set.
    pub final_train_mse: f64,
    /// Epochs run.
    pub epochs: usize,
}

/// Why [`train_regressor`] cannot run.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum TrainError {
    /// There are no samples or no features.
    #[error("the training data is empty ({rows} samples, {features} features)")]
    EmptyData {
        /// Samples.
        rows: usize,
        /// Features per sample.
        features: usize,
    },
    /// `x` and `y` have different numbers of samples.
    #[error("{rows} feature rows but {targets} targets")]
    LengthMismatch {
        /// Rows of `x`.
        rows: usize,
        /// Length of `y`.
        targets: usize,
    },
    /// A feature is NaN or infinite.
    #[error("feature {column} of sample {row} is not finite")]
    NonFiniteFeature {
        /// Sample index.
        row: usize,
        /// Feature index.
        column: usize,
    },
    /// A target is NaN or infinite.
    #[error("target {row} is not finite")]
    NonFiniteTarget {
        /// Sample index.
        row: usize,
    },
    /// A classifier label is neither 0 nor 1.
    #[error("label {row} is neither 0 nor 1")]
    InvalidLabel {
        /// Sample index.
        row: usize,
    },
    /// A hyperparameter is out of its domain.
    #[error("invalid training configuration: {field} {reason}")]
    InvalidConfig {
        /// The [`TrainConfig`] field.
        field: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The loss became NaN or infinite: lower the learning rate or standardize the data.
    #[error("training diverged in epoch {epoch}")]
    Diverged {
        /// The epoch (from 0).
        epoch: usize,
    },
}

/// One layer's parameters and Adam moments.
struct Layer {
    w: Array2<f64>, // [out, in]
    b: Array1<f64>,
    relu: bool,
    m_w: Array2<f64>,
    v_w: Array2<f64>,
    m_b: Array1<f64>,
    v_b: Array1<f64>,
}

impl Layer {
    /// He initialization, `w ~ N(0, 2 / fan_in)`, zero bias.
    fn new(inputs: usize, outputs: usize, relu: bool, rng: &mut ChaCha8Rng) -> Self {
        let std = (2.0 / inputs as f64).sqrt();
        let w = Array2::from_shape_simple_fn((outputs, inputs), || std * standard_normal(rng));
        Self {
            m_w: Array2::zeros(w.raw_dim()),
            v_w: Array2::zeros(w.raw_dim()),
            w,
            b: Array1::zeros(outputs),
            m_b: Array1::zeros(outputs),
            v_b: Array1::zeros(outputs),
            relu,
        }
    }

    /// `act(x W^T + b)` for a batch `x` of shape `[n, in]`.
    fn forward(&self, x: ArrayView2<f64>) -> Array2<f64> {
        let mut z = x.dot(&self.w.t()) + &self.b;
        if self.relu {
            z.mapv_inplace(|v| v.max(0.0));
        }
        z
    }
}

/// A standard normal sample by the Box-Muller transform (no extra dependency).
fn standard_normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = 1.0 - rng.gen::<f64>(); // in (0, 1]
    let u2: f64 = rng.gen();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

const BETA1: f64 = 0.9;
const BETA2: f64 = 0.999;
const EPSILON: f64 = 1e-8;

fn check_inputs(x: &Array2<f64>, y: &Array1<f64>, cfg: &TrainConfig) -> Result<(), TrainError> {
    let (rows, features) = x.dim();
    if rows == 0 || features == 0 {
        return Err(TrainError::EmptyData { rows, features });
    }
    if y.len() != rows {
        return Err(TrainError::LengthMismatch {
            rows,
            targets: y.len(),
        });
    }
    if let Some(((row, column), _)) = x.indexed_iter().find(|(_, v)| !v.is_finite()) {
        return Err(TrainError::NonFiniteFeature { row, column });
    }
    if let Some(row) = y.iter().position(|v| !v.is_finite()) {
        return Err(TrainError::NonFiniteTarget { row });
    }
    let invalid = |field, reason| Err(TrainError::InvalidConfig { field, reason });
    if cfg.batch_size == 0 {
        return invalid("batch_size", "must be positive");
    }
    if cfg.hidden.contains(&0) {
        return invalid("hidden", "widths must be positive");
    }
    if !(cfg.learning_rate.is_finite() && cfg.learning_rate > 0.0) {
        return invalid("learning_rate", "must be finite and positive");
    }
    if !(cfg.weight_decay.is_finite() && cfg.weight_decay >= 0.0) {
        return invalid("weight_decay", "must be finite and non-negative");
    }
    Ok(())
}

/// Trains an MLP regressor `features -> 1 output`: ReLU hidden layers of widths
/// `cfg.hidden`, an identity output layer, mini-batch Adam on the mean squared error.
///
/// Deterministic: the same inputs and `cfg` give bit-identical weights.
///
/// # Errors
/// [`TrainError::EmptyData`], [`TrainError::LengthMismatch`],
/// [`TrainError::NonFiniteFeature`], [`TrainError::NonFiniteTarget`],
/// [`TrainError::InvalidConfig`] for bad inputs; [`TrainError::Diverged`] when the loss stops
/// being finite.
pub fn train_regressor(
    x: &Array2<f64>,
    y: &Array1<f64>,
    cfg: &TrainConfig,
) -> Result<(Mlp, TrainStats), TrainError> {
    train(x, y, cfg, Loss::Squared)
}

/// Trains a binary classifier `features -> P(label = 1)`: ReLU hidden layers of widths
/// `cfg.hidden` and a sigmoid output, mini-batch Adam on the mean logistic loss
/// `-(y ln p + (1 - y) ln(1 - p))`. `labels` are 0 or 1. The returned model's last layer has
/// [`Activation::Sigmoid`], which the circuit proves (or [`Mlp::split_output_squash`] gives
/// the logit model, to prove the logit instead).
/// [`TrainStats::final_train_mse`] is then the Brier score (mean squared error of the
/// probabilities).
///
/// # Errors
/// As [`train_regressor`], and [`TrainError::InvalidLabel`] for a label other than 0 or 1.
pub fn train_classifier(
    x: &Array2<f64>,
    labels: &Array1<f64>,
    cfg: &TrainConfig,
) -> Result<(Mlp, TrainStats), TrainError> {
    if let Some(row) = labels.iter().position(|&v| v != 0.0 && v != 1.0) {
        return Err(TrainError::InvalidLabel { row });
    }
    train(x, labels, cfg, Loss::Logistic)
}

/// The training objective.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Loss {
    /// Mean squared error of a linear output.
    Squared,
    /// Logistic loss of a sigmoid output.
    Logistic,
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

fn train(
    x: &Array2<f64>,
    y: &Array1<f64>,
    cfg: &TrainConfig,
    loss: Loss,
) -> Result<(Mlp, TrainStats), TrainError> {
    check_inputs(x, y, cfg)?;
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    let mut widths = vec![x.ncols()];
    widths.extend(&cfg.hidden);
    widths.push(1);
    let mut layers: Vec<Layer> = widths
        .windows(2)
        .enumerate()
        .map(|(i, pair)| Layer::new(pair[0], pair[1], i + 2 < widths.len(), &mut rng))
        .collect();

    let mut order: Vec<usize> = (0..x.nrows()).collect();
    let mut step = 0i32;
    for epoch in 0..cfg.epochs {
        order.shuffle(&mut rng);
        let mut epoch_loss = 0.0;
        for batch in order.chunks(cfg.batch_size) {
            step = step.saturating_add(1);
            let xb = x.select(Axis(0), batch);
            let yb = y.select(Axis(0), batch);
            epoch_loss += train_step(&mut layers, xb, &yb, cfg, step, loss);
        }
        if !epoch_loss.is_finite() {
            return Err(TrainError::Diverged { epoch });
        }
    }

    let mut predictions = forward_all(&layers, x.view());
    if loss == Loss::Logistic {
        predictions.mapv_inplace(sigmoid);
    }
    let residual = &predictions.column(0) - y;
    let final_train_mse = residual.mapv(|r| r * r).mean().unwrap_or(0.0);
    if !final_train_mse.is_finite() {
        return Err(TrainError::Diverged {
            epoch: cfg.epochs.saturating_sub(1),
        });
    }
    let output = match loss {
        Loss::Squared => Activation::Identity,
        Loss::Logistic => Activation::Sigmoid,
    };
    let model = Mlp {
        layers: layers
            .iter()
            .map(|l| DenseLayer {
                weights: l.w.outer_iter().map(|row| row.to_vec()).collect(),
                biases: l.b.to_vec(),
                activation: if l.relu { Activation::Relu } else { output },
            })
            .collect(),
    };
    let stats = TrainStats {
        final_train_mse,
        epochs: cfg.epochs,
    };
    Ok((model, stats))
}

fn forward_all(layers: &[Layer], x: ArrayView2<f64>) -> Array2<f64> {
    let mut a = x.to_owned();
    for layer in layers {
        a = layer.forward(a.view());
    }
    a
}

/// One Adam step on a batch; returns the batch's summed loss before the step.
fn train_step(
    layers: &mut [Layer],
    xb: Array2<f64>,
    yb: &Array1<f64>,
    cfg: &TrainConfig,
    step: i32,
    objective: Loss,
) -> f64 {
    // Forward, keeping every layer's input.
    let mut inputs = vec![xb];
    for layer in layers.iter() {
        let out = layer.forward(inputs[inputs.len() - 1].view());
        inputs.push(out);
    }
    let n = yb.len() as f64;
    let output = inputs.pop().unwrap_or_default();
    let (loss, delta) = match objective {
        Loss::Squared => {
            let residual = &output.column(0) - yb;
            // dL/dz of the output layer, for L = mean (pred - y)^2.
            (residual.mapv(|r| r * r).sum(), residual * (2.0 / n))
        }
        Loss::Logistic => {
            let p = output.column(0).mapv(sigmoid);
            let loss = (p.iter().zip(yb))
                .map(|(&p, &y)| -(y * p.max(1e-12).ln() + (1.0 - y) * (1.0 - p).max(1e-12).ln()))
                .sum();
            // dL/dz = (p - y) / n for L = mean logistic loss of sigmoid(z).
            (loss, (&p - yb) / n)
        }
    };
    let mut delta = delta.insert_axis(Axis(1));

    let lr = cfg.learning_rate;
    let correction1 = 1.0 - BETA1.powi(step);
    let correction2 = 1.0 - BETA2.powi(step);
    for (index, layer) in layers.iter_mut().enumerate().rev() {
        let input = &inputs[index];
        let grad_w = delta.t().dot(input);
        let grad_b = delta.sum_axis(Axis(0));
        if index > 0 {
            // Back through this layer, then through the previous layer's ReLU.
            let mut upstream = delta.dot(&layer.w);
            ndarray::Zip::from(&mut upstream)
                .and(input)
                .for_each(|g, &a| {
                    if a <= 0.0 {
                        *g = 0.0;
                    }
                });
            delta = upstream;
        }
        adam(
            &mut layer.w,
            &mut layer.m_w,
            &mut layer.v_w,
            &grad_w,
            lr,
            (correction1, correction2),
        );
        adam(
            &mut layer.b,
            &mut layer.m_b,
            &mut layer.v_b,
            &grad_b,
            lr,
            (correction1, correction2),
        );
        if cfg.weight_decay > 0.0 {
            layer.w *= 1.0 - lr * cfg.weight_decay;
        }
    }
    loss
}

/// `p -= lr * m_hat / (sqrt(v_hat) + eps)` with bias-corrected moments.
fn adam<D: ndarray::Dimension>(
    p: &mut ndarray::Array<f64, D>,
    m: &mut ndarray::Array<f64, D>,
    v: &mut ndarray::Array<f64, D>,
    g: &ndarray::Array<f64, D>,
    lr: f64,
    (correction1, correction2): (f64, f64),
) {
    ndarray::Zip::from(p)
        .and(m)
        .and(v)
        .and(g)
        .for_each(|p, m, v, &g| {
            *m = BETA1 * *m + (1.0 - BETA1) * g;
            *v = BETA2 * *v + (1.0 - BETA2) * g * g;
            *p -= lr * (*m / correction1) / ((*v / correction2).sqrt() + EPSILON);
        });
}

/// Per-feature standardization `(x - mean) / std`, fitted on training data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Standardizer {
    /// Mean of each feature.
    pub mean: Vec<f64>,
    /// Population standard deviation of each feature; 1 for a (near-)constant feature.
    pub std: Vec<f64>,
}

impl Standardizer {
    /// Fits means and standard deviations per column. A column whose standard deviation is
    /// below `1e-12` (or not finite) gets `std = 1`; with no rows every mean is 0 and every
    /// std 1.
    pub fn fit(x: &Array2<f64>) -> Self {
        let mean = x
            .mean_axis(Axis(0))
            .unwrap_or_else(|| Array1::zeros(x.ncols()));
        let std = x
            .std_axis(Axis(0), 0.0)
            .mapv(|s| if s.is_finite() && s >= 1e-12 { s } else { 1.0 });
        Self {
            mean: mean.to_vec(),
            std: std.to_vec(),
        }
    }

    /// Standardizes one sample.
    ///
    /// # Panics
    /// When `row` does not have as many features as the data the standardizer was fitted on.
    pub fn transform_row(&self, row: &[f64]) -> Vec<f64> {
        assert_eq!(
            row.len(),
            self.mean.len(),
            "feature count differs from the fitted data"
        );
        row.iter()
            .zip(&self.mean)
            .zip(&self.std)
            .map(|((x, m), s)| (x - m) / s)
            .collect()
    }

    /// `model` applied to standardized features, as one model on raw features: the
    /// standardization is folded into the first layer exactly,
    /// `W' = W diag(1 / std)`, `b' = b - W (mean / std)`.
    pub fn fold_into(&self, model: &Mlp) -> Mlp {
        let mut folded = model.clone();
        if let Some(first) = folded.layers.first_mut() {
            for (row, bias) in first.weights.iter_mut().zip(&mut first.biases) {
                for ((w, m), s) in row.iter_mut().zip(&self.mean).zip(&self.std) {
                    *bias -= *w * m / s;
                    *w /= s;
                }
            }
        }
        folded
    }

    /// Standardizes every row.
    ///
    /// # Panics
    /// When `x` does not have as many columns as the data the standardizer was fitted on.
    pub fn transform(&self, x: &Array2<f64>) -> Array2<f64> {
        assert_eq!(
            x.ncols(),
            self.mean.len(),
            "feature count differs from the fitted data"
        );
        let mean = Array1::from_vec(self.mean.clone());
        let std = Array1::from_vec(self.std.clone());
        (x - &mean) / &std
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    /// `y = 2 x0 - x1 + 0.5` on `n` deterministic points in `[-1, 1]^2`.
    fn linear_data(n: usize) -> (Array2<f64>, Array1<f64>) {
        let mut rng = ChaCha8Rng::seed_from_u64(99);
        let x = Array2::from_shape_simple_fn((n, 2), || rng.gen_range(-1.0..1.0));
        let y = x.map_axis(Axis(1), |r| 2.0 * r[0] - r[1] + 0.5);
        (x, y)
    }

    fn small_config() -> TrainConfig {
        TrainConfig {
            hidden: vec![8],
            epochs: 150,
            learning_rate: 1e-2,
            batch_size: 32,
            seed: 3,
            weight_decay: 0.0,
        }
    }

    #[test]
    fn learns_a_linear_function_quickly() {
        let (x, y) = linear_data(256);
        let start = Instant::now();
        let (model, stats) = train_regressor(&x, &y, &small_config()).unwrap();
        let elapsed = start.elapsed();
        assert!(
            stats.final_train_mse < 1e-2,
            "mse {}",
            stats.final_train_mse
        );
        assert_eq!(stats.epochs, 150);
        assert!(elapsed < Duration::from_secs(1), "took {elapsed:?}");
        // The returned float model agrees with the training-time forward pass.
        model.validate().unwrap();
        assert_eq!((model.input_size(), model.output_size()), (2, 1));
        assert_eq!(model.layers[0].activation, Activation::Relu);
        assert_eq!(model.layers[1].activation, Activation::Identity);
        let mse: f64 = x
            .outer_iter()
            .zip(&y)
            .map(|(row, t)| (model.forward(&row.to_vec()).unwrap()[0] - t).powi(2))
            .sum::<f64>()
            / y.len() as f64;
        assert!((mse - stats.final_train_mse).abs() < 1e-9);
        let p = model.forward(&[0.25, -0.5]).unwrap()[0];
        assert!((p - 1.5).abs() < 0.2, "{p}");
    }

    #[test]
    fn same_seed_same_weights_other_seed_other_weights() {
        let (x, y) = linear_data(100);
        let cfg = TrainConfig {
            epochs: 5,
            weight_decay: 1e-3,
            ..small_config()
        };
        let (a, sa) = train_regressor(&x, &y, &cfg).unwrap();
        let (b, sb) = train_regressor(&x, &y, &cfg).unwrap();
        assert_eq!(a, b);
        assert_eq!(sa.final_train_mse.to_bits(), sb.final_train_mse.to_bits());
        let (c, _) = train_regressor(&x, &y, &TrainConfig { seed: 4, ..cfg }).unwrap();
        assert_ne!(a, c);
    }

    #[test]
    fn linear_model_without_hidden_layers() {
        let (x, y) = linear_data(128);
        let cfg = TrainConfig {
            hidden: vec![],
            epochs: 200,
            ..small_config()
        };
        let (model, stats) = train_regressor(&x, &y, &cfg).unwrap();
        assert_eq!(model.layers.len(), 1);
        assert!(
            stats.final_train_mse < 1e-4,
            "mse {}",
            stats.final_train_mse
        );
    }

    #[test]
    fn bad_inputs_are_typed_errors() {
        let (x, y) = linear_data(10);
        let cfg = small_config();
        let empty = Array2::<f64>::zeros((0, 2));
        assert_eq!(
            train_regressor(&empty, &Array1::zeros(0), &cfg).unwrap_err(),
            TrainError::EmptyData {
                rows: 0,
                features: 2
            }
        );
        assert_eq!(
            train_regressor(&x, &Array1::zeros(9), &cfg).unwrap_err(),
            TrainError::LengthMismatch {
                rows: 10,
                targets: 9
            }
        );
        let mut bad_x = x.clone();
        bad_x[[4, 1]] = f64::NAN;
        assert_eq!(
            train_regressor(&bad_x, &y, &cfg).unwrap_err(),
            TrainError::NonFiniteFeature { row: 4, column: 1 }
        );
        let mut bad_y = y.clone();
        bad_y[7] = f64::INFINITY;
        assert_eq!(
            train_regressor(&x, &bad_y, &cfg).unwrap_err(),
            TrainError::NonFiniteTarget { row: 7 }
        );
        for (cfg, field) in [
            (
                TrainConfig {
                    batch_size: 0,
                    ..small_config()
                },
                "batch_size",
            ),
            (
                TrainConfig {
                    hidden: vec![4, 0],
                    ..small_config()
                },
                "hidden",
            ),
            (
                TrainConfig {
                    learning_rate: f64::NAN,
                    ..small_config()
                },
                "learning_rate",
            ),
            (
                TrainConfig {
                    weight_decay: -1.0,
                    ..small_config()
                },
                "weight_decay",
            ),
        ] {
            assert!(matches!(
                train_regressor(&x, &y, &cfg),
                Err(TrainError::InvalidConfig { field: f, .. }) if f == field
            ));
        }
        let huge = TrainConfig {
            learning_rate: 1e300,
            ..small_config()
        };
        let big_y = y.mapv(|v| v * 1e200);
        assert!(matches!(
            train_regressor(&x, &big_y, &huge),
            Err(TrainError::Diverged { .. })
        ));
    }

    #[test]
    fn classifier_learns_a_threshold_and_folds_its_standardizer() {
        let x = Array2::from_shape_fn((200, 2), |(i, j)| {
            (i as f64 * 0.37 + j as f64).sin() * 3.0 + 5.0
        });
        let labels = x.column(0).mapv(|v| f64::from(v > 5.0));
        let standardizer = Standardizer::fit(&x);
        let cfg = TrainConfig {
            hidden: vec![8],
            epochs: 60,
            ..TrainConfig::default()
        };
        let (model, stats) = train_classifier(&standardizer.transform(&x), &labels, &cfg).unwrap();
        assert_eq!(model.layers[1].activation, Activation::Sigmoid);
        assert!(stats.final_train_mse < 0.05, "{stats:?}");
        let folded = standardizer.fold_into(&model);
        for row in x.outer_iter().take(20) {
            let a = model
                .forward(&standardizer.transform_row(&row.to_vec()))
                .unwrap();
            let b = folded.forward(&row.to_vec()).unwrap();
            assert!((a[0] - b[0]).abs() < 1e-12);
        }
        assert!(matches!(
            train_classifier(&x, &labels.mapv(|v| v * 2.0), &cfg),
            Err(TrainError::InvalidLabel { .. })
        ));
    }

    #[test]
    fn standardizer_centres_and_scales() {
        let x = ndarray::array![[1.0, 5.0, -2.0], [3.0, 5.0, 2.0], [5.0, 5.0, 0.0]];
        let s = Standardizer::fit(&x);
        assert_eq!(s.mean, vec![3.0, 5.0, 0.0]);
        assert!((s.std[0] - (8.0f64 / 3.0).sqrt()).abs() < 1e-12);
        assert_eq!(s.std[1], 1.0, "constant column");
        let t = s.transform(&x);
        for column in t.columns() {
            assert!(column.mean().unwrap().abs() < 1e-12);
        }
        assert_eq!(s.transform_row(&[3.0, 6.0, 0.0]), vec![0.0, 1.0, 0.0]);
        assert_eq!(t.row(2).to_vec(), s.transform_row(&[5.0, 5.0, 0.0]));
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<Standardizer>(&json).unwrap(), s);
        let none = Standardizer::fit(&Array2::zeros((0, 2)));
        assert_eq!((none.mean, none.std), (vec![0.0, 0.0], vec![1.0, 1.0]));
    }
}
