//! Malformed proofs and public inputs, against the native verifier and the EVM verifier.
//!
//! For one small model's valid proof (2,016 bytes): every single-bit flip of the proof
//! bytes, every truncation, appended bytes, another proof's bytes, every 32-byte word
//! replaced (0, 1, `r - 1`, `q - 1`, `2^256 - 1`), zeroed in adjacent pairs (a point at
//! infinity) or shifted by `r` or `q` (a non-canonical encoding of the same scalar or
//! coordinate); public inputs changed by one, bindings at or above the field modulus,
//! out-of-range values, reordered and spliced public inputs, and the items of a batch proof
//! swapped. Every case must be rejected by [`zkmlp::verify`] with an error and no panic.
//! Every case except the bit flips and truncations goes to the generated Solidity verifier
//! on revm too, and so do every 32nd bit flip and ten truncations: the two verdicts must
//! agree (the EVM verifier must revert).
//!
//! Every single-bit flip of the proof (16,128 for its 2,016 bytes) goes through the native
//! verifier, in parallel (about 10 s on two cores). Every 32nd of them also goes through the
//! EVM verifier; all of them do (about 85 s more) with
//!
//! ```text
//! ZKMLP_EXHAUSTIVE=1 cargo test --release --test malformed_proofs -- --nocapture
//! ```
//!
//! The verifier catches panics from halo2 and turns them into `InvalidProof`; the counts
//! printed here say how often that guard fired, and how many panics escaped it (must be 0).
//!
//! Also here, because it needs the prover of this crate: mutated witnesses (the mutation
//! harness of `circuits/tests/mutation.rs`) through real key generation and proving.
//!
//! Needs Node.js and `npm ci` at the repository root for the EVM verifier, as `tests/evm.rs`.

mod common;

use std::{
    panic::{catch_unwind, AssertUnwindSafe},
    sync::OnceLock,
    time::Instant,
};

use ff::{Field, PrimeField};
use halo2_proofs::halo2curves::bn256::{Fq, Fr};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use zkmlp::{
    evm::{
        checked_add_words, compile_verifier, encode_calldata, instance_words, scalar_modulus,
        signed_word, CallStatus, CompiledVerifier, LocalEvm, Solc,
    },
    proof::{binding_from_field, binding_to_field},
    quantize::quantize,
    CompiledModel, Error, MlpParams, Proof, ProvingKey, Srs,
};
use zkmlp_circuits::{layout::BlockKind, CellRef, Lane};

struct Fixture {
    pk: ProvingKey,
    /// A valid proof bound to a small binding value.
    proof: Proof,
    /// A valid proof of other features, same binding.
    other: Proof,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let compiled =
            CompiledModel::new(quantize(&common::small_model(), MlpParams::default()).unwrap())
                .unwrap();
        let srs = Srs::unsafe_setup_for_testing(compiled.k(), 1);
        let pk = ProvingKey::generate(&srs, &compiled).unwrap();
        let mut binding = [0u8; 32];
        binding[31] = 0x2a;
        let proof = pk.prove_bound(&[0.5, -1.25, 2.0, 0.125], binding).unwrap();
        let other = pk.prove_bound(&[1.5, 0.25, -0.75, 1.0], binding).unwrap();
        assert_ne!(proof.public_inputs.outputs, other.public_inputs.outputs);
        Fixture { pk, proof, other }
    })
}

fn verifier() -> &'static CompiledVerifier {
    static VERIFIER: OnceLock<CompiledVerifier> = OnceLock::new();
    VERIFIER.get_or_init(|| {
        compile_verifier(fixture().pk.verifying_key(), &Solc::default()).unwrap_or_else(|e| {
            panic!("compiling the verifier failed; this test needs Node.js and the pinned solc-js (`npm ci` at the repository root): {e}")
        })
    })
}

/// The native verdict on one proof.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Native {
    Accepted,
    Rejected,
    /// Rejected because halo2 panicked and the verifier's guard caught it.
    GuardedPanic,
    /// A panic escaped `zkmlp::verify`.
    Panicked,
}

fn native(proof: &Proof) -> Native {
    let vk = fixture().pk.verifying_key();
    match catch_unwind(AssertUnwindSafe(|| zkmlp::verify(vk, proof))) {
        Ok(Ok(())) => Native::Accepted,
        Ok(Err(Error::InvalidProof(message))) if message.contains("panicked") => {
            Native::GuardedPanic
        }
        Ok(Err(_)) => Native::Rejected,
        Err(_) => Native::Panicked,
    }
}

