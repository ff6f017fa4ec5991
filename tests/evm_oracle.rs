//! The oracle's single-valuation path on revm AND on a real node (anvil over JSON-RPC, started
//! by each test, see `zkmlp::evm::Anvil`), under Osaka rules: the model pin, freshness, and
//! both attestation modes. A private model (hashed weights, public features) is used so that
//! the model pin is exercised.
//!
//! Needs Node.js and `npm ci` (solc-js; anvil). Without the anvil binary the anvil half of each
//! test is skipped with a message; CI installs it.

mod common;

use std::sync::OnceLock;

use common::chain::{assert_reverts_with, deploy_oracle, on_both_chains, token};
use zkmlp::{
    evm::{
        compile_oracle, compile_verifier, decode_valuation, decode_valuation_word,
        encode_submit_valuation, instance_digest, instance_words, nft_binding, price_wei, selector,
        submit_valuation_calldata, valuation_event_topic, valuation_of_calldata, Address,
        Attestation, CallOutcome, Chain, CompiledContract, CompiledVerifier, DataProvider,
        EvmError, LocalEvm, OracleConfig, Solc,
    },
    quantize::quantize,
    CompiledModel, MlpParams, Proof, ProvingKey, Srs, Visibility, VisibilitySettings,
};

const COLLECTION: Address = [0xbc; 20];

struct Fixture {
    pk: ProvingKey,
    verifier: CompiledVerifier,
    oracle: CompiledContract,
    /// A proof of a positive price for `token(1)`.
    proof: Proof,
    /// A proof for `token(2)` by another model of the same shape.
    other_model_proof: Proof,
    provider: DataProvider,
    stranger: DataProvider,
}

/// Proving keys under `visibility` for the test model and for its twin of the same shape,
/// which differs in one weight.
fn keys_of_model_and_twin(visibility: VisibilitySettings) -> (ProvingKey, ProvingKey) {
    let quantized = quantize(&common::small_model(), MlpParams::default()).unwrap();
    let mut other = quantized.clone();
    other.layers[0].weights[0][0] += 1;
    let key = |model| {
        let objective = zkmlp::PlanObjective::Verifier;
        let compiled = CompiledModel::with_objective(model, 1, visibility, objective).unwrap();
        let srs = Srs::unsafe_setup_for_testing(compiled.k(), 3);
        ProvingKey::generate(&srs, &compiled).unwrap()
    };
    (key(quantized), key(other))
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let visibility = VisibilitySettings {
            inputs: Visibility::Public,
            weights: Visibility::Hashed,
            outputs: Visibility::Public,
        };
        let (pk, other_pk) = keys_of_model_and_twin(visibility);
        let solc = Solc::default();
        let verifier = compile_verifier(pk.verifying_key(), &solc)
            .expect("compiling needs Node.js and `npm ci` at the repository root");
        let oracle = compile_oracle(&solc).unwrap();
        let features = [0.5, -1.0, 0.25, 1.5];
        let proof = pk
            .prove_bound(&features, nft_binding(COLLECTION, token(1)))
            .unwrap();
        assert!(
            proof.public_inputs.outputs[0] > 0,
            "the fixture needs a positive price"
        );
        let other_model_proof = other_pk
            .prove_bound(&features, nft_binding(COLLECTION, token(2)))
            .unwrap();
        Fixture {
            pk,
            verifier,
            oracle,
            proof,
            other_model_proof,
            provider: DataProvider::from_secret(&[0x42; 32]).unwrap(),
            stranger: DataProvider::from_secret(&[0x43; 32]).unwrap(),
        }
    })
}

/// Deploys the verifier and an oracle with `attestation`, trusting `trusted`.
fn deploy(chain: &mut dyn Chain, attestation: Attestation, trusted: Vec<Address>) -> Address {
    let f = fixture();
    deploy_oracle(chain, &f.verifier.contract, &f.oracle, |verifier| {
        let (vk, model) = (f.pk.verifying_key(), f.pk.model());
        OracleConfig::for_model(model, Some((vk, verifier)), None, attestation, trusted).unwrap()
    })
}

