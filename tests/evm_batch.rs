//! `NftValuationOracle.submitBatch` and `submitCollectionBatch` with real folded-output batch
//! proofs, on revm AND on a real node (anvil over JSON-RPC, started by each test), under Osaka
//! rules: a batch is stored whole, and each tampering reverts it whole (one price changed, two
//! tokens swapped, an older or equal epoch, features signed by an unknown key, a proof from
//! another model of the same shape), through either entry point; a batch replayed through the
//! other entry point reverts.
//!
//! Needs Node.js and `npm ci` (solc-js; anvil). Without the anvil binary the anvil half of each
//! test is skipped with a message; CI installs it.

mod common;

use std::sync::OnceLock;

use common::chain::{assert_reverts_with, deploy_oracle, on_both_chains, token};
use zkmlp::{
    batch::{BatchItem, BatchProof},
    evm::{
        batch_event_topic, compile_oracle, compile_verifier, decode_valuation,
        decode_valuation_word, items_hash, price_wei, valuation_event_topic, valuation_of_calldata,
        Address, Attestation, BatchCall, CallOutcome, CallStatus, Chain, CompiledContract,
        CompiledVerifier, DataProvider, OracleConfig, Solc,
    },
    quantize::{quantize, quantize_input, reference_forward},
    CompiledModel, MlpParams, ProvingKey, Srs, Visibility, VisibilitySettings,
};

/// Valuations per batch in these tests.
const N: usize = 4;

/// The oracle's two batch entry points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Entry {
    /// `submitBatch`, here with items of two collections.
    Batch,
    /// `submitCollectionBatch`, with items of one collection.
    Collection,
}

const ENTRIES: [Entry; 2] = [Entry::Batch, Entry::Collection];

/// Proofs of one list of items.
struct Proofs {
    /// The batch at epoch 5.
    proof: BatchProof,
    /// The same items at epoch 4.
    older: BatchProof,
    /// The same items at epoch 5, by another model of the same shape.
    other_model: BatchProof,
}

struct Fixture {
    pk: ProvingKey,
    verifier: CompiledVerifier,
    oracle: CompiledContract,
    /// Items of two collections (for `submitBatch`).
    mixed: Proofs,
    /// The same tokens, all of one collection (for `submitCollectionBatch`).
    one_collection: Proofs,
    provider: DataProvider,
    stranger: DataProvider,
}

impl Fixture {
    fn proofs(&self, entry: Entry) -> &Proofs {
        match entry {
            Entry::Batch => &self.mixed,
            Entry::Collection => &self.one_collection,
        }
    }
}

fn visibility() -> VisibilitySettings {
    VisibilitySettings {
        inputs: Visibility::Hashed,
        weights: Visibility::Hashed,
        outputs: Visibility::Folded,
    }
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let params = MlpParams::default();
        let quantized = quantize(&common::small_model(), params).unwrap();
        let mut other = quantized.clone();
        other.layers[0].weights[0][0] += 1;
        // Features whose integer reference price is positive.
        let positive: Vec<Vec<f64>> = (0..256)
            .map(|i| {
                (0..4)
                    .map(|j| ((i * 4 + j) as f64 * 1.618).sin() * 2.0)
                    .collect::<Vec<f64>>()
            })
            .filter(|x| {
                reference_forward(&quantized, &quantize_input(params, x).unwrap()).unwrap()[0] > 0
            })
            .take(N)
            .collect();
        assert_eq!(positive.len(), N);
        let items: Vec<BatchItem> = positive
            .into_iter()
            .enumerate()
            .map(|(k, features)| BatchItem {
                collection: [0xa0 + (k % 2) as u8; 20],
                token_id: token(k as u64 + 1),
                features,
            })
            .collect();
        let key = |model| {
            let compiled = CompiledModel::with_visibility(model, N, visibility()).unwrap();
            let srs = Srs::unsafe_setup_for_testing(compiled.k(), 4);
            ProvingKey::generate(&srs, &compiled).unwrap()
        };
        let (pk, other_pk) = (key(quantized), key(other));
        let solc = Solc::default();
        let verifier = compile_verifier(pk.verifying_key(), &solc)
            .expect("compiling needs Node.js and `npm ci` at the repository root");
        let oracle = compile_oracle(&solc).unwrap();
        let proofs = |items: &[BatchItem]| Proofs {
            proof: pk.prove_batch(items, 5).unwrap(),
            older: pk.prove_batch(items, 4).unwrap(),
            other_model: other_pk.prove_batch(items, 5).unwrap(),
        };
        let one: Vec<BatchItem> = items
            .iter()
            .map(|item| BatchItem {
                collection: [0xa0; 20],
                ..item.clone()
            })
            .collect();
        let (mixed, one_collection) = (proofs(&items), proofs(&one));
        Fixture {
            pk,
            verifier,
            oracle,
            mixed,
            one_collection,
            provider: DataProvider::from_secret(&[0x42; 32]).unwrap(),
            stranger: DataProvider::from_secret(&[0x43; 32]).unwrap(),
        }
    })
}

