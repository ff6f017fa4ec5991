//! Issue 13: the exports people actually make (tests/fixtures/onnx, made by
//! scripts/onnx_fixtures/make_fixtures.py) import, agree with onnxruntime's recorded outputs,
//! and prove and verify one input each; external data is read safely; what cannot be proven
//! gets a typed error that says what to do.

use std::path::{Path, PathBuf};

use prost::Message;
use tract_onnx::pb;
use zkmlp::{
    model::{Activation, Head, Mlp},
    onnx::{import_onnx, import_onnx_bytes, load_onnx, load_onnx_bytes, OnnxError, OnnxOptions},
    quantize::{quantize, QuantizeError},
    CompiledModel, MlpParams, ProvingKey, Srs,
};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/onnx")
        .join(name)
}

/// Every issue-13 fixture with a recorded reference.
const FIXTURES: [&str; 9] = [
    "dynamo_mlp.onnx",
    "torch_normalized_leaky.onnx",
    "torch_sigmoid_classifier.onnx",
    "torch_prelu_tanh.onnx",
    "torch_softmax_classifier.onnx",
    "skl_scaled_regressor.onnx",
    "skl_scaled_classifier.onnx",
    "skl_classifier_zipmap.onnx",
    "skl_binary_classifier.onnx",
];

struct Reference {
    inputs: Vec<Vec<f64>>,
    outputs: Option<Vec<Vec<f64>>>,
    labels: Option<Vec<i64>>,
}

fn reference(name: &str) -> Reference {
    let json = std::fs::read_to_string(fixture(name).with_extension("json")).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let field = |key: &str| doc.get(key).cloned();
    Reference {
        inputs: serde_json::from_value(field("inputs").unwrap()).unwrap(),
        outputs: field("outputs").map(|v| serde_json::from_value(v).unwrap()),
        labels: field("labels").map(|v| serde_json::from_value(v).unwrap()),
    }
}

