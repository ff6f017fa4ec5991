//! The anvil client itself: the node starts on 127.0.0.1 under Osaka rules, is gone once the
//! client is dropped, and charges the same gas as revm for the same single valuation (the
//! default model: public features, weights fixed in the key, public price), and gives the
//! same verdicts and gas as revm on a proof whose range lane is split (its instance column in
//! the permutation).
//!
//! Needs `npm ci` (it installs anvil and solc-js); without the anvil binary each test is
//! skipped with a message.

mod common;

use std::net::TcpStream;

use zkmlp::{
    evm::{
        compile_oracle, compile_verifier, encode_calldata, nft_binding, submit_valuation_calldata,
        Address, Anvil, Attestation, Chain, CompiledContract, EvmError, LocalEvm, OracleConfig,
        Solc, HARDFORK,
    },
    quantize::quantize,
    CompiledModel, MlpParams, Proof, ProvingKey, Srs,
};

/// Deploys `verifier` on `chain` and calls it: `proof` is accepted; a flipped proof bit, a
/// proof word rewritten and a changed output are refused by the native verifier and by this
/// chain's verifier alike. Returns the verifier's address and the gas of the accepted call.
fn verifier_verdicts(
    chain: &mut dyn Chain,
    verifier: &CompiledContract,
    pk: &ProvingKey,
    proof: &Proof,
) -> (Address, u64) {
    let sender = chain.accounts()[0];
    let address = chain.deploy(verifier, &[]).unwrap();
    let direct = chain
        .call_from(sender, address, encode_calldata(proof))
        .unwrap();
    assert!(direct.is_success(), "{}: {direct:?}", chain.name());
    let mut flipped = proof.clone();
    flipped.bytes[100] ^= 1;
    let mut rewritten = proof.clone();
    rewritten.bytes[64 * 3..64 * 3 + 32].fill(0x11);
    let mut repriced = proof.clone();
    repriced.public_inputs.outputs[0] += 1;
    for bad in [flipped, rewritten, repriced] {
        assert!(zkmlp::verify(pk.verifying_key(), &bad).is_err());
        let call = chain
            .call_from(sender, address, encode_calldata(&bad))
            .unwrap();
        assert!(!call.is_success(), "{}: {call:?}", chain.name());
    }
    (address, direct.gas_used)
}

fn spawn() -> Option<Anvil> {
    match Anvil::spawn() {
        Ok(anvil) => Some(anvil),
        Err(EvmError::AnvilMissing) => {
            eprintln!("SKIPPED: the anvil binary is absent (run `npm ci` at the repository root)");
            None
        }
        Err(e) => panic!("anvil failed to start: {e}"),
    }
}

#[test]
fn the_node_listens_on_localhost_and_stops_on_drop() {
    let Some(anvil) = spawn() else { return };
    let port = anvil.port();
    assert!(TcpStream::connect(("127.0.0.1", port)).is_ok());
    assert_eq!(anvil.chain_id(), 31_337);
    assert!(anvil.accounts().len() >= 2);
    drop(anvil);
    assert!(
        TcpStream::connect(("127.0.0.1", port)).is_err(),
        "anvil still listens on port {port} after the client was dropped"
    );
}

#[test]
fn a_single_valuation_costs_the_same_gas_on_anvil_and_revm() {
    let Some(mut anvil) = spawn() else { return };
    let quantized = quantize(&common::small_model(), MlpParams::default()).unwrap();
    let (visibility, objective) = (Default::default(), zkmlp::PlanObjective::Verifier);
    let compiled = CompiledModel::with_objective(quantized, 1, visibility, objective).unwrap();
    let srs = Srs::unsafe_setup_for_testing(compiled.k(), 7);
    let pk = ProvingKey::generate(&srs, &compiled).unwrap();
    let (collection, token_id) = ([0xbc; 20], [1; 32]);
    let proof = pk
        .prove_bound(&[0.5, -1.0, 0.25, 1.5], nft_binding(collection, token_id))
        .unwrap();
    let solc = Solc::default();
    let verifier = compile_verifier(pk.verifying_key(), &solc).unwrap();
    let oracle = compile_oracle(&solc).unwrap();
    let mut revm = LocalEvm::new();
    let mut gas = Vec::new();
    for chain in [&mut revm as &mut dyn Chain, &mut anvil] {
        let sender = chain.accounts()[0];
        let (address, direct) = verifier_verdicts(chain, &verifier.contract, &pk, &proof);
        let config = OracleConfig::for_model(
            pk.model(),
            Some((pk.verifying_key(), address)),
            None,
            Attestation::TrustedSubmitter,
            vec![sender],
        )
        .unwrap();
        let oracle = chain
            .deploy(&oracle, &config.constructor_args().unwrap())
            .unwrap();
        let submitted = chain
            .call_from(
                sender,
                oracle,
                submit_valuation_calldata(collection, token_id, 1, &proof, &[]),
            )
            .unwrap();
        assert!(submitted.is_success(), "{}: {submitted:?}", chain.name());
        println!(
            "{} ({HARDFORK}): verifier call {direct} gas, submitValuation {} gas",
            chain.name(),
            submitted.gas_used
        );
        gas.push((direct, submitted.gas_used));
    }
    assert_eq!(gas[0], gas[1], "revm and anvil disagree on gas");
}

#[test]
fn split_range_lane_proofs_get_the_same_verdicts_and_gas_on_anvil_and_revm() {
    // 16-64-64-1: its range lane split over two columns in lockstep, its public values on
    // public rows as the planner lays it out, or copied to the instance column, which is then
    // in the permutation (`layout::lanes`)
    let Some(mut anvil) = spawn() else { return };
    for (name, (pk, proof)) in [
        ("public rows", common::split_lane_proof(7)),
        ("public copies", common::split_copies_proof(7)),
    ] {
        let verifier = compile_verifier(pk.verifying_key(), &Solc::default()).unwrap();
        let mut revm = LocalEvm::new();
        let mut gas = Vec::new();
        for chain in [&mut revm as &mut dyn Chain, &mut anvil] {
            let (_, direct) = verifier_verdicts(chain, &verifier.contract, &pk, &proof);
            println!(
                "{} ({HARDFORK}): split verifier ({name}, {} B) call {direct} gas",
                chain.name(),
                verifier.contract.deployed_size()
            );
            gas.push(direct);
        }
        assert_eq!(gas[0], gas[1], "{name}: revm and anvil disagree on gas");
    }
}
