//! Sigmoid and tanh in fixed point: a clamped coarse grid and a table of the function on it.
//!
//! With `q` the neuron's rescaled value (scale `2^s`), `g = grid_bits` and `T = bound * 2^g`:
//!
//! ```text
//! u = floor((2^g q + T 2^s + 2^(s-1)) / 2^s)   (= t + T, t = x on the grid 2^-g, rounded half up)
//! l = clamp(u, 0, 2T - 1)                       (x clamped to [-bound, bound - 2^-g])
//! y = F(l) = round(2^s f((l - T) / 2^g))        (half away from zero; f = sigmoid or tanh)
//! ```
//!
//! `u` must lie in `[-2^(b-1), 2^(b-1))` (it is a rescaled value like `q`); `y` always does
//! (validation requires `b >= s + 2`). The table `F` is computed with IEEE-754 additions,
//! multiplications and divisions only ([`exp_neg`]), in a fixed order, so it is the same on
//! every platform: a verifier regenerating the key from the model gets the same table (libm's
//! `exp` may differ in the last bit from one platform to another).

/// The saturating functions proven by table lookup.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Squash {
    /// `1 / (1 + e^-x)`, values in `[0, 1]`.
    Sigmoid,
    /// `tanh(x)`, values in `[-1, 1]`.
    Tanh,
}

impl Squash {
    /// The function in `f64` through [`exp_neg`] (deterministic on every platform).
    pub fn eval(self, x: f64) -> f64 {
        match self {
            Self::Sigmoid => {
                let e = exp_neg(x.abs());
                if x >= 0.0 {
                    1.0 / (1.0 + e)
                } else {
                    e / (1.0 + e)
                }
            }
            Self::Tanh => {
                let e = exp_neg(2.0 * x.abs());
                let magnitude = (1.0 - e) / (1.0 + e);
                if x >= 0.0 {
                    magnitude
                } else {
                    -magnitude
                }
            }
        }
    }

    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sigmoid => "sigmoid",
            Self::Tanh => "tanh",
        }
    }
}

/// Default grid of a sigmoid: `2^-6`, clamped to `[-8, 8)` (`sigmoid(8) = 1 - 3.4e-4`).
pub const SIGMOID_GRID: (u32, u32) = (6, 8);
/// Default grid of a tanh: `2^-7`, clamped to `[-4, 4)` (`tanh(4) = 1 - 6.7e-4`).
pub const TANH_GRID: (u32, u32) = (7, 4);
/// Largest table: `2T <= 2^12` entries.
pub const MAX_SQUASH_TABLE_BITS: u32 = 12;

/// A sigmoid or tanh layer's grid: what the verifying key fixes besides the function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SquashSpec {
    /// The function.
    pub function: Squash,
    /// Fractional bits `g` of the grid the input is rounded to (`g <= s`).
    pub grid_bits: u32,
    /// The input is clamped to `[-bound, bound - 2^-g]` (in real units).
    pub bound: u32,
}

impl SquashSpec {
    /// The default grid of `function` at scale `2^scale_bits` ([`SIGMOID_GRID`],
    /// [`TANH_GRID`]), the grid made no finer than the scale itself.
    pub fn new(function: Squash, scale_bits: u32) -> Self {
        let (grid_bits, bound) = match function {
            Squash::Sigmoid => SIGMOID_GRID,
            Squash::Tanh => TANH_GRID,
        };
        Self {
            function,
            grid_bits: grid_bits.min(scale_bits),
            bound,
        }
    }

    /// `T = bound * 2^g`: the grid index of `x = 0` in the table.
    pub fn half_range(&self) -> i64 {
        i64::from(self.bound) << self.grid_bits
    }

    /// Entries of the table: `2T`.
    pub fn table_len(&self) -> usize {
        2 * self.half_range() as usize
    }

    /// Bits `c` of a table index: `2^c >= 2T`.
    pub fn index_bits(&self) -> u32 {
        (self.table_len() as u64)
            .next_power_of_two()
            .trailing_zeros()
    }

