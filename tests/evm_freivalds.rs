//! Batch circuits whose dense layers are checked by Freivalds (`zkmlp_circuits::chips::freivalds`:
//! a second advice phase and a transcript challenge `ρ`): a real KZG proof verifies natively
//! and in the generated Solidity verifier on revm (Osaka); a tampered proof, and the proof of
//! a valid-looking witness of a wrong product, are refused by both; the folded (on-chain
//! collection) variant's verifier fits EIP-170.
//!
//! Needs Node.js and `npm ci` at the repository root (the pinned solc-js), as `tests/evm.rs`.

use std::sync::OnceLock;

use halo2_proofs::halo2curves::bn256::Fr;
use zkmlp::{
    evm::{
        compile_verifier, encode_calldata, CallOutcome, CompiledVerifier, LocalEvm, Solc,
        EIP170_CODE_SIZE_LIMIT, HARDFORK,
    },
    model::Mlp,
    quantize::{quantize, quantize_input, reference_forward},
    CompiledModel, MlpParams, Proof, ProvingKey, QuantizedMlp, Srs, Visibility, VisibilitySettings,
};
use zkmlp_circuits::{layout::FreivaldsMode, MlpLayout, MlpWitness};

/// Items per batch.
const N: usize = 4;

struct Fixture {
    pk: ProvingKey,
    verifier: CompiledVerifier,
    items: Vec<Vec<f64>>,
    proof: Proof,
}

/// The NFT example's shape.
fn model() -> QuantizedMlp {
    quantize(&Mlp::random(&[8, 16, 16, 1], 7), MlpParams::default()).unwrap()
}

fn items() -> Vec<Vec<f64>> {
    (0..N)
        .map(|k| (0..8).map(|i| ((k * 8 + i) as f64 * 0.77).sin()).collect())
        .collect()
}

fn solc_verifier(pk: &ProvingKey) -> CompiledVerifier {
    compile_verifier(pk.verifying_key(), &Solc::default()).unwrap_or_else(|e| {
        panic!("compiling the verifier failed; these tests need Node.js and the pinned solc-js (`npm ci`): {e}")
    })
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let vis = VisibilitySettings::default();
        let compiled =
            CompiledModel::with_freivalds(model(), N, vis, false, FreivaldsMode::On).unwrap();
        assert_eq!(compiled.layout().freivalds.len(), 3);
        let srs = Srs::unsafe_setup_for_testing(compiled.k(), 3);
        let pk = ProvingKey::generate(&srs, &compiled).unwrap();
        let verifier = solc_verifier(&pk);
        let items = items();
        let proof = pk.prove_items(&items, [0; 32]).unwrap();
        Fixture {
            pk,
            verifier,
            items,
            proof,
        }
    })
}

fn call_verifier(verifier: &CompiledVerifier, calldata: Vec<u8>) -> CallOutcome {
    let mut evm = LocalEvm::new();
    let address = evm.deploy(&verifier.contract, &[]).unwrap();
    evm.call(address, calldata).unwrap()
}

/// Both verifiers refuse `proof`, the EVM by a revert.
#[track_caller]
fn assert_refused(proof: &Proof, case: &str) {
    let f = fixture();
    let native = zkmlp::verify(f.pk.verifying_key(), proof);
    assert!(native.is_err(), "{case}: the native verifier accepted");
    let outcome = call_verifier(&f.verifier, encode_calldata(proof));
    assert!(!outcome.is_success(), "{case}: the EVM verifier accepted");
}

#[test]
fn a_freivalds_batch_verifies_natively_and_on_the_evm() {
    let f = fixture();
    let params = MlpParams::default();
    for (k, features) in f.items.iter().enumerate() {
        let input = quantize_input(params, features).unwrap();
        let expected = reference_forward(&model(), &input).unwrap();
        assert_eq!(f.proof.public_inputs.outputs[k..k + 1], expected[..]);
    }
    zkmlp::verify(f.pk.verifying_key(), &f.proof).unwrap();
    let calldata = encode_calldata(&f.proof);
    assert_eq!(calldata.len(), f.verifier.solidity.calldata_len());
    let outcome = call_verifier(&f.verifier, calldata);
    assert!(outcome.is_success(), "{outcome:?}");
    let size = f.verifier.contract.deployed_size();
    println!(
        "freivalds batch N = {N} ({HARDFORK}): verifier {size} bytes, proof {} bytes, gas {}",
        f.proof.bytes.len(),
        outcome.gas_used
    );
    assert!(size <= EIP170_CODE_SIZE_LIMIT, "verifier is {size} bytes");
}

