//! ONNX import: the committed fixtures (tests/fixtures/onnx, made by
//! scripts/onnx_fixtures/make_fixtures.py) import, agree with tract's own execution of the same
//! file, and the torch export proves and verifies; bad files give typed errors.

use std::path::PathBuf;

use rand::{Rng, SeedableRng};
use tract_onnx::prelude::{
    tvec, DatumType, Framework, InferenceFact, InferenceModelExt, IntoRunnable, Tensor, TractResult,
};
use zkmlp::{
    model::{Activation, Mlp},
    onnx::{load_onnx, load_onnx_bytes, OnnxError, SUPPORTED_OPS},
    quantize::quantize,
    CompiledModel, MlpParams, ProvingKey, Srs,
};

const SUPPORTED: [&str; 4] = [
    "torch_mlp.onnx",
    "torch_batchnorm.onnx",
    "matmul_add.onnx",
    "skl_mlp.onnx",
];

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/onnx")
        .join(name)
}

/// Runs the ONNX file with tract on one feature vector, reshaped to the input's shape with
/// batch 1.
fn tract_forward(name: &str, input_shape: &[usize], x: &[f64]) -> TractResult<Vec<f64>> {
    let model = tract_onnx::onnx()
        .model_for_path(fixture(name))?
        .with_input_fact(0, InferenceFact::dt_shape(DatumType::F32, input_shape))?
        .into_optimized()?
        .into_runnable()?;
    let data: Vec<f32> = x.iter().map(|&v| v as f32).collect();
    let input = Tensor::from_shape(input_shape, &data)?;
    let outputs = model.run(tvec!(input.into()))?;
    let view = outputs[0].to_plain_array_view::<f32>()?;
    Ok(view.iter().map(|&v| f64::from(v)).collect())
}

fn input_shape(name: &str) -> Vec<usize> {
    match name {
        "matmul_add.onnx" => vec![1, 1, 4],
        "skl_mlp.onnx" => vec![1, 6],
        _ => vec![1, 8],
    }
}

#[test]
fn supported_fixtures_match_tract_execution() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(17);
    for name in SUPPORTED {
        let model = load_onnx(fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let shape = input_shape(name);
        assert_eq!(
            model.input_size(),
            shape.iter().product::<usize>(),
            "{name}"
        );
        for _ in 0..20 {
            let x: Vec<f64> = (0..model.input_size())
                .map(|_| f64::from(rng.gen_range(-2.0f32..2.0)))
                .collect();
            let ours = model.forward(&x).unwrap();
            let theirs = tract_forward(name, &shape, &x).unwrap();
            assert_eq!(ours.len(), theirs.len(), "{name}");
            for (a, b) in ours.iter().zip(&theirs) {
                assert!(
                    (a - b).abs() < 1e-5,
                    "{name}: ours {ours:?}, tract {theirs:?}"
                );
            }
        }
    }
}

