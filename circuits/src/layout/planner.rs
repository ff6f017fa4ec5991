//! The planner's search: every dot width, both limb widths, and packed or unpacked weights;
//! the plan of least prover cost is kept.

use super::{MlpLayout, MAX_FOLDED_LANES};
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
        model.validate()?;
        let unpacked = Self::cheapest(&model, batch_size, visibility, false)?;
        if !allow_packing
            || visibility.weights_are_witnessed()
            || !model
                .layers
                .iter()
                .any(|l| Strands::widest(l, model.params).is_packed())
        {
            return Ok(unpacked.1);
        }
        let packed = Self::cheapest(&model, batch_size, visibility, true)?;
        Ok(if packed.0 < unpacked.0 {
            packed.1
        } else {
            unpacked.1
        })
    }

    /// The plan of least cost over every dot width and limb width, packed or not, with its
    /// cost (committed columns x `2^k`).
    fn cheapest(
        model: &QuantizedMlp,
        batch_size: usize,
        visibility: VisibilitySettings,
        packed: bool,
    ) -> Result<(usize, Self), SpecError> {
        let mut best: Option<(usize, Self)> = None;
        for limb_bits in [LIMB_BITS, WIDE_LIMB_BITS] {
            for width in 1..=MAX_DOT_WIDTH {
                let layout = Self::plan_packed(
                    model.clone(),
                    width,
                    batch_size,
                    visibility,
                    limb_bits,
                    packed,
                )?;
                // Folded outputs are for on-chain batches: keep the generated verifier under
                // EIP-170 (width 1 always fits, so some plan is always kept).
                if visibility.outputs == Visibility::Folded
                    && width > 1
                    && layout.num_lanes() > MAX_FOLDED_LANES
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
