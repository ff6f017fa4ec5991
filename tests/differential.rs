//! Differential testing: the integer reference forward pass
//! ([`zkmlp::quantize::reference_forward`]) against the circuit's witness generation
//! ([`CompiledModel::witness`]) on well over 100,000 random and boundary inputs, with a
//! sample of the accepted ones through the mock prover.
//!
//! The two must agree on every input: the same outputs, or the same refusal with the same
//! position and value (an input out of range: `QuantizedInputOutOfRange` against
//! `WitnessError::InputOutOfRange`; an activation out of range: `ActivationOutOfRange`
//! against its `WitnessError` namesake, both naming the first offending neuron).
//!
//! Inputs: uniform over the whole range, small values, boundary vectors (every feature drawn
//! from `-2^(b-1)`, `2^(b-1) - 1`, one beyond each, and their neighbours), and wide values
//! that mostly overflow. Activations are driven onto the bounds by setting one neuron's
//! bias so that its `q` lands exactly on `2^(b-1) - 1`, `-2^(b-1)`, or one beyond, from
//! either rounding edge. Real-valued features are checked at the edges of the quantization
//! range (`quantize_input`): exactly at the bounds, one step beyond, and half a step either
//! side of the rounding boundary.
//!
//! Every random model and boundary variant with a packable layer is also run on a plan with
//! its fixed weights packed (`zkmlp_circuits::chips::strand`, `MlpLayout::plan_packed`), so
//! packed circuits meet the same reference on the same inputs, and some of them go through
//! the mock prover.
//!
//! Every model without sigmoid or tanh also runs on a plan with one-bit range limbs checked
//! by a gate (`RangeChip::configure_bits`, no lookup), with its share of the mock-prover
//! sample.
//!
//! Every model with only ReLU and identity activations also runs on a plan whose range lane
//! is split over columns of a few dozen rows (`zkmlp_circuits::layout::lanes`), with its
//! share of the mock-prover sample.
//!
//! Batches with every layer Freivalds-checked (`zkmlp_circuits::chips::freivalds`) meet the
//! reference item by item too (`freivalds_batches_agree_with_the_reference_item_by_item`).
//!
//! `ZKMLP_DIFFERENTIAL_MODELS=n` changes the number of random models (default 240).

use std::sync::Arc;

use halo2_proofs::{dev::MockProver, halo2curves::bn256::Fr};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use zkmlp::{
    model::{Activation, DenseLayer, Mlp},
    quantize::{quantize, quantize_input, reference_forward, QuantizeError},
    CompiledModel, Error, MlpParams, QuantizedActivation, QuantizedMlp,
};
use zkmlp_circuits::{
    chips::{range::BIT_LIMBS, LIMB_BITS, WIDE_LIMB_BITS},
    min_k,
    spec::{Squash, SquashSpec},
    MlpCircuit, MlpLayout, MlpWitness, QuantizedLayer, VisibilitySettings, WitnessError,
};

/// Random inputs tried per model (on top of the boundary-bias variants).
const INPUTS_PER_MODEL: usize = 400;
/// Boundary-bias model variants per model, each tried on a few inputs.
const BIAS_VARIANTS: usize = 16;
/// Accepted cases sent through the mock prover.
const MOCK_SAMPLE: usize = 200;

/// What one comparison found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Tally {
    cases: usize,
    both_ok: usize,
    input_overflow: usize,
    activation_overflow: usize,
    mismatches: usize,
    /// Cases run on a packed layout (`chips::strand`).
    packed: usize,
    /// Cases run on a layout with one-bit range limbs checked by a gate (`chips::range`).
    bits: usize,
    /// Cases run on a layout whose range lane is split over columns (`layout::lanes`).
    split: usize,
}

impl std::ops::Add for Tally {
    type Output = Self;
    fn add(self, o: Self) -> Self {
        Self {
            cases: self.cases + o.cases,
            both_ok: self.both_ok + o.both_ok,
            input_overflow: self.input_overflow + o.input_overflow,
            activation_overflow: self.activation_overflow + o.activation_overflow,
            mismatches: self.mismatches + o.mismatches,
            packed: self.packed + o.packed,
            bits: self.bits + o.bits,
            split: self.split + o.split,
        }
    }
}