/// The features' digest a provider signs for a single proof (public features).
fn input_digest(proof: &Proof) -> [u8; 32] {
    let words = instance_words(proof);
    instance_digest(&words[1..1 + proof.public_inputs.features.len()])
}

fn sign(
    chain: &dyn Chain,
    oracle: Address,
    by: &DataProvider,
    proof: &Proof,
    id: u64,
    epoch: u64,
) -> Vec<u8> {
    by.attest(
        chain.chain_id(),
        oracle,
        &[COLLECTION],
        &[token(id)],
        input_digest(proof),
        epoch,
    )
    .unwrap()
    .to_vec()
}

/// Deploys an oracle trusting the fixture's provider's signatures.
fn deploy_signed(chain: &mut dyn Chain) -> Address {
    deploy(
        chain,
        Attestation::SignedFeatures,
        vec![fixture().provider.address()],
    )
}

/// Submits `proof` as the valuation of `token(id)` at `epoch` from the first account.
fn submit(
    chain: &mut dyn Chain,
    oracle: Address,
    id: u64,
    epoch: u64,
    proof: &Proof,
    signature: &[u8],
) -> CallOutcome {
    let calldata = submit_valuation_calldata(COLLECTION, token(id), epoch, proof, signature);
    let sender = chain.accounts()[0];
    chain.call_from(sender, oracle, calldata).unwrap()
}

fn valuation(chain: &mut dyn Chain, oracle: Address, id: u64) -> (u128, u64) {
    let output = chain
        .view(oracle, valuation_of_calldata(COLLECTION, token(id)))
        .unwrap();
    decode_valuation(&output).unwrap()
}

#[test]
fn a_signed_valuation_is_stored_with_its_epoch_and_event() {
    let f = fixture();
    on_both_chains(|chain| {
        let oracle = deploy_signed(chain);
        assert_eq!(valuation(chain, oracle, 1), (0, 0));
        let signature = sign(chain, oracle, &f.provider, &f.proof, 1, 5);
        // Anyone may submit a signed valuation: here the second account.
        let submitter = chain.accounts()[1];
        let calldata = submit_valuation_calldata(COLLECTION, token(1), 5, &f.proof, &signature);
        let outcome = chain.call_from(submitter, oracle, calldata).unwrap();
        assert!(outcome.is_success(), "{}: {outcome:?}", chain.name());
        println!(
            "{}: submitValuation (hashed weights, signed features): {} gas",
            chain.name(),
            outcome.gas_used
        );
        let price = price_wei(f.proof.public_inputs.outputs[0], f.proof.scale_bits).unwrap();
        assert_eq!(valuation(chain, oracle, 1), (price, 5));
        let [log] = outcome.logs.as_slice() else {
            panic!("{}: expected one log, got {:?}", chain.name(), outcome.logs)
        };
        assert_eq!(log.topics[0], valuation_event_topic());
        assert_eq!(log.topics[2], token(1));
        // One data word: the stored `price << 64 | epoch`.
        let word: [u8; 32] = log.data[..].try_into().unwrap();
        assert_eq!(decode_valuation_word(&word), Some((price, 5)));
    });
}

#[test]
fn an_equal_or_older_epoch_is_refused() {
    let f = fixture();
    on_both_chains(|chain| {
        let oracle = deploy_signed(chain);
        let signed = |chain: &mut dyn Chain, epoch| {
            let signature = sign(chain, oracle, &f.provider, &f.proof, 1, epoch);
            submit(chain, oracle, 1, epoch, &f.proof, &signature)
        };
        assert!(signed(chain, 7).is_success());
        for epoch in [7, 6, 0] {
            let outcome = signed(chain, epoch);
            assert_reverts_with(chain, &outcome, "StaleEpoch(address,uint256,uint64,uint64)");
        }
        assert_eq!(valuation(chain, oracle, 1).1, 7);
        assert!(signed(chain, 8).is_success());
        assert_eq!(valuation(chain, oracle, 1).1, 8);
    });
}

