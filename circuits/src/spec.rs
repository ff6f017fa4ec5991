//! The quantized model the circuit proves, and the fixed-point parameters that bound it.
//!
//! Everything here is plain integers: a [`QuantizedMlp`] is what the verifying key binds.
//! Its semantics (the integer forward pass that the circuit enforces) are:
//!
//! ```text
//! acc_j = bias_j + sum_i weight_ji * x_i            (weights at scale 2^s, x at 2^s, bias at 2^2s)
//! q_j   = floor((acc_j + 2^(s-1)) / 2^s)            (rescale, rounding half up)
//! y_j   = max(q_j, 0)  for ReLU,  q_j  for identity
//! y_j   = q_j if q_j >= 0, else n_j = floor((alpha * q_j + 2^(s-1)) / 2^s)   for leaky ReLU
//! y_j   = F(clamp(u_j, 0, 2T - 1)), u_j = floor((2^g q_j + T 2^s) / 2^s)   for sigmoid, tanh
//! ```
//!
//! with every input feature, every `q_j` and every `n_j` required to lie in
//! `[-2^(b-1), 2^(b-1))`, where `s = scale_bits` and `b = activation_bits`; a leaky ReLU's slope
//! `alpha` is an integer at scale `2^s` (the real slope rounded to `s` fractional bits), fixed in
//! the verifying key like the weights. Sigmoid and tanh put `q` in a cell of a grid of `2^-g`,
//! clamp it to `[-bound, bound)` and read a table `F` of the function at the cell's middle, at
//! scale `2^s` (see [`squash`]);
//! `u_j` must lie in the same range.

use std::fmt;

pub mod squash;

pub use squash::{Squash, SquashSpec};

/// Largest supported `scale_bits`.
pub const MAX_SCALE_BITS: u32 = 24;
/// Largest supported `activation_bits`.
pub const MAX_ACTIVATION_BITS: u32 = 40;
/// Largest supported magnitude of a quantized weight or bias (`2^62`).
///
/// With inputs below `2^(MAX_ACTIVATION_BITS - 1)` and at most [`MAX_LAYER_WIDTH`] inputs per
/// neuron, every accumulator stays below `2^(62 + 39 + 20 + 1) = 2^122`, far from the BN254
/// scalar modulus (`~2^254`): field arithmetic never wraps.
pub const MAX_PARAMETER_MAGNITUDE: i64 = 1 << 62;
/// Largest supported magnitude of a quantized leaky-ReLU slope: `2^24` (so `alpha * q`
/// stays below `2^64`).
pub const MAX_SLOPE_BITS: u32 = 24;
/// Largest supported number of inputs or outputs of one layer.
pub const MAX_LAYER_WIDTH: usize = 1 << 20;

/// Fixed-point parameters of the circuit: they fix its gates, lookup table and bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MlpParams {
    /// Fractional bits `s`: a real value `v` is represented by the integer `round(v * 2^s)`.
    pub scale_bits: u32,
    /// Signed bit-width `b` of every input and activation: values lie in `[-2^(b-1), 2^(b-1))`.
    pub activation_bits: u32,
}

impl Default for MlpParams {
    /// `scale_bits = 12`, `activation_bits = 24`: resolution `2^-12`, range `[-2048, 2048)`.
    fn default() -> Self {
        Self {
            scale_bits: 12,
            activation_bits: 24,
        }
    }
}

impl MlpParams {
    /// Checks `1 <= scale_bits <= 24` and `2 <= activation_bits <= 40`.
    ///
    /// # Errors
    /// [`SpecError::InvalidParams`] when a bound is violated.
    pub fn validate(&self) -> Result<(), SpecError> {
        if !(1..=MAX_SCALE_BITS).contains(&self.scale_bits)
            || !(2..=MAX_ACTIVATION_BITS).contains(&self.activation_bits)
        {
            return Err(SpecError::InvalidParams(*self));
        }
        Ok(())
    }

    /// Smallest representable activation, `-2^(b-1)`.
    pub fn min_activation(&self) -> i64 {
        -(1i64 << (self.activation_bits - 1))
    }

    /// Largest representable activation, `2^(b-1) - 1`.
    pub fn max_activation(&self) -> i64 {
        (1i64 << (self.activation_bits - 1)) - 1
    }

    /// Whether `value` lies in `[-2^(b-1), 2^(b-1))`.
    pub fn activation_in_range(&self, value: i128) -> bool {
        value >= self.min_activation() as i128 && value <= self.max_activation() as i128
    }
}