fn binding() -> Fr {
    Fr::from(0xd1ff)
}

/// A random quantized model: `2..=4` layer sizes in `1..=6`, random parameters, random
/// activations, weights in about `[-c, c]` (real) for a random `c`, biases that overflow
/// sometimes.
fn random_model(rng: &mut ChaCha8Rng) -> QuantizedMlp {
    let s = rng.gen_range(1..=24u32);
    let b = rng.gen_range(2..=40u32);
    let params = MlpParams {
        scale_bits: s,
        activation_bits: b,
    };
    let depth = rng.gen_range(1..=3);
    let sizes: Vec<usize> = (0..=depth).map(|_| rng.gen_range(1..=6)).collect();
    let weight = (1i64 << s) * [1, 2, 8][rng.gen_range(0..3)] / 2;
    let bias = 1i64 << (s + b - 2).min(61);
    let layers = sizes
        .windows(2)
        .map(|pair| QuantizedLayer {
            weights: (0..pair[1])
                .map(|_| {
                    (0..pair[0])
                        .map(|_| rng.gen_range(-weight..=weight))
                        .collect()
                })
                .collect(),
            biases: (0..pair[1])
                .map(|_| rng.gen_range(-bias..=bias) >> rng.gen_range(0..8))
                .collect(),
            activation: random_activation(rng, params),
        })
        .collect();
    QuantizedMlp { params, layers }
}

/// ReLU (45%), identity (25%), leaky ReLU with a random slope (15%), or sigmoid / tanh on a
/// random grid (15%, where `b >= s + 2`; ReLU otherwise).
fn random_activation(rng: &mut ChaCha8Rng, params: MlpParams) -> QuantizedActivation {
    let s = params.scale_bits;
    match rng.gen_range(0..20) {
        0..=8 => QuantizedActivation::Relu,
        9..=13 => QuantizedActivation::Identity,
        14..=16 => {
            let limit = (1i64 << (s + 1)).min(1 << 24);
            QuantizedActivation::LeakyRelu {
                alpha: rng.gen_range(-limit..=limit),
            }
        }
        _ if params.activation_bits >= s + 2 => {
            let function = [Squash::Sigmoid, Squash::Tanh][rng.gen_range(0..2)];
            let grid_bits = rng.gen_range(0..=s.min(7));
            let bound = [1, 2, 4, 8][rng.gen_range(0..4)]
                .min(2048 >> grid_bits)
                .max(1);
            QuantizedActivation::Squash(SquashSpec {
                function,
                grid_bits,
                bound,
            })
        }
        _ => QuantizedActivation::Relu,
    }
}

/// A random input: uniform, small, boundary or wide.
fn random_input(model: &QuantizedMlp, rng: &mut ChaCha8Rng) -> Vec<i64> {
    let p = model.params;
    let (min, max) = (p.min_activation(), p.max_activation());
    let one = 1i64 << p.scale_bits;
    let edges = [min, max, min - 1, max + 1, min + 1, max - 1, 0, 1, -1];
    let kind = rng.gen_range(0..10);
    (0..model.input_size())
        .map(|_| match kind {
            0..=3 => rng.gen_range(min..=max),
            4..=6 => rng.gen_range(-4 * one..=4 * one).clamp(min, max),
            7 | 8 => {
                if rng.gen_bool(0.5) {
                    edges[rng.gen_range(0..edges.len())]
                } else {
                    rng.gen_range(min..=max)
                }
            }
            _ => rng.gen_range(2 * min..=2 * max + 1),
        })
        .collect()
}

