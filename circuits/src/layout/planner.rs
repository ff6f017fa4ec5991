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

use super::{
    lanes::{lane_margin, split_supported},
    FreivaldsMode, MlpLayout, MAX_FOLDED_LANES,
};
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

/// Work every proof does whatever its columns, in committed columns at `2^k`: the quotient
/// pieces, the random polynomial and the multi-opening. Fitted on `examples/shape_floor`
/// (2026-12-02): with it, `(columns + 6) x 2^k` orders the measured shapes of one model as
/// their prove times do (one column at k = 16 against seven at k = 13: predicted 1.88x,
/// measured 1.88x; 32-256-256-1 at k = 12 against two range columns at k = 11: 1.21x and 1.21x).
pub const PROOF_FIXED_COLUMNS: usize = 6;

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
        let options = (allow_packing, freivalds, objective);
        Self::with_split(model, batch_size, visibility, options, true)
    }

    /// Plans as [`MlpLayout::with_objective`] (`options`: packing allowed, Freivalds mode,
    /// objective); `allow_split = false` keeps the range lane in one column (see
    /// [`super::lanes`]), e.g. to measure what a split saves. With `true` (the default of
    /// every other constructor) the prover's objective splits it where strictly cheaper.
    ///
    /// # Errors
    /// As [`MlpLayout::with_visibility`].
    pub fn with_split(
        model: QuantizedMlp,
        batch_size: usize,
        visibility: VisibilitySettings,
        (allow_packing, freivalds, objective): (bool, FreivaldsMode, PlanObjective),
        allow_split: bool,
    ) -> Result<Self, SpecError> {
        model.validate()?;
        let off = FreivaldsMode::Off;
        if freivalds == FreivaldsMode::On {
            let limbs = &LOOKUP_LIMBS;
            let plan = Self::cheapest(&model, batch_size, visibility, false, freivalds, limbs);
            return Ok(plan?.1);
        }
        // a split range lane (see super::lanes) adds commitments: for the prover only
        let split = allow_split && objective == PlanObjective::Prover;
        let lookup = |packed, mode| {
            Self::cheapest(&model, batch_size, visibility, packed, mode, &LOOKUP_LIMBS)
        };
        let packing = allow_packing
            && !visibility.weights_are_witnessed()
            && (model.layers.iter()).any(|l| Strands::widest(l, model.params).is_packed());
        let mut best = lookup(false, off)?;
        // the one-column plans, unpacked and packed, whose range lane is their longest lane:
        // only those gain from a split
        let range_bound = |plan: &Self| plan.freivalds.is_empty() && plan.range_len > plan.side_len;
        let mut to_split: Vec<bool> = range_bound(&best.1).then_some(false).into_iter().collect();
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
            let plan = lookup(packed, mode)?;
            if mode == off && range_bound(&plan.1) {
                to_split.push(packed);
            }
            if plan.0 < best.0 && (mode == off || !plan.1.freivalds.is_empty()) {
                best = plan;
            }
        }
        // then splits of the range lane, packed or not as a range-bound one-column plan is
        // (a batch's cheapest one-column plan may be bound by its dot lane, unpacked, where
        // its packed plan is bound by its range lane and splits well), each kept only if its
        // proof costs strictly less than the best plan's
        if split {
            for packed in to_split {
                let to_beat = best.1.proof_cost();
                let split = Self::cheapest_split(&model, batch_size, visibility, packed, to_beat)?;
                best = split.unwrap_or(best);
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

    /// The cheapest plan with a split range lane (see [`super::lanes`]) over every dot width
    /// and lookup limb width, with public rows or public copies, and columns as high as
    /// [`lane_margin`] allows at each `k` up to three below the one-column plan's, if its
    /// [`MlpLayout::proof_cost`] is strictly less than `to_beat`; `None` if the model cannot be
    /// split or no split pays. The plan is returned with its proof cost (the caller compares
    /// it with other plans' proof costs only through `to_beat`).
    fn cheapest_split(
        model: &QuantizedMlp,
        batch_size: usize,
        visibility: VisibilitySettings,
        packed: bool,
        to_beat: usize,
    ) -> Result<Option<(usize, Self)>, SpecError> {
        let mut best: Option<(usize, Self)> = None;
        for limb_bits in LOOKUP_LIMBS {
            if split_supported(model, visibility, limb_bits).is_err() {
                return Ok(None);
            }
            for width in 1..=MAX_DOT_WIDTH {
                let options = (limb_bits, packed, FreivaldsMode::Off);
                let one = Self::plan_inner(
                    model.clone(),
                    width,
                    batch_size,
                    visibility,
                    options,
                    (0, 1, false),
                )?;
                // only a range lane longer than every other lane gains from a split
                if one.range_len <= one.side_len.max(one.table_rows()) {
                    continue;
                }
                let k0 = crate::min_k(&one);
                let margin = lane_margin(crate::constraint_system(&one).blinding_factors());
                'k: for k in (k0.saturating_sub(3)..k0).rev() {
                    let lane_rows = (1usize << k).saturating_sub(margin);
                    let fits = one.side_len < lane_rows && one.table_rows() < lane_rows;
                    if !fits {
                        break;
                    }
                    // public rows first: on a tie they keep the instance out of the permutation
                    for copies in [false, true] {
                        let options = (limb_bits, packed, copies);
                        let planned = Self::plan_split_with(
                            model.clone(),
                            width,
                            batch_size,
                            visibility,
                            options,
                            lane_rows,
                        );
                        let split = match planned {
                            Ok(split) => split,
                            // copies take the fewest range rows: if they cannot split, no k
                            // below this one can
                            Err(_) if copies => break 'k,
                            Err(_) => continue,
                        };
                        if split.range_lanes() < 2 || crate::min_k(&split) != k {
                            continue;
                        }
                        let cost = split.proof_cost();
                        let cheapest = best.as_ref().map_or(to_beat, |(c, _)| *c);
                        if cost < cheapest {
                            best = Some((cost, split));
                        }
                    }
                }
            }
        }
        Ok(best)
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
