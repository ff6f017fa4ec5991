//! On-chain verification on a real compiler (the pinned solc-js) and a real EVM (revm):
//! the generated verifier and the oracle accept a valid proof and reject every tampering, and
//! for every case the native verifier agrees with the EVM.
//!
//! Needs Node.js and `npm ci` at the repository root; without them the tests fail with a
//! message saying so (CI installs both).

mod common;

use std::sync::OnceLock;

use zkmlp::{
    evm::{
        checked_add_words, compile_oracle, compile_verifier, decode_valuation,
        decode_valuation_word, encode_calldata, encode_submit_valuation, instance_words,
        nft_binding, price_wei, scalar_modulus, selector, submit_valuation_calldata,
        valuation_event_topic, valuation_of_calldata, Address, Attestation, CallOutcome,
        CallStatus, CompiledContract, CompiledVerifier, EvmError, LocalEvm, OracleConfig, Solc,
        EIP170_CODE_SIZE_LIMIT, HARDFORK,
    },
    quantize::{quantize, quantize_input, reference_forward},
    CompiledModel, MlpParams, Proof, ProvingKey, Srs,
};

const COLLECTION: Address = [0xbc; 20];

fn token(id: u8) -> [u8; 32] {
    let mut token = [0; 32];
    token[31] = id;
    token
}

struct Fixture {
    pk: ProvingKey,
    verifier: CompiledVerifier,
    oracle: CompiledContract,
    solc_version: String,
    /// A proof of a positive price, bound to `token(1)`.
    proof: Proof,
    /// The same features, bound to `token(2)`.
    other_token_proof: Proof,
    /// A proof of a negative price, bound to `token(3)`.
    negative_proof: Proof,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let params = MlpParams::default();
        // planned for the verifier: one-bit range limbs, no lookup (the single-valuation path)
        let quantized = quantize(&common::small_model(), params).unwrap();
        let objective = zkmlp::PlanObjective::Verifier;
        let visibility = zkmlp::VisibilitySettings::default();
        let compiled = CompiledModel::with_objective(quantized, 1, visibility, objective).unwrap();
        let srs = Srs::unsafe_setup_for_testing(compiled.k(), 1);
        let pk = ProvingKey::generate(&srs, &compiled).unwrap();

        let solc = Solc::default();
        let need_solc = |e: EvmError| -> ! {
            panic!("compiling the contracts failed; these tests need Node.js and the pinned solc-js (`npm ci` at the repository root): {e}")
        };
        let solc_version = solc.version().unwrap_or_else(|e| need_solc(e));
        let verifier = compile_verifier(pk.verifying_key(), &solc).unwrap_or_else(|e| need_solc(e));
        let oracle = compile_oracle(&solc).unwrap_or_else(|e| need_solc(e));

        // Features whose integer reference output is positive, and ones where it is negative.
        let candidates: Vec<Vec<f64>> = (0..64)
            .map(|i| (0..4).map(|j| ((i * 4 + j) as f64 * 1.618).sin() * 2.0).collect())
            .collect();
        let output = |x: &Vec<f64>| reference_forward(compiled.model(), &quantize_input(params, x).unwrap()).unwrap()[0];
        let positive = candidates.iter().find(|x| output(x) > 0).expect("a positive-price input");
        let negative = candidates.iter().find(|x| output(x) < 0).expect("a negative-price input");

        let bound = |x: &[f64], id| pk.prove_bound(x, nft_binding(COLLECTION, token(id))).unwrap();
        let (proof, other_token_proof, negative_proof) = (bound(positive, 1), bound(positive, 2), bound(negative, 3));
        Fixture { pk, verifier, oracle, solc_version, proof, other_token_proof, negative_proof }
    })
}

/// Deploys the verifier on a fresh chain and calls it with `calldata`.
fn call_verifier(calldata: Vec<u8>) -> CallOutcome {
    let f = fixture();
    let mut evm = LocalEvm::new();
    let verifier = evm.deploy(&f.verifier.contract, &[]).unwrap();
    evm.call(verifier, calldata).unwrap()
}

