//! Collection step: N valuations of one collection in one proof and one transaction
//! (`submitCollectionBatch`).
//!
//! The model is compiled for a batch of N NFTs with hashed features, weights fixed in the
//! verifying key and folded outputs, so the verifier's public part is `[c, input commitment,
//! D]` whatever N is. A data provider (a demo key, labelled as such) signs the NFT list, the
//! features' commitment and the epoch (EIP-712); the oracle recomputes the binding `c` and the
//! fold `D` from the submitted prices, calls the verifier, checks the signature and the epoch,
//! and stores every price with its epoch.
//!
//! `--gas-table` measures N = 16, 256 and 1,024 on revm and anvil (first write and update of
//! every token), for a batch of one collection (`submitCollectionBatch`) and one of the
//! snapshot's twelve collections mixed (`submitBatch`).

use std::{collections::HashSet, time::Instant};

use zkmlp::{
    batch::{BatchItem, BatchProof},
    evm::{
        calldata_gas, compile_oracle, compile_verifier, decode_valuation, valuation_of_calldata,
        Anvil, Attestation, BatchCall, CallOutcome, Chain, CompiledContract, CompiledVerifier,
        DataProvider, LocalEvm, OracleConfig, Solc, HARDFORK, TX_GAS_LIMIT,
    },
    quantize::{quantize_input, reference_forward},
    CompiledModel, QuantizedMlp, Srs, Visibility, VisibilitySettings,
};

use crate::dataset;

/// The demo data provider's secret key: public, for this example only.
const DEMO_PROVIDER_SECRET: [u8; 32] = [0x5e; 32];

/// A compiled batch circuit with its keys and contracts.
struct BatchSetup {
    pk: zkmlp::ProvingKey,
    verifier: CompiledVerifier,
    oracle: CompiledContract,
}

/// Compiles `quantized` for batches of `n`, generates keys (UNSAFE seeded SRS) and the contracts.
fn setup(quantized: &QuantizedMlp, n: usize) -> Result<BatchSetup, Box<dyn std::error::Error>> {
    let visibility = VisibilitySettings {
        inputs: Visibility::Hashed,
        weights: Visibility::Fixed,
        outputs: Visibility::Folded,
    };
    let compiled = CompiledModel::with_visibility(quantized.clone(), n, visibility)?;
    let start = Instant::now();
    let srs = Srs::unsafe_setup_for_testing(compiled.k(), 0x5eed);
    let pk = zkmlp::ProvingKey::generate(&srs, &compiled)?;
    println!(
        "batch of {n}: k = {}, keygen {:.2?} (SRS: UNSAFE seeded setup, for testing only)",
        compiled.k(),
        start.elapsed()
    );
    let solc = Solc::default();
    Ok(BatchSetup {
        verifier: compile_verifier(pk.verifying_key(), &solc)?,
        oracle: compile_oracle(&solc)?,
        pk,
    })
}

/// `n` distinct NFTs the model values above zero, from a synthetic snapshot of twelve
/// collections: all from the first collection if `one_collection`, else from any.
fn items(
    quantized: &QuantizedMlp,
    n: usize,
    one_collection: bool,
) -> Result<Vec<BatchItem>, Box<dyn std::error::Error>> {
    let mut seen = HashSet::new();
    let mut items = Vec::with_capacity(n);
    let sales = if one_collection {
        48 * n + 64
    } else {
        4 * n + 64
    };
    for sale in dataset::generate(sales, 2026) {
        if one_collection && sale.collection != 0 {
            continue;
        }
        let features = dataset::model_features(&sale);
        let raw = reference_forward(quantized, &quantize_input(quantized.params, &features)?)?;
        if raw.last().is_some_and(|&p| p > 0) && seen.insert((sale.collection, sale.token_id)) {
            items.push(BatchItem {
                collection: dataset::collection_address(sale.collection),
                token_id: dataset::token_id_word(sale.token_id),
                features,
            });
        }
        if items.len() == n {
            return Ok(items);
        }
    }
    Err(format!("fewer than {n} distinct positively valued NFTs in the snapshot").into())
}

