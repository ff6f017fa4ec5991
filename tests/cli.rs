//! The `zkmlp` binary: the README's session run verbatim, exit codes, refusals, and
//! malformed files.

mod common;

use std::{fs, path::Path};

use common::cli::{Scratch, MODEL, OTHER_MODEL, ROOT};
use zkmlp::model::Mlp;

/// The first `sh` block of the README's "Command line" section.
fn readme_session() -> String {
    let readme = fs::read_to_string(Path::new(ROOT).join("README.md")).unwrap();
    let section = readme
        .split("\n## Command line\n")
        .nth(1)
        .expect("README has a \"Command line\" section");
    let block = section
        .split("```sh\n")
        .nth(1)
        .expect("the section has a sh block");
    block.split("\n```").next().unwrap().to_owned()
}

#[test]
fn readme_session_runs_verbatim() {
    let scratch = Scratch::new();
    let session = readme_session();
    assert!(session.contains("zkmlp verify --vk"), "{session}");
    let output = scratch.sh(&session);
    let log = String::from_utf8_lossy(&output.stdout);
    // The record of the session (run with --nocapture to see it).
    println!("{log}");
    assert!(output.status.success(), "the README session failed:\n{log}");
    assert!(log.contains("proof verified: model"), "{log}");
    // model.vk, then evm.vk (compiled --for-evm)
    assert_eq!(log.matches("proof verified on the EVM").count(), 2, "{log}");
    assert!(log.contains("snarkjs powers of tau"), "{log}");
    for file in [
        "model.zkc",
        "model.pk",
        "model.vk",
        "proof.json",
        "Verifier.sol",
    ] {
        assert!(scratch.path(file).is_file(), "{file} missing");
    }
}

#[test]
fn help_documents_every_command_and_the_exit_codes() {
    let scratch = Scratch::new();
    let help = scratch.zkmlp(&["--help"]);
    help.ok();
    assert!(help.stdout.contains("Exit codes:"), "{}", help.stdout);
    for command in [
        "compile",
        "setup",
        "prove",
        "verify",
        "info",
        "srs",
        "create-evm-verifier",
        "encode-calldata",
        "verify-evm",
    ] {
        assert!(help.stdout.contains(command), "--help lacks {command}");
        let sub = scratch.zkmlp(&[command, "--help"]);
        assert!(
            command == "srs" || sub.ok().stdout.contains("Exit codes:"),
            "{command} --help:\n{}",
            sub.stdout
        );
    }
    for command in ["gen-unsafe", "from-ptau", "info"] {
        let sub = scratch.zkmlp(&["srs", command, "--help"]);
        assert!(sub.ok().stdout.contains("Exit codes:"), "{}", sub.stdout);
    }
}

#[test]
fn usage_errors_exit_2() {
    let scratch = Scratch::new();
    scratch.zkmlp(&["prove", "--no-such-flag"]).fails(2, "");
    scratch.zkmlp(&[]).fails(2, "Usage");
    scratch
        .zkmlp(&["compile", "missing.json", "-o", "out.zkc"])
        .fails(2, "missing.json");
    scratch
        .zkmlp(&["srs", "from-ptau", "missing.ptau", "-o", "x.srs"])
        .fails(2, "not a .ptau file");
    // A ceremony of 2^10 powers cannot serve k = 11.
    scratch
        .zkmlp(&["srs", "from-ptau", "pot10.ptau", "--k", "11", "-o", "x.srs"])
        .fails(2, "2^10 powers");
    assert!(!scratch.path("x.srs").exists());
    // Calibration data that overflows the fixed-point range is refused.
    scratch.write("model.json", MODEL);
    scratch.write(
        "calibration.json",
        "[[0.5, -1.25, 3.0], [1000.0, 0.0, 1500.0]]",
    );
    scratch
        .zkmlp(&[
            "compile",
            "model.json",
            "--calibration",
            "calibration.json",
            "-o",
            "model.zkc",
        ])
        .fails(2, "1 of 2 calibration samples overflow");
    assert!(!scratch.path("model.zkc").exists());
    scratch.write("calibration.json", "{\"not\": \"a list\"}");
    scratch
        .zkmlp(&[
            "compile",
            "model.json",
            "--calibration",
            "calibration.json",
            "-o",
            "m.zkc",
        ])
        .fails(2, "not a JSON list of feature vectors");
}