/// Counts of one family of cases.
#[derive(Clone, Copy, Debug, Default)]
struct Counts {
    tried: usize,
    accepted: usize,
    guarded_panics: usize,
    panics: usize,
}

impl Counts {
    fn record(&mut self, verdict: Native) {
        self.tried += 1;
        match verdict {
            Native::Accepted => self.accepted += 1,
            Native::Rejected => {}
            Native::GuardedPanic => self.guarded_panics += 1,
            Native::Panicked => self.panics += 1,
        }
    }

    fn merge(mut self, other: Self) -> Self {
        self.tried += other.tried;
        self.accepted += other.accepted;
        self.guarded_panics += other.guarded_panics;
        self.panics += other.panics;
        self
    }

    #[track_caller]
    fn report(&self, what: &str, seconds: f64) {
        println!(
            "malformed {what}: {} tried, {} accepted, {} panics ({} caught by the verifier's guard) in {seconds:.1} s",
            self.tried,
            self.accepted,
            self.panics,
            self.guarded_panics
        );
        assert_eq!((self.accepted, self.panics), (0, 0), "{what}: {self:?}");
    }
}

/// An EVM chain with the verifier deployed.
struct Chain {
    evm: LocalEvm,
    address: zkmlp::evm::Address,
    calls: usize,
}

impl Chain {
    fn new() -> Self {
        let mut evm = LocalEvm::new();
        let address = evm.deploy(&verifier().contract, &[]).unwrap();
        Self {
            evm,
            address,
            calls: 0,
        }
    }

    /// Whether the EVM verifier accepts `calldata`; a rejection must be a revert.
    fn accepts(&mut self, calldata: Vec<u8>, case: &str) -> bool {
        self.calls += 1;
        let outcome = self.evm.call(self.address, calldata).unwrap();
        if !outcome.is_success() {
            assert_eq!(outcome.status, CallStatus::Revert, "{case}: {outcome:?}");
        }
        outcome.is_success()
    }

    /// Both verifiers reject `proof`, without panics.
    #[track_caller]
    fn assert_both_reject(&mut self, proof: &Proof, case: &str) -> Native {
        let verdict = native(proof);
        let evm = self.accepts(encode_calldata(proof), case);
        assert!(
            !matches!(verdict, Native::Accepted | Native::Panicked),
            "{case}: native {verdict:?}"
        );
        assert!(
            !evm,
            "{case}: the EVM verifier accepted, the native one did not"
        );
        verdict
    }
}

fn exhaustive() -> bool {
    std::env::var("ZKMLP_EXHAUSTIVE").is_ok_and(|v| v == "1")
}

/// Every `EVM_STRIDE`-th bit flip also goes to the EVM verifier (every one when exhaustive).
fn evm_stride() -> usize {
    if exhaustive() {
        1
    } else {
        32
    }
}

#[test]
fn the_valid_proof_is_accepted_by_both() {
    let f = fixture();
    assert_eq!(native(&f.proof), Native::Accepted);
    assert_eq!(native(&f.other), Native::Accepted);
    let mut chain = Chain::new();
    assert!(chain.accepts(encode_calldata(&f.proof), "valid"));
    assert!(chain.accepts(encode_calldata(&f.other), "valid"));
}

#[test]
fn single_bit_flips_are_rejected_by_both() {
    let f = fixture();
    let len = f.proof.bytes.len();
    let start = Instant::now();
    let counts = (0..8 * len)
        .into_par_iter()
        .map(|index| {
            let (byte, bit) = (index / 8, index % 8);
            let mut proof = f.proof.clone();
            proof.bytes[byte] ^= 1 << bit;
            let mut counts = Counts::default();
            counts.record(native(&proof));
            counts
        })
        .reduce(Counts::default, Counts::merge);
    counts.report(
        &format!("proofs, every single-bit flip of {len} bytes"),
        start.elapsed().as_secs_f64(),
    );
    assert_eq!(counts.tried, 8 * len);

    // Every 32nd flip (every one when exhaustive) through the EVM verifier too.
    let start = Instant::now();
    let mut chain = Chain::new();
    let mut evm_counts = Counts::default();
    for index in (0..8 * len).step_by(evm_stride()) {
        let (byte, bit) = (index / 8, (index % 8) as u8);
        let mut proof = f.proof.clone();
        proof.bytes[byte] ^= 1 << bit;
        evm_counts.record(chain.assert_both_reject(&proof, &format!("byte {byte} bit {bit}")));
    }
    evm_counts.report(
        &format!(
            "proofs, bit flips at stride {}, native and EVM agreeing",
            evm_stride()
        ),
        start.elapsed().as_secs_f64(),
    );
}

