//! The planner's search: every dot width, both limb widths, packed or unpacked weights, and
//! with or without Freivalds checks; the plan of least prover cost is kept.
//!
//! Under [`PlanObjective::Verifier`] (asked for explicitly, e.g. for a circuit verified on
//! chain), one-bit limbs (checked by a gate, no lookup: [`crate::chips::range::configure_bits`])
//! are planned too and kept where they cost the prover no more, or, for a single inference,
//! where their `k` is at most [`BIT_LIMBS_EXTRA_K`] above the lookup plan's and at most
//! [`BIT_LIMBS_MAX_K`]: the verifier is six commitments (about 44,000 gas on chain) cheaper,
//! for a prover that stays small at that size. [`PlanObjective::Prover`], the default, plans
//! exactly as before one-bit limbs existed, so a saved model replans to the same circuit.
//!
//! [`crate::chips::range::configure_bits`]: crate::chips::range::RangeChip::configure_bits

use super::{FreivaldsMode, MlpLayout, MAX_FOLDED_LANES};
use crate::chips::{
    dot::MAX_DOT_WIDTH, range::BIT_LIMBS, strand::Strands, LIMB_BITS, WIDE_LIMB_BITS,
};
use crate::spec::{Activation, QuantizedMlp, SpecError, Visibility, VisibilitySettings};

/// What the planner minimizes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum PlanObjective {
    /// The prover's cost (committed columns x `2^k`), range limbs looked up: the default.
    #[default]
    Prover,
    /// The verifier's cost where the prover stays small: one-bit range limbs checked by a gate
    /// (no lookup) as the module docs say, otherwise as [`PlanObjective::Prover`].
    Verifier,
}

/// How far above the lookup plan's `k` a single inference's bit-limb plan may go and still be
/// kept (each step doubles the prover's rows; the verifier saves about six commitments).
pub const BIT_LIMBS_EXTRA_K: u32 = 2;

/// The largest `k` at which a single inference's bit-limb plan is kept for its cheaper
/// verifier although its prover pays more (`2^16` rows prove in a few seconds on two cores).
pub const BIT_LIMBS_MAX_K: u32 = 16;

/// The lookup-checked limb widths the planner tries.
const LOOKUP_LIMBS: [u32; 2] = [LIMB_BITS, WIDE_LIMB_BITS];

impl MlpLayout {
    /// Plans `batch_size` inferences of `model` under `visibility`, with the dot width of least
    /// prover cost (see [`MlpLayout::new`]).
    ///
    /// # Errors
    /// As [`MlpLayout::new_batch`], and [`SpecError::InvalidVisibility`].
    pub fn with_visibility(
        model: QuantizedMlp,
        batch_size: usize,
        visibility: VisibilitySettings,
    ) -> Result<Self, SpecError> {
        Self::with_packing(model, batch_size, visibility, true)
    }

    /// Plans as [`MlpLayout::with_visibility`]; with `allow_packing`, the cheapest unpacked
    /// plan is then compared with the cheapest plan whose layers are packed
    /// ([`crate::chips::strand`], fixed weights only), and the packed one is kept only if
    /// strictly cheaper, so a model where packing does not pay keeps exactly its unpacked
    /// circuit. `allow_packing = false` forces one neuron per chain (`P = 1`).
    ///
    /// # Errors
    /// As [`MlpLayout::with_visibility`].
    pub fn with_packing(
        model: QuantizedMlp,
        batch_size: usize,
        visibility: VisibilitySettings,
        allow_packing: bool,
    ) -> Result<Self, SpecError> {
        let mode = FreivaldsMode::Auto;
        Self::with_freivalds(model, batch_size, visibility, allow_packing, mode)
    }

    /// Plans as [`MlpLayout::with_packing`], with Freivalds checks as `freivalds` says:
    /// `Off` never, `On` on every layer (fixed weights only), `Auto` (the default of every
    /// other constructor) only if the cheapest plan with them is strictly cheaper than the
    /// cheapest without, so a circuit where they do not pay is exactly the circuit planned
    /// without them.
    ///
    /// # Errors
    /// As [`MlpLayout::with_visibility`].
    pub fn with_freivalds(
        model: QuantizedMlp,
        batch_size: usize,
        visibility: VisibilitySettings,
        allow_packing: bool,
        freivalds: FreivaldsMode,
    ) -> Result<Self, SpecError> {
        let objective = PlanObjective::Prover;
        Self::with_objective(
            model,
            batch_size,
            visibility,
            allow_packing,
            freivalds,
            objective,
        )
    }

