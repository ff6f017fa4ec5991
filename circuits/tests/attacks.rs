//! Targeted arithmetic attacks on the rescale and ReLU, each with the exact failure list.
//!
//! Already covered elsewhere, not repeated here:
//! - `(q + 1, r - 2^s)` and `(q - 1, r + 2^s)`: `mlp_circuit.rs`
//!   (`a_wrong_quotient_fails_the_top_remainder_limb`,
//!   `a_remainder_of_2_pow_s_or_more_fails_the_top_remainder_limb`) and `relu_chip.rs`
//!   (`a_wrong_quotient_fails_the_top_remainder_limb`, also half-up rounding);
//! - a wrong remainder limb (`z_1 + 1`, `z_1 - 1/2^8`): `a_wrong_remainder_fails` in both;
//! - both encodings of zero (`m = 2^(b-1), sign = 0`) for an input, a ReLU and an identity
//!   neuron: `mlp_circuit.rs` `zero_has_one_encoding`, `relu_chip.rs`
//!   `a_flipped_sign_bit_fails_the_top_magnitude_limb`;
//! - `q` and inputs at `2^(b-1) - 1`, `-2^(b-1)` (accepted) and `2^(b-1)`, `-2^(b-1) - 1`
//!   (rejected) at the default parameters: `mlp_circuit.rs`
//!   `an_activation_out_of_range_has_no_witness_and_fails_the_sign_limb`,
//!   `an_input_out_of_range_has_no_witness_and_fails_the_sign_limb`.
//!
//! Added here: `(q -+ d, r +- d 2^s)` for `d > 1`; the field attack `q' = q - d`,
//! `r' = r + 2^s d` with `d = k (p - 1) / 2^s`, which keeps `q' 2^s + r' = acc + 2^(s-1)` in
//! the field with an in-range `r' = r - k` (every `r'` at small parameters, with the
//! discrepancy forced onto each of the magnitude and sign rows in turn); a negative remainder
//! limb `p - 1` with every other row in turn absorbing it; and an
//! exhaustive sweep of `q` and of inputs over `[-2^b - 2, 2^b + 2]` (both rounding edges of
//! every `q`, so `2^b - 1`, `2^b`, `2^b + 1` and the signed bounds `+-2^(b-1)` included), plus
//! the same named values at the default parameters.

mod common;

use std::sync::Arc;

use common::*;
use ff::{Field, PrimeField};
use halo2_proofs::halo2curves::bn256::Fr;
use zkmlp_circuits::{
    chips::{dot::MAX_DOT_WIDTH, range::LimbSpec},
    field::i128_to_field,
    layout::BlockKind,
    Activation, CellRef, MlpLayout, MlpParams, MlpWitness, QuantizedLayer, QuantizedMlp,
};

/// `s = 4`, `b = 6`: a rescale block is `[4 (offset 2^3) | 5 (offset 2^5) | 1]`, activations
/// lie in `[-32, 32)`.
const SMALL: MlpParams = MlpParams {
    scale_bits: 4,
    activation_bits: 6,
};

const ACTIVATIONS: [Activation; 2] = [Activation::Identity, Activation::Relu];

/// One input, one neuron: `q = floor((weight x + bias + 2^(s-1)) / 2^s)`.
fn single_neuron(
    params: MlpParams,
    weight: i64,
    bias: i64,
    activation: Activation,
) -> QuantizedMlp {
    QuantizedMlp {
        params,
        layers: vec![QuantizedLayer {
            weights: vec![vec![weight]],
            biases: vec![bias],
            activation,
        }],
    }
}

/// The layout of `model` and a witness of `input` computed cell by cell with [`rebuild`],
/// without range checks, so that out-of-range inputs and activations can be written.
fn forced(model: QuantizedMlp, input: i64) -> (Arc<MlpLayout>, MlpWitness) {
    // The cells of the same shape, from the model with a zero bias on input 0 (in range).
    let mut shape = model.clone();
    shape.layers[0].biases[0] = 0;
    let shape = MlpLayout::with_dot_width(shape, MAX_DOT_WIDTH).expect("valid model");
    let mut witness = MlpWitness::generate(&shape, &[0], binding()).expect("in range");
    let layout = Arc::new(MlpLayout::with_dot_width(model, MAX_DOT_WIDTH).expect("valid model"));
    witness.inputs = vec![input];
    rebuild(&layout, &mut witness, |_, _, _| None);
    (layout, witness)
}

