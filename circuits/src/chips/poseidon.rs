//! Poseidon over BN254 (`x^5`, width 3, rate 2, 8 full and 57 partial rounds), as a chip and
//! natively.
//!
//! # Parameters
//! The permutation is the reference one of Grassi et al. ("Poseidon", USENIX 2021) for the
//! BN254 scalar field at 128-bit security: `t = 3`, `alpha = 5`, `R_F = 8`, `R_P = 57`, round
//! constants and MDS matrix from the reference Grain LFSR (taken from the `poseidon-primitives`
//! crate, which generates them). Tests check the permutation against the published test vector
//! (`poseidonperm_x5_254_3`, which circomlib's `Poseidon(1, 2)` also gives) and the sponge
//! against `poseidon-primitives`' `ConstantLength` hash.
//!
//! The sponge is the ConstantLength domain of the Poseidon paper (section 4.2): capacity
//! element `L * 2^64` for `L` message elements, zero padding to a multiple of the rate, each
//! pair of elements added into the rate part before a permutation, the digest is `state[0]`.
//!
//! # Layout
//! Three advice columns hold the state. A hash of `L` elements takes `ceil(L / 2)` blocks of
//! [`ROWS_PER_PERMUTATION`] rows:
//!
//! ```text
//! row a        : m_0, m_1, -            absorb: x(a+1) = keep * x(a-1) + (m_0, use_1 * m_1, cap)
//! row a+1+2i   : x_0, x_1, x_2          state before round i
//! row a+2+2i   : u_0, u_1, u_2          u_j = (x_j + c_ij)^2 (only u_0 in partial rounds)
//! row a+131    : the permutation's output (the next block's absorb row reads it at -1)
//! ```
//!
//! Round `i` is the gate at its state row: `x'_k = sum_j M_kj * s_j` with
//! `s_j = u_j^2 * (x_j + c_ij)` (the S-box `(x + c)^5`) for S-boxed `j`, `s_j = x_j + c_ij`
//! otherwise. Storing the square keeps every gate at degree 4 with its selector, below the
//! circuit's degree 5 (an S-box in one constraint would need degree 6 and double the
//! quotient's domain). The absorb row's fixed columns carry `keep` (0 on the first block),
//! `use_1` (0 when `m_1` is padding) and `cap` (the capacity element on the first block).

use std::sync::OnceLock;

use ff::{Field, PrimeField};
use halo2_proofs::{
    circuit::Region,
    halo2curves::bn256::Fr,
    plonk::{Advice, Column, ConstraintSystem, Constraints, Expression, Fixed, Selector},
    poly::Rotation,
};
use poseidon_primitives::poseidon::primitives::Spec;

/// State width.
pub const WIDTH: usize = 3;
/// Elements absorbed per permutation.
pub const RATE: usize = 2;
/// Full rounds (half before, half after the partial rounds).
pub const FULL_ROUNDS: usize = 8;
/// Partial rounds.
pub const PARTIAL_ROUNDS: usize = 57;
/// Rounds in all.
pub const ROUNDS: usize = FULL_ROUNDS + PARTIAL_ROUNDS;
/// Rows of one absorb-and-permute block: the absorb row, a state and a square row per round,
/// and the output row.
pub const ROWS_PER_PERMUTATION: usize = 2 + 2 * ROUNDS;

/// Names of the square constraints, by state element.
pub const SQUARE: [&str; WIDTH] = [
    "u_0 = (x_0 + c_0)^2",
    "u_1 = (x_1 + c_1)^2",
    "u_2 = (x_2 + c_2)^2",
];
/// Names of the mixing constraints, by state element.
pub const MIX: [&str; WIDTH] = [
    "next_0 = sum_j M_0j s_j",
    "next_1 = sum_j M_1j s_j",
    "next_2 = sum_j M_2j s_j",
];
/// Names of the absorb constraints, by state element.
pub const ABSORB: [&str; WIDTH] = [
    "next_0 = keep x_0 + m_0",
    "next_1 = keep x_1 + use_1 m_1",
    "next_2 = keep x_2 + cap",
];

/// The reference parameter set, for `poseidon-primitives` to generate constants from.
#[derive(Debug)]
struct ReferenceSpec;

impl Spec<Fr, WIDTH, RATE> for ReferenceSpec {
    fn full_rounds() -> usize {
        FULL_ROUNDS
    }

    fn partial_rounds() -> usize {
        PARTIAL_ROUNDS
    }

    fn sbox(value: Fr) -> Fr {
        value.square().square() * value
    }

    fn secure_mds() -> usize {
        0
    }
}

/// Round constants (one row per round) and the MDS matrix.
#[derive(Debug)]
pub struct PoseidonConstants {
    /// `round_constants[i][j]` is added to state element `j` in round `i`.
    pub round_constants: Vec<[Fr; WIDTH]>,
    /// The MDS matrix.
    pub mds: [[Fr; WIDTH]; WIDTH],
}

