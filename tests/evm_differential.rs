//! Differential test of the generated Solidity verifier against the native verifier: thousands
//! of mutated proofs and public instances (bit flips and word rewrites in the proof bytes,
//! changed, shifted and non-canonical instances, truncations and extensions), and on every one
//! the verdict of `zkmlp::verify` (or `verify_batch`) equals the EVM's (revm, Osaka rules).
//! The mutations come from a seeded generator, so a failure names a reproducible case.
//!
//! Needs Node.js and `npm ci` at the repository root (solc-js).

mod common;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use zkmlp::{
    batch::{BatchItem, BatchProof},
    evm::{
        checked_add_words, compile_verifier, encode_calldata, nft_binding, scalar_modulus, Address,
        CallStatus, LocalEvm, Solc,
    },
    quantize::quantize,
    CompiledModel, MlpParams, Proof, ProvingKey, Srs, Visibility, VisibilitySettings,
};

/// Mutations of the single-valuation proof.
const SINGLE_CASES: usize = 2_000;

/// Mutations of the batch proof.
const BATCH_CASES: usize = 600;

/// Mutations of the single-valuation proof of a split range lane.
const SPLIT_CASES: usize = 400;

/// Deploys the verifier of `pk`; returns the chain and its address.
fn deploy(pk: &ProvingKey) -> (LocalEvm, Address) {
    let verifier = compile_verifier(pk.verifying_key(), &Solc::default())
        .expect("compiling needs Node.js and `npm ci` at the repository root");
    let mut evm = LocalEvm::new();
    let address = evm.deploy(&verifier.contract, &[]).unwrap();
    (evm, address)
}

/// The EVM's verdict on `calldata`: accepted, or reverted (a halt is a failure of its own).
fn evm_accepts(evm: &mut LocalEvm, verifier: Address, calldata: Vec<u8>, case: &str) -> bool {
    let outcome = evm.call(verifier, calldata).unwrap();
    match outcome.status {
        CallStatus::Success => true,
        CallStatus::Revert => false,
        CallStatus::Halt(reason) => {
            panic!("{case}: the verifier halted ({reason}) instead of reverting")
        }
    }
}

/// Verdicts that agreed so far: `(accepted, rejected)`.
#[derive(Default)]
struct Tally(usize, usize);

impl Tally {
    /// Asserts that both verifiers gave the same verdict on `case`, and counts it.
    fn agree(&mut self, native: bool, on_chain: bool, case: &str) {
        assert_eq!(
            native, on_chain,
            "{case}: native accepts: {native}, EVM accepts: {on_chain}"
        );
        if native {
            self.0 += 1;
        } else {
            self.1 += 1;
        }
    }

    /// Prints the counts and checks that both verdicts occurred, rejections mostly.
    fn report(&self, cases: usize, what: &str) {
        println!(
            "{cases} mutated {what}: {} accepted by both, {} rejected by both",
            self.0, self.1
        );
        assert!(self.0 > 0 && self.1 > cases * 3 / 4);
    }
}

/// One mutation of a proof's bytes; returns a label.
fn mutate_bytes(rng: &mut ChaCha8Rng, bytes: &mut Vec<u8>) -> String {
    let len = bytes.len();
    match rng.gen_range(0..10) {
        0..=5 => {
            let (at, bit) = (rng.gen_range(0..len), rng.gen_range(0..8));
            bytes[at] ^= 1 << bit;
            format!("bit {bit} of byte {at} flipped")
        }
        6 => {
            let word = rng.gen_range(0..len / 32);
            rng.fill(&mut bytes[32 * word..32 * word + 32]);
            format!("word {word} randomized")
        }
        7 => {
            let (a, b) = (rng.gen_range(0..len / 32), rng.gen_range(0..len / 32));
            for i in 0..32 {
                bytes.swap(32 * a + i, 32 * b + i);
            }
            format!("words {a} and {b} swapped")
        }
        8 => {
            let keep = rng.gen_range(0..len);
            bytes.truncate(keep);
            format!("truncated to {keep} bytes")
        }
        _ => {
            let extra = rng.gen_range(1..64);
            bytes.extend((0..extra).map(|_| rng.gen::<u8>()));
            format!("{extra} bytes appended")
        }
    }
}