/// The running sum `z_0 = acc, ..., z_(n-1)` of a block whose limbs a prover chose: every
/// row's limb is `limbs[i]` (the last row's "limb" is `z_(n-1) + offset`), except row
/// `absorber`, whose limb is whatever the others leave. Rows before `absorber` follow from
/// `acc` forwards, rows after it from the last limb backwards, all in the field.
fn block_from_limbs(schedule: &[LimbSpec], acc: Fr, limbs: &[Fr], absorber: usize) -> Vec<Fr> {
    let n = schedule.len();
    assert_eq!(limbs.len(), n);
    let offset = |i: usize| i128_to_field(schedule[i].offset);
    let factor = |i: usize| Fr::from(1u64 << schedule[i].width);
    let mut z = vec![Fr::ZERO; n];
    z[0] = acc;
    for i in 0..absorber {
        // l_i = z_i + offset_i - 2^(w_i) z_(i+1)
        z[i + 1] = (z[i] + offset(i) - limbs[i]) * factor(i).invert().unwrap();
    }
    if absorber < n - 1 {
        z[n - 1] = limbs[n - 1] - offset(n - 1);
        for i in (absorber + 1..n - 1).rev() {
            z[i] = limbs[i] - offset(i) + factor(i) * z[i + 1];
        }
    }
    z
}

/// The limbs of a running sum, the last row's included (`z_(n-1) + offset`).
fn limbs_of(schedule: &[LimbSpec], z: &[Fr]) -> Vec<Fr> {
    let n = schedule.len();
    (0..n)
        .map(|i| {
            let next = if i + 1 < n {
                z[i + 1] * Fr::from(1u64 << schedule[i].width)
            } else {
                Fr::ZERO
            };
            z[i] + i128_to_field(schedule[i].offset) - next
        })
        .collect()
}

/// Whether a field element is an integer in `[0, 2^width)`.
fn in_limb_range(value: Fr, width: u32) -> bool {
    let repr = value.to_repr();
    repr.as_ref()[8..].iter().all(|b| *b == 0)
        && u64::from_le_bytes(repr.as_ref()[..8].try_into().unwrap()) < (1u64 << width)
}

/// Writes neuron 0's block `z` and the activation a prover must then claim to satisfy the
/// ReLU gate (`y = sign * q`, in the field), and runs the mock prover against the instance
/// the cells claim.
fn forge_and_mock(
    layout: &Arc<MlpLayout>,
    witness: &MlpWitness,
    z: &[Fr],
) -> Result<(), Vec<halo2_proofs::dev::VerifyFailure>> {
    let rows = neuron_rows(layout, 0, 0);
    let mut witness = witness.clone();
    for (i, &value) in z.iter().enumerate() {
        witness.set(CellRef::z(rows.block + i), value);
    }
    if layout.model.layers[0].activation == Activation::Relu {
        let q = z[layout.schedule.remainder_rows];
        witness.set(CellRef::z(rows.output), *z.last().unwrap() * q);
    }
    mock_claimed(layout, witness)
}

/// `(p - 1) / 2^s` as a field element.
fn p_minus_1_over_2_pow(s: u32) -> Fr {
    (-Fr::ONE) * Fr::from(1u64 << s).invert().unwrap()
}