#[test]
fn every_truncation_and_appended_bytes_are_rejected_by_both() {
    let f = fixture();
    let len = f.proof.bytes.len();
    let start = Instant::now();
    let counts = (0..len)
        .into_par_iter()
        .map(|keep| {
            let mut proof = f.proof.clone();
            proof.bytes.truncate(keep);
            let mut counts = Counts::default();
            counts.record(native(&proof));
            counts
        })
        .reduce(Counts::default, Counts::merge);
    counts.report("proofs, every truncation", start.elapsed().as_secs_f64());
    assert_eq!(counts.tried, len);

    let start = Instant::now();
    let mut chain = Chain::new();
    let mut both = Counts::default();
    for keep in [0, 1, 31, 32, 33, 64, len / 2, len - 64, len - 32, len - 1] {
        let mut proof = f.proof.clone();
        proof.bytes.truncate(keep);
        both.record(chain.assert_both_reject(&proof, &format!("truncated to {keep}")));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(0xa99e);
    let random: Vec<u8> = (0..32).map(|_| rng.gen()).collect();
    let appended: Vec<(&str, Vec<u8>)> = vec![
        ("one zero byte", vec![0]),
        ("one 0xff byte", vec![0xff]),
        ("31 zero bytes", vec![0; 31]),
        ("32 zero bytes", vec![0; 32]),
        ("64 zero bytes", vec![0; 64]),
        ("32 random bytes", random),
        ("the proof again", f.proof.bytes.clone()),
    ];
    for (what, extra) in appended {
        let mut proof = f.proof.clone();
        proof.bytes.extend_from_slice(&extra);
        both.record(chain.assert_both_reject(&proof, what));
    }
    // The proof of other features in place of this one's bytes.
    let mut proof = f.proof.clone();
    proof.bytes.clone_from(&f.other.bytes);
    both.record(chain.assert_both_reject(&proof, "another proof's bytes"));
    both.report(
        "proofs, truncated, extended or swapped, native and EVM agreeing",
        start.elapsed().as_secs_f64(),
    );
}

/// The BN254 base field modulus `q`, big-endian: G1 coordinates must lie below it.
fn base_modulus() -> [u8; 32] {
    let hex_digits = Fq::MODULUS.trim_start_matches("0x");
    hex::decode(hex_digits).unwrap().try_into().unwrap()
}

#[test]
fn non_canonical_encodings_of_the_proof_words_are_rejected_by_both() {
    // Every 32-byte word of the proof plus r (a scalar's non-canonical encoding: the same
    // field element) and plus q (the same for a point coordinate). Accepting either would
    // make proofs malleable; both verifiers must refuse, and agree.
    let f = fixture();
    let start = Instant::now();
    let mut chain = Chain::new();
    let mut counts = Counts::default();
    let mut skipped = 0;
    for word in 0..f.proof.bytes.len() / 32 {
        for (name, modulus) in [("r", scalar_modulus()), ("q", base_modulus())] {
            let range = 32 * word..32 * (word + 1);
            let original: [u8; 32] = f.proof.bytes[range.clone()].try_into().unwrap();
            let Some(shifted) = checked_add_words(&original, &modulus) else {
                skipped += 1;
                continue;
            };
            let mut proof = f.proof.clone();
            proof.bytes[range].copy_from_slice(&shifted);
            counts.record(chain.assert_both_reject(&proof, &format!("word {word} + {name}")));
        }
    }
    counts.report(
        &format!("proofs, a word plus r or q ({skipped} sums past 2^256 skipped), native and EVM agreeing"),
        start.elapsed().as_secs_f64(),
    );
}

#[test]
fn replaced_words_and_identity_points_are_rejected_by_both() {
    // Every 32-byte word of the proof replaced by 0, 1, r - 1, q - 1 and 2^256 - 1, and every
    // pair of adjacent words zeroed (an EVM-encoded point at infinity wherever a point starts).
    let f = fixture();
    let words = f.proof.bytes.len() / 32;
    let minus_one = |modulus: [u8; 32]| {
        let mut word = modulus;
        word[31] -= 1; // both moduli are odd
        word
    };
    let mut one = [0u8; 32];
    one[31] = 1;
    let replacements = [
        ("0", [0u8; 32]),
        ("1", one),
        ("r - 1", minus_one(scalar_modulus())),
        ("q - 1", minus_one(base_modulus())),
        ("2^256 - 1", [0xff; 32]),
    ];
    let start = Instant::now();
    let mut chain = Chain::new();
    let mut counts = Counts::default();
    for word in 0..words {
        for (name, value) in &replacements {
            let mut proof = f.proof.clone();
            if proof.bytes[32 * word..32 * (word + 1)] == value[..] {
                continue;
            }
            proof.bytes[32 * word..32 * (word + 1)].copy_from_slice(value);
            counts.record(chain.assert_both_reject(&proof, &format!("word {word} = {name}")));
        }
        if word + 1 < words {
            let mut proof = f.proof.clone();
            proof.bytes[32 * word..32 * (word + 2)].fill(0);
            counts.record(
                chain.assert_both_reject(&proof, &format!("words {word}, {} = 0", word + 1)),
            );
        }
    }
    counts.report(
        "proofs, words replaced or zeroed in pairs, native and EVM agreeing",
        start.elapsed().as_secs_f64(),
    );
}

/// The public-input cases that `Proof` can express, with a name each.
fn public_input_cases(f: &Fixture) -> Vec<(String, Proof)> {
    let honest = &f.proof;
    let public = &honest.public_inputs;
    let mut cases = Vec::new();
    let mut case = |name: String, change: &dyn Fn(&mut Proof)| {
        let mut proof = honest.clone();
        change(&mut proof);
        cases.push((name, proof));
    };
    for delta in [1i64, -1] {
        for i in 0..public.features.len() {
            case(format!("feature {i} {delta:+}"), &|p| {
                p.public_inputs.features[i] += delta
            });
        }
        for j in 0..public.outputs.len() {
            case(format!("output {j} {delta:+}"), &|p| {
                p.public_inputs.outputs[j] += delta
            });
        }
        let binding = binding_to_field(&public.binding).unwrap();
        let step = if delta > 0 { Fr::ONE } else { -Fr::ONE };
        let moved = binding_from_field(binding + step);
        case(format!("binding {delta:+}"), &|p| {
            p.public_inputs.binding = moved
        });
    }
    // Bindings at or above the modulus r: the same field element plus r, r itself, 2^256 - 1.
    let plus_r = checked_add_words(&public.binding, &scalar_modulus()).unwrap();
    case("binding + r".into(), &|p| p.public_inputs.binding = plus_r);
    case("binding = r".into(), &|p| {
        p.public_inputs.binding = scalar_modulus()
    });
    case("binding = 2^256 - 1".into(), &|p| {
        p.public_inputs.binding = [0xff; 32]
    });
    // Values outside the activation range, and the extremes of i64.
    let params = f.pk.verifying_key().fixed_point();
    for (name, value) in [
        ("2^(b-1)", params.max_activation() + 1),
        ("-2^(b-1) - 1", params.min_activation() - 1),
        ("i64::MAX", i64::MAX),
        ("i64::MIN", i64::MIN),
    ] {
        case(format!("feature 0 = {name}"), &|p| {
            p.public_inputs.features[0] = value
        });
        case(format!("output 0 = {name}"), &|p| {
            p.public_inputs.outputs[0] = value
        });
    }
    // Reordered: every pair of distinct features swapped, each feature swapped with the
    // output, the features reversed, and the binding swapped with feature 0.
    let n = public.features.len();
    for i in 0..n {
        for j in i + 1..n {
            if public.features[i] != public.features[j] {
                case(format!("features {i} and {j} swapped"), &|p| {
                    p.public_inputs.features.swap(i, j)
                });
            }
        }
        if public.features[i] != public.outputs[0] {
            case(format!("feature {i} and the output swapped"), &|p| {
                let public = &mut p.public_inputs;
                std::mem::swap(&mut public.features[i], &mut public.outputs[0]);
            });
        }
    }
    case("features reversed".into(), &|p| {
        p.public_inputs.features.reverse()
    });
    case("binding and feature 0 swapped".into(), &|p| {
        let feature = p.public_inputs.features[0];
        let binding = binding_to_field(&p.public_inputs.binding).unwrap();
        p.public_inputs.binding = signed_word(feature);
        p.public_inputs.features[0] = zkmlp_circuits::field::field_to_i128(&binding)
            .and_then(|v| i64::try_from(v).ok())
            .unwrap();
    });
    // Spliced with the other valid proof's statement.
    case("the other proof's outputs".into(), &|p| {
        p.public_inputs
            .outputs
            .clone_from(&f.other.public_inputs.outputs)
    });
    case("the other proof's features".into(), &|p| {
        p.public_inputs
            .features
            .clone_from(&f.other.public_inputs.features)
    });
    case("the other proof's public inputs".into(), &|p| {
        p.public_inputs.clone_from(&f.other.public_inputs)
    });
    cases
}

#[test]
fn changed_out_of_range_and_reordered_public_inputs_are_rejected_by_both() {
    let f = fixture();
    let start = Instant::now();
    let mut chain = Chain::new();
    let mut counts = Counts::default();
    let cases = public_input_cases(f);
    for (name, proof) in &cases {
        assert_ne!(proof.public_inputs, f.proof.public_inputs, "{name}");
        counts.record(chain.assert_both_reject(proof, name));
    }
    // Typed errors where the statement cannot be a field element or is out of range.
    for (name, proof) in &cases {
        let result = zkmlp::verify(f.pk.verifying_key(), proof);
        if name == "binding + r" || name.starts_with("binding =") {
            assert!(
                matches!(result, Err(Error::BindingOutOfField)),
                "{name}: {result:?}"
            );
        } else if name.contains(" = ") {
            assert!(
                matches!(result, Err(Error::PublicInputOutOfRange { .. })),
                "{name}: {result:?}"
            );
        } else {
            assert!(
                matches!(result, Err(Error::InvalidProof(_))),
                "{name}: {result:?}"
            );
        }
    }

    // Features and outputs at or above r exist only as raw calldata (`Proof` holds them as
    // i64): every instance word plus r must be refused on chain, although it is the same
    // field element.
    let words = instance_words(&f.proof);
    for index in 0..words.len() {
        let mut shifted = words.clone();
        shifted[index] = checked_add_words(&shifted[index], &scalar_modulus()).unwrap();
        let calldata: Vec<u8> = shifted
            .iter()
            .flatten()
            .copied()
            .chain(f.proof.bytes.iter().copied())
            .collect();
        assert!(!chain.accepts(calldata, &format!("instance {index} + r")));
        counts.tried += 1;
    }
    counts.report(
        &format!(
            "public inputs ({} cases native and EVM, {} instance words + r on the EVM only)",
            cases.len(),
            words.len()
        ),
        start.elapsed().as_secs_f64(),
    );
}

#[test]
fn reordered_items_of_a_batch_proof_are_rejected_by_both() {
    // A batch of three inferences in one proof. Swapping two whole items (features and
    // outputs together) states something true, swapping only their outputs or only their
    // features something false: the proof is bound to its instance order either way.
    const ITEMS: usize = 3;
    let compiled = CompiledModel::new_batch(
        quantize(&common::small_model(), MlpParams::default()).unwrap(),
        ITEMS,
    )
    .unwrap();
    let srs = Srs::unsafe_setup_for_testing(compiled.k(), 4);
    let pk = ProvingKey::generate(&srs, &compiled).unwrap();
    let vk = pk.verifying_key();
    let items = vec![
        vec![0.5, -1.25, 2.0, 0.125],
        vec![1.5, 0.25, -0.75, 1.0],
        vec![-0.5, 0.75, 0.25, -1.5],
    ];
    let proof = pk.prove_items(&items, [7; 32]).unwrap();
    let outputs = &proof.public_inputs.outputs;
    assert!(outputs[0] != outputs[1] && outputs[1] != outputs[2] && outputs[0] != outputs[2]);
    let verifier = compile_verifier(vk, &Solc::default()).expect("the pinned solc-js (npm ci)");
    let mut evm = LocalEvm::new();
    let address = evm.deploy(&verifier.contract, &[]).unwrap();
    assert!(zkmlp::verify(vk, &proof).is_ok());
    assert!(evm
        .call(address, encode_calldata(&proof))
        .unwrap()
        .is_success());

    let n = common::small_model().layers[0].weights[0].len();
    let mut counts = Counts::default();
    let start = Instant::now();
    for (a, b) in [(0, 1), (1, 2), (0, 2)] {
        let swap_features = |p: &mut Proof| {
            for i in 0..n {
                p.public_inputs.features.swap(a * n + i, b * n + i);
            }
        };
        let mut whole = proof.clone();
        swap_features(&mut whole);
        whole.public_inputs.outputs.swap(a, b);
        let mut outputs_only = proof.clone();
        outputs_only.public_inputs.outputs.swap(a, b);
        let mut features_only = proof.clone();
        swap_features(&mut features_only);
        for (name, changed) in [
            ("whole items", whole),
            ("outputs only", outputs_only),
            ("features only", features_only),
        ] {
            let verdict = catch_unwind(AssertUnwindSafe(|| zkmlp::verify(vk, &changed)));
            let verdict = match verdict {
                Ok(Ok(())) => Native::Accepted,
                Ok(Err(_)) => Native::Rejected,
                Err(_) => Native::Panicked,
            };
            let outcome = evm.call(address, encode_calldata(&changed)).unwrap();
            assert_eq!(
                outcome.status,
                CallStatus::Revert,
                "items {a}, {b} swapped, {name}"
            );
            counts.record(verdict);
        }
    }
    counts.report(
        "batch public inputs, items swapped, native and EVM agreeing",
        start.elapsed().as_secs_f64(),
    );
}

#[test]
fn mutated_witnesses_give_no_valid_proof() {
    // Mutants of the mutation harness (circuits/tests/mutation.rs) through real key
    // generation and proving: halo2's prover either refuses (a lookup input outside the
    // table has no permutation) or produces a proof that the verifier rejects.
    let f = fixture();
    let compiled = f.pk.model();
    let layout = compiled.layout();
    let honest = compiled
        .witness(&f.proof.public_inputs.features, Fr::from(0x2a))
        .unwrap();
    let neuron = layout.neurons[0][1];
    let remainder_row = neuron.block_start + 1;
    let sign_row = neuron.block_start + layout.block_schedule(BlockKind::Rescale).len() - 1;
    let acc = CellRef {
        lane: Lane::Acc,
        row: neuron.dot_start,
    };
    let x = CellRef {
        lane: Lane::Input(0),
        row: layout.neurons[1][0].dot_start,
    };
    let output = layout.output_cells()[0];
    let mutants: Vec<(&str, CellRef, Fr)> = vec![
        (
            "remainder limb + 1 (lookup)",
            CellRef::z(remainder_row),
            Fr::ONE,
        ),
        (
            "sign bit + 2^24 (lookup)",
            CellRef::z(sign_row),
            Fr::from(1 << 24),
        ),
        ("accumulator + 1 (gate)", acc, Fr::ONE),
        ("copied input - 1 (copy)", x, -Fr::ONE),
        ("output + 1, claimed (rescale)", output, Fr::ONE),
    ];
    let start = Instant::now();
    let mut counts = Counts::default();
    for (name, cell, delta) in mutants {
        let mut witness = honest.clone();
        witness.set(cell, honest.get(cell) + delta);
        if cell == output {
            // The prover publishes the output it wrote.
            witness.outputs[0] += 1;
        }
        let proved = catch_unwind(AssertUnwindSafe(|| f.pk.prove_witness(witness)));
        let verdict = match proved {
            Err(_) => Native::Panicked,
            Ok(Err(e)) => {
                println!("mutant {name}: the prover refused: {e}");
                Native::Rejected
            }
            Ok(Ok(proof)) => {
                let verdict = native(&proof);
                println!("mutant {name}: proof produced, native verifier: {verdict:?}");
                verdict
            }
        };
        counts.record(verdict);
    }
    counts.report(
        "witnesses through real prove + verify",
        start.elapsed().as_secs_f64(),
    );
}

/// Found by this harness: `ProvingKey::prove_witness` is public and takes any `MlpWitness`,
/// and used to panic on a witness whose shape did not match the key (halo2-axiom's
/// `"Error::InstanceTooLarge"` panic with too many public values, an out-of-bounds index with
/// too few advice columns). It now checks `MlpWitness::fits` first.
#[test]
fn prove_witness_refuses_a_witness_of_the_wrong_shape_without_panicking() {
    let f = fixture();
    let honest =
        f.pk.model()
            .witness(&f.proof.public_inputs.features, Fr::from(0x2a))
            .unwrap();
    let mut too_many_inputs = honest.clone();
    too_many_inputs.inputs.extend([0; 600]);
    let mut too_few_columns = honest;
    too_few_columns.columns.truncate(1);
    for (name, witness) in [
        ("600 extra inputs", too_many_inputs),
        ("one advice column", too_few_columns),
    ] {
        let result = catch_unwind(AssertUnwindSafe(|| f.pk.prove_witness(witness)));
        assert!(
            matches!(result, Ok(Err(zkmlp::Error::WitnessShape))),
            "{name}: expected an error, got {}",
            match result {
                Err(_) => "a panic".to_string(),
                Ok(Ok(_)) => "a proof".to_string(),
                Ok(Err(_)) => unreachable!(),
            }
        );
    }
}