/// The non-linearity applied after a layer's rescale.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Activation {
    /// `y = max(q, 0)`.
    Relu,
    /// `y = q`.
    Identity,
    /// `y = q` for `q >= 0`, else `floor((alpha * q + 2^(s-1)) / 2^s)`: a leaky ReLU (or PReLU
    /// with one slope) whose slope `alpha` is at scale `2^s`.
    LeakyRelu {
        /// The slope at scale `2^s`.
        alpha: i64,
    },
    /// `y = F(clamp(u, 0, 2T - 1))`: sigmoid or tanh on a grid, by table lookup (see
    /// [`squash`]).
    Squash(SquashSpec),
}

/// One dense layer in fixed point.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuantizedLayer {
    /// `weights[j][i]` multiplies input `i` for output `j`, at scale `2^s`.
    pub weights: Vec<Vec<i64>>,
    /// `biases[j]`, at scale `2^(2s)` so that it adds directly to the accumulator.
    pub biases: Vec<i64>,
    /// Applied after the rescale.
    pub activation: Activation,
}

impl QuantizedLayer {
    /// Number of inputs.
    pub fn input_size(&self) -> usize {
        self.weights.first().map_or(0, Vec::len)
    }

    /// Number of outputs.
    pub fn output_size(&self) -> usize {
        self.weights.len()
    }
}

/// A quantized multi-layer perceptron: the statement's fixed part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuantizedMlp {
    /// Fixed-point parameters.
    pub params: MlpParams,
    /// Layers, applied in order.
    pub layers: Vec<QuantizedLayer>,
}

impl QuantizedMlp {
    /// Number of input features.
    pub fn input_size(&self) -> usize {
        self.layers.first().map_or(0, QuantizedLayer::input_size)
    }

    /// Number of outputs.
    pub fn output_size(&self) -> usize {
        self.layers.last().map_or(0, QuantizedLayer::output_size)
    }

    /// Number of weights and biases.
    pub fn parameter_count(&self) -> usize {
        self.layers
            .iter()
            .map(|l| l.output_size() * (l.input_size() + 1))
            .sum()
    }

    /// Every weight (layer by layer, row-major), then every bias (layer by layer): the order
    /// in which witnessed parameters are listed, packed and committed to.
    pub fn flat_parameters(&self) -> (Vec<i64>, Vec<i64>) {
        let weights = self.layers.iter().flat_map(|l| l.weights.iter().flatten());
        let biases = self.layers.iter().flat_map(|l| &l.biases);
        (weights.copied().collect(), biases.copied().collect())
    }

    /// Checks parameters, shapes and magnitudes (see [`MAX_PARAMETER_MAGNITUDE`]).
    ///
    /// # Errors
    /// The first [`SpecError`] found.
    pub fn validate(&self) -> Result<(), SpecError> {
        self.params.validate()?;
        if self.layers.is_empty() {
            return Err(SpecError::NoLayers);
        }
        let mut expected_inputs = self.input_size();
        for (index, layer) in self.layers.iter().enumerate() {
            let outputs = layer.output_size();
            if outputs == 0 || expected_inputs == 0 {
                return Err(SpecError::EmptyLayer { layer: index });
            }
            if outputs > MAX_LAYER_WIDTH || expected_inputs > MAX_LAYER_WIDTH {
                return Err(SpecError::LayerTooWide { layer: index });
            }
            if let Some(row) = layer
                .weights
                .iter()
                .position(|r| r.len() != expected_inputs)
            {
                return Err(SpecError::ShapeMismatch {
                    layer: index,
                    row,
                    expected: expected_inputs,
                    got: layer.weights[row].len(),
                });
            }
            if layer.biases.len() != outputs {
                return Err(SpecError::BiasCount {
                    layer: index,
                    expected: outputs,
                    got: layer.biases.len(),
                });
            }
            if let Activation::LeakyRelu { alpha } = layer.activation {
                if alpha.unsigned_abs() > 1 << MAX_SLOPE_BITS {
                    return Err(SpecError::UnsupportedActivation {
                        layer: index,
                        reason: "a leaky ReLU slope must lie in [-2^24, 2^24] at scale 2^s",
                    });
                }
            }
            if let Activation::Squash(spec) = layer.activation {
                spec.check(self.params.scale_bits, self.params.activation_bits)
                    .map_err(|reason| SpecError::UnsupportedActivation {
                        layer: index,
                        reason,
                    })?;
            }
            let too_big = |v: &i64| v.unsigned_abs() > MAX_PARAMETER_MAGNITUDE as u64;
            if layer.weights.iter().flatten().any(too_big) || layer.biases.iter().any(too_big) {
                return Err(SpecError::ParameterTooLarge { layer: index });
            }
            expected_inputs = outputs;
        }
        Ok(())
    }
}

