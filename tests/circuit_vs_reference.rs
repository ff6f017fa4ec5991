//! The exact-oracle property: on random float models and features, the circuit's public
//! outputs equal `zkmlp::quantize::reference_forward` bit for bit, the mock prover accepts the
//! honest witness, and both agree on which inputs overflow.

use std::sync::Arc;

use halo2_proofs::dev::MockProver;
use proptest::prelude::*;
use zkmlp::{
    model::{Activation, DenseLayer, Mlp},
    quantize::{quantize, quantize_input, reference_forward, QuantizeError},
    CompiledModel, MlpParams,
};
use zkmlp_circuits::{MlpCircuit, WitnessError};

fn mlp_strategy() -> impl Strategy<Value = (Mlp, Vec<f64>, MlpParams)> {
    let sizes = prop::collection::vec(1usize..10, 2..5);
    // Headroom of 4 to 14 integer bits: from frequent overflow to none.
    let params = (6u32..14, 4u32..14).prop_map(|(scale_bits, headroom)| MlpParams {
        scale_bits,
        activation_bits: scale_bits + headroom + 1,
    });
    (sizes, params, any::<u64>()).prop_flat_map(|(sizes, params, salt)| {
        let layers: Vec<_> = sizes
            .windows(2)
            .enumerate()
            .map(|(i, pair)| {
                let last = i + 2 == sizes.len();
                (
                    prop::collection::vec(prop::collection::vec(-2.0f64..2.0, pair[0]), pair[1]),
                    prop::collection::vec(-1.0f64..1.0, pair[1]),
                    if last {
                        Just(Activation::Identity).boxed()
                    } else {
                        prop_oneof![Just(Activation::Relu), Just(Activation::Identity)].boxed()
                    },
                )
            })
            .collect();
        let features = prop::collection::vec(-4.0f64..4.0, sizes[0]);
        (layers, features, Just(params), Just(salt)).prop_map(|(layers, features, params, _)| {
            let layers = layers
                .into_iter()
                .map(|(weights, biases, activation)| DenseLayer {
                    weights,
                    biases,
                    activation,
                })
                .collect();
            (Mlp { layers }, features, params)
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn circuit_matches_the_integer_reference((model, features, params) in mlp_strategy()) {
        let quantized = quantize(&model, params).unwrap();
        let compiled = CompiledModel::new(quantized.clone()).unwrap();
        let input = quantize_input(params, &features).unwrap();
        let reference = reference_forward(&quantized, &input);
        let witness = compiled.witness(&input, Default::default());
        match (reference, witness) {
            (Ok(expected), Ok(witness)) => {
                prop_assert_eq!(&witness.outputs, &expected);
                let instance = witness.instance();
                let circuit = MlpCircuit::new(compiled.layout().clone(), Arc::new(witness));
                let prover = MockProver::run(compiled.k(), &circuit, vec![instance]).unwrap();
                prop_assert_eq!(prover.verify(), Ok(()));
            }
            (Err(QuantizeError::ActivationOutOfRange { layer, neuron, .. }),
             Err(zkmlp::Error::Witness(WitnessError::ActivationOutOfRange { layer: l, neuron: n, .. }))) => {
                prop_assert_eq!((layer, neuron), (l, n));
            }
            (reference, witness) => prop_assert!(false, "disagreement: {:?} vs {:?}", reference, witness.map(|w| w.outputs)),
        }
    }
}