#[test]
fn outputs_are_not_overwritten_without_force() {
    let scratch = Scratch::new().with_keys_and_proof();
    let before = fs::read(scratch.path("model.zkc")).unwrap();
    scratch.write("other.json", OTHER_MODEL);
    scratch
        .zkmlp(&["compile", "other.json", "-o", "model.zkc"])
        .fails(2, "model.zkc already exists (use --force");
    assert_eq!(fs::read(scratch.path("model.zkc")).unwrap(), before);
    let vk = fs::read(scratch.path("model.vk")).unwrap();
    scratch
        .zkmlp(&[
            "setup",
            "model.zkc",
            "--srs",
            "ceremony.srs",
            "--pk",
            "new.pk",
            "--vk",
            "model.vk",
        ])
        .fails(2, "model.vk already exists");
    assert!(
        !scratch.path("new.pk").exists(),
        "refused before writing anything"
    );
    assert_eq!(fs::read(scratch.path("model.vk")).unwrap(), vk);
    scratch
        .zkmlp(&["srs", "gen-unsafe", "--k", "4", "-o", "ceremony.srs"])
        .fails(2, "already exists");
    scratch
        .zkmlp(&["compile", "other.json", "-o", "model.zkc", "--force"])
        .ok();
    assert_ne!(fs::read(scratch.path("model.zkc")).unwrap(), before);
}

#[test]
fn an_unsafe_srs_is_refused_unless_allowed() {
    let scratch = Scratch::new().with_keys_and_proof();
    scratch
        .zkmlp(&[
            "srs",
            "gen-unsafe",
            "--k",
            "10",
            "--seed",
            "7",
            "-o",
            "dev.srs",
        ])
        .ok();
    let info = scratch.zkmlp(&["srs", "info", "dev.srs"]);
    assert!(info.ok().stdout.contains("UNSAFE"), "{}", info.stdout);
    let setup = [
        "setup",
        "model.zkc",
        "--srs",
        "dev.srs",
        "--pk",
        "dev.pk",
        "--vk",
        "dev.vk",
    ];
    scratch.zkmlp(&setup).fails(2, "--allow-unsafe-srs");
    assert!(!scratch.path("dev.pk").exists());
    let allowed = [&setup[..], &["--allow-unsafe-srs"]].concat();
    scratch.zkmlp(&allowed).ok();
    let prove = [
        "prove",
        "model.zkc",
        "--pk",
        "dev.pk",
        "features.json",
        "-o",
        "dev-proof.json",
    ];
    scratch.zkmlp(&prove).fails(2, "UNSAFE");
    scratch
        .zkmlp(&[&prove[..], &["--allow-unsafe-srs"]].concat())
        .ok();
    let verified = scratch.zkmlp(&["verify", "--vk", "dev.vk", "dev-proof.json"]);
    assert!(
        verified.ok().stderr.contains("UNSAFE"),
        "{}",
        verified.stderr
    );
    // A proof from the unsafe ceremony does not fit the real ceremony's key.
    scratch
        .zkmlp(&["verify", "--vk", "model.vk", "dev-proof.json"])
        .fails(3, "SRS mismatch");
}

