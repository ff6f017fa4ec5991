//! The `zkmlp` binary in a scratch directory: the test ceremony, models, runs and their
//! exit codes, shared by the command-line tests.

use std::{
    fs,
    path::{Path, PathBuf},
    process::{Command, Output},
};

/// The built `zkmlp` binary.
pub const BIN: &str = env!("CARGO_BIN_EXE_zkmlp");
/// The repository root.
pub const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// A scratch directory holding the test ceremony, with `zkmlp` on its `PATH`.
pub struct Scratch {
    pub dir: tempfile::TempDir,
    pub bin_dir: tempfile::TempDir,
}

impl Scratch {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        fs::copy(
            Path::new(ROOT).join("tests/fixtures/pot10.ptau"),
            dir.path().join("pot10.ptau"),
        )
        .unwrap();
        let bin_dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(BIN, bin_dir.path().join("zkmlp")).unwrap();
        Self { dir, bin_dir }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, text: &str) {
        fs::write(self.path(name), text).unwrap();
    }

    /// Runs a shell script in the directory, `zkmlp` resolved to the built binary.
    pub fn sh(&self, script: &str) -> Output {
        let path = format!(
            "{}:{}",
            self.bin_dir.path().display(),
            std::env::var("PATH").unwrap_or_default()
        );
        fs::write(self.path("session.sh"), script).unwrap();
        Command::new("bash")
            .args(["-c", "bash -e -x -o pipefail session.sh 2>&1"])
            .current_dir(self.dir.path())
            .env("PATH", path)
            .output()
            .unwrap()
    }

    /// Runs `zkmlp args...` in the directory.
    pub fn zkmlp(&self, args: &[&str]) -> Run {
        let output = Command::new(BIN)
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .unwrap();
        Run {
            code: output
                .status
                .code()
                .expect("exited, not killed by a signal"),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Model, features, ceremony SRS, compiled circuit and keys: `model.zkc`, `model.pk`,
    /// `model.vk`, and a proof `proof.json`.
    pub fn with_keys_and_proof(self) -> Self {
        self.write("model.json", MODEL);
        self.write("features.json", "[0.5, -1.25, 3.0]");
        for args in [
            &["srs", "from-ptau", "pot10.ptau", "-o", "ceremony.srs"][..],
            &["compile", "model.json", "-o", "model.zkc"],
            &[
                "setup",
                "model.zkc",
                "--srs",
                "ceremony.srs",
                "--pk",
                "model.pk",
                "--vk",
                "model.vk",
            ],
            &[
                "prove",
                "model.zkc",
                "--pk",
                "model.pk",
                "features.json",
                "-o",
                "proof.json",
            ],
        ] {
            self.zkmlp(args).ok();
        }
        self
    }
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn ok(&self) -> &Self {
        assert_eq!(
            self.code, 0,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    pub fn fails(&self, code: i32, message: &str) -> &Self {
        assert_eq!(
            self.code, code,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        assert!(
            self.stderr.contains(message),
            "stderr lacks {message:?}:\n{}",
            self.stderr
        );
        assert!(!self.stderr.contains("panicked"), "{}", self.stderr);
        self
    }
}

/// A 3-2-1 model (ReLU, identity).
pub const MODEL: &str = r#"{"format": "zkmlp-mlp", "version": 1, "layers": [
  {"weights": [[0.5, -1.25, 2.0], [1.0, 0.0, -0.75]], "biases": [0.1, -0.2], "activation": "relu"},
  {"weights": [[1.5, -0.5]], "biases": [0.25], "activation": "identity"}]}"#;

pub const OTHER_MODEL: &str = r#"{"format": "zkmlp-mlp", "version": 1, "layers": [
  {"weights": [[0.5, -1.0, 2.0]], "biases": [0.0], "activation": "identity"}]}"#;

/// Same shape as [`MODEL`], other weights of the same magnitudes.
pub const SAME_SHAPE: &str = r#"{"format": "zkmlp-mlp", "version": 1, "layers": [
  {"weights": [[0.25, 1.0, -2.0], [-1.0, 0.5, 0.75]], "biases": [0.0, 0.2], "activation": "relu"},
  {"weights": [[-1.5, 0.5]], "biases": [0.25], "activation": "identity"}]}"#;

impl Scratch {
    /// Compiles `json` with `extra` flags, sets it up from the test ceremony and proves the
    /// features: `<name>.zkc`, `<name>.pk`, `<name>.vk`, `<name>-proof.json`. Returns
    /// `compile`'s stdout.
    pub fn model_keys_and_proof(&self, name: &str, json: &str, extra: &[&str]) -> String {
        self.write(&format!("{name}.json"), json);
        self.write("features.json", "[0.5, -1.25, 3.0]");
        let (model, zkc) = (format!("{name}.json"), format!("{name}.zkc"));
        let (pk, vk) = (format!("{name}.pk"), format!("{name}.vk"));
        let proof = format!("{name}-proof.json");
        let compiled = self.zkmlp(&[&["compile", &model, "-o", &zkc][..], extra].concat());
        let stdout = compiled.ok().stdout.clone();
        let setup = [
            "setup",
            &zkc,
            "--srs",
            "pot10.ptau",
            "--pk",
            &pk,
            "--vk",
            &vk,
        ];
        self.zkmlp(&setup).ok();
        let prove = ["prove", &zkc, "--pk", &pk, "features.json", "-o", &proof];
        self.zkmlp(&prove).ok();
        stdout
    }
}