    /// Added to an output before it is encoded: `2^s` for tanh (outputs in `[-2^s, 2^s]`), 0
    /// for sigmoid.
    pub fn output_offset(&self, scale_bits: u32) -> i64 {
        match self.function {
            Squash::Sigmoid => 0,
            Squash::Tanh => 1 << scale_bits,
        }
    }

    /// `F(l) = round(2^s f((l - T) / 2^g))` for a table index `l` in `[0, 2T)`.
    pub fn value(&self, scale_bits: u32, index: i64) -> i64 {
        // Exact: |l - T| < 2^13, and dividing by a power of two is exact.
        let x = (index - self.half_range()) as f64 / (1u64 << self.grid_bits) as f64;
        let scaled = self.function.eval(x) * (1u64 << scale_bits) as f64;
        scaled.round() as i64
    }

    /// The table: `F(l)` for `l = 0 .. 2T`.
    pub fn table(&self, scale_bits: u32) -> Vec<i64> {
        (0..self.table_len() as i64)
            .map(|l| self.value(scale_bits, l))
            .collect()
    }

    /// One table entry as the range lookup sees it: `l + 2^c (y + offset)`.
    pub fn encode(&self, scale_bits: u32, index: i64, output: i64) -> i128 {
        let shifted = i128::from(output) + i128::from(self.output_offset(scale_bits));
        i128::from(index) + (shifted << self.index_bits())
    }

    /// The spec's function on a rescaled value `q`: `Some((u, l, y))`, or `None` when `u`
    /// leaves `[-2^(b-1), 2^(b-1))`.
    pub fn apply(
        &self,
        q: i128,
        scale_bits: u32,
        activation_bits: u32,
    ) -> Option<(i128, i64, i64)> {
        let t_half = i128::from(self.half_range());
        let shifted = (q << self.grid_bits) + (t_half << scale_bits);
        let u = (shifted + (1i128 << (scale_bits - 1))).div_euclid(1i128 << scale_bits);
        let limit = 1i128 << (activation_bits - 1);
        if !(-limit..limit).contains(&u) {
            return None;
        }
        let l = u.clamp(0, 2 * t_half - 1) as i64;
        Some((u, l, self.value(scale_bits, l)))
    }

    /// Checks the grid against the fixed-point parameters: `g <= s`, `bound >= 1`,
    /// `2T <= 2^12`, and `b >= s + 2` (so outputs, at most `2^s` in magnitude, fit).
    ///
    /// # Errors
    /// Why not, in words.
    pub fn check(&self, scale_bits: u32, activation_bits: u32) -> Result<(), &'static str> {
        if self.grid_bits > scale_bits {
            return Err("the sigmoid/tanh grid must not be finer than the scale (g <= s)");
        }
        if self.bound == 0
            || u64::from(self.bound) << self.grid_bits > 1 << (MAX_SQUASH_TABLE_BITS - 1)
        {
            return Err("the sigmoid/tanh table must have between 2 and 2^12 entries");
        }
        if activation_bits < scale_bits + 2 {
            return Err("sigmoid/tanh outputs need activation_bits >= scale_bits + 2");
        }
        Ok(())
    }
}