/// Why a [`QuantizedMlp`] or [`MlpParams`] cannot be compiled into a circuit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SpecError {
    /// `scale_bits` or `activation_bits` out of the supported range.
    InvalidParams(MlpParams),
    /// The model has no layers.
    NoLayers,
    /// A layer has no inputs or no outputs.
    EmptyLayer {
        /// Layer index.
        layer: usize,
    },
    /// A layer exceeds [`MAX_LAYER_WIDTH`].
    LayerTooWide {
        /// Layer index.
        layer: usize,
    },
    /// A weight row has the wrong length.
    ShapeMismatch {
        /// Layer index.
        layer: usize,
        /// Output row.
        row: usize,
        /// Expected inputs.
        expected: usize,
        /// Actual length.
        got: usize,
    },
    /// The bias count differs from the output count.
    BiasCount {
        /// Layer index.
        layer: usize,
        /// Expected biases.
        expected: usize,
        /// Actual biases.
        got: usize,
    },
    /// A parameter exceeds [`MAX_PARAMETER_MAGNITUDE`].
    ParameterTooLarge {
        /// Layer index.
        layer: usize,
    },
    /// The dot-product width is outside `1..=MAX_DOT_WIDTH`.
    InvalidDotWidth(usize),
    /// The range-check limb width is outside `1..=MAX_LIMB_BITS`.
    InvalidLimbBits(u32),
    /// A batch of zero inferences.
    EmptyBatch,
    /// A range lane split into several columns (see `layout::lanes`) that this circuit
    /// cannot take.
    InvalidRangeSplit {
        /// Rows asked for each range column.
        lane_rows: usize,
        /// Why.
        reason: &'static str,
    },
    /// A layer's activation cannot be proven under these settings (a leaky ReLU's slope is a
    /// fixed multiplication, so it needs the weights fixed in the verifying key).
    UnsupportedActivation {
        /// Layer index.
        layer: usize,
        /// Why.
        reason: &'static str,
    },
    /// A visibility that a part cannot take (only weights can be `Fixed`, only outputs
    /// `Folded`).
    InvalidVisibility {
        /// `"inputs"`, `"weights"` or `"outputs"`.
        part: &'static str,
        /// The refused visibility.
        visibility: Visibility,
    },
    /// Folded outputs with private inputs or weights: the prover could choose them after the
    /// binding is known, so the fold would not bind the outputs (see
    /// [`crate::chips::horner`]).
    UnboundFold {
        /// `"inputs"` or `"weights"`.
        part: &'static str,
    },
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidParams(p) => write!(
                f,
                "unsupported fixed-point parameters: scale_bits {} (1..={MAX_SCALE_BITS}), activation_bits {} (2..={MAX_ACTIVATION_BITS})",
                p.scale_bits, p.activation_bits
            ),
            Self::NoLayers => write!(f, "the model has no layers"),
            Self::EmptyLayer { layer } => write!(f, "layer {layer} has no inputs or no outputs"),
            Self::LayerTooWide { layer } => {
                write!(f, "layer {layer} has more than {MAX_LAYER_WIDTH} inputs or outputs")
            }
            Self::ShapeMismatch { layer, row, expected, got } => write!(
                f,
                "layer {layer}, output {row}: expected {expected} weights, got {got}"
            ),
            Self::BiasCount { layer, expected, got } => {
                write!(f, "layer {layer}: expected {expected} biases, got {got}")
            }
            Self::EmptyBatch => write!(f, "a batch must hold at least one inference"),
            Self::UnsupportedActivation { layer, reason } => {
                write!(f, "layer {layer}: activation not supported: {reason}")
            }
            Self::InvalidVisibility { part, visibility } => write!(
                f,
                "{part} cannot be {visibility}: only the weights can be fixed in the verifying key, only the outputs folded"
            ),
            Self::UnboundFold { part } => write!(
                f,
                "folded outputs cannot have private {part}: the prover could choose them after the binding, so the fold would not bind the outputs"
            ),
            Self::InvalidRangeSplit { lane_rows, reason } => write!(
                f,
                "the range lane cannot be split into columns of {lane_rows} rows: {reason}"
            ),
            Self::InvalidLimbBits(bits) => write!(
                f,
                "limb width {bits} is outside 1..={}",
                crate::chips::MAX_LIMB_BITS
            ),
            Self::InvalidDotWidth(width) => write!(
                f,
                "dot-product width {width} is outside 1..={}",
                crate::chips::dot::MAX_DOT_WIDTH
            ),
            Self::ParameterTooLarge { layer } => write!(
                f,
                "layer {layer} has a quantized parameter above 2^62 in magnitude"
            ),
        }
    }
}

