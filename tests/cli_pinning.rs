//! The `zkmlp` binary pins the model: `verify --model` and `--weight-commitment` refuse
//! relabelled keys and other models' proofs with exit code 3, `info` and `verify` say what a
//! proof pins, and an SRS file is checked where it enters.

mod common;

use std::fs;

use common::cli::{Scratch, MODEL, SAME_SHAPE};

#[test]
fn a_relabelled_key_is_refused_by_verify_model_with_exit_3() {
    use zkmlp::artifact::{CompiledFile, KeyFile};
    let scratch = Scratch::new();
    scratch.model_keys_and_proof("a", MODEL, &[]);
    scratch.model_keys_and_proof("b", SAME_SHAPE, &[]);
    // Model B's key written under model A's digest, and B's proof relabelled to match.
    let compiled_a = CompiledFile::read(&scratch.path("a.zkc")).unwrap();
    let (_, vk_b) = KeyFile::read_verifying_key(&scratch.path("b.vk")).unwrap();
    fs::write(
        scratch.path("relabelled.vk"),
        KeyFile::encode_verifying_key(&vk_b, &compiled_a),
    )
    .unwrap();
    let mut proof: serde_json::Value =
        serde_json::from_slice(&fs::read(scratch.path("b-proof.json")).unwrap()).unwrap();
    proof["model_digest"] = compiled_a.digest.to_string().into();
    scratch.write("relabelled-proof.json", &proof.to_string());
    // Without --model the label is believed, and verify says what it did not check.
    let believed = scratch.zkmlp(&["verify", "--vk", "relabelled.vk", "relabelled-proof.json"]);
    assert!(
        believed.ok().stdout.contains("note: fixed weights"),
        "{}",
        believed.stdout
    );
    scratch
        .zkmlp(&[
            "verify",
            "--vk",
            "relabelled.vk",
            "relabelled-proof.json",
            "--model",
            "a.zkc",
        ])
        .fails(3, "not this model's key: the fixed-column commitments");
    // The honest key and proof of A pass, with the ceremony given too.
    let pinned = scratch.zkmlp(&[
        "verify",
        "--vk",
        "a.vk",
        "a-proof.json",
        "--model",
        "a.zkc",
        "--srs",
        "pot10.ptau",
    ]);
    assert!(
        pinned
            .ok()
            .stdout
            .contains("model pinned: the key is the one a.zkc generates"),
        "{}",
        pinned.stdout
    );
    // B's honest files name B: --model a.zkc is a digest mismatch first.
    scratch
        .zkmlp(&["verify", "--vk", "b.vk", "b-proof.json", "--model", "a.zkc"])
        .fails(3, "model mismatch");
}

#[test]
fn a_hashed_weights_proof_of_another_model_is_refused_by_weight_commitment() {
    let scratch = Scratch::new();
    let commitment = |stdout: &str| {
        stdout
            .lines()
            .find_map(|l| {
                l.strip_prefix("model commitment (Poseidon; publish it, proofs carry it): ")
            })
            .expect("compile prints the commitment")
            .to_owned()
    };
    let a = commitment(&scratch.model_keys_and_proof("a", MODEL, &["--weights", "hashed"]));
    let b = commitment(&scratch.model_keys_and_proof("b", SAME_SHAPE, &["--weights", "hashed"]));
    assert_ne!(a, b);
    let verify = |c: &str| {
        scratch.zkmlp(&[
            "verify",
            "--vk",
            "b.vk",
            "b-proof.json",
            "--weight-commitment",
            c,
        ])
    };
    let run = verify(&a);
    run.fails(3, "weight commitment");
    assert!(
        run.stderr.contains(&a) && run.stderr.contains(&b),
        "{}",
        run.stderr
    );
    let pinned = verify(&b);
    assert!(
        pinned
            .ok()
            .stdout
            .contains("model pinned: the proof's weight commitment"),
        "{}",
        pinned.stdout
    );
    // Without a pin, verify says what the proof pins.
    let plain = scratch.zkmlp(&["verify", "--vk", "b.vk", "b-proof.json"]);
    assert!(
        plain.ok().stdout.contains("note: hashed weights"),
        "{}",
        plain.stdout
    );
    verify("0x12zz").fails(2, "--weight-commitment");
    // A commitment for a fixed-weights proof cannot be checked.
    scratch.model_keys_and_proof("f", MODEL, &[]);
    scratch
        .zkmlp(&[
            "verify",
            "--vk",
            "f.vk",
            "f-proof.json",
            "--weight-commitment",
            &a,
        ])
        .fails(3, "fixed weights");
}