fn deploy(chain: &mut dyn Chain, attestation: Attestation, trusted: Vec<Address>) -> Address {
    let f = fixture();
    deploy_oracle(chain, &f.verifier.contract, &f.oracle, |verifier| {
        let (vk, model) = (f.pk.verifying_key(), f.pk.model());
        OracleConfig::for_model(
            model,
            None,
            Some((vk, model, verifier)),
            attestation,
            trusted,
        )
        .unwrap()
    })
}

/// `by`'s signature over the proof's items, input commitment and epoch.
fn sign(chain: &dyn Chain, oracle: Address, by: &DataProvider, proof: &BatchProof) -> Vec<u8> {
    by.attest(
        chain.chain_id(),
        oracle,
        &proof.collections,
        &proof.token_ids,
        proof.commitments[0],
        proof.epoch,
    )
    .unwrap()
    .to_vec()
}

/// Submits `proof` with `attestation` through `entry` (`submitCollectionBatch`: with the
/// first item's collection for all).
fn submit(
    chain: &mut dyn Chain,
    oracle: Address,
    proof: &BatchProof,
    attestation: &[u8],
    entry: Entry,
) -> CallOutcome {
    let sender = chain.accounts()[0];
    let call = BatchCall::from_proof(proof, attestation);
    let calldata = match entry {
        Entry::Batch => call.calldata(),
        Entry::Collection => call.collection_calldata().unwrap_or_else(|| {
            let collections = vec![proof.collections[0]; proof.collections.len()];
            BatchCall {
                collections: &collections,
                ..call
            }
            .collection_calldata()
            .unwrap()
        }),
    };
    chain.call_from(sender, oracle, calldata).unwrap()
}

/// Deploys an oracle trusting the fixture's provider's signatures.
fn deploy_signed(chain: &mut dyn Chain) -> Address {
    deploy(
        chain,
        Attestation::SignedFeatures,
        vec![fixture().provider.address()],
    )
}

/// What `valuationOf` returns for each item of `proof`.
fn valuations(chain: &mut dyn Chain, oracle: Address, proof: &BatchProof) -> Vec<(u128, u64)> {
    proof
        .collections
        .iter()
        .zip(&proof.token_ids)
        .map(|(&collection, &token_id)| {
            let output = chain
                .view(oracle, valuation_of_calldata(collection, token_id))
                .unwrap();
            decode_valuation(&output).unwrap()
        })
        .collect()
}

#[test]
fn a_signed_batch_is_stored_whole() {
    let f = fixture();
    let scale_bits = MlpParams::default().scale_bits;
    on_both_chains(|chain| {
        for entry in ENTRIES {
            let proof = &f.proofs(entry).proof;
            zkmlp::batch::verify_batch(f.pk.verifying_key(), proof).unwrap();
            let prices: Vec<u128> = proof
                .outputs(f.pk.verifying_key())
                .unwrap()
                .iter()
                .map(|&raw| price_wei(raw, scale_bits).unwrap())
                .collect();
            let oracle = deploy_signed(chain);
            let signature = sign(chain, oracle, &f.provider, proof);
            let outcome = submit(chain, oracle, proof, &signature, entry);
            assert!(
                outcome.is_success(),
                "{} {entry:?}: {outcome:?}",
                chain.name()
            );
            println!(
                "{} {entry:?}: {N} valuations (first write): {} gas",
                chain.name(),
                outcome.gas_used
            );
            let stored = valuations(chain, oracle, proof);
            assert_eq!(stored, prices.iter().map(|&p| (p, 5)).collect::<Vec<_>>());
            // One event per valuation, (collection, tokenId) indexed, the stored word as data;
            // then one for the batch.
            assert_eq!(outcome.logs.len(), N + 1);
            for (k, log) in outcome.logs[..N].iter().enumerate() {
                assert_eq!(log.topics[0], valuation_event_topic());
                assert_eq!(log.topics[1][12..], proof.collections[k]);
                assert_eq!(log.topics[2], proof.token_ids[k]);
                let word: [u8; 32] = log.data[..].try_into().unwrap();
                assert_eq!(decode_valuation_word(&word), Some(stored[k]));
            }
            assert_eq!(outcome.logs[N].topics[0], batch_event_topic());
        }
        // The attestation covers the items in order.
        let p = &f.mixed.proof;
        let swapped = [
            p.token_ids[1],
            p.token_ids[0],
            p.token_ids[2],
            p.token_ids[3],
        ];
        assert_ne!(
            items_hash(&p.collections, &p.token_ids),
            items_hash(&p.collections, &swapped)
        );
    });
}