/// Compares the reference and the witness of `layout` on one input.
fn compare(layout: &MlpLayout, input: &[i64]) -> (Tally, Option<MlpWitness>) {
    let reference = reference_forward(&layout.model, input);
    let witness = MlpWitness::generate(layout, input, binding());
    let mut tally = Tally {
        cases: 1,
        packed: usize::from(layout.strands.iter().any(|s| s.is_packed())),
        bits: usize::from(layout.limb_bits == BIT_LIMBS),
        split: usize::from(layout.range_lanes() > 1),
        ..Tally::default()
    };
    let mut accepted = None;
    match (reference, witness) {
        (Ok(outputs), Ok(witness)) if outputs == witness.outputs => {
            tally.both_ok = 1;
            accepted = Some(witness);
        }
        (
            Err(QuantizeError::QuantizedInputOutOfRange { index, value, .. }),
            Err(WitnessError::InputOutOfRange { index: i, value: v }),
        ) if (index, value) == (i, v) => tally.input_overflow = 1,
        (
            Err(QuantizeError::ActivationOutOfRange {
                layer,
                neuron,
                value,
                ..
            }),
            Err(WitnessError::ActivationOutOfRange {
                layer: l,
                neuron: n,
                value: v,
            }),
        ) if (layer, neuron, value) == (l, n, v) => tally.activation_overflow = 1,
        (reference, witness) => {
            eprintln!("MISMATCH on {input:?}: reference {reference:?}, witness {witness:?}");
            tally.mismatches = 1;
        }
    }
    (tally, accepted)
}

/// The model with neuron `(layer, neuron)`'s bias set so that on `input` its rescaled value
/// is exactly `target`, with `acc + 2^(s-1) = target 2^s + edge`; `None` if the layers
/// before it overflow or the bias would be too large.
fn with_q_at(
    model: &QuantizedMlp,
    input: &[i64],
    layer: usize,
    neuron: usize,
    target: i64,
    edge: i64,
) -> Option<QuantizedMlp> {
    let activations = if layer == 0 {
        input.to_vec()
    } else {
        let prefix = QuantizedMlp {
            params: model.params,
            layers: model.layers[..layer].to_vec(),
        };
        reference_forward(&prefix, input).ok()?
    };
    let s = model.params.scale_bits;
    let dot: i128 = model.layers[layer].weights[neuron]
        .iter()
        .zip(&activations)
        .map(|(&w, &x)| i128::from(w) * i128::from(x))
        .sum();
    let bias = (i128::from(target) << s) + i128::from(edge) - (1i128 << (s - 1)) - dot;
    let bias = i64::try_from(bias).ok()?;
    let mut model = model.clone();
    model.layers[layer].biases[neuron] = bias;
    model.validate().ok()?;
    Some(model)
}

/// An accepted witness kept for the mock prover, with its layout.
type Kept = (Arc<MlpLayout>, MlpWitness);

/// The layouts of `model` under test: the planner's; when a layer can be packed, a plan with
/// every packable layer packed (`chips::strand`) at a dot width from `rng`; and, without
/// sigmoid or tanh, a plan with one-bit range limbs (`chips::range`, no lookup).
fn layouts(model: &QuantizedMlp, rng: &mut ChaCha8Rng) -> Vec<Arc<MlpLayout>> {
    let compiled = CompiledModel::new(model.clone()).expect("valid model");
    let mut layouts = vec![compiled.layout().clone()];
    let width = rng.gen_range(1..=6);
    let packed = MlpLayout::plan_packed(
        model.clone(),
        width,
        1,
        VisibilitySettings::default(),
        LIMB_BITS,
        true,
    )
    .expect("valid model");
    if packed.strands.iter().any(|s| s.is_packed()) {
        layouts.push(Arc::new(packed));
    }
    // One-bit range limbs checked by a gate (refused for sigmoid and tanh, which need the
    // table), at another random width.
    let width = rng.gen_range(1..=6);
    let default = VisibilitySettings::default();
    if let Ok(bits) = MlpLayout::plan_with_limbs(model.clone(), width, 1, default, BIT_LIMBS) {
        layouts.push(Arc::new(bits));
    }
    // The range lane split over columns of a random number of rows (`layout::lanes`; ReLU and
    // identity only), at another random width and limb width, packed where a layer packs,
    // public values on public rows or copied to the instance.
    let width = rng.gen_range(1..=6);
    let options = (
        if rng.gen() { LIMB_BITS } else { WIDE_LIMB_BITS },
        rng.gen(),
        rng.gen(),
    );
    let lane_rows = rng.gen_range(24..=64);
    let split = MlpLayout::plan_split_with(model.clone(), width, 1, default, options, lane_rows);
    if let Some(split) = split.ok().filter(|s| s.range_lanes() > 1) {
        layouts.push(Arc::new(split));
    }
    layouts
}

