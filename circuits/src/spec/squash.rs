//! Sigmoid and tanh in fixed point: a clamped coarse grid and a table of the function on it.
//!
//! With `q` the neuron's rescaled value (scale `2^s`), `g = grid_bits` and `T = bound * 2^g`:
//!
//! ```text
//! u = floor((2^g q + T 2^s) / 2^s)             (= t + T: x lies in the grid cell [t, t + 1) 2^-g)
//! l = clamp(u, 0, 2T - 1)                       (x clamped to [-bound, bound))
//! y = F(l) = round(2^s f((l - T + 1/2) / 2^g))  (half away from zero; f = sigmoid or tanh)
//! ```
//!
//! `F` is the function at the middle of each cell: the error from the grid is at most half a
//! cell times the slope (`2^-(g+1) / 4` for sigmoid, `2^-(g+1)` for tanh), and the sign of `x`
//! is kept exactly (cell `T - 1` ends at 0, cell `T` starts there): `y > 2^(s-1)` (sigmoid) or
//! `y > 0` (tanh) exactly when `x >= 0` when `s >= g + 3` (sigmoid) or `s >= g + 1` (tanh),
//! as the default grids ([`SquashSpec::new`]) are (for sigmoid, at `s >= 3`): a classifier's
//! class does not depend on the grid.
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
    /// Fractional bits `g` of the grid the input falls on (`g <= s`).
    pub grid_bits: u32,
    /// The input is clamped to `[-bound, bound - 2^-g]` (in real units).
    pub bound: u32,
}

impl SquashSpec {
    /// The default grid of `function` at scale `2^scale_bits` ([`SIGMOID_GRID`],
    /// [`TANH_GRID`]), made coarser at small scales so that the table keeps the sign of `x`
    /// (`g <= s - 3` for sigmoid, `g <= s - 1` for tanh; see the module docs).
    pub fn new(function: Squash, scale_bits: u32) -> Self {
        let (grid_bits, bound) = match function {
            Squash::Sigmoid => SIGMOID_GRID,
            Squash::Tanh => TANH_GRID,
        };
        Self {
            function,
            grid_bits: grid_bits.min(scale_bits.saturating_sub(match function {
                Squash::Sigmoid => 3,
                Squash::Tanh => 1,
            })),
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

    /// `F(l) = round(2^s f((l - T + 1/2) / 2^g))` for a table index `l` in `[0, 2T)`.
    pub fn value(&self, scale_bits: u32, index: i64) -> i64 {
        // Exact: |2 (l - T) + 1| < 2^14, and dividing by a power of two is exact.
        let x = (2 * (index - self.half_range()) + 1) as f64 / (2u64 << self.grid_bits) as f64;
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
        let u = shifted.div_euclid(1i128 << scale_bits);
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
                    let x = (l as f64 - spec.half_range() as f64 + 0.5)
                        / f64::from(1 << spec.grid_bits);
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
    fn apply_floors_clamps_and_looks_up() {
        // s = 12, sigmoid grid g = 6, T = 512: u = floor(64 q / 4096) + 512 = floor(q / 64) + 512.
        let spec = SquashSpec::new(Squash::Sigmoid, 12);
        assert_eq!((spec.grid_bits, spec.half_range()), (6, 512));
        // x = 0 is in cell [0, 1/64): F there is 4096 sigmoid(1/128) = 2055.9996 -> 2056.
        assert_eq!(spec.apply(0, 12, 16), Some((512, 512, 2056)));
        assert_eq!(spec.apply(63, 12, 16).unwrap().0, 512);
        assert_eq!(spec.apply(64, 12, 16).unwrap().0, 513);
        // Any x < 0 falls below: 4096 sigmoid(-1/128) = 2040.0004 -> 2040.
        assert_eq!(spec.apply(-1, 12, 16), Some((511, 511, 2040)));
        assert_eq!(spec.apply(-64, 12, 16).unwrap().0, 511);
        assert_eq!(spec.apply(-65, 12, 16).unwrap().0, 510);
        // Clamped both ways: x = +-100.
        let (u, l, y) = spec.apply(100 << 12, 12, 16).unwrap();
        assert_eq!((u, l), (512 + 6400, 1023));
        assert_eq!(y, spec.value(12, 1023));
        assert!(y >= 4094);
        let (u, l, y) = spec.apply(-100 << 12, 12, 16).unwrap();
        assert_eq!((u, l, y), (512 - 6400, 0, spec.value(12, 0)));
        assert!(y <= 2);
        // u out of the 13-bit range.
        assert_eq!(spec.apply(100 << 12, 12, 13), None);
        assert_eq!(spec.encode(12, 3, 5), 3 + (5 << 10));
        let tanh = SquashSpec::new(Squash::Tanh, 12);
        assert_eq!(tanh.encode(12, 3, -4096), 3);
    }

    #[test]
    fn the_default_grids_keep_the_sign_at_every_scale() {
        for s in 1..=24 {
            for (function, middle) in [(Squash::Sigmoid, 1i64 << (s - 1)), (Squash::Tanh, 0)] {
                // At s < 3 a sigmoid's outputs (0, 1/2, 1 at 2^-2) cannot keep it.
                let spec = SquashSpec::new(function, s);
                if function == Squash::Sigmoid && s < 3 {
                    continue;
                }
                let t = spec.half_range();
                let (below, above) = (spec.value(s, t - 1), spec.value(s, t));
                assert!(
                    below < middle && above > middle,
                    "{function:?} s = {s}: {below} {above}"
                );
            }
        }
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
        assert_eq!(SquashSpec::new(Squash::Tanh, 3).grid_bits, 2);
        assert_eq!(SquashSpec::new(Squash::Sigmoid, 5).grid_bits, 2);
    }
}