#[test]
fn every_export_matches_onnxruntime() {
    for name in FIXTURES {
        let imported = import_onnx(fixture(name), &OnnxOptions::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let reference = reference(name);
        assert!(reference.inputs.len() >= 64, "{name}");
        for (i, x) in reference.inputs.iter().enumerate() {
            let values = imported.model.forward(x).unwrap();
            let ours = imported.head.apply(&values);
            if let Some(outputs) = &reference.outputs {
                let theirs = &outputs[i];
                assert_eq!(ours.len(), theirs.len(), "{name}");
                for (a, b) in ours.iter().zip(theirs) {
                    assert!((a - b).abs() < 2e-4, "{name} #{i}: {ours:?} vs {theirs:?}");
                }
            }
            if let Some(labels) = &reference.labels {
                let class = imported.head.class(&values, 0.5);
                assert_eq!(class, labels[i], "{name} #{i}: {values:?}");
            }
        }
    }
}

#[test]
fn imports_have_the_expected_structure() {
    let leaky = load_onnx(fixture("torch_normalized_leaky.onnx")).unwrap();
    let activations: Vec<Activation> = leaky.layers.iter().map(|l| l.activation).collect();
    assert_eq!(
        leaky.layers.len(),
        3,
        "Sub and Div folded into the first layer"
    );
    assert!(
        matches!(activations[0], Activation::LeakyRelu { alpha } if (alpha - 0.1).abs() < 1e-6)
    );
    assert!(
        matches!(activations[1], Activation::LeakyRelu { alpha } if (alpha - 0.01).abs() < 1e-6)
    );
    assert_eq!(activations[2], Activation::Identity);

    let soft = import_onnx(
        fixture("torch_softmax_classifier.onnx"),
        &Default::default(),
    )
    .unwrap();
    assert_eq!(soft.head, Head::Softmax);
    assert_eq!(soft.model.output_size(), 3);

    let zipmap = import_onnx(fixture("skl_classifier_zipmap.onnx"), &Default::default()).unwrap();
    assert_eq!(zipmap.output, "output_label");
    assert_eq!(
        zipmap.head,
        Head::ArgMax {
            labels: Some(vec![0, 1, 2])
        }
    );
    let scaled = import_onnx(fixture("skl_scaled_classifier.onnx"), &Default::default()).unwrap();
    assert_eq!(scaled.output, "probabilities");
    assert_eq!(scaled.head, Head::Softmax);
    // The binary classifier's [1 - p, p] became one more (affine) layer after the sigmoid.
    let binary = load_onnx(fixture("skl_binary_classifier.onnx")).unwrap();
    let last = binary.layers.last().unwrap();
    assert_eq!(last.weights, vec![vec![-1.0], vec![1.0]]);
    assert_eq!(last.biases, vec![1.0, 0.0]);
    assert_eq!(
        binary.layers[binary.layers.len() - 2].activation,
        Activation::Sigmoid
    );
}

/// Compiles with default parameters, proves the first recorded input and verifies.
fn prove_first(model: &Mlp, x: &[f64]) -> Result<Vec<f64>, QuantizeError> {
    let compiled = CompiledModel::new(quantize(model, MlpParams::default())?).unwrap();
    let srs = Srs::unsafe_setup_for_testing(compiled.k(), 5);
    let pk = ProvingKey::generate(&srs, &compiled).unwrap();
    let proof = pk.prove(x).unwrap();
    zkmlp::verify(pk.verifying_key(), &proof).unwrap();
    Ok(proof.decoded_outputs())
}

/// Every fixture proves, sigmoid and tanh in the circuit (scikit-learn's binary classifier,
/// whose `[1 - p, p]` layer follows the sigmoid, included).
#[test]
fn every_export_proves_and_verifies() {
    for name in FIXTURES {
        let imported = import_onnx(fixture(name), &Default::default()).unwrap();
        let model = &imported.model;
        let x = &reference(name).inputs[0];
        let proven = prove_first(model, x).unwrap_or_else(|e| panic!("{name}: {e}"));
        let float = model.forward(x).unwrap();
        for (p, f) in proven.iter().zip(&float) {
            assert!(
                (p - f).abs() < 0.05,
                "{name}: proven {proven:?}, float {float:?}"
            );
        }
        let head = &imported.head;
        let float_class = head.class(&head.apply(&float), 0.5);
        let proven_class = head.class(&head.apply(&proven), 0.5);
        assert_eq!(float_class, proven_class, "{name}");
    }
}

/// The sigmoid and tanh fixtures in fixed point (the integer reference, which the circuit
/// equals bit for bit) against onnxruntime's recorded outputs on all their inputs: max abs
/// error within 1% of the output's range, and the class identical on every input.
#[test]
fn in_circuit_sigmoid_and_tanh_match_onnxruntime() {
    use zkmlp::quantize::{dequantize, quantize_input, reference_forward};
    for (name, classifier) in [
        ("torch_sigmoid_classifier.onnx", true),
        ("torch_prelu_tanh.onnx", false),
        ("skl_binary_classifier.onnx", true),
    ] {
        let imported = import_onnx(fixture(name), &Default::default()).unwrap();
        let params = MlpParams::default();
        let q = quantize(&imported.model, params).unwrap();
        let squash = q
            .layers
            .iter()
            .any(|l| matches!(l.activation, zkmlp::QuantizedActivation::Squash(_)));
        assert!(squash, "{name}: sigmoid or tanh in the circuit");
        let reference = reference(name);
        let outputs = reference.outputs.as_ref().unwrap();
        let (mut max_err, mut lo, mut hi, mut agree) = (0.0f64, f64::MAX, f64::MIN, 0);
        for (x, theirs) in reference.inputs.iter().zip(outputs) {
            let fixed = reference_forward(&q, &quantize_input(params, x).unwrap()).unwrap();
            let ours: Vec<f64> = fixed.iter().map(|&v| dequantize(params, v)).collect();
            for (a, b) in ours.iter().zip(theirs) {
                max_err = max_err.max((a - b).abs());
                (lo, hi) = (lo.min(*b), hi.max(*b));
            }
            agree += usize::from(Head::Values.class(&ours, 0.5) == Head::Values.class(theirs, 0.5));
        }
        let range = hi - lo;
        println!("{name}: max abs error {max_err:.3e}, output range {range:.3}, class agreement {agree}/{}", outputs.len());
        assert!(
            max_err <= 0.01 * range,
            "{name}: {max_err} vs range {range}"
        );
        if classifier {
            assert_eq!(agree, outputs.len(), "{name}");
        }
    }
}

#[test]
fn normalizer_and_zipmap_get_errors_that_say_what_to_do() {
    match load_onnx(fixture("skl_normalizer.onnx")) {
        Err(e @ OnnxError::NotAffine { .. }) => {
            let text = e.to_string();
            assert!(
                text.contains("ai.onnx.ml.Normalizer") && text.contains("drop"),
                "{text}"
            );
        }
        other => panic!("expected NotAffine, got {other:?}"),
    }
    let options = OnnxOptions {
        output: Some("output_probability".into()),
    };
    match import_onnx(fixture("skl_classifier_zipmap.onnx"), &options) {
        Err(e @ OnnxError::UnprovableOutput { .. }) => {
            let text = e.to_string();
            assert!(text.contains("'zipmap': False"), "{text}");
        }
        other => panic!("expected UnprovableOutput, got {other:?}"),
    }
    let options = OnnxOptions {
        output: Some("nope".into()),
    };
    assert!(matches!(
        import_onnx(fixture("skl_classifier_zipmap.onnx"), &options),
        Err(OnnxError::UnknownOutput { available, .. }) if available.len() == 2
    ));
}

/// The dynamo fixture's bytes with every external location replaced by `location`.
fn relocated(location: &str) -> Vec<u8> {
    let bytes = std::fs::read(fixture("dynamo_mlp.onnx")).unwrap();
    let mut proto = pb::ModelProto::decode(bytes.as_slice()).unwrap();
    for t in &mut proto.graph.as_mut().unwrap().initializer {
        for e in t.external_data.iter_mut().filter(|e| e.key == "location") {
            e.value = location.into();
        }
    }
    proto.encode_to_vec()
}

fn load_in(dir: &Path, bytes: &[u8]) -> Result<Mlp, OnnxError> {
    import_onnx_bytes(bytes, Some(dir), &Default::default()).map(|m| m.model)
}

#[test]
fn external_data_is_read_safely() {
    let data = std::fs::read(fixture("dynamo_mlp.onnx.data")).unwrap();
    let good = std::fs::read(fixture("dynamo_mlp.onnx")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let inner = dir.path().join("model");
    std::fs::create_dir(&inner).unwrap();
    // As bytes, with no folder: refused, naming the tensor.
    assert!(matches!(load_onnx_bytes(&good), Err(OnnxError::ExternalData(t)) if t == "0.weight"));
    // Missing file.
    assert!(matches!(
        load_in(&inner, &good),
        Err(OnnxError::ExternalIo { .. })
    ));
    // Short file.
    std::fs::write(inner.join("dynamo_mlp.onnx.data"), &data[..data.len() - 1]).unwrap();
    assert!(matches!(
        load_in(&inner, &good),
        Err(OnnxError::ExternalShort { needed, available, .. })
            if needed == data.len() as u64 && available + 1 == needed
    ));
    // Complete: loads, and equals the fixture loaded from its own folder.
    std::fs::write(inner.join("dynamo_mlp.onnx.data"), &data).unwrap();
    let model = load_in(&inner, &good).unwrap();
    assert_eq!(model, load_onnx(fixture("dynamo_mlp.onnx")).unwrap());
    // Paths that leave the folder.
    std::fs::write(dir.path().join("outside.data"), &data).unwrap();
    for location in [
        "../outside.data",
        "/etc/passwd",
        "./dynamo_mlp.onnx.data",
        "",
    ] {
        assert!(
            matches!(
                load_in(&inner, &relocated(location)),
                Err(OnnxError::ExternalPath { .. })
            ),
            "{location}: {:?}",
            load_in(&inner, &relocated(location))
        );
    }
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(dir.path().join("outside.data"), inner.join("link.data"))
            .unwrap();
        assert!(matches!(
            load_in(&inner, &relocated("link.data")),
            Err(OnnxError::ExternalPath { reason, .. }) if reason.contains("outside")
        ));
    }
    // A length that disagrees with the tensor's size.
    let bytes = std::fs::read(fixture("dynamo_mlp.onnx")).unwrap();
    let mut proto = pb::ModelProto::decode(bytes.as_slice()).unwrap();
    let t = &mut proto.graph.as_mut().unwrap().initializer[0];
    for e in t.external_data.iter_mut().filter(|e| e.key == "length") {
        e.value = "16".into();
    }
    assert!(matches!(
        load_in(&inner, &proto.encode_to_vec()),
        Err(OnnxError::TensorSize(_))
    ));
}

mod onnx_common;

/// Hand-built graphs: `x: [N, 3]`, one output `y`.
mod hand_built {
    use super::onnx_common::{build as build_graph, node as node_with, tensor, value};
    use super::*;

    fn node(op: &str, inputs: &[&str], output: &str) -> pb::NodeProto {
        node_with(op, inputs, output, &[])
    }

    fn build(nodes: Vec<pb::NodeProto>, inits: Vec<pb::TensorProto>) -> Vec<u8> {
        build_graph(nodes, vec![value("x", &[None, Some(3)])], &["y"], inits)
    }

    fn weights() -> Vec<pb::TensorProto> {
        vec![
            tensor("w", &[3, 2], &[1.0, -2.0, 0.5, 1.5, -1.0, 0.25]),
            tensor("v", &[2, 1], &[2.0, -1.0]),
            tensor("k", &[2], &[3.0, -0.5]),
            tensor("m", &[3], &[1.0, 2.0, 4.0]),
            tensor("c0", &[1], &[0.75]),
        ]
    }

    /// Every affine op between and around the layers, plus Dropout, folds exactly.
    #[test]
    fn affine_ops_anywhere_fold_exactly() {
        let bytes = build(
            vec![
                node("Sub", &["x", "m"], "a"), // x - m
                node("Div", &["a", "m"], "b"), // / m
                node("Dropout", &["b"], "c"),  // identity
                node("MatMul", &["c", "w"], "d"),
                node("Relu", &["d"], "e"),
                node("Mul", &["e", "k"], "f"), // between layers
                node("Sub", &["k", "f"], "g"), // k - f
                node("MatMul", &["g", "v"], "h"),
                node("Relu", &["h"], "i"),
                node("Add", &["i", "c0"], "y"), // after the last activation: a new layer
            ],
            weights(),
        );
        let model = load_onnx_bytes(&bytes).unwrap();
        assert_eq!(model.layers.len(), 3);
        let (w, v, k, m) = (
            [[1.0, -2.0], [0.5, 1.5], [-1.0, 0.25]],
            [2.0, -1.0],
            [3.0, -0.5],
            [1.0, 2.0, 4.0],
        );
        for x in [[0.5, -1.0, 2.0], [3.0, 1.0, -2.0], [-1.0, 4.0, 0.25]] {
            let mut h = [0.0f64; 2];
            for (j, h) in h.iter_mut().enumerate() {
                *h = (0..3)
                    .map(|i| (x[i] - m[i]) / m[i] * w[i][j])
                    .sum::<f64>()
                    .max(0.0);
            }
            let g: Vec<f64> = (0..2).map(|j| k[j] - h[j] * k[j]).collect();
            let out = (g[0] * v[0] + g[1] * v[1]).max(0.0);
            let expected = [out + 0.75];
            let got = model.forward(&x).unwrap();
            for (a, b) in got.iter().zip(expected) {
                assert!((a - b).abs() < 1e-12, "{got:?} vs {expected:?}");
            }
        }
    }

    #[test]
    fn non_affine_and_unsupported_ops_are_typed_errors() {
        let div_by_input = build(
            vec![
                node("Div", &["m", "x"], "a"),
                node("MatMul", &["a", "w"], "y"),
            ],
            weights(),
        );
        assert!(matches!(
            load_onnx_bytes(&div_by_input),
            Err(OnnxError::NotAffine { op, .. }) if op == "Div"
        ));
        let erf = build(
            vec![node("MatMul", &["x", "w"], "a"), node("Erf", &["a"], "y")],
            weights(),
        );
        assert!(matches!(
            load_onnx_bytes(&erf),
            Err(OnnxError::UnsupportedOp { op, .. }) if op == "Erf"
        ));
        let branch = build(
            vec![
                node("MatMul", &["x", "w"], "a"),
                node("Add", &["a", "a"], "y"),
            ],
            weights(),
        );
        assert!(matches!(
            load_onnx_bytes(&branch),
            Err(OnnxError::NonConstantWeights { .. })
        ));
        let two_paths = build(
            vec![
                node("MatMul", &["x", "w"], "a"),
                node("Relu", &["a"], "b"),
                node("Add", &["a", "b"], "y"),
            ],
            weights(),
        );
        assert!(matches!(
            load_onnx_bytes(&two_paths),
            Err(OnnxError::UnsupportedGraph { .. })
        ));
        let per_channel = build(
            vec![
                node("MatMul", &["x", "w"], "a"),
                node("PRelu", &["a", "k"], "y"),
            ],
            weights(),
        );
        assert!(matches!(
            load_onnx_bytes(&per_channel),
            Err(OnnxError::UnsupportedAttribute {
                attribute: "slope",
                ..
            })
        ));
    }
}

/// Calibration for resources keeps a classifier's decisions: scikit-learn's binary classifier
/// (sigmoid, then `[1 - p, p]`) agrees with onnxruntime on the class of at least 99% of its
/// calibration samples (before decisions counted, `s = 8` was chosen and one sample flipped).
#[test]
fn calibration_keeps_a_binary_classifiers_classes() {
    use zkmlp::calibrate::{calibrate, CalibrationOptions};
    use zkmlp::quantize::{dequantize, quantize_input, reference_forward};
    let imported = import_onnx(fixture("skl_binary_classifier.onnx"), &Default::default()).unwrap();
    let reference = reference("skl_binary_classifier.onnx");
    let calibration = calibrate(
        &imported.model,
        &reference.inputs,
        &CalibrationOptions::default(),
    )
    .unwrap();
    let chosen = (calibration.candidates.iter())
        .filter_map(|c| c.fit.as_ref())
        .find(|fit| fit.params == calibration.params)
        .unwrap();
    assert_eq!(chosen.decision_flips, 0);
    let (q, params) = (&calibration.quantized, calibration.params);
    let outputs = reference.outputs.as_ref().unwrap();
    let agree = (reference.inputs.iter().zip(outputs))
        .filter(|(x, theirs)| {
            let fixed = reference_forward(q, &quantize_input(params, x).unwrap()).unwrap();
            let ours: Vec<f64> = fixed.iter().map(|&v| dequantize(params, v)).collect();
            Head::Values.class(&ours, 0.5) == Head::Values.class(theirs, 0.5)
        })
        .count();
    println!(
        "skl_binary_classifier calibrated: s = {}, k = {}, class agreement {agree}/{}",
        params.scale_bits,
        calibration.k,
        outputs.len()
    );
    assert!(
        100 * agree >= 99 * outputs.len(),
        "{agree}/{}",
        outputs.len()
    );
}