/// One byte flipped in each 32-byte word of the first-phase commitments, the second-phase
/// commitments and the evaluations.
#[test]
fn a_tampered_freivalds_proof_is_refused_by_both_verifiers() {
    let f = fixture();
    let cs = f.pk.verifying_key().halo2().cs();
    let first = cs.num_advice_columns() - 2;
    let len = f.proof.bytes.len();
    for (case, offset) in [
        ("first-phase commitment", 64 * (first / 2) + 31),
        ("second-phase commitment", 64 * first + 31),
        ("an evaluation", len - 200),
        ("the last byte", len - 1),
    ] {
        let mut proof = f.proof.clone();
        proof.bytes[offset] ^= 1;
        assert_refused(&proof, case);
    }
}

/// The witness of a model one weight away (rescale blocks, activations and outputs all
/// consistent with its `Y`; only `Y ≠ W X` for the key's `W`), proven with the real prover:
/// the proof is refused.
#[test]
fn a_wrong_product_with_a_valid_looking_witness_gives_no_valid_proof() {
    let f = fixture();
    let layout = f.pk.model().layout();
    let mut twin = model();
    // The output layer's weights (Freivalds-checked too), so that the claimed prices change.
    for w in &mut twin.layers[2].weights[0] {
        *w += 40;
    }
    let twin_layout = MlpLayout::plan_options(
        twin.clone(),
        layout.dot_width,
        N,
        layout.visibility,
        layout.limb_bits,
        false,
        FreivaldsMode::On,
    )
    .unwrap();
    assert_eq!(twin_layout.freivalds, layout.freivalds);
    let params = MlpParams::default();
    let input: Vec<i64> = (f.items.iter())
        .flat_map(|x| quantize_input(params, x).unwrap())
        .collect();
    let wrong = MlpWitness::generate(&twin_layout, &input, Fr::from(0)).unwrap();
    let honest = f.pk.model().witness(&input, Fr::from(0)).unwrap();
    assert_ne!(
        wrong.outputs, honest.outputs,
        "the twin must change some output"
    );
    let proof = f.pk.prove_witness(wrong).unwrap();
    assert_refused(&proof, "wrong product");
}

/// The on-chain collection mode (hashed inputs, fixed weights, folded outputs) with every
/// layer Freivalds-checked: its verifier fits EIP-170 and accepts the batch.
#[test]
fn a_folded_freivalds_batch_fits_eip170_and_verifies_on_the_evm() {
    let vis = VisibilitySettings {
        inputs: Visibility::Hashed,
        weights: Visibility::Fixed,
        outputs: Visibility::Folded,
    };
    let compiled =
        CompiledModel::with_freivalds(model(), N, vis, false, FreivaldsMode::On).unwrap();
    assert_eq!(compiled.layout().freivalds.len(), 3);
    let srs = Srs::unsafe_setup_for_testing(compiled.k(), 4);
    let pk = ProvingKey::generate(&srs, &compiled).unwrap();
    let verifier = solc_verifier(&pk);
    let batch: Vec<zkmlp::batch::BatchItem> = (items().into_iter().enumerate())
        .map(|(k, features)| zkmlp::batch::BatchItem {
            collection: [0xc0; 20],
            token_id: [k as u8; 32],
            features,
        })
        .collect();
    let proof = pk.prove_batch(&batch, 1).unwrap();
    zkmlp::batch::verify_batch(pk.verifying_key(), &proof).unwrap();
    let mut calldata: Vec<u8> = proof.instance().unwrap().concat();
    calldata.extend_from_slice(&proof.bytes);
    let outcome = call_verifier(&verifier, calldata.clone());
    assert!(outcome.is_success(), "{outcome:?}");
    let size = verifier.contract.deployed_size();
    println!(
        "folded freivalds batch N = {N}: verifier {size} bytes, proof {} bytes, gas {}",
        proof.bytes.len(),
        outcome.gas_used
    );
    assert!(size <= EIP170_CODE_SIZE_LIMIT, "verifier is {size} bytes");
    calldata[32 * 3 + 100] ^= 1;
    assert!(!call_verifier(&verifier, calldata).is_success());
}