#[test]
fn info_and_verify_say_when_a_proof_pins_no_model() {
    let scratch = Scratch::new();
    scratch.model_keys_and_proof("p", MODEL, &["--weights", "private"]);
    let sentence =
        "private weights: this proof shows that some weights of this shape give this output";
    let info = scratch.zkmlp(&["info", "p.zkc"]);
    assert!(info.ok().stdout.contains(sentence), "{}", info.stdout);
    let verified = scratch.zkmlp(&["verify", "--vk", "p.vk", "p-proof.json"]);
    assert!(
        verified.ok().stdout.contains(sentence),
        "{}",
        verified.stdout
    );
    scratch
        .zkmlp(&["verify", "--vk", "p.vk", "p-proof.json", "--model", "p.zkc"])
        .fails(3, sentence);
}

#[test]
fn a_tampered_halo2_srs_file_fails_its_pairing_check_at_entry() {
    let scratch = Scratch::new().with_keys_and_proof();
    let mut bytes = fs::read(scratch.path("ceremony.srs")).unwrap();
    // Swap two monomial points: both on the curve, no longer successive powers.
    let (a, b) = (4 + 64 * 3, 4 + 64 * 4);
    let third = bytes[a..a + 64].to_vec();
    bytes.copy_within(b..b + 64, a);
    bytes[b..b + 64].copy_from_slice(&third);
    fs::write(scratch.path("tampered.srs"), &bytes).unwrap();
    scratch
        .zkmlp(&["srs", "info", "tampered.srs"])
        .fails(2, "not a powers-of-tau sequence");
    scratch
        .zkmlp(&[
            "setup",
            "model.zkc",
            "--srs",
            "tampered.srs",
            "--pk",
            "t.pk",
            "--vk",
            "t.vk",
        ])
        .fails(2, "not a powers-of-tau sequence");
    assert!(!scratch.path("t.pk").exists());
    let info = scratch.zkmlp(&["srs", "info", "ceremony.srs"]);
    assert!(
        info.ok().stdout.contains("pairing check"),
        "{}",
        info.stdout
    );
}

#[test]
fn compile_for_evm_plans_one_bit_limbs_and_the_key_pins_it() {
    use zkmlp::artifact::CompiledFile;
    let scratch = Scratch::new();
    scratch.model_keys_and_proof("evm", MODEL, &["--for-evm"]);
    scratch.model_keys_and_proof("plain", MODEL, &[]);
    let evm = CompiledFile::read(&scratch.path("evm.zkc")).unwrap();
    let plain = CompiledFile::read(&scratch.path("plain.zkc")).unwrap();
    assert_eq!(evm.compiled.objective(), zkmlp::PlanObjective::Verifier);
    assert_eq!(evm.compiled.stats().lookups, 0);
    assert_eq!(plain.compiled.stats().lookups, 1);
    assert_ne!(evm.digest, plain.digest);
    let info = scratch.zkmlp(&["info", "evm.zkc"]);
    assert!(
        info.ok()
            .stdout
            .contains("1-bit, checked by a gate, no lookup"),
        "{}",
        info.stdout
    );
    // The key regenerated from the compiled file is the one in evm.vk (the objective is
    // recorded), and the other plan's compiled file is refused for it.
    let verify = |zkc: &str| {
        let args = ["verify", "--vk", "evm.vk", "--model", zkc, "evm-proof.json"];
        scratch.zkmlp(&args)
    };
    verify("evm.zkc").ok();
    assert_ne!(verify("plain.zkc").code, 0);
}