/// Deploys the verifier and the oracle on a fresh chain; the default sender is its trusted
/// submitter.
fn deploy_oracle() -> (LocalEvm, Address) {
    let f = fixture();
    let mut evm = LocalEvm::new();
    let verifier = evm.deploy(&f.verifier.contract, &[]).unwrap();
    let config = OracleConfig::for_model(
        f.pk.model(),
        Some((f.pk.verifying_key(), verifier)),
        None,
        Attestation::TrustedSubmitter,
        vec![evm.accounts()[0]],
    )
    .unwrap();
    let oracle = evm
        .deploy(&f.oracle, &config.constructor_args().unwrap())
        .unwrap();
    (evm, oracle)
}

/// Calldata of `submitValuation` for `proof` at epoch 1, as a trusted submitter sends it.
fn submit(collection: Address, token_id: [u8; 32], proof: &Proof) -> Vec<u8> {
    submit_valuation_calldata(collection, token_id, 1, proof, &[])
}

/// The stored price of `token_id` of `COLLECTION`, in wei.
fn stored_price(evm: &mut LocalEvm, oracle: Address, token_id: [u8; 32]) -> u128 {
    let outcome = evm
        .call(oracle, valuation_of_calldata(COLLECTION, token_id))
        .unwrap();
    decode_valuation(&outcome.output).unwrap().0
}

/// The native verifier and the EVM verifier agree that `proof` is `valid` or not.
fn assert_agree(proof: &Proof, valid: bool, case: &str) {
    let f = fixture();
    let native = zkmlp::verify(f.pk.verifying_key(), proof);
    let evm = call_verifier(encode_calldata(proof));
    assert_eq!(
        native.is_ok(),
        valid,
        "{case}: native verifier gave {native:?}"
    );
    assert_eq!(evm.is_success(), valid, "{case}: EVM verifier gave {evm:?}");
    if !valid {
        assert_eq!(
            evm.status,
            CallStatus::Revert,
            "{case}: the verifier should revert, not halt"
        );
    }
}

fn revert_selector(outcome: &CallOutcome) -> [u8; 4] {
    assert_eq!(
        outcome.status,
        CallStatus::Revert,
        "expected a revert, got {outcome:?}"
    );
    outcome
        .output
        .get(..4)
        .and_then(|s| s.try_into().ok())
        .unwrap_or_default()
}

#[test]
fn verifier_accepts_a_valid_proof_and_fits_eip170() {
    let f = fixture();
    let calldata = encode_calldata(&f.proof);
    assert_eq!(calldata.len(), f.verifier.solidity.calldata_len());
    assert_eq!(f.proof.bytes.len(), f.verifier.solidity.proof_len());
    assert_agree(&f.proof, true, "valid proof");
    let outcome = call_verifier(calldata.clone());
    let size = f.verifier.contract.deployed_size();
    println!("solc version: {}, hardfork: {HARDFORK}", f.solc_version);
    println!("verifier deployed size: {size} bytes (EIP-170 limit {EIP170_CODE_SIZE_LIMIT})");
    println!(
        "verifier calldata: {} bytes ({} instances + {} proof bytes)",
        calldata.len(),
        f.verifier.solidity.num_instances(),
        f.proof.bytes.len()
    );
    println!("verifier call gas used: {}", outcome.gas_used);
    // Where the gas goes: the transaction base, calldata, the curve precompiles, the rest
    // (modexp inversions, the interpreter, memory).
    let calls = f.verifier.solidity.precompile_calls();
    assert_eq!((calls.pairings, calls.pairing_pairs), (1, 2), "{calls:?}");
    assert!(calls.ec_mul > 0 && calls.ec_add > 0, "{calls:?}");
    let calldata_gas = zkmlp::evm::calldata_gas(&calldata);
    println!(
        "gas breakdown ({HARDFORK}): 21000 base + {calldata_gas} calldata + {} curve precompiles ({} ecMul, {} ecAdd, {} pairing of {} pairs) + {} modexp calls and execution {}",
        calls.curve_gas(),
        calls.ec_mul,
        calls.ec_add,
        calls.pairings,
        calls.pairing_pairs,
        calls.mod_exp,
        outcome.gas_used - 21_000 - calldata_gas - calls.curve_gas()
    );
    assert!(size < EIP170_CODE_SIZE_LIMIT, "verifier is {size} bytes");
    assert!(outcome.output.is_empty());
}

