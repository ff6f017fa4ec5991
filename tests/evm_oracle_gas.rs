//! What `NftValuationOracle` itself costs per token, apart from the proof: the oracle is
//! deployed over a stub verifier that accepts every call, so the gas measured is the oracle's
//! own (binding, fold, attestation, unpacking, storage, events) plus calldata. Gas is
//! deterministic under Osaka rules; these are not timed tests.
//!
//! Needs Node.js and `npm ci` (solc-js).

mod common;

use std::sync::OnceLock;

use common::chain::token;
use zkmlp::{
    batch::pack_words,
    evm::{
        compile_oracle, Address, Attestation, BatchCall, BatchShape, CallOutcome, Chain,
        CompiledContract, DataProvider, InstanceLayout, LocalEvm, ModelPin, OracleConfig, Solc,
        TX_GAS_LIMIT,
    },
};

/// Bits per packed output, as in the example (24-bit activations).
const BITS: u32 = 24;

/// A contract whose code is one `STOP`: every call to it succeeds.
fn accept_all() -> CompiledContract {
    // PUSH1 1, PUSH1 12, PUSH1 0, CODECOPY, PUSH1 1, PUSH1 0, RETURN; then the code: STOP.
    let creation_code = hex::decode("6001600c60003960016000f300").unwrap();
    CompiledContract {
        name: "AcceptAll".into(),
        creation_code,
        deployed_code: vec![0],
    }
}

fn oracle_contract() -> &'static CompiledContract {
    static ORACLE: OnceLock<CompiledContract> = OnceLock::new();
    ORACLE.get_or_init(|| {
        compile_oracle(&Solc::default())
            .expect("compiling needs Node.js and `npm ci` at the repository root")
    })
}

/// A collection address shaped like the example's (four bytes of prefix, a small index).
fn collection(index: u8) -> Address {
    let mut address = [0; 20];
    address[..4].copy_from_slice(&[0xc0, 0x11, 0xec, 0x70]);
    address[19] = index;
    address
}

/// An oracle for batches of `n` one-output valuations over the accept-all verifier, trusting
/// `provider`'s signatures.
fn deploy(chain: &mut dyn Chain, n: usize, provider: &DataProvider) -> Address {
    let verifier = chain.deploy(&accept_all(), &[]).unwrap();
    let layout = InstanceLayout {
        verifier,
        num_instances: 3,
        inputs: Some((1, 1)),
        model: ModelPin::InKey,
    };
    let shape = BatchShape {
        size: n,
        outputs: 1,
        bits: BITS,
    };
    let config = OracleConfig {
        single: None,
        batch: Some((layout, shape)),
        scale_bits: 12,
        model_commitment: None,
        attestation: Attestation::SignedFeatures,
        trusted: vec![provider.address()],
        allow_unpinned_model: false,
    };
    chain
        .deploy(oracle_contract(), &config.constructor_args().unwrap())
        .unwrap()
}

/// Which entry point a batch goes through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Entry {
    /// `submitBatch`.
    Batch,
    /// `submitCollectionBatch`.
    Collection,
}

/// Submits one token of each of `collections` at `epoch` through `entry`.
fn submit(
    chain: &mut dyn Chain,
    oracle: Address,
    provider: &DataProvider,
    collections: &[Address],
    epoch: u64,
    entry: Entry,
) -> CallOutcome {
    let n = collections.len();
    let token_ids: Vec<[u8; 32]> = (0..n as u64).map(|k| token(1000 + k)).collect();
    let prices: Vec<i64> = (0..n as i64)
        .map(|k| 4096 * (k + 1) + epoch as i64)
        .collect();
    let words = pack_words(&prices, BITS);
    let commitments = [[0x11; 32]];
    let signature = provider
        .attest(
            chain.chain_id(),
            oracle,
            collections,
            &token_ids,
            commitments[0],
            epoch,
        )
        .unwrap();
    let call = BatchCall {
        collections,
        token_ids: &token_ids,
        epoch,
        commitments: &commitments,
        words: &words,
        proof: &[0xab; 2464],
        attestation: &signature,
    };
    let sender = chain.accounts()[0];
    let data = match entry {
        Entry::Batch => call.calldata(),
        Entry::Collection => call.collection_calldata().unwrap(),
    };
    chain.call_from(sender, oracle, data).unwrap()
}

/// Gas of a first write and of an update of `n` tokens of one collection through `entry`.
fn measure(n: usize, entry: Entry) -> (u64, u64) {
    let provider = DataProvider::from_secret(&[0x42; 32]).unwrap();
    let mut evm = LocalEvm::new().with_tx_gas_limit(4 * TX_GAS_LIMIT);
    let oracle = deploy(&mut evm, n, &provider);
    let collections = vec![collection(1); n];
    let first = submit(&mut evm, oracle, &provider, &collections, 1, entry);
    let update = submit(&mut evm, oracle, &provider, &collections, 2, entry);
    assert!(first.is_success(), "{entry:?}: {first:?}");
    assert!(update.is_success(), "{entry:?}: {update:?}");
    (first.gas_used, update.gas_used)
}

/// Gas per token between batches of 128 and 256: `(first write, update)`.
fn marginal(entry: Entry) -> (u64, u64) {
    let (first_128, update_128) = measure(128, entry);
    let (first_256, update_256) = measure(256, entry);
    println!(
        "{entry:?}: N = 128 {first_128} / {update_128}, N = 256 {first_256} / {update_256} gas (first write / update)"
    );
    (
        (first_256 - first_128) / 128,
        (update_256 - update_128) / 128,
    )
}

#[test]
fn per_token_gas_of_both_batch_entry_points() {
    let (batch_first, batch_update) = marginal(Entry::Batch);
    let (collection_first, collection_update) = marginal(Entry::Collection);
    println!("per token: submitBatch {batch_first} / {batch_update}, submitCollectionBatch {collection_first} / {collection_update} gas (first write / update)");
    // An update is a cold SLOAD (2,100), an SSTORE (2,900), the event (1,756) and the
    // calldata of the token id (and, for submitBatch, of its collection): what is left is
    // the oracle's own work per token, 8,784 gas before the one-pass storing loop.
    assert!(
        batch_update < 8_000,
        "submitBatch: {batch_update} gas per token"
    );
    // submitCollectionBatch saves the collection's calldata (188 gas for this address), less
    // the memory it writes the repeated collection into for the two hashes.
    assert!(
        collection_update + 50 < batch_update,
        "submitCollectionBatch: {collection_update} gas per token, submitBatch {batch_update}"
    );
    // A first write adds 17,100 per token: SSTORE from zero (20,000 + 2,100 cold) against
    // an update's 5,000.
    for extra in [
        batch_first - batch_update,
        collection_first - collection_update,
    ] {
        assert!((17_090..=17_110).contains(&extra), "{extra}");
    }
}