/// Gas of one batch on chain.
struct Measured {
    verifier_bytes: usize,
    verifier_gas: u64,
    verifier_calldata_gas: u64,
    submit: CallOutcome,
    calldata_gas: u64,
}

/// Deploys the verifier and an oracle trusting the demo provider on `evm` (if not yet), and
/// submits `proof` with the provider's signature.
fn submit(
    evm: &mut dyn Chain,
    setup: &BatchSetup,
    oracle: &mut Option<[u8; 20]>,
    proof: &BatchProof,
) -> Result<Measured, Box<dyn std::error::Error>> {
    let provider = DataProvider::from_secret(&DEMO_PROVIDER_SECRET)?;
    let verifier = evm.deploy(&setup.verifier.contract, &[])?;
    let mut instance_calldata: Vec<u8> = proof.instance()?.concat();
    instance_calldata.extend_from_slice(&proof.bytes);
    let verifier_calldata_gas = calldata_gas(&instance_calldata);
    let sender = evm.accounts()[0];
    let direct = evm.call_from(sender, verifier, instance_calldata)?;
    if !direct.is_success() {
        return Err(format!("the verifier rejected the batch: {:?}", direct.status).into());
    }
    let address = match *oracle {
        Some(address) => address,
        None => {
            let model = setup.pk.model();
            let config = OracleConfig::for_model(
                model,
                None,
                Some((setup.pk.verifying_key(), model, verifier)),
                Attestation::SignedFeatures,
                vec![provider.address()],
            )?;
            *oracle.insert(evm.deploy(&setup.oracle, &config.constructor_args()?)?)
        }
    };
    let attestation = provider.attest(
        evm.chain_id(),
        address,
        &proof.collections,
        &proof.token_ids,
        proof.commitments[0],
        proof.epoch,
    )?;
    // submitCollectionBatch for a batch of one collection, else submitBatch.
    let calldata = BatchCall::from_proof(proof, &attestation).cheapest_calldata();
    let calldata_gas = calldata_gas(&calldata);
    let outcome = evm.call_from(sender, address, calldata)?;
    Ok(Measured {
        verifier_bytes: setup.verifier.contract.deployed_size(),
        verifier_gas: direct.gas_used,
        verifier_calldata_gas,
        submit: outcome,
        calldata_gas,
    })
}

/// Proves `items` at `epoch` and checks the proof natively; prints the time.
fn prove(
    setup: &BatchSetup,
    items: &[BatchItem],
    epoch: u64,
) -> Result<BatchProof, Box<dyn std::error::Error>> {
    let start = Instant::now();
    let proof = setup.pk.prove_batch(items, epoch)?;
    let prove_time = start.elapsed();
    zkmlp::batch::verify_batch(setup.pk.verifying_key(), &proof)?;
    println!(
        "batch of {}: proved epoch {epoch} in {prove_time:.2?} ({} proof bytes, {} output words), verified natively",
        items.len(),
        proof.bytes.len(),
        proof.words.len()
    );
    Ok(proof)
}

/// The collection step: `n` valuations in one proof and one transaction.
pub fn run(quantized: &QuantizedMlp, n: usize) -> Result<(), Box<dyn std::error::Error>> {
    let setup = setup(quantized, n)?;
    let items = items(quantized, n, true)?;
    let proof = prove(&setup, &items, 1)?;
    let mut evm = LocalEvm::new();
    let mut oracle = None;
    let measured = submit(&mut evm, &setup, &mut oracle, &proof)?;
    if !measured.submit.is_success() {
        return Err(format!("submitCollectionBatch failed: {:?}", measured.submit).into());
    }
    // Read one valuation back.
    let prices = proof.prices(setup.pk.verifying_key())?;
    let (collection, token_id) = (proof.collections[0], proof.token_ids[0]);
    let stored = evm.view(
        oracle.ok_or("no oracle")?,
        valuation_of_calldata(collection, token_id),
    )?;
    let (wei, epoch) = decode_valuation(&stored).ok_or("valuationOf returned nothing")?;
    println!(
        "valuationOf(first NFT) = {:.6} ETH at epoch {epoch} (proven {:.6} ETH); {HARDFORK} rules, revm",
        wei as f64 / 1e18,
        prices[0]
    );
    let gas = measured.submit.gas_used;
    println!(
        "batch on-chain: {n} valuations, verifier {} bytes, {gas} gas, {} gas per valuation",
        measured.verifier_bytes,
        gas / n as u64
    );
    Ok(())
}