#[test]
fn mismatched_artifacts_exit_3_naming_both_digests() {
    let scratch = Scratch::new().with_keys_and_proof();
    scratch.write("other.json", OTHER_MODEL);
    scratch.write("other-features.json", "[1.0, 2.0, 3.0]");
    scratch
        .zkmlp(&["compile", "other.json", "-o", "other.zkc"])
        .ok();
    let digest = |file: &str| {
        let json: serde_json::Value =
            serde_json::from_slice(&fs::read(scratch.path(file)).unwrap()).unwrap();
        json["model_digest"].as_str().unwrap().to_owned()
    };
    let (model, other) = (digest("model.zkc"), digest("other.zkc"));
    let run = scratch.zkmlp(&[
        "prove",
        "other.zkc",
        "--pk",
        "model.pk",
        "other-features.json",
        "-o",
        "x.json",
    ]);
    run.fails(3, "model mismatch");
    assert!(
        run.stderr.contains(&model) && run.stderr.contains(&other),
        "{}",
        run.stderr
    );
    assert!(!scratch.path("x.json").exists());

    scratch
        .zkmlp(&[
            "setup",
            "other.zkc",
            "--srs",
            "pot10.ptau",
            "--pk",
            "other.pk",
            "--vk",
            "other.vk",
        ])
        .ok();
    let run = scratch.zkmlp(&["verify", "--vk", "other.vk", "proof.json"]);
    run.fails(3, "model mismatch");
    assert!(
        run.stderr.contains(&model) && run.stderr.contains(&other),
        "{}",
        run.stderr
    );
    // The key made directly from the .ptau file names the same SRS as the converted file.
    scratch
        .zkmlp(&[
            "verify",
            "--vk",
            "model.vk",
            "proof.json",
            "--srs",
            "pot10.ptau",
        ])
        .ok();
}

#[test]
fn a_tampered_proof_is_rejected_with_exit_1() {
    let scratch = Scratch::new().with_keys_and_proof();
    scratch
        .zkmlp(&["verify", "--vk", "model.vk", "proof.json"])
        .ok();
    let mut json: serde_json::Value =
        serde_json::from_slice(&fs::read(scratch.path("proof.json")).unwrap()).unwrap();
    let output = json["outputs"][0].as_i64().unwrap();
    json["outputs"][0] = (output + 1).into();
    scratch.write("forged.json", &json.to_string());
    scratch
        .zkmlp(&["verify", "--vk", "model.vk", "forged.json"])
        .fails(1, "proof REJECTED");
    scratch
        .zkmlp(&["verify-evm", "--vk", "model.vk", "forged.json"])
        .fails(1, "REJECTED");
}

#[test]
fn malformed_artifacts_give_errors_not_panics() {
    let scratch = Scratch::new().with_keys_and_proof();
    let verify = |vk: &str, proof: &str| scratch.zkmlp(&["verify", "--vk", vk, proof]);
    let prove = |compiled: &str, pk: &str| {
        scratch.zkmlp(&[
            "prove",
            compiled,
            "--pk",
            pk,
            "features.json",
            "-o",
            "out.json",
        ])
    };
    for (name, original) in [
        ("model.vk", "model.vk"),
        ("model.pk", "model.pk"),
        ("proof.json", "proof.json"),
        ("model.zkc", "model.zkc"),
    ] {
        let bytes = fs::read(scratch.path(original)).unwrap();
        let mut flipped = bytes.clone();
        let middle = flipped.len() / 2;
        flipped[middle] ^= 0x01;
        let cases: [(&str, Vec<u8>, &str); 4] = [
            ("empty", Vec::new(), "empty"),
            ("truncated", bytes[..bytes.len() / 3].to_vec(), ""),
            ("short", bytes[..7].to_vec(), ""),
            ("flipped", flipped, ""),
        ];
        for (case, content, message) in cases {
            let bad = format!("{case}-{name}");
            fs::write(scratch.path(&bad), content).unwrap();
            let run = match name {
                "model.vk" => verify(&bad, "proof.json"),
                "proof.json" => verify("model.vk", &bad),
                "model.pk" => prove("model.zkc", &bad),
                _ => prove(&bad, "model.pk"),
            };
            if case == "flipped" && name == "proof.json" {
                // A flipped hex digit may still be hex: then the proof is rejected (1).
                assert!([1, 2].contains(&run.code), "{}", run.stderr);
                assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
            } else {
                run.fails(2, message);
            }
            assert!(
                run.stderr.starts_with("error:"),
                "{case} {name}: {}",
                run.stderr
            );
        }
    }
    // One kind of file where another is expected.
    verify("proof.json", "proof.json").fails(2, "not a zkmlp verifying key file (it is a proof)");
    verify("model.vk", "model.zkc").fails(2, "not a zkmlp proof file (it is a compiled circuit)");
    prove("model.zkc", "model.vk").fails(2, "it is a verifying key");
    scratch
        .zkmlp(&["srs", "info", "model.vk"])
        .fails(2, "not a halo2 KZG parameters file");
}