/// Runs model `index`: random inputs, then boundary-bias variants, each on the planner's
/// layout and on a packed one where a layer packs. Returns the tally and the accepted
/// witnesses kept for the mock prover (at most one per model and layout, two per variant).
fn run_model(index: u64) -> (Tally, Vec<Kept>) {
    let mut rng = ChaCha8Rng::seed_from_u64(0xd1ff_0000 + index);
    let model = random_model(&mut rng);
    let planned = layouts(&model, &mut rng);
    let mut tally = Tally::default();
    let mut kept = Vec::new();
    for _ in 0..INPUTS_PER_MODEL {
        let input = random_input(&model, &mut rng);
        for layout in &planned {
            let (t, accepted) = compare(layout, &input);
            tally = tally + t;
            if let (Some(w), true) = (accepted, kept.len() < planned.len()) {
                if kept.iter().all(|(l, _)| !Arc::ptr_eq(l, layout)) {
                    kept.push((layout.clone(), w));
                }
            }
        }
    }
    let p = model.params;
    let one = 1i64 << p.scale_bits;
    let targets = [
        p.max_activation(),
        p.max_activation() + 1,
        p.min_activation(),
        p.min_activation() - 1,
    ];
    for variant in 0..BIAS_VARIANTS {
        let input: Vec<i64> = (0..model.input_size())
            .map(|_| rng.gen_range(p.min_activation()..=p.max_activation()))
            .collect();
        let layer = rng.gen_range(0..model.layers.len());
        let neuron = rng.gen_range(0..model.layers[layer].output_size());
        let target = targets[variant % 4];
        let edge = if variant / 4 % 2 == 0 { 0 } else { one - 1 };
        let Some(variant_model) = with_q_at(&model, &input, layer, neuron, target, edge) else {
            continue;
        };
        let variant_layouts = layouts(&variant_model, &mut rng);
        // The input it was built for, and that input with one feature moved by one.
        let mut nudged = input.clone();
        nudged[0] = nudged[0].saturating_add(1);
        for input in [input, nudged] {
            for layout in &variant_layouts {
                let (t, accepted) = compare(layout, &input);
                tally = tally + t;
                if let Some(w) = accepted.filter(|_| kept.len() < 2 * planned.len()) {
                    kept.push((layout.clone(), w));
                }
            }
        }
    }
    (tally, kept)
}