/// `--gas-table`: N = 16, 256, 1,024 (or `--batch N` alone) on revm and anvil (if installed),
/// first write and update, for a batch of one collection (`submitCollectionBatch`) and a mixed
/// one (`submitBatch`), as a Markdown table. A first write of 1,024 tokens is over EIP-7825's
/// cap, so both chains lift the cap to measure it.
pub fn gas_table(
    quantized: &QuantizedMlp,
    sizes: &[usize],
) -> Result<(), Box<dyn std::error::Error>> {
    let mut rows = Vec::new();
    for &n in sizes {
        let setup = setup(quantized, n)?;
        for (one_collection, call) in [(true, "submitCollectionBatch"), (false, "submitBatch")] {
            let items = items(quantized, n, one_collection)?;
            let (first, update) = (prove(&setup, &items, 1)?, prove(&setup, &items, 2)?);
            let mut chains: Vec<Box<dyn Chain>> = vec![Box::new(
                LocalEvm::new().with_tx_gas_limit(4 * TX_GAS_LIMIT),
            )];
            match Anvil::binary() {
                Some(binary) => {
                    chains.push(Box::new(Anvil::spawn_binary(&binary, 4 * TX_GAS_LIMIT)?))
                }
                None => println!("anvil is not installed (npm ci): measuring on revm only"),
            }
            for chain in &mut chains {
                rows.push(row(chain.as_mut(), &setup, (&first, &update), call)?);
            }
        }
    }
    println!(
        "gas under {HARDFORK}, batch proofs with hashed features, fixed weights, folded outputs:"
    );
    println!("| EVM | call | N | verifier bytes | verifier call gas | first write | update | verification + calldata per valuation |");
    println!("|---|---|---|---|---|---|---|---|");
    for row in rows {
        println!("{row}");
    }
    Ok(())
}

/// Submits `first` (epoch 1) then `update` (epoch 2) through `call` on `chain`: one table row.
fn row(
    chain: &mut dyn Chain,
    setup: &BatchSetup,
    (first, update): (&BatchProof, &BatchProof),
    call: &str,
) -> Result<String, Box<dyn std::error::Error>> {
    let n = first.token_ids.len();
    let mut oracle = None;
    let a = submit(chain, setup, &mut oracle, first)?;
    let b = submit(chain, setup, &mut oracle, update)?;
    if !a.submit.is_success() || !b.submit.is_success() {
        return Err(format!(
            "{call} failed at N = {n}: {:?} / {:?}",
            a.submit.status, b.submit.status
        )
        .into());
    }
    let per = |gas: u64| gas / n as u64;
    // Verification + calldata: the verifier's execution (its call minus its own base and
    // calldata) plus the oracle call's base and calldata.
    let verification = b.verifier_gas - 21_000 - b.verifier_calldata_gas;
    let verification_and_calldata = verification + 21_000 + b.calldata_gas;
    Ok(format!(
        "| {} | {call} | {n} | {} | {} | {} ({}/valuation{}) | {} ({}/valuation) | {} |",
        chain.name(),
        a.verifier_bytes,
        b.verifier_gas,
        a.submit.gas_used,
        per(a.submit.gas_used),
        if a.submit.gas_used > TX_GAS_LIMIT {
            ", over the 2^24 cap"
        } else {
            ""
        },
        b.submit.gas_used,
        per(b.submit.gas_used),
        per(verification_and_calldata),
    ))
}
