//! The wash-trade registry on revm: a classifier (sigmoid proven in the circuit) flags one sale
//! and clears another, each proof bound to its sale; a proof bound to another sale, a tampered
//! verdict, a second verdict and an untrusted submitter revert; the consumer feed counts the
//! genuine sale and refuses the flagged and the unscored ones. Needs `npm ci` (solc-js).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use zkmlp::{
    evm::{
        abi_encode, address_word, compile_registry, compile_verifier, decode_uint,
        flag_sale_calldata, instance_words, is_wash_calldata, record_sale_calldata,
        registry_constructor_args, sale_binding, selector, AbiValue, CallOutcome, CallStatus,
        LocalEvm, Solc, Word, FLAG_SALE,
    },
    model::{Activation, Mlp},
    quantize::quantize,
    CompiledModel, MlpParams, ProvingKey, Srs,
};

const WASH: Word = [0xaa; 32];
const GENUINE: Word = [0xbb; 32];
const COLLECTION: [u8; 20] = [0xc0; 20];

fn assert_reverts(outcome: &CallOutcome, error: &str) {
    assert_eq!(outcome.status, CallStatus::Revert, "{error}: {outcome:?}");
    assert_eq!(
        outcome.output.get(..4),
        Some(&selector(error)[..]),
        "{error}: 0x{}",
        hex::encode(&outcome.output)
    );
}

fn assert_ok(outcome: &CallOutcome) -> Vec<u8> {
    assert!(outcome.is_success(), "{outcome:?}");
    outcome.output.clone()
}

/// A 4-3-1 classifier ending in a sigmoid, and one input it scores above 0.6 and one below 0.4.
fn classifier() -> (Mlp, Vec<f64>, Vec<f64>) {
    let mut model = Mlp::random(&[4, 3, 1], 7);
    model.layers[1].activation = Activation::Sigmoid;
    // Steeper, so that some inputs are clearly on each side.
    for w in model.layers[1].weights.iter_mut().flatten() {
        *w *= 8.0;
    }
    let (mut wash, mut genuine) = (None, None);
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    for _ in 0..2000 {
        let x: Vec<f64> = (0..4).map(|_| rng.gen_range(-3.0..3.0)).collect();
        let p = model.forward(&x).unwrap()[0];
        if p > 0.6 {
            wash.get_or_insert(x);
        } else if p < 0.4 {
            genuine.get_or_insert(x);
        }
    }
    (model, wash.unwrap(), genuine.unwrap())
}

#[test]
fn flagged_sales_are_recorded_bound_to_their_sale_and_excluded_by_the_feed() {
    let (model, wash_x, genuine_x) = classifier();
    let params = MlpParams::default();
    let compiled = CompiledModel::new(quantize(&model, params).unwrap()).unwrap();
    // UNSAFE seeded SRS: tests only.
    let srs = Srs::unsafe_setup_for_testing(compiled.k(), 21);
    let pk = ProvingKey::generate(&srs, &compiled).unwrap();
    let wash_proof = pk.prove_bound(&wash_x, sale_binding(WASH)).unwrap();
    let genuine_proof = pk.prove_bound(&genuine_x, sale_binding(GENUINE)).unwrap();
    let half = 1i64 << (params.scale_bits - 1);
    assert!(wash_proof.public_inputs.outputs[0] > half);
    assert!(genuine_proof.public_inputs.outputs[0] < half);

    let solc = Solc::default();
    let verifier = compile_verifier(pk.verifying_key(), &solc)
        .expect("compiling needs Node.js and `npm ci` at the repository root");
    let (registry_code, feed_code) = compile_registry(&solc).unwrap();
    let mut evm = LocalEvm::new();
    let verifier_address = evm.deploy(&verifier.contract, &[]).unwrap();
    let submitter = [0u8; 20];
    let args = registry_constructor_args(
        verifier_address,
        verifier.solidity.num_instances(),
        half as u64,
        &[submitter],
    );
    let registry = evm.deploy(&registry_code, &args).unwrap();
    let feed_args = abi_encode(&[AbiValue::Word(address_word(&registry))]);
    let feed = evm.deploy(&feed_code, &feed_args).unwrap();

    // A tampered verdict (the genuine sale's output raised to 1.0) fails the verifier.
    let mut instances = instance_words(&genuine_proof);
    let last = instances.len() - 1;
    instances[last] = zkmlp::evm::uint_word(1 << params.scale_bits);
    let tampered = zkmlp::evm::encode_call(
        FLAG_SALE,
        &[
            AbiValue::Word(GENUINE),
            AbiValue::Words(&instances),
            AbiValue::Bytes(&genuine_proof.bytes),
        ],
    );
    assert_reverts(&evm.call(registry, tampered).unwrap(), "InvalidProof()");
    // The wash proof offered for another sale.
    let other: Word = [0xcc; 32];
    let outcome = evm
        .call(registry, flag_sale_calldata(other, &wash_proof))
        .unwrap();
    assert_reverts(&outcome, "BindingMismatch(uint256,uint256)");
    // Only the allowlist may submit.
    let outcome = evm
        .call_from([7; 20], registry, flag_sale_calldata(WASH, &wash_proof))
        .unwrap();
    assert_reverts(&outcome, "UntrustedSubmitter(address)");

    // Flag and clear.
    let flagged = evm
        .call(registry, flag_sale_calldata(WASH, &wash_proof))
        .unwrap();
    assert_eq!(decode_uint(&assert_ok(&flagged)), Some(1));
    println!("flagSale (wash): {} gas", flagged.gas_used);
    let cleared = evm
        .call(registry, flag_sale_calldata(GENUINE, &genuine_proof))
        .unwrap();
    assert_eq!(decode_uint(&assert_ok(&cleared)), Some(0));
    let is_wash = |evm: &mut LocalEvm, id| {
        decode_uint(&assert_ok(
            &evm.call(registry, is_wash_calldata(id)).unwrap(),
        ))
    };
    assert_eq!(is_wash(&mut evm, WASH), Some(1));
    assert_eq!(is_wash(&mut evm, GENUINE), Some(0));
    assert_eq!(is_wash(&mut evm, other), Some(0));
    // A verdict is final.
    let outcome = evm
        .call(registry, flag_sale_calldata(GENUINE, &genuine_proof))
        .unwrap();
    assert_reverts(&outcome, "AlreadyScored(bytes32)");

    // The consumer: flagged and unscored sales stay out, the genuine one counts.
    let record = |evm: &mut LocalEvm, id| {
        evm.call(feed, record_sale_calldata(COLLECTION, id, 3_000_000_000))
            .unwrap()
    };
    assert_reverts(&record(&mut evm, WASH), "FlaggedSale(bytes32)");
    assert_reverts(&record(&mut evm, other), "UnscoredSale(bytes32)");
    assert_ok(&record(&mut evm, GENUINE));
    assert_reverts(&record(&mut evm, GENUINE), "AlreadyCounted(bytes32)");
    let counted = zkmlp::evm::encode_call(
        "cleanSales(address)",
        &[AbiValue::Word(address_word(&COLLECTION))],
    );
    assert_eq!(
        decode_uint(&assert_ok(&evm.call(feed, counted).unwrap())),
        Some(1)
    );
}