fn model_count() -> u64 {
    std::env::var("ZKMLP_DIFFERENTIAL_MODELS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(240)
}

#[test]
fn reference_and_witness_agree_on_random_and_boundary_inputs() {
    let start = std::time::Instant::now();
    let results: Vec<(Tally, Vec<Kept>)> =
        (0..model_count()).into_par_iter().map(run_model).collect();
    let mut total = Tally::default();
    let mut accepted = Vec::new();
    for (tally, kept) in results {
        total = total + tally;
        accepted.extend(kept);
    }
    println!(
        "differential: {} models, {} cases ({} on packed layouts, {} with one-bit limbs, {} with a split range lane): {} both accepted (same outputs), {} both refused an input, {} both refused an activation, {} mismatches ({:.1} s)",
        model_count(),
        total.cases,
        total.packed,
        total.bits,
        total.split,
        total.both_ok,
        total.input_overflow,
        total.activation_overflow,
        total.mismatches,
        start.elapsed().as_secs_f64()
    );
    assert_eq!(total.mismatches, 0);
    if model_count() >= 240 {
        assert!(total.cases >= 100_000, "{total:?}");
        // Each outcome is well represented.
        assert!(
            total.both_ok > 10_000 && total.input_overflow > 1_000,
            "{total:?}"
        );
        assert!(total.activation_overflow > 1_000, "{total:?}");
        assert!(total.packed > 20_000, "{total:?}");
        assert!(total.bits > 20_000, "{total:?}");
        assert!(total.split > 20_000, "{total:?}");
    }

    // A sample of the accepted witnesses through the mock prover, against their own
    // instance: the circuit accepts what the reference computes.
    let start = std::time::Instant::now();
    let sample: Vec<_> = accepted
        .iter()
        .step_by((accepted.len() / MOCK_SAMPLE).max(1))
        .take(MOCK_SAMPLE)
        .collect();
    let failed = sample
        .par_iter()
        .filter(|(layout, witness)| {
            let instance = witness.instance();
            let circuit = MlpCircuit::new(layout.clone(), Arc::new(witness.clone()));
            MockProver::run(min_k(layout), &circuit, vec![instance])
                .expect("synthesis")
                .verify()
                .is_err()
        })
        .count();
    let with = |pred: fn(&QuantizedActivation) -> bool| {
        (sample.iter())
            .filter(|(c, _)| c.model.layers.iter().any(|l| pred(&l.activation)))
            .count()
    };
    let leaky = with(|a| matches!(a, QuantizedActivation::LeakyRelu { .. }));
    let squash = with(|a| matches!(a, QuantizedActivation::Squash(_)));
    let bits = (sample.iter())
        .filter(|(layout, _)| layout.limb_bits == BIT_LIMBS)
        .count();
    let split = (sample.iter())
        .filter(|(layout, _)| layout.range_lanes() > 1)
        .count();
    println!(
        "differential: {} accepted cases through the mock prover ({leaky} with leaky ReLU, {squash} with sigmoid/tanh, {bits} with one-bit limbs, {split} with a split range lane), {failed} rejected ({:.2} s)",
        sample.len(),
        start.elapsed().as_secs_f64()
    );
    if model_count() >= 240 {
        assert!(
            leaky >= 20 && squash >= 20 && bits >= 20 && split >= 20,
            "{leaky} leaky, {squash} squash, {bits} one-bit limbs, {split} split"
        );
    }
    assert_eq!(failed, 0);
    assert!(sample.len() >= MOCK_SAMPLE.min(accepted.len()));
}

/// What a batch witness must report, from the reference run item by item: the outputs one
/// item after another, or the first refusal in the order the witness checks (every input
/// first, then layer by layer across all items), with batch-wide indices.
fn expected_batch(model: &QuantizedMlp, items: &[Vec<i64>]) -> Result<Vec<i64>, WitnessError> {
    let inputs = model.input_size();
    let mut first_activation: Option<(usize, usize, i128)> = None;
    let mut all = Vec::new();
    let mut input_error = None;
    for (item, input) in items.iter().enumerate() {
        match reference_forward(model, input) {
            Ok(out) => all.extend(out),
            Err(QuantizeError::QuantizedInputOutOfRange { index, value, .. }) => {
                input_error.get_or_insert(WitnessError::InputOutOfRange {
                    index: item * inputs + index,
                    value,
                });
            }
            Err(QuantizeError::ActivationOutOfRange {
                layer,
                neuron,
                value,
                ..
            }) => {
                let width = model.layers[layer].output_size();
                let candidate = (layer, item * width + neuron, value);
                if first_activation.is_none_or(|(l, n, _)| (layer, candidate.1) < (l, n)) {
                    first_activation = Some(candidate);
                }
            }
            Err(other) => panic!("unexpected reference error {other:?}"),
        }
    }
    if let Some(error) = input_error {
        return Err(error);
    }
    if let Some((layer, neuron, value)) = first_activation {
        return Err(WitnessError::ActivationOutOfRange {
            layer,
            neuron,
            value,
        });
    }
    Ok(all)
}

#[test]
fn batch_witnesses_agree_with_the_reference_item_by_item() {
    let (mut cases, mut accepted, mut refused) = (0, 0, 0);
    for index in 0..60u64 {
        let mut rng = ChaCha8Rng::seed_from_u64(0xba7c_0000 + index);
        let model = random_model(&mut rng);
        let batch = rng.gen_range(2..=4);
        let compiled = CompiledModel::new_batch(model.clone(), batch).expect("valid model");
        for _ in 0..40 {
            let items: Vec<Vec<i64>> = (0..batch).map(|_| random_input(&model, &mut rng)).collect();
            let flat: Vec<i64> = items.concat();
            let expected = expected_batch(&model, &items);
            let got = compiled
                .witness(&flat, binding())
                .map(|w| w.outputs)
                .map_err(|e| match e {
                    Error::Witness(e) => e,
                    other => panic!("unexpected error {other:?}"),
                });
            assert_eq!(got, expected, "model {index}, items {items:?}");
            cases += 1;
            if expected.is_ok() {
                accepted += 1;
            } else {
                refused += 1;
            }
        }
    }
    println!("differential, batches: {cases} batches, {accepted} accepted, {refused} refused, 0 mismatches");
    assert!(accepted > 100 && refused > 100, "{accepted} {refused}");
}

/// Batch circuits with every layer Freivalds-checked (`zkmlp_circuits::chips::freivalds`,
/// forced on) against the reference item by item, as the plain batches above, and the first
/// accepted batch of every tenth model through the mock prover.
#[test]
fn freivalds_batches_agree_with_the_reference_item_by_item() {
    use zkmlp_circuits::layout::FreivaldsMode;
    let (mut cases, mut accepted, mut mocked) = (0, 0, 0);
    for index in 0..200u64 {
        let mut rng = ChaCha8Rng::seed_from_u64(0xf5e1_0000 + index);
        let model = random_model(&mut rng);
        let batch = rng.gen_range(2..=4);
        let vis = VisibilitySettings::default();
        let mode = FreivaldsMode::On;
        let layout = MlpLayout::with_freivalds(model.clone(), batch, vis, false, mode);
        let layout = Arc::new(layout.expect("valid model"));
        assert_eq!(layout.freivalds.len(), model.layers.len());
        let mut to_mock = index % 10 == 0;
        for _ in 0..40 {
            let items: Vec<Vec<i64>> = (0..batch).map(|_| random_input(&model, &mut rng)).collect();
            let expected = expected_batch(&model, &items);
            let witness = MlpWitness::generate(&layout, &items.concat(), binding());
            let got = witness.as_ref().map(|w| w.outputs.clone());
            assert_eq!(got.map_err(Clone::clone), expected, "model {index}");
            cases += batch;
            let Ok(witness) = witness else { continue };
            accepted += batch;
            if std::mem::take(&mut to_mock) {
                let instance = witness.instance();
                let circuit = MlpCircuit::new(layout.clone(), Arc::new(witness));
                let prover = MockProver::run(min_k(&layout), &circuit, vec![instance]).unwrap();
                assert_eq!(prover.verify(), Ok(()), "model {index}");
                mocked += 1;
            }
        }
    }
    println!(
        "differential, Freivalds batches: {cases} items, {accepted} accepted, 0 mismatches, {mocked} batches mock-proven"
    );
    assert!(
        accepted > 1000 && cases - accepted > 1000,
        "{accepted} of {cases}"
    );
    assert!(mocked >= 15, "{mocked}");
}

#[test]
fn activations_on_the_bounds_are_accepted_and_one_beyond_refused() {
    // A single neuron per parameter set, q driven exactly onto each bound from both rounding
    // edges: both sides must accept max and min, and refuse max + 1 and min - 1 alike.
    let mut checked = 0;
    for s in [1u32, 4, 12, 24] {
        for b in [2u32, 9, 24, 40] {
            let params = MlpParams {
                scale_bits: s,
                activation_bits: b,
            };
            for activation in [QuantizedActivation::Relu, QuantizedActivation::Identity] {
                let base = QuantizedMlp {
                    params,
                    layers: vec![QuantizedLayer {
                        weights: vec![vec![1 << s, -1]],
                        biases: vec![0],
                        activation,
                    }],
                };
                for (target, fits) in [
                    (params.max_activation(), true),
                    (params.min_activation(), true),
                    (params.max_activation() + 1, false),
                    (params.min_activation() - 1, false),
                ] {
                    // The first feature carries q (weight 2^s), the bias only the rest,
                    // so that it stays below 2^62 even for s = 24, b = 40.
                    let input = [
                        target.clamp(params.min_activation(), params.max_activation()),
                        params.min_activation(),
                    ];
                    for edge in [0, (1i64 << s) - 1] {
                        let model = with_q_at(&base, &input, 0, 0, target, edge).expect("fits");
                        let compiled = CompiledModel::new(model).expect("valid");
                        let (tally, _) = compare(compiled.layout(), &input);
                        assert_eq!(tally.mismatches, 0);
                        assert_eq!(tally.both_ok, usize::from(fits), "q = {target}");
                        assert_eq!(tally.activation_overflow, usize::from(!fits));
                        checked += 1;
                    }
                }
            }
        }
    }
    assert_eq!(checked, 4 * 4 * 2 * 4 * 2);
}

/// A float model whose single feature passes straight through (weight 1, bias 0).
fn pass_through() -> Mlp {
    Mlp {
        layers: vec![DenseLayer {
            weights: vec![vec![1.0, 0.5]],
            biases: vec![0.0],
            activation: Activation::Identity,
        }],
    }
}

#[test]
fn real_features_at_the_edges_of_the_quantization_range() {
    // quantize_input rounds x 2^s half away from zero and refuses values outside
    // [-2^(b-1), 2^(b-1) - 1]; the integer paths then agree on what it lets through.
    let mut checked = 0;
    for s in [1u32, 4, 12, 24] {
        for b in [2u32, 9, 24, 40] {
            let params = MlpParams {
                scale_bits: s,
                activation_bits: b,
            };
            let compiled = CompiledModel::new(quantize(&pass_through(), params).unwrap()).unwrap();
            let scale = f64::from(s).exp2();
            let (min, max) = (params.min_activation(), params.max_activation());
            // (real feature, its quantized value if in range)
            let half_ulp = 0.5 / scale;
            let below_half = |v: f64| v - half_ulp / 4.0;
            let cases: Vec<(f64, Option<i64>)> = vec![
                (max as f64 / scale, Some(max)),
                (min as f64 / scale, Some(min)),
                ((max + 1) as f64 / scale, None),
                ((min - 1) as f64 / scale, None),
                // Half a step above max rounds away from zero, to max + 1.
                (max as f64 / scale + half_ulp, None),
                (below_half(max as f64 / scale + half_ulp), Some(max)),
                (min as f64 / scale - half_ulp, None),
                (min as f64 / scale - half_ulp + half_ulp / 4.0, Some(min)),
                (0.0, Some(0)),
                (-0.0, Some(0)),
            ];
            for (x, expected) in cases {
                for (index, features) in [(0, [x, 0.0]), (1, [0.0, x])] {
                    let quantized = quantize_input(params, &features);
                    match (quantized, expected) {
                        (Ok(q), Some(v)) => {
                            assert_eq!(q[index], v, "x = {x}, s = {s}, b = {b}");
                            let (tally, _) = compare(compiled.layout(), &q);
                            assert_eq!(tally.mismatches, 0);
                        }
                        (Err(QuantizeError::InputOutOfRange { index: i, .. }), None) => {
                            assert_eq!(i, index);
                            // The integer it rounds to is refused by both integer paths.
                            let mut q = vec![0i64; 2];
                            q[index] = (x * scale).round() as i64;
                            let (tally, _) = compare(compiled.layout(), &q);
                            assert_eq!((tally.input_overflow, tally.mismatches), (1, 0), "x = {x}");
                        }
                        (other, expected) => {
                            panic!(
                                "x = {x}, s = {s}, b = {b}: got {other:?}, expected {expected:?}"
                            )
                        }
                    }
                    checked += 1;
                }
            }
            assert!(matches!(
                quantize_input(params, &[f64::NAN, 0.0]),
                Err(QuantizeError::NonFiniteFeature { index: 0 })
            ));
        }
    }
    assert_eq!(checked, 4 * 4 * 10 * 2);
}
