//! The planner's search: every dot width, both limb widths, packed or unpacked weights, and
//! with or without Freivalds checks; the plan of least prover cost is kept.

use super::{FreivaldsMode, MlpLayout, MAX_FOLDED_LANES};
use crate::chips::{dot::MAX_DOT_WIDTH, strand::Strands, LIMB_BITS, WIDE_LIMB_BITS};
use crate::spec::{QuantizedMlp, SpecError, Visibility, VisibilitySettings};

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
        model.validate()?;
        let off = FreivaldsMode::Off;
        if freivalds == FreivaldsMode::On {
            return Ok(Self::cheapest(&model, batch_size, visibility, false, freivalds)?.1);
        }
        let packing = allow_packing
            && !visibility.weights_are_witnessed()
            && (model.layers.iter()).any(|l| Strands::widest(l, model.params).is_packed());
        let mut best = Self::cheapest(&model, batch_size, visibility, false, off)?;
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
            let plan = Self::cheapest(&model, batch_size, visibility, packed, mode)?;
            if plan.0 < best.0 && (mode == off || !plan.1.freivalds.is_empty()) {
                best = plan;
            }
        }
        Ok(best.1)
    }

    /// The plan of least cost over every dot width and limb width, packed or not, with its
    /// cost (committed columns x `2^k`).
    fn cheapest(
        model: &QuantizedMlp,
        batch_size: usize,
        visibility: VisibilitySettings,
        packed: bool,
        freivalds: FreivaldsMode,
    ) -> Result<(usize, Self), SpecError> {
        let mut best: Option<(usize, Self)> = None;
        for limb_bits in [LIMB_BITS, WIDE_LIMB_BITS] {
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
                let cost = layout.prover_columns() << crate::min_k(&layout);
                if best.as_ref().is_none_or(|(best_cost, _)| cost < *best_cost) {
                    best = Some((cost, layout));
                }
            }
        }
        Ok(best.expect("MAX_DOT_WIDTH >= 1"))
    }
}