/// The constants, generated once.
pub fn constants() -> &'static PoseidonConstants {
    static CONSTANTS: OnceLock<PoseidonConstants> = OnceLock::new();
    CONSTANTS.get_or_init(|| {
        let (round_constants, mds, _) = ReferenceSpec::constants();
        PoseidonConstants {
            round_constants,
            mds,
        }
    })
}

/// Whether round `round` applies the S-box to every element.
pub fn is_full_round(round: usize) -> bool {
    !(FULL_ROUNDS / 2..FULL_ROUNDS / 2 + PARTIAL_ROUNDS).contains(&round)
}

/// One round's values: the state before it and the squares it stores.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RoundTrace {
    /// State before the round.
    pub state: [Fr; WIDTH],
    /// `(x_j + c_j)^2` for S-boxed `j`, zero elsewhere.
    pub squares: [Fr; WIDTH],
}

/// Applies round `round` to `state`, returning what the circuit stores for it.
pub fn round(state: &mut [Fr; WIDTH], round: usize) -> RoundTrace {
    let c = constants();
    let before = *state;
    let mut squares = [Fr::ZERO; WIDTH];
    let mut sboxed = [Fr::ZERO; WIDTH];
    for j in 0..WIDTH {
        let shifted = state[j] + c.round_constants[round][j];
        sboxed[j] = if j == 0 || is_full_round(round) {
            squares[j] = shifted.square();
            squares[j].square() * shifted
        } else {
            shifted
        };
    }
    for (k, out) in state.iter_mut().enumerate() {
        *out = (0..WIDTH).map(|j| c.mds[k][j] * sboxed[j]).sum();
    }
    RoundTrace {
        state: before,
        squares,
    }
}

/// The Poseidon permutation.
pub fn permute(state: &mut [Fr; WIDTH]) {
    for r in 0..ROUNDS {
        round(state, r);
    }
}

/// Capacity element of the ConstantLength domain for `len` elements: `len * 2^64`.
pub fn capacity_element(len: usize) -> Fr {
    Fr::from_u128((len as u128) << 64)
}

/// Permutations needed to hash `len` elements.
pub fn permutations(len: usize) -> usize {
    len.div_ceil(RATE).max(1)
}

/// Rows of a hash of `len` elements.
pub fn hash_rows(len: usize) -> usize {
    permutations(len) * ROWS_PER_PERMUTATION
}

/// Hashes `message` natively (ConstantLength sponge, see the module docs).
pub fn hash(message: &[Fr]) -> Fr {
    hash_trace(message)[hash_rows(message.len()) - 1][0]
}

/// Every row of the chip's block for `message`, in order: what the prover assigns.
pub fn hash_trace(message: &[Fr]) -> Vec<[Fr; WIDTH]> {
    let mut rows = Vec::with_capacity(hash_rows(message.len()));
    let mut state = [Fr::ZERO, Fr::ZERO, capacity_element(message.len())];
    for block in 0..permutations(message.len()) {
        let m0 = message.get(2 * block).copied().unwrap_or(Fr::ZERO);
        let m1 = message.get(2 * block + 1).copied().unwrap_or(Fr::ZERO);
        rows.push([m0, m1, Fr::ZERO]);
        state[0] += m0;
        state[1] += m1;
        for r in 0..ROUNDS {
            let trace = round(&mut state, r);
            rows.push(trace.state);
            rows.push(trace.squares);
        }
        rows.push(state);
    }
    rows
}

/// Columns, fixed columns and selectors of the Poseidon chip.
#[derive(Clone, Copy, Debug)]
pub struct PoseidonConfig {
    /// The state columns.
    pub state: [Column<Advice>; WIDTH],
    /// Round constants on state rows; `keep`, `use_1`, `cap` on absorb rows.
    pub constants: [Column<Fixed>; WIDTH],
    /// Enables a full round on a state row.
    pub full: Selector,
    /// Enables a partial round on a state row.
    pub partial: Selector,
    /// Enables absorption on an absorb row.
    pub absorb: Selector,
}

/// The Poseidon chip.
#[derive(Clone, Copy, Debug)]
pub struct PoseidonChip {
    config: PoseidonConfig,
}

impl PoseidonChip {
    /// Wraps a configuration.
    pub fn construct(config: PoseidonConfig) -> Self {
        Self { config }
    }

