//! `zkmlp compile` on ONNX exports with a classifier head: a sigmoid or tanh output is proven
//! in the circuit (or, with `--prove-logits`, the logits are, and the command says so);
//! Softmax and ArgMax heads are not part of the circuit, and the command says what is proven.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

const BIN: &str = env!("CARGO_BIN_EXE_zkmlp");

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/onnx")
        .join(name)
}

/// Runs `zkmlp compile FIXTURE -o OUT extra...`: exit code, stdout + stderr, the compiled
/// file (if written).
fn compile(name: &str, extra: &[&str]) -> (i32, String, Option<String>) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("model.zkc");
    let output = Command::new(BIN)
        .arg("compile")
        .arg(fixture(name))
        .arg("-o")
        .arg(&out)
        .args(extra)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let code = output.status.code().expect("exited");
    (code, text, std::fs::read_to_string(out).ok())
}

#[test]
fn a_sigmoid_output_is_proven_in_the_circuit_by_default() {
    let (code, text, compiled) = compile("torch_sigmoid_classifier.onnx", &[]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("sigmoid is proven in the circuit"), "{text}");
    let compiled = compiled.unwrap();
    assert!(compiled.contains("\"sigmoid\""), "{compiled}");

    let (code, text, compiled) = compile("torch_prelu_tanh.onnx", &[]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("tanh is proven in the circuit"), "{text}");
    assert!(compiled.unwrap().contains("\"tanh\""));

    // scikit-learn's binary classifier: the sigmoid is followed by its [1 - p, p] layer.
    let (code, text, compiled) = compile("skl_binary_classifier.onnx", &[]);
    assert_eq!(code, 0, "{text}");
    assert!(compiled.unwrap().contains("\"sigmoid\""));
}

#[test]
fn prove_logits_drops_the_squash_and_says_so() {
    let (code, text, compiled) = compile("torch_sigmoid_classifier.onnx", &["--prove-logits"]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("proving the logits: the verifier applies the sigmoid"),
        "{text}"
    );
    let compiled = compiled.unwrap();
    assert!(!compiled.contains("sigmoid"), "{compiled}");
    // A model without a final sigmoid or tanh: a usage error, nothing written.
    let (code, text, compiled) = compile("dynamo_mlp.onnx", &["--prove-logits"]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("does not end in a sigmoid or tanh"), "{text}");
    assert!(compiled.is_none());
}

#[test]
fn softmax_and_argmax_heads_say_what_is_proven() {
    let (code, text, _) = compile("torch_softmax_classifier.onnx", &[]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("Softmax is not proven: the outputs proven are the logits"),
        "{text}"
    );
    let (code, text, _) = compile("skl_classifier_zipmap.onnx", &[]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("ArgMax is not proven") && text.contains("labels [0, 1, 2]"),
        "{text}"
    );
}