#[test]
fn a_changed_price_reverts_the_batch() {
    let f = fixture();
    let bits = MlpParams::default().activation_bits;
    on_both_chains(|chain| {
        for entry in ENTRIES {
            let proof = &f.proofs(entry).proof;
            let oracle = deploy_signed(chain);
            let signature = sign(chain, oracle, &f.provider, proof);
            // Item 0's price (one output per item) is the first value of word 0, in its most
            // significant slot: word 0 holds min(P, N) values. Add one to it.
            let mut changed = proof.clone();
            let in_word_0 = zkmlp::batch::values_per_word(bits).min(N);
            let slot_bit = (in_word_0 - 1) * bits as usize;
            let byte = 31 - slot_bit / 8;
            changed.words[0][byte] = changed.words[0][byte].wrapping_add(1 << (slot_bit % 8));
            assert_ne!(changed.words, proof.words);
            let outcome = submit(chain, oracle, &changed, &signature, entry);
            assert_reverts_with(chain, &outcome, "InvalidProof()");
            // A word at or above 2^(P B) is refused before anything else.
            let mut oversized = proof.clone();
            oversized.words[0][0] |= 0x80;
            let outcome = submit(chain, oracle, &oversized, &signature, entry);
            assert_reverts_with(chain, &outcome, "WordOutOfRange(uint256)");
            assert!(valuations(chain, oracle, proof)
                .iter()
                .all(|&v| v == (0, 0)));
        }
    });
}

#[test]
fn swapped_tokens_revert_the_batch() {
    let f = fixture();
    on_both_chains(|chain| {
        for entry in ENTRIES {
            let proof = &f.proofs(entry).proof;
            let oracle = deploy_signed(chain);
            let mut swapped = proof.clone();
            swapped.token_ids.swap(0, 2);
            // With the provider's signature of the true order, the attestation fails...
            let signature = sign(chain, oracle, &f.provider, proof);
            let outcome = submit(chain, oracle, &swapped, &signature, entry);
            assert_reverts_with(chain, &outcome, "UntrustedFeatures(address)");
            // ...and even with a signature of the swapped list, the proof is bound to the true
            // one.
            let resigned = sign(chain, oracle, &f.provider, &swapped);
            let outcome = submit(chain, oracle, &swapped, &resigned, entry);
            assert_reverts_with(chain, &outcome, "InvalidProof()");
            assert!(valuations(chain, oracle, proof)
                .iter()
                .all(|&v| v == (0, 0)));
        }
    });
}

#[test]
fn an_equal_or_older_epoch_reverts_the_batch() {
    let f = fixture();
    let stale = "StaleEpoch(address,uint256,uint64,uint64)";
    on_both_chains(|chain| {
        for entry in ENTRIES {
            let Proofs { proof, older, .. } = f.proofs(entry);
            let oracle = deploy_signed(chain);
            let signature = sign(chain, oracle, &f.provider, proof);
            assert!(submit(chain, oracle, proof, &signature, entry).is_success());
            // The same batch again (equal epoch), then a valid proof of the same items at
            // epoch 4.
            let outcome = submit(chain, oracle, proof, &signature, entry);
            assert_reverts_with(chain, &outcome, stale);
            let older_signature = sign(chain, oracle, &f.provider, older);
            let outcome = submit(chain, oracle, older, &older_signature, entry);
            assert_reverts_with(chain, &outcome, stale);
            // The epoch is part of the binding: the epoch-5 proof does not pass as epoch 6.
            let mut relabelled = proof.clone();
            relabelled.epoch = 6;
            let relabelled_signature = sign(chain, oracle, &f.provider, &relabelled);
            let outcome = submit(chain, oracle, &relabelled, &relabelled_signature, entry);
            assert_reverts_with(chain, &outcome, "InvalidProof()");
            assert!(valuations(chain, oracle, proof)
                .iter()
                .all(|&(_, epoch)| epoch == 5));
        }
    });
}