#[test]
fn a_batch_circuit_proves_several_inferences_in_one_proof() {
    let scratch = Scratch::new();
    scratch.write("model.json", MODEL);
    scratch.write("batch.json", "[[0.5, -1.25, 3.0], [1.0, 2.0, -1.0]]");
    scratch.write("one.json", "[0.5, -1.25, 3.0]");
    scratch
        .zkmlp(&[
            "compile",
            "model.json",
            "--batch-size",
            "2",
            "-o",
            "batch.zkc",
        ])
        .ok();
    let info = scratch.zkmlp(&["info", "batch.zkc"]);
    assert!(
        info.ok().stdout.contains("batch size        2"),
        "{}",
        info.stdout
    );
    scratch
        .zkmlp(&[
            "setup",
            "batch.zkc",
            "--srs",
            "pot10.ptau",
            "--pk",
            "b.pk",
            "--vk",
            "b.vk",
        ])
        .ok();
    let prove = |features: &str, output: &str| {
        scratch.zkmlp(&["prove", "batch.zkc", "--pk", "b.pk", features, "-o", output])
    };
    prove("one.json", "x.json").fails(2, "lists of numbers (the batch size)");
    prove("batch.json", "batch-proof.json").ok();
    let verified = scratch.zkmlp(&["verify", "--vk", "b.vk", "batch-proof.json"]);
    assert!(
        verified
            .ok()
            .stdout
            .contains("features [0.5, -1.25, 3.0, 1.0, 2.0, -1.0]"),
        "{}",
        verified.stdout
    );
    // A single-inference compile of the same model is another circuit, with another digest.
    scratch
        .zkmlp(&["compile", "model.json", "-o", "single.zkc"])
        .ok();
    scratch
        .zkmlp(&[
            "prove",
            "single.zkc",
            "--pk",
            "b.pk",
            "one.json",
            "-o",
            "y.json",
        ])
        .fails(3, "model mismatch");
}

#[test]
fn a_private_model_compiles_proves_and_verifies_natively_and_on_chain() {
    let scratch = Scratch::new();
    scratch.write("model.json", MODEL);
    scratch.write("features.json", "[0.5, -1.25, 3.0]");
    let compiled = scratch.zkmlp(&[
        "compile",
        "model.json",
        "--weights",
        "hashed",
        "--inputs",
        "private",
        "-o",
        "private.zkc",
    ]);
    assert!(
        compiled.ok().stdout.contains("model commitment (Poseidon"),
        "{}",
        compiled.stdout
    );
    let info = scratch.zkmlp(&["info", "private.zkc"]);
    assert!(
        info.ok()
            .stdout
            .contains("visibility        inputs private / weights hashed / outputs public"),
        "{}",
        info.stdout
    );
    for args in [
        &[
            "setup",
            "private.zkc",
            "--srs",
            "pot10.ptau",
            "--pk",
            "p.pk",
            "--vk",
            "p.vk",
        ][..],
        &[
            "prove",
            "private.zkc",
            "--pk",
            "p.pk",
            "features.json",
            "-o",
            "proof.json",
        ],
        &["verify", "--vk", "p.vk", "proof.json"],
        &["verify-evm", "--vk", "p.vk", "proof.json"],
    ] {
        scratch.zkmlp(args).ok();
    }
    let proof = fs::read_to_string(scratch.path("proof.json")).unwrap();
    assert!(proof.contains("\"weight_commitment\""), "{proof}");
    assert!(proof.contains("\"features\": []"), "{proof}");
    scratch
        .zkmlp(&["compile", "model.json", "--weights", "open", "-o", "x.zkc"])
        .fails(
            2,
            "is not `public`, `private`, `hashed`, `fixed` or `folded`",
        );
    scratch
        .zkmlp(&["compile", "model.json", "--inputs", "fixed", "-o", "x.zkc"])
        .fails(2, "inputs cannot be fixed");
}