#[test]
fn features_signed_by_an_unknown_key_are_refused() {
    let f = fixture();
    on_both_chains(|chain| {
        let oracle = deploy_signed(chain);
        // A stranger's signature; the provider's for another epoch or token.
        let signatures = [
            sign(chain, oracle, &f.stranger, &f.proof, 1, 1),
            sign(chain, oracle, &f.provider, &f.proof, 1, 2),
            sign(chain, oracle, &f.provider, &f.proof, 3, 1),
        ];
        for signature in signatures {
            let outcome = submit(chain, oracle, 1, 1, &f.proof, &signature);
            assert_reverts_with(chain, &outcome, "UntrustedFeatures(address)");
        }
        // Malformed: v not 27 or 28, high s, wrong lengths.
        let good = sign(chain, oracle, &f.provider, &f.proof, 1, 1);
        let mut bad_v = good.clone();
        bad_v[64] = 29;
        let mut high_s = good.clone();
        high_s[32] |= 0x80;
        for signature in [bad_v, high_s, good[..64].to_vec(), Vec::new()] {
            let outcome = submit(chain, oracle, 1, 1, &f.proof, &signature);
            assert_reverts_with(chain, &outcome, "MalformedSignature()");
        }
        assert_eq!(valuation(chain, oracle, 1), (0, 0));
        let outcome = submit(chain, oracle, 1, 1, &f.proof, &good);
        assert!(outcome.is_success(), "{outcome:?}");
    });
}

#[test]
fn a_proof_from_another_model_of_the_same_shape_is_refused() {
    let f = fixture();
    on_both_chains(|chain| {
        let oracle = deploy_signed(chain);
        let forged = &f.other_model_proof;
        let signature = sign(chain, oracle, &f.provider, forged, 2, 1);
        // The verifier alone accepts it: the key does not hold the weights.
        let verifier = chain.deploy(&f.verifier.contract, &[]).unwrap();
        let sender = chain.accounts()[0];
        let direct = chain
            .call_from(sender, verifier, zkmlp::evm::encode_calldata(forged))
            .unwrap();
        assert!(direct.is_success(), "{}: {direct:?}", chain.name());
        let outcome = submit(chain, oracle, 2, 1, forged, &signature);
        assert_reverts_with(chain, &outcome, "ModelMismatch(uint256,uint256)");
    });
}

#[test]
fn only_a_trusted_submitter_may_submit_in_submitter_mode() {
    let f = fixture();
    on_both_chains(|chain| {
        let accounts = chain.accounts();
        let oracle = deploy(chain, Attestation::TrustedSubmitter, vec![accounts[1]]);
        let calldata =
            |epoch| submit_valuation_calldata(COLLECTION, token(1), epoch, &f.proof, &[]);
        let outcome = chain.call_from(accounts[0], oracle, calldata(3)).unwrap();
        assert_reverts_with(chain, &outcome, "UntrustedSubmitter(address)");
        let outcome = chain.call_from(accounts[1], oracle, calldata(3)).unwrap();
        assert!(outcome.is_success(), "{}: {outcome:?}", chain.name());
        assert_eq!(valuation(chain, oracle, 1).1, 3);
        // The owner (first account) may revoke the submitter; nobody else may change the list.
        let mut revoke = selector("setTrusted(address,bool)").to_vec();
        revoke.extend(zkmlp::evm::address_word(&accounts[1]));
        revoke.extend(zkmlp::evm::uint_word(0));
        let outcome = chain
            .call_from(accounts[1], oracle, revoke.clone())
            .unwrap();
        assert_reverts_with(chain, &outcome, "NotOwner()");
        assert!(chain
            .call_from(accounts[0], oracle, revoke)
            .unwrap()
            .is_success());
        let outcome = chain.call_from(accounts[1], oracle, calldata(4)).unwrap();
        assert_reverts_with(chain, &outcome, "UntrustedSubmitter(address)");
    });
}