#[test]
fn a_batch_replayed_through_the_other_entry_point_reverts() {
    let f = fixture();
    let stale = "StaleEpoch(address,uint256,uint64,uint64)";
    on_both_chains(|chain| {
        // A batch of one collection is one statement with two encodings: the same proof and
        // signature pass either entry point once, and the second submission is stale.
        let proof = &f.one_collection.proof;
        for (first, second) in [
            (Entry::Collection, Entry::Batch),
            (Entry::Batch, Entry::Collection),
        ] {
            let oracle = deploy_signed(chain);
            let signature = sign(chain, oracle, &f.provider, proof);
            let outcome = submit(chain, oracle, proof, &signature, first);
            assert!(
                outcome.is_success(),
                "{} {first:?}: {outcome:?}",
                chain.name()
            );
            let outcome = submit(chain, oracle, proof, &signature, second);
            assert_reverts_with(chain, &outcome, stale);
        }
        // A batch of two collections cannot pass as one collection's: the provider's
        // signature covers the true list, and a signature of the relabelled list does not
        // change what the proof is bound to.
        let mixed = &f.mixed.proof;
        let oracle = deploy_signed(chain);
        let signature = sign(chain, oracle, &f.provider, mixed);
        let outcome = submit(chain, oracle, mixed, &signature, Entry::Collection);
        assert_reverts_with(chain, &outcome, "UntrustedFeatures(address)");
        let relabelled = BatchProof {
            collections: vec![mixed.collections[0]; N],
            ..mixed.clone()
        };
        let signature = sign(chain, oracle, &f.provider, &relabelled);
        let outcome = submit(chain, oracle, mixed, &signature, Entry::Collection);
        assert_reverts_with(chain, &outcome, "InvalidProof()");
        assert!(valuations(chain, oracle, &relabelled)
            .iter()
            .chain(&valuations(chain, oracle, mixed))
            .all(|&v| v == (0, 0)));
    });
}

#[test]
fn features_signed_by_an_unknown_key_revert_the_batch() {
    let f = fixture();
    on_both_chains(|chain| {
        for entry in ENTRIES {
            let proof = &f.proofs(entry).proof;
            let oracle = deploy_signed(chain);
            let signature = sign(chain, oracle, &f.stranger, proof);
            let outcome = submit(chain, oracle, proof, &signature, entry);
            assert_reverts_with(chain, &outcome, "UntrustedFeatures(address)");
            assert!(valuations(chain, oracle, proof)
                .iter()
                .all(|&v| v == (0, 0)));
        }
    });
}

#[test]
fn a_batch_from_another_model_of_the_same_shape_reverts() {
    let f = fixture();
    on_both_chains(|chain| {
        for entry in ENTRIES {
            let other_model = &f.proofs(entry).other_model;
            // The verifier alone accepts it: the key does not hold the weights.
            zkmlp::batch::verify_batch(f.pk.verifying_key(), other_model).unwrap();
            let oracle = deploy_signed(chain);
            let signature = sign(chain, oracle, &f.provider, other_model);
            let outcome = submit(chain, oracle, other_model, &signature, entry);
            assert_reverts_with(chain, &outcome, "ModelMismatch(uint256,uint256)");
        }
    });
}

#[test]
fn a_trusted_submitter_needs_no_signature() {
    let f = fixture();
    on_both_chains(|chain| {
        let accounts = chain.accounts();
        let oracle = deploy(chain, Attestation::TrustedSubmitter, vec![accounts[0]]);
        let outcome = submit(chain, oracle, &f.mixed.proof, &[], Entry::Batch);
        assert!(outcome.is_success(), "{}: {outcome:?}", chain.name());
        assert!(valuations(chain, oracle, &f.mixed.proof)
            .iter()
            .all(|&(_, epoch)| epoch == 5));
        let wrong_shape = BatchCall {
            collections: &f.mixed.proof.collections[1..],
            token_ids: &f.mixed.proof.token_ids[1..],
            epoch: 6,
            commitments: &f.mixed.proof.commitments,
            words: &f.mixed.proof.words,
            proof: &f.mixed.proof.bytes,
            attestation: &[],
        };
        let outcome = chain
            .call_from(accounts[0], oracle, wrong_shape.calldata())
            .unwrap();
        assert_reverts_with(chain, &outcome, "WrongBatchShape()");
        let outcome = chain
            .call_from(
                accounts[1],
                oracle,
                BatchCall {
                    epoch: 6,
                    ..wrong_shape
                }
                .calldata(),
            )
            .unwrap();
        assert_eq!(outcome.status, CallStatus::Revert);
        // The collection entry point makes the same checks.
        let one = &f.one_collection.proof;
        let oracle = deploy(chain, Attestation::TrustedSubmitter, vec![accounts[0]]);
        let short = BatchCall {
            collections: &one.collections[1..],
            token_ids: &one.token_ids[1..],
            ..BatchCall::from_proof(one, &[])
        };
        let outcome = chain
            .call_from(accounts[0], oracle, short.collection_calldata().unwrap())
            .unwrap();
        assert_reverts_with(chain, &outcome, "WrongBatchShape()");
        let call = BatchCall::from_proof(one, &[])
            .collection_calldata()
            .unwrap();
        let outcome = chain.call_from(accounts[1], oracle, call.clone()).unwrap();
        assert_reverts_with(chain, &outcome, "UntrustedSubmitter(address)");
        let outcome = chain.call_from(accounts[0], oracle, call).unwrap();
        assert!(outcome.is_success(), "{}: {outcome:?}", chain.name());
        assert!(valuations(chain, oracle, one)
            .iter()
            .all(|&(_, epoch)| epoch == 5));
    });
}