    /// Creates three fixed columns, three selectors and the gates `"poseidon full round"`,
    /// `"poseidon partial round"` and `"poseidon absorb"` over `state`.
    pub fn configure(
        meta: &mut ConstraintSystem<Fr>,
        state: [Column<Advice>; WIDTH],
    ) -> PoseidonConfig {
        let config = PoseidonConfig {
            state,
            constants: [
                meta.fixed_column(),
                meta.fixed_column(),
                meta.fixed_column(),
            ],
            full: meta.selector(),
            partial: meta.selector(),
            absorb: meta.selector(),
        };
        let mds = constants().mds;
        for (name, selector, full) in [
            ("poseidon full round", config.full, true),
            ("poseidon partial round", config.partial, false),
        ] {
            meta.create_gate(name, |meta| {
                let s = meta.query_selector(selector);
                let mut constraints = Vec::new();
                let mut sboxed = Vec::with_capacity(WIDTH);
                for j in 0..WIDTH {
                    let x = meta.query_advice(state[j], Rotation::cur());
                    let c = meta.query_fixed(config.constants[j], Rotation::cur());
                    let shifted = x + c;
                    if j == 0 || full {
                        let u = meta.query_advice(state[j], Rotation::next());
                        constraints
                            .push((SQUARE[j], u.clone() - shifted.clone() * shifted.clone()));
                        sboxed.push(u.clone() * u * shifted);
                    } else {
                        sboxed.push(shifted);
                    }
                }
                for (k, row) in mds.iter().enumerate() {
                    let next = meta.query_advice(state[k], Rotation(2));
                    let mixed = sboxed
                        .iter()
                        .zip(row)
                        .fold(Expression::Constant(Fr::ZERO), |sum, (s, m)| {
                            sum + s.clone() * Expression::Constant(*m)
                        });
                    constraints.push((MIX[k], next - mixed));
                }
                Constraints::with_selector(s, constraints)
            });
        }
        meta.create_gate("poseidon absorb", |meta| {
            let s = meta.query_selector(config.absorb);
            let keep = meta.query_fixed(config.constants[0], Rotation::cur());
            let use_1 = meta.query_fixed(config.constants[1], Rotation::cur());
            let cap = meta.query_fixed(config.constants[2], Rotation::cur());
            let prev = |meta: &mut halo2_proofs::plonk::VirtualCells<'_, Fr>, j: usize| {
                meta.query_advice(state[j], Rotation::prev())
            };
            let next = |meta: &mut halo2_proofs::plonk::VirtualCells<'_, Fr>, j: usize| {
                meta.query_advice(state[j], Rotation::next())
            };
            let m0 = meta.query_advice(state[0], Rotation::cur());
            let m1 = meta.query_advice(state[1], Rotation::cur());
            let constraints = [
                (ABSORB[0], next(meta, 0) - keep.clone() * prev(meta, 0) - m0),
                (
                    ABSORB[1],
                    next(meta, 1) - keep.clone() * prev(meta, 1) - use_1 * m1,
                ),
                (ABSORB[2], next(meta, 2) - keep * prev(meta, 2) - cap),
            ];
            Constraints::with_selector(s, constraints)
        });
        config
    }

    /// The cell `(row offset, state column)` of message element `index` within a hash block.
    pub fn message_cell(index: usize) -> (usize, usize) {
        ((index / RATE) * ROWS_PER_PERMUTATION, index % RATE)
    }

    /// Row offset of the digest (state column 0) within a hash block of `len` elements.
    pub fn digest_row(len: usize) -> usize {
        hash_rows(len) - 1
    }

    /// Enables the gates and assigns the fixed values of a hash of `len` elements whose block
    /// starts at `start` (which must be at least 1: the absorb gate reads the row above).
    ///
    /// # Errors
    /// Propagates synthesis errors.
    pub fn assign_fixed(
        &self,
        region: &mut Region<'_, Fr>,
        start: usize,
        len: usize,
    ) -> Result<(), halo2_proofs::plonk::Error> {
        let config = &self.config;
        let c = constants();
        for block in 0..permutations(len) {
            let absorb = start + block * ROWS_PER_PERMUTATION;
            config.absorb.enable(region, absorb)?;
            let keep = if block == 0 { Fr::ZERO } else { Fr::ONE };
            let use_1 = if 2 * block + 1 < len {
                Fr::ONE
            } else {
                Fr::ZERO
            };
            let cap = if block == 0 {
                capacity_element(len)
            } else {
                Fr::ZERO
            };
            for (column, value) in config.constants.iter().zip([keep, use_1, cap]) {
                region.assign_fixed(*column, absorb, value);
            }
            for r in 0..ROUNDS {
                let row = absorb + 1 + 2 * r;
                let selector = if is_full_round(r) {
                    config.full
                } else {
                    config.partial
                };
                selector.enable(region, row)?;
                for (column, value) in config.constants.iter().zip(c.round_constants[r]) {
                    region.assign_fixed(*column, row, value);
                }
            }
        }
        Ok(())
    }
}