#[test]
fn oracle_stores_the_proven_price_and_emits_the_event() {
    let f = fixture();
    let (mut evm, oracle) = deploy_oracle();
    let outcome = evm
        .call(oracle, submit(COLLECTION, token(1), &f.proof))
        .unwrap();
    assert!(outcome.is_success(), "{outcome:?}");
    println!("oracle submitValuation gas used: {}", outcome.gas_used);

    let expected = price_wei(
        *f.proof.public_inputs.outputs.last().unwrap(),
        f.proof.scale_bits,
    )
    .unwrap();
    assert!(expected > 0);
    assert_eq!(zkmlp::evm::decode_uint(&outcome.output), Some(expected));
    assert_eq!(stored_price(&mut evm, oracle, token(1)), expected);

    let [log] = outcome.logs.as_slice() else {
        panic!("expected one log, got {:?}", outcome.logs)
    };
    assert_eq!(log.address, oracle);
    let mut collection_topic = [0; 32];
    collection_topic[12..].copy_from_slice(&COLLECTION);
    assert_eq!(
        log.topics,
        vec![valuation_event_topic(), collection_topic, token(1)]
    );
    // One data word: the stored `price << 64 | epoch`.
    let word: [u8; 32] = log.data[..].try_into().unwrap();
    assert_eq!(decode_valuation_word(&word), Some((expected, 1)));
}

#[test]
fn flipped_proof_bytes_are_rejected_by_both() {
    let f = fixture();
    let len = f.proof.bytes.len();
    // The first commitment, a middle word and the last byte (the final opening proof).
    for position in [0, 31, 63, len / 2, len - 33, len - 1] {
        let mut proof = f.proof.clone();
        proof.bytes[position] ^= 0x01;
        assert_agree(&proof, false, &format!("byte {position} flipped"));
    }
}

#[test]
fn changed_public_inputs_are_rejected_by_both() {
    let f = fixture();
    for delta in [1, -1] {
        let mut proof = f.proof.clone();
        proof.public_inputs.outputs[0] += delta;
        assert_agree(&proof, false, &format!("output {delta:+}"));
        let mut proof = f.proof.clone();
        proof.public_inputs.features[1] += delta;
        assert_agree(&proof, false, &format!("feature {delta:+}"));
    }
}

#[test]
fn public_inputs_at_or_above_the_modulus_are_rejected() {
    let f = fixture();
    // The binding plus r: the same field element, but not canonical.
    let mut proof = f.proof.clone();
    proof.public_inputs.binding =
        checked_add_words(&proof.public_inputs.binding, &scalar_modulus()).unwrap();
    assert!(matches!(
        zkmlp::verify(f.pk.verifying_key(), &proof),
        Err(zkmlp::Error::BindingOutOfField)
    ));
    assert_agree(&proof, false, "binding + r");
    let mut at_modulus = f.proof.clone();
    at_modulus.public_inputs.binding = scalar_modulus();
    assert_agree(&at_modulus, false, "binding = r");

    // Features and outputs are i64 in `Proof`, so `x + r` exists only as raw calldata; the
    // native verifier cannot be given it. snark-verifier alone would reduce it mod r and
    // accept; the generated verifier must not.
    let words = instance_words(&f.proof);
    for index in [1, words.len() - 1] {
        let mut shifted = words.clone();
        shifted[index] = checked_add_words(&shifted[index], &scalar_modulus()).unwrap();
        let calldata: Vec<u8> = shifted
            .iter()
            .flatten()
            .copied()
            .chain(f.proof.bytes.iter().copied())
            .collect();
        let outcome = call_verifier(calldata);
        assert_eq!(
            outcome.status,
            CallStatus::Revert,
            "instance {index} + r: {outcome:?}"
        );
    }
}

#[test]
fn truncated_and_extended_proofs_are_rejected_by_both() {
    let f = fixture();
    let len = f.proof.bytes.len();
    for keep in [0, 32, len / 2, len - 32, len - 1] {
        let mut proof = f.proof.clone();
        proof.bytes.truncate(keep);
        assert_agree(&proof, false, &format!("truncated to {keep} bytes"));
    }
    let mut proof = f.proof.clone();
    proof.bytes.extend_from_slice(&[0; 32]);
    assert_agree(&proof, false, "32 zero bytes appended");
    let mut proof = f.proof.clone();
    proof.public_inputs.outputs.push(0);
    assert_agree(&proof, false, "an extra output");
}