impl std::error::Error for SpecError {}

/// Who learns one part of the statement: the input features, the weights (and biases), or
/// the outputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Visibility {
    /// The values are public inputs of the proof.
    Public,
    /// The values stay with the prover: the proof shows they exist, nothing more.
    Private,
    /// One Poseidon hash of the values (packed several to a field element) is a public input:
    /// the verifier learns a commitment, and the proof shows the committed values were used.
    Hashed,
    /// Weights only: the values are fixed columns, so the verifying key itself binds them.
    Fixed,
    /// Outputs only: the values are packed several to a word (as for hashing), and the words
    /// folded into one public element `D = sum_j w_j c^j` at the binding `c` (see
    /// [`crate::chips::horner`]). The verifier learns the words from the prover, computes `c`
    /// as a hash of them (and of everything else public), then `D` itself.
    Folded,
}

impl Visibility {
    /// Public-instance entries a part of `count` values takes: all of them if public, one
    /// commitment if hashed, one fold if folded, none if private or fixed.
    pub fn instance_entries(self, count: usize) -> usize {
        match self {
            Self::Public => count,
            Self::Hashed | Self::Folded => 1,
            Self::Private | Self::Fixed => 0,
        }
    }

    /// Lower-case name, as the command line spells it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Private => "private",
            Self::Hashed => "hashed",
            Self::Fixed => "fixed",
            Self::Folded => "folded",
        }
    }
}

impl fmt::Display for Visibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Visibility of each part of the statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct VisibilitySettings {
    /// Input features: public, private or hashed.
    pub inputs: Visibility,
    /// Weights and biases: fixed (in the verifying key), public, private or hashed.
    pub weights: Visibility,
    /// Outputs: public, private, hashed or folded.
    pub outputs: Visibility,
}

impl Default for VisibilitySettings {
    /// Public inputs, weights fixed in the verifying key, public outputs.
    fn default() -> Self {
        Self {
            inputs: Visibility::Public,
            weights: Visibility::Fixed,
            outputs: Visibility::Public,
        }
    }
}

impl VisibilitySettings {
    /// Checks that only the weights are `Fixed` and only the outputs `Folded`, and that folded
    /// outputs come with inputs and weights that the statement fixes (not private).
    ///
    /// # Errors
    /// [`SpecError::InvalidVisibility`] naming the part.
    pub fn validate(&self) -> Result<(), SpecError> {
        let refused = [
            (
                "inputs",
                self.inputs,
                [Visibility::Fixed, Visibility::Folded],
            ),
            ("weights", self.weights, [Visibility::Folded; 2]),
            ("outputs", self.outputs, [Visibility::Fixed; 2]),
        ];
        for (part, visibility, refused) in refused {
            if refused.contains(&visibility) {
                return Err(SpecError::InvalidVisibility { part, visibility });
            }
        }
        if self.outputs_folded() {
            // The fold is sound only if the outputs are fixed before the binding is drawn.
            for (part, visibility) in [("inputs", self.inputs), ("weights", self.weights)] {
                if visibility == Visibility::Private {
                    return Err(SpecError::UnboundFold { part });
                }
            }
        }
        Ok(())
    }

    /// Whether the outputs are folded at the binding (see [`Visibility::Folded`]).
    pub fn outputs_folded(&self) -> bool {
        self.outputs == Visibility::Folded
    }

    /// Whether any values are packed: a hashed part, or folded outputs.
    pub fn any_packed(&self) -> bool {
        self.any_hashed() || self.outputs_folded()
    }

    /// Whether weights and biases are advice cells (any mode but `Fixed`).
    pub fn weights_are_witnessed(&self) -> bool {
        self.weights != Visibility::Fixed
    }

    /// Whether any part is hashed, which brings in the packing and Poseidon gates.
    pub fn any_hashed(&self) -> bool {
        [self.inputs, self.weights, self.outputs].contains(&Visibility::Hashed)
    }
}

/// Smallest signed bit-width `B >= 2` with every value in `[-2^(B-1), 2^(B-1))`.
pub fn signed_bits<'a>(values: impl IntoIterator<Item = &'a i64>) -> u32 {
    values
        .into_iter()
        .map(|&v| {
            let magnitude = if v < 0 { !v } else { v } as u64;
            65 - magnitude.leading_zeros()
        })
        .max()
        .unwrap_or(0)
        .max(2)
}