#[test]
fn native_and_evm_verdicts_agree_on_mutated_single_proofs() {
    // planned for the verifier: one-bit range limbs checked by a gate (the batch below keeps
    // the lookup, so both range checks meet the EVM)
    let quantized = quantize(&common::small_model(), MlpParams::default()).unwrap();
    let (visibility, objective) = (Default::default(), zkmlp::PlanObjective::Verifier);
    let compiled = CompiledModel::with_objective(quantized, 1, visibility, objective).unwrap();
    assert_eq!(compiled.stats().lookups, 0);
    let srs = Srs::unsafe_setup_for_testing(compiled.k(), 5);
    let pk = ProvingKey::generate(&srs, &compiled).unwrap();
    let proof = pk
        .prove_bound(&[0.5, -1.0, 0.25, 1.5], nft_binding([7; 20], [8; 32]))
        .unwrap();
    // Mutations that leave the proof as it was (a delta of 0) must be accepted.
    agree_on_mutations(&pk, &proof, (12, SINGLE_CASES), "single proofs");
}

/// Deploys the verifier of `pk`, checks `cases` mutations of `proof` drawn from `seed` (see
/// [`mutated_verdicts`]) and reports them as `what`.
fn agree_on_mutations(pk: &ProvingKey, proof: &Proof, (seed, cases): (u64, usize), what: &str) {
    let (mut evm, verifier) = deploy(pk);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut tally = Tally::default();
    for case in 0..cases {
        let (native, on_chain, case) =
            mutated_verdicts(&mut rng, pk, proof, (&mut evm, verifier), case);
        tally.agree(native, on_chain, &case);
    }
    tally.report(cases, what);
}

/// One mutation of a single-valuation proof or its public instance (see the module docs), and
/// the native and EVM verdicts on it, with the case's label.
fn mutated_verdicts(
    rng: &mut ChaCha8Rng,
    pk: &ProvingKey,
    proof: &Proof,
    (evm, verifier): (&mut LocalEvm, Address),
    case: usize,
) -> (bool, bool, String) {
    let mut mutated: Proof = proof.clone();
    let mut raw_calldata = None;
    let label = match rng.gen_range(0..10) {
        0..=5 => mutate_bytes(rng, &mut mutated.bytes),
        6 => {
            let i = rng.gen_range(0..mutated.public_inputs.features.len());
            let delta = rng.gen_range(-3i64..=3);
            mutated.public_inputs.features[i] += delta;
            format!("feature {i} {delta:+}")
        }
        7 => {
            let delta = rng.gen_range(-3i64..=3);
            mutated.public_inputs.outputs[0] += delta;
            format!("output {delta:+}")
        }
        8 => {
            let bit = rng.gen_range(0..256);
            mutated.public_inputs.binding[31 - bit / 8] ^= 1 << (bit % 8);
            format!("binding bit {bit} flipped")
        }
        _ => {
            // An instance plus r: the same field element, not canonical. Only raw calldata
            // holds it (the native verifier cannot be given a feature >= r, and refuses such a
            // binding); the EVM must reject it.
            let mut calldata = encode_calldata(proof);
            let entries = calldata.len() - proof.bytes.len();
            let i = rng.gen_range(0..entries / 32);
            let word: [u8; 32] = calldata[32 * i..32 * i + 32].try_into().unwrap();
            if let Some(shifted) = checked_add_words(&word, &scalar_modulus()) {
                calldata[32 * i..32 * i + 32].copy_from_slice(&shifted);
            }
            raw_calldata = Some(calldata);
            format!("instance {i} + r")
        }
    };
    let case = format!("case {case}: {label}");
    let native = match &raw_calldata {
        Some(_) => false,
        None => zkmlp::verify(pk.verifying_key(), &mutated).is_ok(),
    };
    let calldata = raw_calldata.unwrap_or_else(|| encode_calldata(&mutated));
    let on_chain = evm_accepts(evm, verifier, calldata, &case);
    (native, on_chain, case)
}