#[test]
fn proof_for_another_token_is_rejected() {
    let f = fixture();
    // Valid for its own token, on both verifiers.
    assert_agree(&f.other_token_proof, true, "proof for token 2");
    // The verifier alone rejects it once its binding instance is changed to token 1's.
    let mut rebound = f.other_token_proof.clone();
    rebound.public_inputs.binding = nft_binding(COLLECTION, token(1));
    assert_agree(&rebound, false, "token 2's proof with token 1's binding");
    // The oracle refuses to store token 2's proof as token 1's valuation, either way.
    let (mut evm, oracle) = deploy_oracle();
    let mismatch = selector("BindingMismatch(uint256,uint256)");
    let outcome = evm
        .call(oracle, submit(COLLECTION, token(1), &f.other_token_proof))
        .unwrap();
    assert_eq!(revert_selector(&outcome), mismatch);
    let outcome = evm
        .call(oracle, submit([0xcd; 20], token(2), &f.other_token_proof))
        .unwrap();
    assert_eq!(revert_selector(&outcome), mismatch);
    let outcome = evm
        .call(oracle, submit(COLLECTION, token(1), &rebound))
        .unwrap();
    assert_eq!(revert_selector(&outcome), selector("InvalidProof()"));
    // Nothing was stored.
    assert_eq!(stored_price(&mut evm, oracle, token(1)), 0);
}

#[test]
fn oracle_rejects_bad_proofs_and_shapes() {
    let f = fixture();
    let (mut evm, oracle) = deploy_oracle();
    let mut flipped = f.proof.clone();
    let middle = flipped.bytes.len() / 2;
    flipped.bytes[middle] ^= 0x80;
    let outcome = evm
        .call(oracle, submit(COLLECTION, token(1), &flipped))
        .unwrap();
    assert_eq!(revert_selector(&outcome), selector("InvalidProof()"));

    let mut changed = f.proof.clone();
    changed.public_inputs.outputs[0] += 1;
    let outcome = evm
        .call(oracle, submit(COLLECTION, token(1), &changed))
        .unwrap();
    assert_eq!(revert_selector(&outcome), selector("InvalidProof()"));

    let words = instance_words(&f.proof);
    let short = encode_submit_valuation(
        COLLECTION,
        token(1),
        1,
        &words[..words.len() - 1],
        &f.proof.bytes,
        &[],
    );
    let outcome = evm.call(oracle, short).unwrap();
    assert_eq!(
        revert_selector(&outcome),
        selector("WrongInstanceCount(uint256,uint256)")
    );
}

#[test]
fn negative_price_is_verified_but_not_stored() {
    let f = fixture();
    assert!(f.negative_proof.public_inputs.outputs[0] < 0);
    assert_agree(&f.negative_proof, true, "negative price");
    let (mut evm, oracle) = deploy_oracle();
    let outcome = evm
        .call(oracle, submit(COLLECTION, token(3), &f.negative_proof))
        .unwrap();
    assert_eq!(
        revert_selector(&outcome),
        selector("NegativePrice(uint256)")
    );
    assert_eq!(stored_price(&mut evm, oracle, token(3)), 0);
}

#[test]
fn oversized_code_is_refused_before_deployment() {
    let contract = CompiledContract {
        name: "Huge".into(),
        creation_code: vec![0x00],
        deployed_code: vec![0x00; EIP170_CODE_SIZE_LIMIT + 1],
    };
    let result = LocalEvm::new().deploy(&contract, &[]);
    assert!(
        matches!(
            result,
            Err(EvmError::CodeSizeLimit {
                size: 24_577,
                limit: 24_576,
                ..
            })
        ),
        "{result:?}"
    );
}

#[test]
fn solc_errors_come_back_with_their_messages() {
    let result = Solc::default().compile(
        "Broken.sol",
        "pragma solidity ^0.8.19; contract Broken { function }",
        "Broken",
        zkmlp::evm::Optimizer::Off,
    );
    match result {
        Err(EvmError::Compilation {
            source_name,
            errors,
        }) => {
            assert_eq!(source_name, "Broken.sol");
            assert!(
                errors.iter().any(|e| e.contains("ParserError")),
                "{errors:?}"
            );
        }
        other => panic!("expected a compilation error, got {other:?}"),
    }
}