#[test]
fn the_field_shift_by_p_over_2_pow_s_fails_wherever_the_discrepancy_lands() {
    // acc + 2^(s-1) = q 2^s + r. A prover claims r' = r - k in [0, 2^s) (all its limbs in
    // range) and q' = q - k (p - 1) / 2^s, so that q' 2^s + r' = acc + 2^(s-1) holds in the
    // field: q' is about k p / 2^s, no small integer. The magnitude and sign limbs then
    // cannot all be in range: wherever the prover puts the discrepancy (every row of the
    // q part in turn, every other limb honest), that row's lookup fails, and nothing else.
    let mut forged_blocks = 0;
    for (params, weight, bias, x) in [
        // acc = 16 * 5 + 3 = 83: q = floor(91 / 16) = 5, r = 11.
        (SMALL, 16, 3, 5),
        // Negative: acc = -16 * 7 - 6 = -118: q = floor(-110 / 16) = -7, r = 2.
        (SMALL, -16, -6, 7),
        // Default parameters: acc = 4096 * 1000 + 77 * 4096 + 1234.
        (MlpParams::default(), 4096, 77 * 4096 + 1234, 1000),
    ] {
        let s = params.scale_bits;
        let acc = i128::from(weight) * i128::from(x) + i128::from(bias);
        let (q, r) = (
            (acc + (1 << (s - 1))).div_euclid(1 << s),
            (acc + (1 << (s - 1))).rem_euclid(1 << s),
        );
        let candidates: Vec<i128> = if s <= 4 {
            (0..1 << s).collect()
        } else {
            vec![0, 1, r - 1, r + 1, (1 << s) - 1]
        };
        for activation in ACTIVATIONS {
            let (layout, honest) = forced(single_neuron(params, weight, bias, activation), x);
            assert_eq!(mock_claimed(&layout, honest.clone()), Ok(()));
            let rows = neuron_rows(&layout, 0, 0);
            let schedule = layout.block_schedule(BlockKind::Rescale).to_vec();
            let n_r = layout.schedule.remainder_rows;
            let honest_z: Vec<Fr> = (0..schedule.len())
                .map(|i| honest.get(CellRef::z(rows.block + i)))
                .collect();
            assert_eq!(honest_z[n_r], i128_to_field(q));
            let honest_limbs = limbs_of(&schedule, &honest_z);
            for &r_claimed in candidates.iter().filter(|&&c| c != r) {
                let k = r - r_claimed;
                let delta = i128_to_field(k) * p_minus_1_over_2_pow(s);
                let q_claimed = i128_to_field(q) - delta;
                assert_eq!(
                    q_claimed * Fr::from(1u64 << s) + i128_to_field(r_claimed),
                    i128_to_field(acc + (1 << (s - 1))),
                );
                // The remainder limbs of r' (its low bits), the honest limbs of q above.
                let mut limbs = honest_limbs.clone();
                let mut rest = r_claimed;
                for (limb, spec) in limbs.iter_mut().zip(&schedule).take(n_r) {
                    *limb = i128_to_field(rest & ((1 << spec.width) - 1));
                    rest >>= spec.width;
                }
                for absorber in n_r..schedule.len() {
                    let z = block_from_limbs(&schedule, i128_to_field(acc), &limbs, absorber);
                    assert_eq!(z[n_r], q_claimed, "r' = {r_claimed}");
                    let forged = limbs_of(&schedule, &z);
                    assert!(!in_limb_range(forged[absorber], schedule[absorber].width));
                    assert_fails(
                        forge_and_mock(&layout, &honest, &z),
                        vec![lookup(rows.block + absorber)],
                    );
                    forged_blocks += 1;
                }
            }
        }
    }
    println!("field-shift attack: {forged_blocks} forged blocks, all rejected");
    // Per activation: small parameters, 2 models x 15 wrong remainders x 2 rows of the q part
    // (one magnitude limb, the sign); default parameters, 5 remainders x 4 rows.
    assert_eq!(forged_blocks, 2 * (2 * 15 * 2 + 5 * 4));
}

#[test]
fn a_negative_remainder_limb_fails_with_the_row_that_absorbs_it() {
    // The low remainder limb claimed as p - 1 (a "remainder of -1"), every other limb honest
    // except the one left to absorb the difference: both rows fail, for every absorber.
    for activation in ACTIVATIONS {
        let (layout, honest) = forced(single_neuron(SMALL, 16, 3, activation), 5);
        let rows = neuron_rows(&layout, 0, 0);
        let schedule = layout.block_schedule(BlockKind::Rescale).to_vec();
        let z: Vec<Fr> = (0..schedule.len())
            .map(|i| honest.get(CellRef::z(rows.block + i)))
            .collect();
        let mut limbs = limbs_of(&schedule, &z);
        limbs[0] = -Fr::ONE;
        for absorber in 1..schedule.len() {
            let forged = block_from_limbs(&schedule, z[0], &limbs, absorber);
            assert_fails(
                forge_and_mock(&layout, &honest, &forged),
                vec![lookup(rows.block), lookup(rows.block + absorber)],
            );
        }
    }
}

#[test]
fn a_quotient_off_by_more_than_one_fails_the_top_remainder_limb() {
    // (q - d, r + d 2^s) and (q + d, r - d 2^s) for d > 1, the remainder limbs below the top
    // one honest: the top remainder limb is off by d 2^(w_top) and nothing else fails while
    // q -+ d stays in range (ReLU outputs follow the claimed q).
    for (params, weight, bias, x) in [
        (SMALL, 16, 3, 5),
        (SMALL, -16, -6, 7),
        (MlpParams::default(), 4096, 77 * 4096 + 1234, 1000),
    ] {
        for activation in ACTIVATIONS {
            let (layout, honest) = forced(single_neuron(params, weight, bias, activation), x);
            let rows = neuron_rows(&layout, 0, 0);
            let acc = int(honest.get(CellRef::z(rows.block)));
            let q = int(honest.get(CellRef::z(rows.q)));
            for d in [-20i128, -7, -2, 2, 3, 7, 20] {
                let claimed = q + d;
                if !params.activation_in_range(claimed) {
                    continue;
                }
                let mut witness = honest.clone();
                rebuild(&layout, &mut witness, |_, _, acc_seen| {
                    assert_eq!(acc_seen, acc);
                    Some(block_with_q(&layout, activation, acc, claimed))
                });
                assert_fails(
                    mock_claimed(&layout, witness),
                    vec![lookup(rows.top_remainder)],
                );
            }
        }
    }
}

