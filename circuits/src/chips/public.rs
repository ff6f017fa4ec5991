//! Public values checked by a gate against the instance column, not by copy constraints.
//!
//! The instance column stays out of the permutation argument: the circuit's public rows are
//! the range lane's rows `0..n`, one per instance value, and on row `i` the gate
//!
//! ```text
//! kind (kind - 1) (z - instance) = 0        (both at rotation 0)
//! ```
//!
//! with `kind` = [`ROW_PUBLIC`] `= 2` (a nonzero factor `2`) states `z_i = instance_i`. Copy
//! constraints among advice cells tie `z_i` to the cell holding the value (the binding is
//! `z_0` itself). On ReLU rows (`kind = 1`) and everywhere else (`kind = 0`) the gate
//! vanishes. The row-kind column is the ReLU gate's (see [`super::rescale`]).
//!
//! Fewer columns in the permutation means fewer permutation products and one verifying-key
//! commitment less: with three advice lanes, one product instead of two at degree 5.
//!
//! A circuit whose range lane is split over several columns (see [`crate::layout::lanes`])
//! has its public rows in the first column, or, where the planner finds it cheaper, none and
//! no such gate: its instance column is then in the permutation and each instance value is a
//! copy of its cell ([`crate::layout::MlpLayout::public_copies`]).

use halo2_proofs::{
    circuit::Region,
    halo2curves::bn256::Fr,
    plonk::{Advice, Column, ConstraintSystem, Constraints, Expression, Fixed, Instance},
    poly::Rotation,
};

use super::rescale::{ROW_PUBLIC, ROW_RELU};

/// The columns of the public-value gate.
#[derive(Clone, Copy, Debug)]
pub struct PublicConfig {
    /// The advice column holding the public values on rows `0..n`.
    pub z: Column<Advice>,
    /// The instance column.
    pub instance: Column<Instance>,
    /// The row-kind column shared with the ReLU gate.
    pub kind: Column<Fixed>,
}

/// The public-value chip.
#[derive(Clone, Copy, Debug)]
pub struct PublicChip {
    config: PublicConfig,
}

impl PublicChip {
    /// Wraps a configuration.
    pub fn construct(config: PublicConfig) -> Self {
        Self { config }
    }

    /// Creates the gate `"public"`: `z = instance` where `kind` is [`ROW_PUBLIC`].
    pub fn configure(
        meta: &mut ConstraintSystem<Fr>,
        z: Column<Advice>,
        instance: Column<Instance>,
        kind: Column<Fixed>,
    ) -> PublicConfig {
        let config = PublicConfig { z, instance, kind };
        meta.create_gate("public", |meta| {
            let kind = meta.query_fixed(kind, Rotation::cur());
            let z = meta.query_advice(z, Rotation::cur());
            let instance = meta.query_instance(instance, Rotation::cur());
            // 2 on public rows, 0 on ReLU rows and elsewhere
            let selector = kind.clone() * (kind - Expression::Constant(Fr::from(ROW_RELU)));
            Constraints::with_selector(selector, [("z = instance", z - instance)])
        });
        config
    }

    /// Enables the gate on the public rows `0..count`.
    pub fn enable(&self, region: &mut Region<'_, Fr>, count: usize) {
        for row in 0..count {
            region.assign_fixed(self.config.kind, row, Fr::from(ROW_PUBLIC));
        }
    }
}