#[test]
fn native_and_evm_verdicts_agree_on_mutated_split_proofs() {
    // A range lane split over two columns in lockstep, public values on public rows at the
    // top of the first (`zkmlp_circuits::layout::lanes`)
    let (pk, proof) = common::split_lane_proof(8);
    agree_on_mutations(&pk, &proof, (14, SPLIT_CASES), "split-lane proofs");
}

#[test]
fn native_and_evm_verdicts_agree_on_mutated_split_proofs_with_public_copies() {
    // A range lane split over two columns in lockstep, public values copied to the instance
    // column, which is then in the permutation (`zkmlp_circuits::layout::lanes`): the
    // verifier's permutation argument over an instance column meets the EVM here.
    let (pk, proof) = common::split_copies_proof(8);
    let label = "split-lane proofs with public copies";
    agree_on_mutations(&pk, &proof, (15, SPLIT_CASES), label);
}

#[test]
fn native_and_evm_verdicts_agree_on_mutated_batch_proofs() {
    const N: usize = 4;
    let visibility = VisibilitySettings {
        inputs: Visibility::Hashed,
        weights: Visibility::Hashed,
        outputs: Visibility::Folded,
    };
    let quantized = quantize(&common::small_model(), MlpParams::default()).unwrap();
    let compiled = CompiledModel::with_visibility(quantized, N, visibility).unwrap();
    let srs = Srs::unsafe_setup_for_testing(compiled.k(), 6);
    let pk = ProvingKey::generate(&srs, &compiled).unwrap();
    let items: Vec<BatchItem> = (0..N)
        .map(|k| BatchItem {
            collection: [k as u8 + 1; 20],
            token_id: [k as u8 + 9; 32],
            features: (0..4).map(|j| ((k * 4 + j) as f64).sin()).collect(),
        })
        .collect();
    let proof = pk.prove_batch(&items, 3).unwrap();
    let (mut evm, verifier) = deploy(&pk);
    let bits = MlpParams::default().activation_bits;
    let word_bits = zkmlp::batch::values_per_word(bits) * bits as usize;
    let mut rng = ChaCha8Rng::seed_from_u64(13);
    let mut tally = Tally::default();
    for case in 0..BATCH_CASES {
        let mut mutated: BatchProof = proof.clone();
        let label = match rng.gen_range(0..10) {
            0..=4 => mutate_bytes(&mut rng, &mut mutated.bytes),
            5 => {
                // A bit of a word, within its 2^(P B) bound.
                let (j, bit) = (
                    rng.gen_range(0..mutated.words.len()),
                    rng.gen_range(0..word_bits),
                );
                mutated.words[j][31 - bit / 8] ^= 1 << (bit % 8);
                format!("word {j} bit {bit} flipped")
            }
            6 => {
                let (i, bit) = (
                    rng.gen_range(0..mutated.commitments.len()),
                    rng.gen_range(0..256),
                );
                mutated.commitments[i][31 - bit / 8] ^= 1 << (bit % 8);
                format!("commitment {i} bit {bit} flipped")
            }
            7 => {
                let (a, b) = (rng.gen_range(0..N), rng.gen_range(0..N));
                mutated.token_ids.swap(a, b);
                format!("tokens {a} and {b} swapped")
            }
            8 => {
                mutated.epoch = rng.gen_range(0..6);
                format!("epoch {}", mutated.epoch)
            }
            _ => {
                let k = rng.gen_range(0..N);
                mutated.collections[k][rng.gen_range(0..20)] ^= 1;
                format!("collection {k} changed")
            }
        };
        let case = format!("batch case {case}: {label}");
        let native = zkmlp::batch::verify_batch(pk.verifying_key(), &mutated).is_ok();
        // The calldata the oracle builds: [c, commitments.., D] ++ proof.
        let instance = mutated.instance().expect("mutated words stay canonical");
        let mut calldata: Vec<u8> = instance.concat();
        calldata.extend_from_slice(&mutated.bytes);
        let on_chain = evm_accepts(&mut evm, verifier, calldata, &case);
        tally.agree(native, on_chain, &case);
    }
    tally.report(BATCH_CASES, "batch proofs");
}