/// The failures of a block whose `q` the honest running sum carries out of range: the sign
/// limb, and for a ReLU the gate unless `sign * q` happens to equal `max(q, 0)`.
fn expected_out_of_range(layout: &MlpLayout, witness: &MlpWitness) -> Vec<Failure> {
    let rows = neuron_rows(layout, 0, 0);
    let mut expected = vec![lookup(rows.sign)];
    if layout.model.layers[0].activation == Activation::Relu {
        let sign = int(witness.get(CellRef::z(rows.sign)));
        let q = int(witness.get(CellRef::z(rows.q)));
        if sign * q != q.max(0) {
            expected.push(relu(rows.output));
        }
    }
    expected
}

#[test]
fn every_quotient_is_accepted_exactly_inside_the_signed_bound() {
    // q = target for every target in [-2^b - 2, 2^b + 2], reached from both rounding edges
    // (acc = q 2^s - 2^(s-1) and acc = q 2^s + 2^(s-1) - 1), through a single neuron with
    // input 0 and the accumulator in the bias.
    let (s, b) = (SMALL.scale_bits, SMALL.activation_bits);
    let half_scale = 1i64 << (s - 1);
    let bound = 1i64 << b;
    let (mut accepted, mut rejected) = (0, 0);
    for activation in ACTIVATIONS {
        for target in -bound - 2..=bound + 2 {
            for d in [-half_scale, half_scale - 1] {
                let (layout, witness) =
                    forced(single_neuron(SMALL, 16, (target << s) + d, activation), 0);
                let rows = neuron_rows(&layout, 0, 0);
                assert_eq!(int(witness.get(CellRef::z(rows.q))), i128::from(target));
                if SMALL.activation_in_range(target.into()) {
                    assert_eq!(mock_claimed(&layout, witness), Ok(()), "q = {target}");
                    accepted += 1;
                } else {
                    let expected = expected_out_of_range(&layout, &witness);
                    assert_fails(mock_claimed(&layout, witness), expected);
                    rejected += 1;
                }
            }
        }
    }
    // 2 activations x 2 edges x (64 in range, 69 outside).
    assert_eq!((accepted, rejected), (256, 276));
}

#[test]
fn every_input_is_accepted_exactly_inside_the_signed_bound() {
    // The input block alone: weight 1 keeps the neuron's q in range for any such input.
    let bound = 1i64 << SMALL.activation_bits;
    let sign_row = |layout: &MlpLayout| layout.input_rows[0] + layout.schedule.signed.len() - 1;
    for x in -bound - 2..=bound + 2 {
        let (layout, witness) = forced(single_neuron(SMALL, 1, 0, Activation::Identity), x);
        if SMALL.activation_in_range(x.into()) {
            assert_eq!(mock_claimed(&layout, witness), Ok(()), "x = {x}");
        } else {
            assert_fails(
                mock_claimed(&layout, witness),
                vec![lookup(sign_row(&layout))],
            );
        }
    }
}

#[test]
fn named_bounds_at_the_default_parameters() {
    // 2^b - 1, 2^b, 2^b + 1, their negations, and the signed bounds +-2^(b-1) with their
    // neighbours, as q (both rounding edges) and as an input.
    let params = MlpParams::default();
    let (s, b) = (params.scale_bits, params.activation_bits);
    let half_scale = 1i64 << (s - 1);
    let mut values = Vec::new();
    for base in [1i64 << b, 1i64 << (b - 1)] {
        for v in [base - 1, base, base + 1] {
            values.extend([v, -v]);
        }
    }
    for activation in ACTIVATIONS {
        for &target in &values {
            for d in [-half_scale, half_scale - 1] {
                let (layout, witness) = forced(
                    single_neuron(params, 1 << s, (target << s) + d, activation),
                    0,
                );
                assert_eq!(
                    int(witness.get(CellRef::z(neuron_rows(&layout, 0, 0).q))),
                    i128::from(target)
                );
                if params.activation_in_range(target.into()) {
                    assert_eq!(mock_claimed(&layout, witness), Ok(()), "q = {target}");
                } else {
                    let expected = expected_out_of_range(&layout, &witness);
                    assert_fails(mock_claimed(&layout, witness), expected);
                }
            }
        }
    }
    for &x in &values {
        let (layout, witness) = forced(single_neuron(params, 1, 0, Activation::Identity), x);
        let sign_row = layout.input_rows[0] + layout.schedule.signed.len() - 1;
        if params.activation_in_range(x.into()) {
            assert_eq!(mock_claimed(&layout, witness), Ok(()), "x = {x}");
        } else {
            assert_fails(mock_claimed(&layout, witness), vec![lookup(sign_row)]);
        }
    }
}