#[test]
fn fixtures_match_onnxruntime_reference_outputs() {
    for name in SUPPORTED {
        let model = load_onnx(fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let json = std::fs::read_to_string(fixture(name).with_extension("json")).unwrap();
        let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
        let vectors =
            |key: &str| -> Vec<Vec<f64>> { serde_json::from_value(doc[key].clone()).unwrap() };
        for (x, y) in vectors("inputs").iter().zip(vectors("outputs")) {
            let ours = model.forward(x).unwrap();
            for (a, b) in ours.iter().zip(&y) {
                assert!(
                    (a - b).abs() < 1e-4,
                    "{name}: ours {ours:?}, onnxruntime {y:?}"
                );
            }
        }
    }
}

#[test]
fn torch_mlp_has_the_expected_shape() {
    let model = load_onnx(fixture("torch_mlp.onnx")).unwrap();
    let sizes: Vec<usize> = std::iter::once(model.input_size())
        .chain(model.layers.iter().map(|l| l.output_size()))
        .collect();
    assert_eq!(sizes, [8, 16, 16, 1]);
    let activations: Vec<Activation> = model.layers.iter().map(|l| l.activation).collect();
    assert_eq!(
        activations,
        [Activation::Relu, Activation::Relu, Activation::Identity]
    );
}

#[test]
fn batch_norm_is_folded_into_the_linear_layer() {
    let model = load_onnx(fixture("torch_batchnorm.onnx")).unwrap();
    assert_eq!(model.layers.len(), 2);
    assert_eq!(model.layers[0].activation, Activation::Relu);
    assert_eq!(model.layers[1].activation, Activation::Identity);
    // Folding by hand from the raw tensors: scale = gamma / sqrt(var + eps),
    // W' = scale W, b' = scale (b - mean) + beta.
    let raw = std::fs::read(fixture("torch_batchnorm.onnx")).unwrap();
    let proto = tract_onnx::onnx()
        .proto_model_for_read(&mut raw.as_slice())
        .unwrap();
    let graph = proto.graph.unwrap();
    let tensor = |name: &str| -> Vec<f64> {
        let t = graph.initializer.iter().find(|t| t.name == name).unwrap();
        t.raw_data
            .chunks(4)
            .map(|c| f64::from(f32::from_le_bytes(c.try_into().unwrap())))
            .collect()
    };
    let eps = f64::from(
        graph.node[1]
            .attribute
            .iter()
            .find(|a| a.name == "epsilon")
            .unwrap()
            .f,
    );
    let (w, b) = (tensor("0.weight"), tensor("0.bias"));
    let (gamma, beta) = (tensor("1.weight"), tensor("1.bias"));
    let (mean, var) = (tensor("1.running_mean"), tensor("1.running_var"));
    assert!(mean.iter().any(|m| m.abs() > 0.1) && var.iter().any(|v| (v - 1.0).abs() > 0.1));
    let layer = &model.layers[0];
    for j in 0..16 {
        let scale = gamma[j] / (var[j] + eps).sqrt();
        for i in 0..8 {
            assert!((layer.weights[j][i] - scale * w[j * 8 + i]).abs() < 1e-12);
        }
        assert!((layer.biases[j] - (scale * (b[j] - mean[j]) + beta[j])).abs() < 1e-12);
    }
}

#[test]
fn skl_mlp_imports_through_its_leading_cast() {
    // skl2onnx emits Cast(to = float) before the first MatMul: a no-op for a float model.
    let model = load_onnx(fixture("skl_mlp.onnx")).unwrap();
    let sizes: Vec<usize> = std::iter::once(model.input_size())
        .chain(model.layers.iter().map(|l| l.output_size()))
        .collect();
    assert_eq!(sizes, [6, 12, 8, 1]);
    let activations: Vec<Activation> = model.layers.iter().map(|l| l.activation).collect();
    assert_eq!(
        activations,
        [Activation::Relu, Activation::Relu, Activation::Identity]
    );
}

#[test]
fn unsupported_op_is_named() {
    match load_onnx(fixture("unsupported_op.onnx")) {
        Err(e @ OnnxError::UnsupportedOp { .. }) => {
            let OnnxError::UnsupportedOp {
                op,
                node,
                supported,
            } = &e
            else {
                unreachable!()
            };
            assert_eq!((op.as_str(), node.as_str()), ("Erf", "squash"));
            assert_eq!(*supported, SUPPORTED_OPS);
            let text = e.to_string();
            for part in ["Erf", "squash", "Gemm", "BatchNormalization"] {
                assert!(text.contains(part), "{text}");
            }
        }
        other => panic!("expected UnsupportedOp, got {other:?}"),
    }
}

#[test]
fn bad_bytes_give_typed_errors() {
    let good = std::fs::read(fixture("torch_mlp.onnx")).unwrap();
    let mut cases: Vec<Vec<u8>> = vec![
        vec![],
        b"not an onnx file at all".to_vec(),
        br#"{"format":"zkmlp-mlp","version":1,"layers":[]}"#.to_vec(),
        vec![0xff; 64],
    ];
    cases.extend((1..good.len()).step_by(37).map(|n| good[..n].to_vec()));
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    for _ in 0..200 {
        let mut bytes = good.clone();
        for _ in 0..rng.gen_range(1..4) {
            let at = rng.gen_range(0..bytes.len());
            bytes[at] = rng.gen();
        }
        cases.push(bytes);
    }
    for bytes in &cases {
        // Must return (Ok or a typed error), never panic.
        let result = std::panic::catch_unwind(|| load_onnx_bytes(bytes));
        assert!(result.is_ok(), "panicked on {} bytes", bytes.len());
    }
    assert!(matches!(load_onnx_bytes(&[]), Err(OnnxError::Decode(_))));
    assert!(matches!(
        load_onnx_bytes(&good[..good.len() / 2]),
        Err(OnnxError::Decode(_))
    ));
    assert!(matches!(
        load_onnx(fixture("missing.onnx")),
        Err(OnnxError::Io { .. })
    ));
}

#[test]
fn imported_torch_model_proves_and_verifies() {
    let model: Mlp = load_onnx(fixture("torch_mlp.onnx")).unwrap();
    let compiled = CompiledModel::new(quantize(&model, MlpParams::default()).unwrap()).unwrap();
    let srs = Srs::unsafe_setup_for_testing(compiled.k(), 7);
    let pk = ProvingKey::generate(&srs, &compiled).unwrap();
    let features = [0.5, -1.25, 1.0, 0.125, -0.5, 0.75, 1.5, -0.25];
    let proof = pk.prove(&features).unwrap();
    zkmlp::verify(pk.verifying_key(), &proof).unwrap();
    let float = model.forward(&features).unwrap()[0];
    let proven = proof.decoded_outputs()[0];
    assert!(
        (float - proven).abs() < 0.05,
        "float {float}, proven {proven}"
    );
}

mod onnx_common;

/// Hand-built graphs for the error paths: `x: [N, 3]` (float), initializers, one output `y`.
mod hand_built {
    use super::onnx_common::{build, node, tensor, value};
    use tract_onnx::pb;
    use zkmlp::onnx::{load_onnx_bytes, OnnxError};

    /// `y = Gemm(x, w[2, 3], b[2], transB = 1)` followed by `tail` (which must end in `y`).
    fn gemm_then(tail: Vec<pb::NodeProto>, extra: Vec<pb::TensorProto>) -> Vec<u8> {
        let out = if tail.is_empty() { "y" } else { "z" };
        let mut nodes = vec![node("Gemm", &["x", "w", "b"], out, &[("transB", 1)])];
        nodes.extend(tail);
        let mut inits = vec![
            tensor("w", &[2, 3], &[1.0, 2.0, 3.0, -1.0, 0.5, 0.25]),
            tensor("b", &[2], &[0.5, -0.5]),
        ];
        inits.extend(extra);
        build(nodes, vec![value("x", &[None, Some(3)])], &["y"], inits)
    }

    /// Whether an error is the expected one.
    type Expected = fn(&OnnxError) -> bool;

    fn load(bytes: &[u8]) -> Result<zkmlp::model::Mlp, OnnxError> {
        load_onnx_bytes(bytes)
    }

    #[test]
    fn gemm_imports_with_its_weights() {
        let model = load(&gemm_then(vec![], vec![])).unwrap();
        assert_eq!(
            model.layers[0].weights,
            [[1.0, 2.0, 3.0], [-1.0, 0.5, 0.25]]
        );
        assert_eq!(model.layers[0].biases, [0.5, -0.5]);
        let relu = gemm_then(vec![node("Relu", &["z"], "y", &[])], vec![]);
        assert_eq!(
            load(&relu).unwrap().layers[0].activation,
            zkmlp::model::Activation::Relu
        );
    }

    #[test]
    fn typed_errors() {
        let x = || vec![value("x", &[None, Some(3)])];
        let w = || tensor("w", &[2, 3], &[1.0; 6]);
        let cases: Vec<(&str, Vec<u8>, Expected)> = vec![
            (
                "Cast to an integer type",
                build(
                    vec![
                        node("Cast", &["x"], "c", &[("to", 7)]),
                        node("Gemm", &["c", "w"], "y", &[]),
                    ],
                    x(),
                    &["y"],
                    vec![tensor("w", &[3, 2], &[1.0; 6])],
                ),
                |e| {
                    matches!(
                        e,
                        OnnxError::UnsupportedAttribute {
                            attribute: "to",
                            ..
                        }
                    )
                },
            ),
            (
                "transA",
                build(
                    vec![node("Gemm", &["x", "w"], "y", &[("transA", 1)])],
                    x(),
                    &["y"],
                    vec![tensor("w", &[3, 2], &[1.0; 6])],
                ),
                |e| {
                    matches!(
                        e,
                        OnnxError::UnsupportedAttribute {
                            attribute: "transA",
                            ..
                        }
                    )
                },
            ),
            (
                "weights from the input",
                build(
                    vec![node("Gemm", &["x", "x"], "y", &[("transB", 1)])],
                    x(),
                    &["y"],
                    vec![],
                ),
                |e| matches!(e, OnnxError::NonConstantWeights { input, .. } if input == "x"),
            ),
            (
                "bias of the wrong shape",
                gemm_then(
                    vec![node("Add", &["z", "c"], "y", &[])],
                    vec![tensor("c", &[2, 2], &[1.0; 4])],
                ),
                |e| matches!(e, OnnxError::ShapeMismatch { what: "bias", .. }),
            ),
            (
                "symbolic feature width",
                build(
                    vec![node("Gemm", &["x", "w"], "y", &[("transB", 1)])],
                    vec![value("x", &[None, None])],
                    &["y"],
                    vec![w()],
                ),
                |e| matches!(e, OnnxError::DynamicInput { .. }),
            ),
            (
                "two inputs",
                build(
                    vec![node("Gemm", &["x", "v"], "y", &[("transB", 1)])],
                    vec![
                        value("x", &[None, Some(3)]),
                        value("v", &[Some(2), Some(3)]),
                    ],
                    &["y"],
                    vec![],
                ),
                |e| matches!(e, OnnxError::InputCount(2)),
            ),
            (
                "two outputs",
                build(
                    vec![node("Gemm", &["x", "w"], "y", &[("transB", 1)])],
                    x(),
                    &["y", "x"],
                    vec![w()],
                ),
                |e| matches!(e, OnnxError::OutputCount(2)),
            ),
            (
                "NaN weight",
                build(
                    vec![node("Gemm", &["x", "w"], "y", &[("transB", 1)])],
                    x(),
                    &["y"],
                    vec![tensor("w", &[2, 3], &[1.0, f32::NAN, 0.0, 0.0, 0.0, 0.0])],
                ),
                |e| matches!(e, OnnxError::NonFinite { input, .. } if input == "w"),
            ),
            (
                "BatchNormalization in training mode",
                gemm_then(
                    vec![node(
                        "BatchNormalization",
                        &["z", "s", "c", "m", "v"],
                        "y",
                        &[("training_mode", 1)],
                    )],
                    ["s", "c", "m", "v"]
                        .iter()
                        .map(|n| tensor(n, &[2], &[1.0, 1.0]))
                        .collect(),
                ),
                |e| {
                    matches!(
                        e,
                        OnnxError::UnsupportedAttribute {
                            attribute: "training_mode",
                            ..
                        }
                    )
                },
            ),
            (
                "Relu without a dense layer",
                build(vec![node("Relu", &["x"], "y", &[])], x(), &["y"], vec![]),
                |e| matches!(e, OnnxError::UnsupportedGraph { .. }),
            ),
            (
                "external data",
                build(
                    vec![node("Gemm", &["x", "w"], "y", &[("transB", 1)])],
                    x(),
                    &["y"],
                    vec![pb::TensorProto {
                        data_location: Some(1),
                        float_data: vec![],
                        ..w()
                    }],
                ),
                |e| matches!(e, OnnxError::ExternalData(name) if name == "w"),
            ),
            (
                "huge tensor",
                build(
                    vec![node("Gemm", &["x", "w"], "y", &[("transB", 1)])],
                    x(),
                    &["y"],
                    vec![tensor("w", &[1 << 40, 1 << 40], &[])],
                ),
                |e| matches!(e, OnnxError::TensorSize(_)),
            ),
            (
                // Found by the parse_onnx fuzz target: tract panics on it.
                "undefined graph output",
                build(vec![], x(), &["nowhere"], vec![]),
                |e| matches!(e, OnnxError::UnsupportedGraph { node, .. } if node == "nowhere"),
            ),
            (
                "empty graph output name (also found by fuzzing)",
                build(vec![], x(), &[""], vec![]),
                |e| matches!(e, OnnxError::UnsupportedGraph { node, .. } if node.is_empty()),
            ),
            (
                "Flatten with axis 2",
                build(
                    vec![node("Flatten", &["x"], "y", &[("axis", 2)])],
                    x(),
                    &["y"],
                    vec![],
                ),
                |e| {
                    matches!(
                        e,
                        OnnxError::UnsupportedAttribute {
                            attribute: "axis",
                            ..
                        }
                    )
                },
            ),
            (
                "string weights",
                build(
                    vec![node("Gemm", &["x", "w"], "y", &[("transB", 1)])],
                    x(),
                    &["y"],
                    vec![pb::TensorProto {
                        data_type: 8,
                        raw_data: vec![0; 6],
                        float_data: vec![],
                        ..w()
                    }],
                ),
                |e| matches!(e, OnnxError::TensorType { data_type: 8, .. }),
            ),
            (
                "custom domain",
                build(
                    vec![pb::NodeProto {
                        domain: "com.example".into(),
                        ..node("Relu", &["x"], "y", &[])
                    }],
                    x(),
                    &["y"],
                    vec![],
                ),
                |e| matches!(e, OnnxError::UnsupportedOp { op, .. } if op == "com.example.Relu"),
            ),
        ];
        for (what, bytes, expected) in cases {
            match load(&bytes) {
                Err(e) if expected(&e) => {}
                other => panic!("{what}: unexpected {other:?}"),
            }
        }
    }
}

#[test]
fn cli_compile_accepts_onnx_by_extension_and_by_sniffing() {
    let dir = tempfile::tempdir().unwrap();
    let sniffed = dir.path().join("model.bin");
    std::fs::copy(fixture("torch_mlp.onnx"), &sniffed).unwrap();
    for (model, output) in [
        (fixture("torch_mlp.onnx"), dir.path().join("a.zkc")),
        (sniffed, dir.path().join("b.zkc")),
    ] {
        let status = std::process::Command::new(env!("CARGO_BIN_EXE_zkmlp"))
            .arg("compile")
            .arg(&model)
            .arg("-o")
            .arg(&output)
            .output()
            .unwrap();
        assert!(status.status.success(), "{status:?}");
        assert!(output.exists());
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_zkmlp"))
        .arg("compile")
        .arg(fixture("unsupported_op.onnx"))
        .arg("-o")
        .arg(dir.path().join("c.zkc"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Erf"));
}
