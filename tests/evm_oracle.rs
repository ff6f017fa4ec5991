//! The oracle's single-valuation path on revm AND on a real node (anvil over JSON-RPC, started
//! by each test, see `zkmlp::evm::Anvil`), under Osaka rules: the model pin, freshness, and
//! both attestation modes. A private model (hashed weights, public features) is used so that
//! the model pin is exercised.
//!
//! Needs Node.js and `npm ci` (solc-js; anvil). Without the anvil binary the anvil half of each
//! test is skipped with a message; CI installs it.

mod common;

use std::sync::OnceLock;

use zkmlp::{
    evm::{
        compile_oracle, compile_verifier, decode_valuation, encode_submit_valuation,
        instance_digest, instance_words, nft_binding, price_wei, selector,
        submit_valuation_calldata, valuation_event_topic, valuation_of_calldata, Address, Anvil,
        Attestation, CallOutcome, CallStatus, Chain, CompiledContract, CompiledVerifier,
        DataProvider, EvmError, LocalEvm, OracleConfig, Solc,
    },
    quantize::quantize,
    CompiledModel, MlpParams, Proof, ProvingKey, Srs, Visibility, VisibilitySettings,
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
    /// A proof of a positive price for `token(1)`.
    proof: Proof,
    /// A proof for `token(2)` by another model of the same shape.
    other_model_proof: Proof,
    provider: DataProvider,
    stranger: DataProvider,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let visibility = VisibilitySettings {
            inputs: Visibility::Public,
            weights: Visibility::Hashed,
            outputs: Visibility::Public,
        };
        let quantized = quantize(&common::small_model(), MlpParams::default()).unwrap();
        let mut other = quantized.clone();
        other.layers[0].weights[0][0] += 1;
        let key = |model| {
            let compiled = CompiledModel::with_visibility(model, 1, visibility).unwrap();
            let srs = Srs::unsafe_setup_for_testing(compiled.k(), 3);
            ProvingKey::generate(&srs, &compiled).unwrap()
        };
        let (pk, other_pk) = (key(quantized), key(other));
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

/// Runs `scenario` on revm, then on anvil (skipped, with a message, if it is not installed).
fn on_both_chains(scenario: impl Fn(&mut dyn Chain)) {
    scenario(&mut LocalEvm::new());
    match Anvil::spawn() {
        Ok(mut anvil) => scenario(&mut anvil),
        Err(EvmError::AnvilMissing) => {
            eprintln!("SKIPPED on anvil: the anvil binary is absent (run `npm ci` at the repository root)")
        }
        Err(e) => panic!("anvil failed to start: {e}"),
    }
}

/// Deploys the verifier and an oracle with `attestation`, trusting `trusted`.
fn deploy(chain: &mut dyn Chain, attestation: Attestation, trusted: Vec<Address>) -> Address {
    let f = fixture();
    let verifier = chain.deploy(&f.verifier.contract, &[]).unwrap();
    let model = f.pk.model();
    let config = OracleConfig::for_model(
        model,
        Some((f.pk.verifying_key(), verifier)),
        None,
        attestation,
        trusted,
    )
    .unwrap();
    chain
        .deploy(&f.oracle, &config.constructor_args().unwrap())
        .unwrap()
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
    id: u8,
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

fn revert_selector(chain: &dyn Chain, outcome: &CallOutcome) -> [u8; 4] {
    assert_eq!(
        outcome.status,
        CallStatus::Revert,
        "{}: expected a revert, got {outcome:?}",
        chain.name()
    );
    outcome
        .output
        .get(..4)
        .and_then(|s| s.try_into().ok())
        .unwrap_or_default()
}

fn valuation(chain: &mut dyn Chain, oracle: Address, id: u8) -> (u128, u64) {
    let output = chain
        .view(oracle, valuation_of_calldata(COLLECTION, token(id)))
        .unwrap();
    decode_valuation(&output).unwrap()
}

#[test]
fn a_signed_valuation_is_stored_with_its_epoch_and_event() {
    let f = fixture();
    on_both_chains(|chain| {
        let oracle = deploy(
            chain,
            Attestation::SignedFeatures,
            vec![f.provider.address()],
        );
        assert_eq!(valuation(chain, oracle, 1), (0, 0));
        let signature = sign(chain, oracle, &f.provider, &f.proof, 1, 5);
        // Anyone may submit a signed valuation: here the second account.
        let submitter = chain.accounts()[1];
        let outcome = chain
            .call_from(
                submitter,
                oracle,
                submit_valuation_calldata(COLLECTION, token(1), 5, &f.proof, &signature),
            )
            .unwrap();
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
        assert_eq!(decode_valuation(&log.data), Some((price, 5)));
    });
}

#[test]
fn an_equal_or_older_epoch_is_refused() {
    let f = fixture();
    on_both_chains(|chain| {
        let oracle = deploy(
            chain,
            Attestation::SignedFeatures,
            vec![f.provider.address()],
        );
        let submit = |chain: &mut dyn Chain, epoch| {
            let signature = sign(chain, oracle, &f.provider, &f.proof, 1, epoch);
            chain
                .call_from(
                    chain.accounts()[0],
                    oracle,
                    submit_valuation_calldata(COLLECTION, token(1), epoch, &f.proof, &signature),
                )
                .unwrap()
        };
        assert!(submit(chain, 7).is_success());
        let stale = selector("StaleEpoch(address,uint256,uint64,uint64)");
        for epoch in [7, 6, 0] {
            let outcome = submit(chain, epoch);
            assert_eq!(revert_selector(chain, &outcome), stale, "epoch {epoch}");
        }
        assert_eq!(valuation(chain, oracle, 1).1, 7);
        assert!(submit(chain, 8).is_success());
        assert_eq!(valuation(chain, oracle, 1).1, 8);
    });
}

#[test]
fn features_signed_by_an_unknown_key_are_refused() {
    let f = fixture();
    on_both_chains(|chain| {
        let oracle = deploy(
            chain,
            Attestation::SignedFeatures,
            vec![f.provider.address()],
        );
        let untrusted = selector("UntrustedFeatures(address)");
        let by_stranger = sign(chain, oracle, &f.stranger, &f.proof, 1, 1);
        let outcome = chain
            .call_from(
                chain.accounts()[0],
                oracle,
                submit_valuation_calldata(COLLECTION, token(1), 1, &f.proof, &by_stranger),
            )
            .unwrap();
        assert_eq!(revert_selector(chain, &outcome), untrusted);
        // The provider's signature does not carry over to another epoch, token or chain.
        let for_epoch_2 = sign(chain, oracle, &f.provider, &f.proof, 1, 2);
        let outcome = chain
            .call_from(
                chain.accounts()[0],
                oracle,
                submit_valuation_calldata(COLLECTION, token(1), 1, &f.proof, &for_epoch_2),
            )
            .unwrap();
        assert_eq!(revert_selector(chain, &outcome), untrusted);
        let for_token_3 = sign(chain, oracle, &f.provider, &f.proof, 3, 1);
        let outcome = chain
            .call_from(
                chain.accounts()[0],
                oracle,
                submit_valuation_calldata(COLLECTION, token(1), 1, &f.proof, &for_token_3),
            )
            .unwrap();
        assert_eq!(revert_selector(chain, &outcome), untrusted);
        // Malformed: high s, v not 27 or 28, wrong length.
        let good = sign(chain, oracle, &f.provider, &f.proof, 1, 1);
        let malformed = selector("MalformedSignature()");
        let mut bad_v = good.clone();
        bad_v[64] = 29;
        let mut high_s = good.clone();
        high_s[32] |= 0x80;
        for signature in [bad_v, high_s, good[..64].to_vec(), Vec::new()] {
            let outcome = chain
                .call_from(
                    chain.accounts()[0],
                    oracle,
                    submit_valuation_calldata(COLLECTION, token(1), 1, &f.proof, &signature),
                )
                .unwrap();
            assert_eq!(revert_selector(chain, &outcome), malformed);
        }
        assert_eq!(valuation(chain, oracle, 1), (0, 0));
        let outcome = chain
            .call_from(
                chain.accounts()[0],
                oracle,
                submit_valuation_calldata(COLLECTION, token(1), 1, &f.proof, &good),
            )
            .unwrap();
        assert!(outcome.is_success(), "{outcome:?}");
    });
}

#[test]
fn a_proof_from_another_model_of_the_same_shape_is_refused() {
    let f = fixture();
    on_both_chains(|chain| {
        let oracle = deploy(
            chain,
            Attestation::SignedFeatures,
            vec![f.provider.address()],
        );
        let forged = &f.other_model_proof;
        let signature = sign(chain, oracle, &f.provider, forged, 2, 1);
        // The verifier alone accepts it: the key does not hold the weights.
        let verifier_address = chain.deploy(&f.verifier.contract, &[]).unwrap();
        let direct = chain
            .call_from(
                chain.accounts()[0],
                verifier_address,
                zkmlp::evm::encode_calldata(forged),
            )
            .unwrap();
        assert!(direct.is_success(), "{}: {direct:?}", chain.name());
        let outcome = chain
            .call_from(
                chain.accounts()[0],
                oracle,
                submit_valuation_calldata(COLLECTION, token(2), 1, forged, &signature),
            )
            .unwrap();
        assert_eq!(
            revert_selector(chain, &outcome),
            selector("ModelMismatch(uint256,uint256)")
        );
    });
}

#[test]
fn only_a_trusted_submitter_may_submit_in_submitter_mode() {
    let f = fixture();
    on_both_chains(|chain| {
        let accounts = chain.accounts();
        let oracle = deploy(chain, Attestation::TrustedSubmitter, vec![accounts[1]]);
        let calldata = submit_valuation_calldata(COLLECTION, token(1), 3, &f.proof, &[]);
        let outcome = chain
            .call_from(accounts[0], oracle, calldata.clone())
            .unwrap();
        assert_eq!(
            revert_selector(chain, &outcome),
            selector("UntrustedSubmitter(address)")
        );
        let outcome = chain.call_from(accounts[1], oracle, calldata).unwrap();
        assert!(outcome.is_success(), "{}: {outcome:?}", chain.name());
        assert_eq!(valuation(chain, oracle, 1).1, 3);
        // The owner (first account) may revoke the submitter; nobody else may change the list.
        let set = |who: Address, trusted: bool| {
            let mut data = selector("setTrusted(address,bool)").to_vec();
            data.extend(zkmlp::evm::address_word(&who));
            data.extend(zkmlp::evm::uint_word(trusted.into()));
            data
        };
        let outcome = chain
            .call_from(accounts[1], oracle, set(accounts[1], false))
            .unwrap();
        assert_eq!(revert_selector(chain, &outcome), selector("NotOwner()"));
        assert!(chain
            .call_from(accounts[0], oracle, set(accounts[1], false))
            .unwrap()
            .is_success());
        let outcome = chain
            .call_from(
                accounts[1],
                oracle,
                submit_valuation_calldata(COLLECTION, token(1), 4, &f.proof, &[]),
            )
            .unwrap();
        assert_eq!(
            revert_selector(chain, &outcome),
            selector("UntrustedSubmitter(address)")
        );
    });
}

#[test]
fn wrong_bindings_and_shapes_are_refused() {
    let f = fixture();
    let mut evm = LocalEvm::new();
    let oracle = deploy(&mut evm, Attestation::TrustedSubmitter, vec![[0; 20]]);
    let outcome = evm
        .call(
            oracle,
            submit_valuation_calldata(COLLECTION, token(2), 1, &f.proof, &[]),
        )
        .unwrap();
    assert_eq!(
        revert_selector(&evm, &outcome),
        selector("BindingMismatch(uint256,uint256)")
    );
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
        revert_selector(&evm, &outcome),
        selector("WrongInstanceCount(uint256,uint256)")
    );
    let mut flipped = f.proof.clone();
    flipped.bytes[100] ^= 1;
    let outcome = evm
        .call(
            oracle,
            submit_valuation_calldata(COLLECTION, token(1), 1, &flipped, &[]),
        )
        .unwrap();
    assert_eq!(revert_selector(&evm, &outcome), selector("InvalidProof()"));
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
