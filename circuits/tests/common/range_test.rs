//! The range chip alone in a test circuit: blocks of running sums laid out from row 1, each
//! followed by a row outside every block (row 0 is outside too), checked by the lookup
//! against a small table ([`RangeTest::new`]) or by the bit gate ([`RangeTest::bits`]).

use halo2_proofs::{
    circuit::{Layouter, SimpleFloorPlanner, Value},
    dev::VerifyFailure,
    halo2curves::bn256::Fr,
    plonk::{Circuit, Column, ConstraintSystem, Error, Fixed},
};
use zkmlp_circuits::{
    chips::range::{running_sum, LimbSpec, RangeChip, RangeConfig, RangeInstructions},
    field::i128_to_field,
};

use super::{anchor_row_zero, mock_chip};

/// Limb widths the lookup's test table serves.
pub const WIDTHS: [u32; 4] = [1, 3, 4, 8];
/// `1 + 2 + 8 + 16 + 256 = 283` table rows fit in `2^9`.
const LOOKUP_K: u32 = 9;
/// No table under the bit gate: the blocks' rows decide `k`.
const BITS_K: u32 = 10;
/// Value of the rows between blocks: rows outside every block accept anything.
pub const JUNK: u64 = 0xdead_beef;

/// The test circuit: blocks, the running-sum column, and how limbs are checked.
#[derive(Clone, Debug)]
pub struct RangeTest {
    blocks: Vec<(usize, Vec<LimbSpec>)>,
    z: Vec<Value<Fr>>,
    /// One-bit limbs checked by the gate (`RangeChip::configure_bits`), not the lookup.
    bits: bool,
}

impl RangeTest {
    /// Honest running sums of `values`, each under its schedule, checked by the lookup.
    pub fn new(values: &[(i128, Vec<LimbSpec>)]) -> Self {
        Self::with_check(values, false)
    }

    /// Honest running sums of `values` (one-bit schedules), checked by the bit gate.
    pub fn bits(values: &[(i128, Vec<LimbSpec>)]) -> Self {
        Self::with_check(values, true)
    }

    fn with_check(values: &[(i128, Vec<LimbSpec>)], bits: bool) -> Self {
        let mut z = vec![Value::known(Fr::from(JUNK))];
        let mut blocks = Vec::new();
        for (value, schedule) in values {
            blocks.push((z.len(), schedule.clone()));
            z.extend(
                running_sum(*value, schedule)
                    .into_iter()
                    .map(|v| Value::known(i128_to_field(v))),
            );
            z.push(Value::known(Fr::from(JUNK)));
        }
        Self { blocks, z, bits }
    }

    /// First row of block `index`.
    pub fn start(&self, index: usize) -> usize {
        self.blocks[index].0
    }

    /// Overwrites the cell on `row`.
    pub fn set(&mut self, row: usize, value: Fr) {
        self.z[row] = Value::known(value);
    }

    /// Adds `delta` to the cell on `row`.
    pub fn add(&mut self, row: usize, delta: Fr) {
        self.z[row] = self.z[row].map(|v| v + delta);
    }

    /// Runs the mock prover.
    pub fn verify(&self) -> Result<(), Vec<VerifyFailure>> {
        mock_chip(if self.bits { BITS_K } else { LOOKUP_K }, self)
    }
}

/// The range chip's columns and an anchor fixing the region's first row (see `row_of`).
#[derive(Clone, Debug)]
pub struct RangeTestConfig {
    range: RangeConfig,
    anchor: Column<Fixed>,
}

impl Circuit<Fr> for RangeTest {
    type Config = RangeTestConfig;
    type FloorPlanner = SimpleFloorPlanner;
    /// Whether limbs are checked by the bit gate.
    type Params = bool;

    fn without_witnesses(&self) -> Self {
        Self {
            blocks: self.blocks.clone(),
            z: vec![Value::unknown(); self.z.len()],
            bits: self.bits,
        }
    }

    fn params(&self) -> bool {
        self.bits
    }

    fn configure_with_params(meta: &mut ConstraintSystem<Fr>, bits: bool) -> RangeTestConfig {
        let z = meta.advice_column();
        let range = match bits {
            true => RangeChip::configure_bits(meta, z),
            false => RangeChip::configure(meta, z, &WIDTHS),
        };
        let anchor = meta.fixed_column();
        RangeTestConfig { range, anchor }
    }

    fn configure(meta: &mut ConstraintSystem<Fr>) -> RangeTestConfig {
        Self::configure_with_params(meta, false)
    }

    fn synthesize(
        &self,
        config: RangeTestConfig,
        mut layouter: impl Layouter<Fr>,
    ) -> Result<(), Error> {
        let chip = RangeChip::construct(config.range.clone());
        // a no-op under the bit gate: there is no table
        chip.load_table(&mut layouter)?;
        layouter.assign_region(
            || "range test",
            |mut region| {
                anchor_row_zero(&mut region, config.anchor);
                for (start, schedule) in &self.blocks {
                    chip.assign_block_fixed(&mut region, *start, schedule);
                }
                for (row, value) in self.z.iter().enumerate() {
                    region.assign_advice(config.range.z, row, *value);
                }
                Ok(())
            },
        )
    }
}