    /// Plans as [`MlpLayout::with_freivalds`], minimizing what `objective` says (see the
    /// module docs).
    ///
    /// # Errors
    /// As [`MlpLayout::with_visibility`].
    pub fn with_objective(
        model: QuantizedMlp,
        batch_size: usize,
        visibility: VisibilitySettings,
        allow_packing: bool,
        freivalds: FreivaldsMode,
        objective: PlanObjective,
    ) -> Result<Self, SpecError> {
        model.validate()?;
        let off = FreivaldsMode::Off;
        if freivalds == FreivaldsMode::On {
            let limbs = &LOOKUP_LIMBS;
            return Ok(Self::cheapest(&model, batch_size, visibility, false, freivalds, limbs)?.1);
        }
        let packing = allow_packing
            && !visibility.weights_are_witnessed()
            && (model.layers.iter()).any(|l| Strands::widest(l, model.params).is_packed());
        let mut best = Self::cheapest(&model, batch_size, visibility, false, off, &LOOKUP_LIMBS)?;
        // Packed, then Freivalds-checked (other layers unpacked, then packed): each kept only
        // if strictly cheaper than everything before it.
        let mut candidates = vec![(true, off)];
        if freivalds == FreivaldsMode::Auto && batch_size > 1 {
            candidates.extend([(false, freivalds), (true, freivalds)]);
        }
        for (packed, mode) in candidates {
            if packed && !packing {
                continue;
            }
            let plan = Self::cheapest(&model, batch_size, visibility, packed, mode, &LOOKUP_LIMBS)?;
            if plan.0 < best.0 && (mode == off || !plan.1.freivalds.is_empty()) {
                best = plan;
            }
        }
        let squash = (model.layers.iter()).any(|l| matches!(l.activation, Activation::Squash(_)));
        if objective == PlanObjective::Verifier && !squash {
            for packed in [false, true] {
                if packed && !packing {
                    continue;
                }
                let limbs = &[BIT_LIMBS];
                let bits = Self::cheapest(&model, batch_size, visibility, packed, off, limbs)?;
                let k = crate::min_k(&bits.1);
                let within_k =
                    k <= crate::min_k(&best.1) + BIT_LIMBS_EXTRA_K && k <= BIT_LIMBS_MAX_K;
                // against a lookup plan: no dearer (fewer verifier commitments decide a tie),
                // or within the k allowance for one inference; against the unpacked bit plan:
                // strictly cheaper, as packing is kept everywhere
                let keep = match best.1.limb_bits == BIT_LIMBS {
                    true => bits.0 < best.0,
                    false => bits.0 <= best.0 || (batch_size == 1 && within_k),
                };
                if keep {
                    best = bits;
                }
            }
        }
        Ok(best.1)
    }

    /// The plan of least cost over every dot width and each of `limbs`, packed or not, with
    /// its cost (committed columns x `2^k`).
    fn cheapest(
        model: &QuantizedMlp,
        batch_size: usize,
        visibility: VisibilitySettings,
        packed: bool,
        freivalds: FreivaldsMode,
        limbs: &[u32],
    ) -> Result<(usize, Self), SpecError> {
        let mut best: Option<(usize, Self)> = None;
        for &limb_bits in limbs {
            for width in 1..=MAX_DOT_WIDTH {
                let layout = Self::plan_options(
                    model.clone(),
                    width,
                    batch_size,
                    visibility,
                    limb_bits,
                    packed,
                    freivalds,
                )?;
                // Folded outputs are for on-chain batches: keep the generated verifier under
                // EIP-170 (width 1 always fits, so some plan is always kept).
                if visibility.outputs == Visibility::Folded
                    && width > 1
                    && layout.num_lanes() + layout.freivalds_columns() > MAX_FOLDED_LANES
                {
                    continue;
                }
                let cost = layout.prover_cost();
                if best.as_ref().is_none_or(|(best_cost, _)| cost < *best_cost) {
                    best = Some((cost, layout));
                }
            }
        }
        Ok(best.expect("MAX_DOT_WIDTH >= 1 and limbs is never empty"))
    }
}
