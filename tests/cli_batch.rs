//! The `zkmlp` binary on collection-scale batches (`--outputs folded`): a batch file of NFTs
//! and an epoch in, one batch proof out, checked natively, encoded as the oracle's
//! `submitBatch` call, and run through the EVM verifier with gas per valuation; a tampered
//! price and a missing epoch are refused with their exit codes.

use std::{
    fs,
    path::{Path, PathBuf},
    process::Command,
};

const BIN: &str = env!("CARGO_BIN_EXE_zkmlp");

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn zkmlp(dir: &Path, args: &[&str]) -> Run {
    let output = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let run = zkmlp(dir, args);
    assert_eq!(
        run.code, 0,
        "zkmlp {args:?} failed:\n{}\n{}",
        run.stdout, run.stderr
    );
    run.stdout
}

const MODEL: &str = r#"{
  "format": "zkmlp-mlp",
  "version": 1,
  "layers": [
    { "weights": [[0.5, -1.25, 2.0], [1.0, 0.0, -0.75]], "biases": [0.1, -0.2], "activation": "relu" },
    { "weights": [[1.5, -0.5]], "biases": [0.25], "activation": "identity" }
  ]
}"#;

fn batch_file(epoch: Option<u64>) -> String {
    let items: Vec<String> = (0..4)
        .map(|i| {
            format!(
                r#"{{"collection": "0x{}", "tokenId": "{}", "features": [{}, {}, {}]}}"#,
                format!("{:02x}", 0xb0 + i).repeat(20),
                1000 + i,
                0.25 * f64::from(i),
                -0.5,
                1.0 - 0.125 * f64::from(i)
            )
        })
        .collect();
    match epoch {
        Some(e) => format!(r#"{{"epoch": {e}, "items": [{}]}}"#, items.join(", ")),
        None => format!(r#"{{"items": [{}]}}"#, items.join(", ")),
    }
}

fn setup(dir: &Path) -> PathBuf {
    fs::write(dir.join("model.json"), MODEL).unwrap();
    fs::write(dir.join("batch.json"), batch_file(Some(7))).unwrap();
    fs::write(dir.join("no-epoch.json"), batch_file(None)).unwrap();
    ok(
        dir,
        &[
            "srs",
            "gen-unsafe",
            "--k",
            "13",
            "--seed",
            "1",
            "-o",
            "dev.srs",
        ],
    );
    ok(
        dir,
        &[
            "compile",
            "model.json",
            "--batch-size",
            "4",
            "--inputs",
            "hashed",
            "--outputs",
            "folded",
            "-o",
            "batch.zkc",
        ],
    );
    ok(
        dir,
        &[
            "setup",
            "batch.zkc",
            "--srs",
            "dev.srs",
            "--pk",
            "batch.pk",
            "--vk",
            "batch.vk",
            "--allow-unsafe-srs",
        ],
    );
    dir.to_path_buf()
}

#[test]
fn a_batch_file_proves_verifies_encodes_and_runs_on_the_evm() {
    let scratch = tempfile::tempdir().unwrap();
    let dir = setup(scratch.path());
    let dir = dir.as_path();
    let prove = [
        "prove",
        "batch.zkc",
        "--pk",
        "batch.pk",
        "batch.json",
        "-o",
        "batch.proof",
        "--allow-unsafe-srs",
    ];
    let out = ok(dir, &prove);
    assert!(out.contains("4 valuations at epoch 7"), "{out}");

    let out = ok(dir, &["verify", "--vk", "batch.vk", "batch.proof"]);
    assert!(out.contains("batch proof verified"), "{out}");
    assert!(out.contains("4 valuations at epoch 7"), "{out}");

    // The submitBatch call: its selector, then the ABI-encoded arguments.
    ok(dir, &["encode-calldata", "batch.proof", "-o", "submit.hex"]);
    let submit = fs::read_to_string(dir.join("submit.hex")).unwrap();
    let selector = zkmlp::evm::selector(
        "submitBatch(address[],uint256[],uint64,uint256[],uint256[],bytes,bytes)",
    );
    assert!(submit.starts_with(&format!("0x{}", hex::encode(selector))));
    // The verifier's own calldata: [c, input commitment, D], then the proof.
    ok(
        dir,
        &[
            "encode-calldata",
            "batch.proof",
            "--verifier-only",
            "-o",
            "verifier.hex",
        ],
    );
    let raw = fs::read_to_string(dir.join("verifier.hex")).unwrap();
    let proof: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("batch.proof")).unwrap()).unwrap();
    let proof_hex = proof["proof"].as_str().unwrap().trim_start_matches("0x");
    assert_eq!(raw.trim().len(), 2 + 2 * (3 * 32) + proof_hex.len());
    assert!(raw.trim().ends_with(proof_hex));

    let out = ok(dir, &["verify-evm", "--vk", "batch.vk", "batch.proof"]);
    assert!(out.contains("4 valuations"), "{out}");
    assert!(out.contains("gas per valuation"), "{out}");

    // One price changed: the binding and the fold no longer match the proof.
    let mut tampered = proof.clone();
    let word = tampered["words"][0].as_str().unwrap().to_owned();
    let last = word.chars().last().unwrap();
    let flipped = format!(
        "{}{}",
        &word[..word.len() - 1],
        if last == '0' { '1' } else { '0' }
    );
    tampered["words"][0] = flipped.into();
    fs::write(dir.join("tampered.proof"), tampered.to_string()).unwrap();
    let run = zkmlp(dir, &["verify", "--vk", "batch.vk", "tampered.proof"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("REJECTED"), "{}", run.stderr);
}

#[test]
fn a_batch_of_one_collection_is_encoded_as_submit_collection_batch() {
    let scratch = tempfile::tempdir().unwrap();
    let dir = setup(scratch.path());
    let dir = dir.as_path();
    // The four items of batch.json, all in the first one's collection.
    let mut file = batch_file(Some(7));
    for i in 1..4u8 {
        file = file.replace(&format!("{:02x}", 0xb0 + i).repeat(20), &"b0".repeat(20));
    }
    fs::write(dir.join("one.json"), file).unwrap();
    let prove = [
        "prove",
        "batch.zkc",
        "--pk",
        "batch.pk",
        "one.json",
        "-o",
        "one.proof",
        "--allow-unsafe-srs",
    ];
    ok(dir, &prove);
    let encode = |extra: &[&str]| {
        let args = [
            &["encode-calldata", "one.proof", "-o", "call.hex", "--force"],
            extra,
        ]
        .concat();
        let out = ok(dir, &args);
        (out, fs::read_to_string(dir.join("call.hex")).unwrap())
    };
    let selector = |signature| format!("0x{}", hex::encode(zkmlp::evm::selector(signature)));
    let (out, call) = encode(&[]);
    assert!(out.contains("submitCollectionBatch calldata"), "{out}");
    assert!(call.starts_with(&selector(zkmlp::evm::SUBMIT_COLLECTION_BATCH)));
    // The collection once instead of an array of four: five words shorter.
    let (out, mixed) = encode(&["--submit-batch"]);
    assert!(out.contains("submitBatch calldata"), "{out}");
    assert!(mixed.starts_with(&selector(zkmlp::evm::SUBMIT_BATCH)));
    assert_eq!(mixed.trim().len(), call.trim().len() + 2 * 32 * 5);
    let run = zkmlp(
        dir,
        &[
            "encode-calldata",
            "one.proof",
            "-o",
            "x.hex",
            "--submit-batch",
            "--verifier-only",
        ],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
}

#[test]
fn a_batch_needs_an_epoch_and_no_binding() {
    let scratch = tempfile::tempdir().unwrap();
    let dir = setup(scratch.path());
    let dir = dir.as_path();
    let base = [
        "prove",
        "batch.zkc",
        "--pk",
        "batch.pk",
        "--allow-unsafe-srs",
        "-o",
        "x.proof",
    ];
    let run = zkmlp(dir, &[&base[..], &["no-epoch.json"]].concat());
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("epoch"), "{}", run.stderr);
    let run = zkmlp(
        dir,
        &[&base[..], &["batch.json", "--binding", "0x2a"]].concat(),
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    // --epoch on the command line serves a file without one.
    let out = ok(
        dir,
        &[&base[..], &["no-epoch.json", "--epoch", "9"]].concat(),
    );
    assert!(out.contains("at epoch 9"), "{out}");
}