#[test]
fn info_names_a_split_range_lane_and_how_its_public_values_are_checked() {
    let scratch = Scratch::new();
    scratch.write("mid.json", &Mlp::random(&[16, 64, 64, 1], 7).to_json());
    scratch
        .zkmlp(&["compile", "mid.json", "-o", "mid.zkc"])
        .ok();
    let info = scratch.zkmlp(&["info", "mid.zkc"]);
    let line = "split over 2 columns in lockstep, 504 of at most 504 rows each used; \
                18 public rows in the first";
    assert!(info.ok().stdout.contains(line), "{}", info.stdout);
    // a batch's 35 public values are copies to the instance instead
    scratch
        .zkmlp(&["compile", "mid.json", "--batch-size", "2", "-o", "two.zkc"])
        .ok();
    let info = scratch.zkmlp(&["info", "two.zkc"]);
    assert!(
        info.ok()
            .stdout
            .contains("public values copied to the instance"),
        "{}",
        info.stdout
    );
}

#[test]
fn verify_evm_says_what_to_do_when_public_features_make_the_verifier_too_large() {
    // 128 public features: the generated verifier spends code on each, past EIP-170
    let scratch = Scratch::new();
    scratch.write("wide.json", &Mlp::random(&[128, 4, 1], 3).to_json());
    let features: Vec<String> = (0..128)
        .map(|i| format!("{:.3}", (i as f64).sin()))
        .collect();
    scratch.write("features.json", &format!("[{}]", features.join(", ")));
    // hashed features need k = 11, past the test ceremony's 2^10 points
    let srs = ["srs", "gen-unsafe", "--k", "11", "-o", "dev.srs"];
    scratch.zkmlp(&srs).ok();
    let unsafe_srs = "--allow-unsafe-srs";
    for (name, extra) in [("public", &[][..]), ("hashed", &["--inputs", "hashed"][..])] {
        let (zkc, pk, vk) = (
            format!("{name}.zkc"),
            format!("{name}.pk"),
            format!("{name}.vk"),
        );
        let proof = format!("{name}-proof.json");
        let compile = [&["compile", "wide.json", "-o", &zkc][..], extra].concat();
        scratch.zkmlp(&compile).ok();
        let keys = ["--pk", &pk, "--vk", &vk, unsafe_srs];
        let setup = [&["setup", &zkc, "--srs", "dev.srs"][..], &keys].concat();
        scratch.zkmlp(&setup).ok();
        let prove = [
            "prove",
            &zkc,
            "--pk",
            &pk,
            "features.json",
            "-o",
            &proof,
            unsafe_srs,
        ];
        scratch.zkmlp(&prove).ok();
        let verified = scratch.zkmlp(&["verify-evm", "--vk", &vk, &proof]);
        if name == "public" {
            let hint = "reads each of the 128 features as a public value; compile with \
                        `--inputs hashed`";
            verified.fails(4, hint);
        } else {
            verified.ok();
        }
    }
}