#[test]
fn wrong_bindings_and_shapes_are_refused() {
    let f = fixture();
    let mut evm = LocalEvm::new();
    let oracle = deploy(&mut evm, Attestation::TrustedSubmitter, vec![[0; 20]]);
    let outcome = submit(&mut evm, oracle, 2, 1, &f.proof, &[]);
    assert_reverts_with(&evm, &outcome, "BindingMismatch(uint256,uint256)");
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
    assert_reverts_with(&evm, &outcome, "WrongInstanceCount(uint256,uint256)");
    let mut flipped = f.proof.clone();
    flipped.bytes[100] ^= 1;
    let outcome = submit(&mut evm, oracle, 1, 1, &flipped, &[]);
    assert_reverts_with(&evm, &outcome, "InvalidProof()");
}

#[test]
fn deployment_helpers_refuse_a_model_nothing_pins() {
    let visibility = VisibilitySettings {
        inputs: Visibility::Public,
        weights: Visibility::Private,
        outputs: Visibility::Public,
    };
    let quantized = quantize(&common::small_model(), MlpParams::default()).unwrap();
    let compiled = CompiledModel::with_visibility(quantized, 1, visibility).unwrap();
    let srs = Srs::unsafe_setup_for_testing(compiled.k(), 3);
    let pk = ProvingKey::generate(&srs, &compiled).unwrap();
    assert_eq!(
        zkmlp::evm::model_pin(pk.verifying_key()),
        zkmlp::evm::ModelPin::Unpinned
    );
    let mut config = OracleConfig::for_model(
        &compiled,
        Some((pk.verifying_key(), [1; 20])),
        None,
        Attestation::TrustedSubmitter,
        vec![],
    )
    .unwrap();
    assert!(matches!(
        config.constructor_args(),
        Err(EvmError::UnpinnedModel(_))
    ));
    config.allow_unpinned_model = true;
    assert!(config.constructor_args().is_ok());
}

#[test]
fn public_weights_are_pinned_by_their_hash() {
    let visibility = VisibilitySettings {
        inputs: Visibility::Public,
        weights: Visibility::Public,
        outputs: Visibility::Public,
    };
    let (pk, other_pk) = keys_of_model_and_twin(visibility);
    assert!(matches!(
        zkmlp::evm::model_pin(pk.verifying_key()),
        zkmlp::evm::ModelPin::PublicWeights { start: 5, .. }
    ));
    let features = [0.5, -1.0, 0.25, 1.5];
    let prove = |pk: &ProvingKey| {
        pk.prove_bound(&features, nft_binding(COLLECTION, token(1)))
            .unwrap()
    };
    let (proof, forged) = (prove(&pk), prove(&other_pk));
    let solc = Solc::default();
    let verifier = compile_verifier(pk.verifying_key(), &solc).unwrap();
    let mut evm = LocalEvm::new();
    let sender = evm.accounts()[0];
    let oracle = deploy_oracle(&mut evm, &verifier.contract, &fixture().oracle, |address| {
        let vk = pk.verifying_key();
        OracleConfig::for_model(
            pk.model(),
            Some((vk, address)),
            None,
            Attestation::TrustedSubmitter,
            vec![sender],
        )
        .unwrap()
    });
    let outcome = submit(&mut evm, oracle, 1, 1, &forged, &[]);
    assert_reverts_with(&evm, &outcome, "ModelMismatch(uint256,uint256)");
    let outcome = submit(&mut evm, oracle, 1, 1, &proof, &[]);
    assert!(outcome.is_success(), "{outcome:?}");
}
