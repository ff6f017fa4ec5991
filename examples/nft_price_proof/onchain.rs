//! On-chain step of the example: generate the Solidity verifier, compile it and the oracle
//! with the pinned solc-js, deploy both on an in-process EVM (revm) and submit a valuation.
//!
//! Writes `target/nft_price_proof/{Verifier.sol, NftValuationOracle.sol, calldata.hex}` (under
//! `private/` for the private model), so the same contracts and calldata can be used with
//! foundry or hardhat (see the README). For a private model the oracle is deployed pinned to
//! the published weight commitment.
//! Needs Node.js and `npm ci` at the repository root.

use std::{fs, path::Path};

use zkmlp::evm::{
    calldata_hex, compile_oracle, compile_verifier, decode_uint, encode_calldata, nft_binding,
    price_wei, submit_valuation_calldata, Attestation, LocalEvm, OracleConfig, Solc, HARDFORK,
    ORACLE_SOURCE,
};

/// Verifies `proof` on chain through the valuation oracle, as the valuation of NFT `token_id`
/// of `collection`; `proof` must have been made with
/// `pk.prove_bound(features, zkmlp::evm::nft_binding(collection, token_id))`. `label` names
/// the run in the output (`""` for the default model, `"private"` for the private one).
///
/// # Errors
/// If the proof is bound to another NFT, if the contracts do not compile (Node.js or solc-js
/// missing), or if a deployment or the submission fails.
pub fn run_onchain(
    pk: &zkmlp::ProvingKey,
    proof: &zkmlp::Proof,
    collection: [u8; 20],
    token_id: [u8; 32],
    label: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    if proof.public_inputs.binding != nft_binding(collection, token_id) {
        return Err("the proof is not bound to this NFT: prove it with `prove_bound(features, nft_binding(collection, token_id))`".into());
    }
    let mut out_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/nft_price_proof");
    if !label.is_empty() {
        out_dir.push(label);
    }
    fs::create_dir_all(&out_dir)?;

    let solc = Solc::default();
    let verifier = compile_verifier(pk.verifying_key(), &solc)?;
    let oracle = compile_oracle(&solc)?;
    fs::write(out_dir.join("Verifier.sol"), verifier.solidity.source())?;
    fs::write(out_dir.join("NftValuationOracle.sol"), ORACLE_SOURCE)?;
    fs::write(out_dir.join("calldata.hex"), calldata_hex(proof))?;
    println!(
        "wrote {}/{{Verifier.sol, NftValuationOracle.sol, calldata.hex}} (solc {}, verifier calldata {} bytes)",
        out_dir.display(),
        solc.version()?,
        verifier.solidity.calldata_len()
    );

    let mut evm = LocalEvm::new();
    let verifier_address = evm.deploy(&verifier.contract, &[])?;
    let direct = evm.call(verifier_address, encode_calldata(proof))?;
    if !direct.is_success() {
        return Err(format!("the verifier rejected the proof: {:?}", direct.status).into());
    }
    // The oracle pins the model (for the private model: its published commitment) and trusts
    // one submitter, the account this step sends from.
    let config = OracleConfig::for_model(
        pk.model(),
        Some((pk.verifying_key(), verifier_address)),
        None,
        Attestation::TrustedSubmitter,
        vec![evm.accounts()[0]],
    )?;
    let oracle_address = evm.deploy(&oracle, &config.constructor_args()?)?;
    let outcome = evm.call(
        oracle_address,
        submit_valuation_calldata(collection, token_id, 1, proof, &[]),
    )?;
    if !outcome.is_success() {
        return Err(format!(
            "submitValuation failed: {:?}, output 0x{}",
            outcome.status,
            hex::encode(&outcome.output)
        )
        .into());
    }
    let stored = decode_uint(&outcome.output).ok_or("submitValuation returned no price")?;
    let raw = proof
        .public_inputs
        .outputs
        .last()
        .copied()
        .ok_or("the proof has no output")?;
    if price_wei(raw, proof.scale_bits) != Some(stored) {
        return Err(format!("the oracle stored {stored} wei for a proven output of {raw}").into());
    }
    println!(
        "oracle stored valuation: {stored} wei ({:.6} ETH)",
        stored as f64 / 1e18
    );
    let suffix = if label.is_empty() {
        String::new()
    } else {
        format!(" ({label} model)")
    };
    println!(
        "verifier call alone{suffix}: {} gas ({HARDFORK} rules)",
        direct.gas_used
    );
    println!("evm gas used{suffix}: {}", outcome.gas_used);
    println!(
        "verifier deployed size{suffix}: {} bytes",
        verifier.contract.deployed_size()
    );
    Ok(())
}