/// `e^-a` for `a >= 0` (`a <= 64`), with IEEE-754 `+`, `*` and `/` only, in a fixed order:
/// `e^-a = (e^(-a / 2^10))^(2^10)`, the inner value by its Taylor series to 12 terms
/// (remainder below `2^-130`). Relative error about `1e-13`, the same bits on every platform.
pub fn exp_neg(a: f64) -> f64 {
    const HALVINGS: u32 = 10;
    let x = -a / (1u64 << HALVINGS) as f64;
    let (mut sum, mut term) = (1.0f64, 1.0f64);
    for n in 1..=12u32 {
        term = term * x / f64::from(n);
        sum += term;
    }
    for _ in 0..HALVINGS {
        sum *= sum;
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_neg_is_close_to_libm() {
        for i in 0..=2048 {
            let a = f64::from(i) / 128.0;
            let (ours, libm) = (exp_neg(a), (-a).exp());
            assert!(
                ((ours - libm) / libm).abs() < 1e-12,
                "{a}: {ours} vs {libm}"
            );
        }
    }

    #[test]
    fn tables_match_libm_away_from_ties() {
        for s in [4, 8, 12, 16, 24] {
            for function in [Squash::Sigmoid, Squash::Tanh] {
                let spec = SquashSpec::new(function, s);
                let table = spec.table(s);
                assert_eq!(table.len(), spec.table_len());
                for (l, &y) in table.iter().enumerate() {
                    let x = (l as f64 - spec.half_range() as f64) / f64::from(1 << spec.grid_bits);
                    let exact = match function {
                        Squash::Sigmoid => 1.0 / (1.0 + (-x).exp()),
                        Squash::Tanh => x.tanh(),
                    } * f64::from(1 << s);
                    // Where libm and ours could round differently (within 1e-6 of a tie) the
                    // table is still deterministic; elsewhere it is the correctly rounded value.
                    if (exact.fract().abs() - 0.5).abs() > 1e-6 {
                        assert_eq!(y, exact.round() as i64, "{function:?} s={s} l={l}");
                    }
                }
                // Monotone, and within the function's range.
                assert!(table.windows(2).all(|w| w[0] <= w[1]));
                let one = 1i64 << s;
                let low = if function == Squash::Tanh { -one } else { 0 };
                assert!(table.iter().all(|&y| (low..=one).contains(&y)));
            }
        }
    }

    #[test]
    fn apply_rounds_clamps_and_looks_up() {
        // s = 8, sigmoid grid g = 6, T = 512: u = floor((64 q + 512 * 256 + 128) / 256).
        let spec = SquashSpec::new(Squash::Sigmoid, 8);
        assert_eq!((spec.grid_bits, spec.half_range()), (6, 512));
        assert_eq!(spec.apply(0, 8, 16), Some((512, 512, 128)));
        // q = 2 -> 64 * 2 + 128 = 256 -> u = 513 (x = 0.5 / 64 rounded up to one grid step).
        assert_eq!(spec.apply(2, 8, 16).unwrap().0, 513);
        assert_eq!(spec.apply(1, 8, 16).unwrap().0, 512);
        assert_eq!(spec.apply(-2, 8, 16).unwrap().0, 512, "half rounds up");
        assert_eq!(spec.apply(-3, 8, 16).unwrap().0, 511);
        // Clamped both ways: x = +-100.
        let (u, l, y) = spec.apply(100 * 256, 8, 16).unwrap();
        assert_eq!((u, l, y), (512 + 6400, 1023, 256));
        let (u, l, y) = spec.apply(-100 * 256, 8, 16).unwrap();
        assert_eq!((u, l, y), (512 - 6400, 0, 0));
        // u out of the 12-bit range.
        assert_eq!(spec.apply(100 * 256, 8, 12), None);
        assert_eq!(spec.encode(8, 3, 5), 3 + (5 << 10));
        let tanh = SquashSpec::new(Squash::Tanh, 8);
        assert_eq!(tanh.encode(8, 3, -256), 3);
    }

    #[test]
    fn check_refuses_bad_grids() {
        let spec = SquashSpec::new(Squash::Sigmoid, 12);
        assert!(spec.check(12, 14).is_ok());
        assert!(spec.check(12, 13).is_err());
        assert!(spec.check(5, 24).is_err(), "g = 6 > s = 5");
        let big = SquashSpec { bound: 64, ..spec };
        assert!(big.check(12, 24).is_err());
        let zero = SquashSpec { bound: 0, ..spec };
        assert!(zero.check(12, 24).is_err());
        assert_eq!(SquashSpec::new(Squash::Tanh, 3).grid_bits, 3);
    }
}
