//! One proof for several inferences: it verifies natively and on the EVM, and fails if any
//! single item's output or feature is changed.

use zkmlp::{
    evm::{compile_verifier, encode_calldata, LocalEvm, Solc},
    model::{Activation, DenseLayer, Mlp},
    quantize::{quantize, quantize_input, reference_forward},
    CompiledModel, Error, MlpParams, Proof, ProvingKey, Srs,
};

const ITEMS: usize = 4;

fn model() -> Mlp {
    let layer = |inputs: usize, outputs: usize, activation, salt: f64| DenseLayer {
        weights: (0..outputs)
            .map(|j| {
                (0..inputs)
                    .map(|i| ((i * 5 + j * 7) as f64 * 0.29 + salt).sin() * 0.7)
                    .collect()
            })
            .collect(),
        biases: (0..outputs)
            .map(|j| (j as f64 * 0.4 + salt).cos() * 0.3)
            .collect(),
        activation,
    };
    Mlp {
        layers: vec![
            layer(6, 8, Activation::Relu, 0.1),
            layer(8, 1, Activation::Identity, 0.9),
        ],
    }
}

fn items() -> Vec<Vec<f64>> {
    (0..ITEMS)
        .map(|i| {
            (0..6)
                .map(|f| ((i * 6 + f) as f64 * 0.77).cos() * 2.0)
                .collect()
        })
        .collect()
}

#[test]
fn a_batch_proof_covers_every_item_and_rejects_any_single_change() {
    let params = MlpParams::default();
    let quantized = quantize(&model(), params).unwrap();
    let compiled = CompiledModel::new_batch(quantized.clone(), ITEMS).unwrap();
    assert_eq!(compiled.batch_size(), ITEMS);
    let srs = Srs::unsafe_setup_for_testing(compiled.k(), 5);
    let pk = ProvingKey::generate(&srs, &compiled).unwrap();
    let vk = pk.verifying_key();
    let items = items();
    let proof = pk.prove_items(&items, [0; 32]).unwrap();

    // Each item's proven output is the integer reference's.
    for (item, features) in items.iter().enumerate() {
        let expected =
            reference_forward(&quantized, &quantize_input(params, features).unwrap()).unwrap();
        assert_eq!(proof.public_inputs.outputs[item..item + 1], expected[..]);
    }
    assert_eq!(zkmlp::verify(vk, &proof).map_err(|e| e.to_string()), Ok(()));

    let verifier = compile_verifier(vk, &Solc::default()).expect(
        "compiling the verifier needs Node.js and solc-js: run `npm ci` at the repository root",
    );
    let mut evm = LocalEvm::new();
    let address = evm.deploy(&verifier.contract, &[]).unwrap();
    let evm_accepts =
        |evm: &mut LocalEvm, proof: &Proof| evm.call(address, encode_calldata(proof)).unwrap();
    let outcome = evm_accepts(&mut evm, &proof);
    assert!(outcome.is_success(), "{outcome:?}");
    println!(
        "batch of {ITEMS}: k = {}, proof {} bytes, evm gas {}",
        compiled.k(),
        proof.bytes.len(),
        outcome.gas_used
    );

    for item in 0..ITEMS {
        let mut changed = proof.clone();
        changed.public_inputs.outputs[item] += 1;
        assert!(
            matches!(zkmlp::verify(vk, &changed), Err(Error::InvalidProof(_))),
            "item {item}"
        );
        assert!(
            !evm_accepts(&mut evm, &changed).is_success(),
            "item {item} on the EVM"
        );
        let mut changed = proof.clone();
        changed.public_inputs.features[item * 6 + 2] -= 1;
        assert!(
            matches!(zkmlp::verify(vk, &changed), Err(Error::InvalidProof(_))),
            "item {item}"
        );
        assert!(
            !evm_accepts(&mut evm, &changed).is_success(),
            "item {item} on the EVM"
        );
    }
}

#[test]
fn a_batch_key_needs_exactly_its_batch() {
    let compiled =
        CompiledModel::new_batch(quantize(&model(), MlpParams::default()).unwrap(), 2).unwrap();
    let srs = Srs::unsafe_setup_for_testing(compiled.k(), 5);
    let pk = ProvingKey::generate(&srs, &compiled).unwrap();
    let items = items();
    assert!(matches!(
        pk.prove_items(&items[..1], [0; 32]),
        Err(Error::BatchSize {
            expected: 2,
            got: 1
        })
    ));
    let short = vec![items[0].clone(), items[1][..5].to_vec()];
    assert!(matches!(
        pk.prove_items(&short, [0; 32]),
        Err(Error::Witness(_))
    ));
    assert!(matches!(
        CompiledModel::new_batch(quantize(&model(), MlpParams::default()).unwrap(), 0),
        Err(Error::Spec(_))
    ));
}
