//! The `zkmlp` command-line tool: one subcommand per step, each reading and writing files.
//!
//! The binary (`src/bin/zkmlp.rs`) is `std::process::exit(zkmlp::cli::main())`. Files are
//! the [`crate::artifact`] formats and [`crate::srs`] files; no output file is overwritten
//! without `--force`. Exit codes are [`Exit`].

mod batch;
mod commands;
mod heads;
mod progress;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

pub use progress::Progress;

/// What the process exit code means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(i32)]
pub enum Exit {
    /// Success (and, for `verify`, the proof is valid).
    Ok = 0,
    /// The proof was rejected (`verify`, `verify-evm`).
    Rejected = 1,
    /// Bad usage or input: arguments, unreadable or malformed files, an existing output
    /// without `--force`, an unsafe SRS without `--allow-unsafe-srs`.
    Usage = 2,
    /// The files do not belong together: model, key, SRS or proof digests differ.
    Mismatch = 3,
    /// Proving, key generation or the EVM tooling (Node.js, solc-js) failed.
    Failure = 4,
}

/// A failed command: its exit code and a message for stderr.
#[derive(Debug)]
pub struct CliError {
    /// The exit code.
    pub exit: Exit,
    /// What went wrong.
    pub message: String,
}

impl CliError {
    pub(crate) fn new(exit: Exit, message: impl Into<String>) -> Self {
        Self {
            exit,
            message: message.into(),
        }
    }

    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Self::new(Exit::Usage, message)
    }
}

impl From<crate::artifact::ArtifactError> for CliError {
    fn from(e: crate::artifact::ArtifactError) -> Self {
        let exit = if e.is_mismatch() {
            Exit::Mismatch
        } else {
            Exit::Usage
        };
        Self::new(exit, e.to_string())
    }
}

impl From<crate::srs::SrsError> for CliError {
    fn from(e: crate::srs::SrsError) -> Self {
        Self::usage(format!("cannot load the SRS: {e}"))
    }
}

const EXIT_CODES: &str = "\
Exit codes:
  0  success (for verify and verify-evm: the proof is valid)
  1  the proof was rejected
  2  usage or input error: bad arguments, unreadable or malformed file, existing output
     without --force, unsafe SRS without --allow-unsafe-srs
  3  mismatched artifacts: model, key, SRS or proof digests differ (both are printed), or
     the key, weights or weight commitment are not those of the --model or
     --weight-commitment given
  4  proving, key generation or EVM tooling (Node.js, solc-js) failed";

/// Prove quantized-MLP inference with halo2 (KZG on BN254).
///
/// A session: `srs gen-unsafe` (or `srs from-ptau`) -> `compile` -> `setup` -> `prove` ->
/// `verify`, and on-chain with `create-evm-verifier`, `encode-calldata`, `verify-evm`.
#[derive(Debug, Parser)]
#[command(name = "zkmlp", version, after_help = EXIT_CODES)]
pub struct Cli {
    /// No progress spinners (they only appear when stderr is a terminal anyway).
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// The step to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Output-file options shared by every command that writes.
#[derive(Debug, Args)]
pub struct Overwrite {
    /// Overwrite output files that already exist.
    #[arg(long)]
    pub force: bool,
}

/// Visibility options of `compile`: who sees the inputs, the weights and the outputs.
#[derive(Debug, Args)]
pub struct VisibilityArgs {
    /// Input features: `public` (public inputs of the proof), `private`, or `hashed` (one
    /// Poseidon commitment is public).
    #[arg(long, default_value = "public", value_parser = parse_visibility)]
    pub inputs: crate::Visibility,
    /// Weights and biases: `fixed` (in the verifying key), `public`, `private`, or `hashed`
    /// (the key holds no weights; proofs carry a commitment to them: a private model).
    #[arg(long, default_value = "fixed", value_parser = parse_visibility)]
    pub weights: crate::Visibility,
    /// Outputs: `public`, `private` or `hashed`.
    #[arg(long, default_value = "public", value_parser = parse_visibility)]
    pub outputs: crate::Visibility,
}

impl VisibilityArgs {
    /// The settings these flags give.
    pub fn settings(&self) -> crate::VisibilitySettings {
        crate::VisibilitySettings {
            inputs: self.inputs,
            weights: self.weights,
            outputs: self.outputs,
        }
    }
}

fn parse_visibility(s: &str) -> Result<crate::Visibility, String> {
    use crate::Visibility;
    [
        Visibility::Public,
        Visibility::Private,
        Visibility::Hashed,
        Visibility::Fixed,
        Visibility::Folded,
    ]
    .into_iter()
    .find(|v| v.name() == s)
    .ok_or_else(|| {
        format!("`{s}` is not `public`, `private`, `hashed`, `fixed` or `folded` (outputs only)")
    })
}

/// Calibration options of `compile`.
#[derive(Debug, Args)]
pub struct CalibrationArgs {
    /// Calibration data: a JSON list of feature vectors, or {"inputs": [[...], ...]}.
    #[arg(long)]
    pub calibration: Option<PathBuf>,
    /// Choose the fixed point from the calibration data: `resources` (smallest k within the
    /// tolerance) or `accuracy` (largest scale that fits).
    #[arg(
        long,
        requires = "calibration",
        conflicts_with_all = ["scale_bits", "activation_bits"],
        value_parser = parse_objective
    )]
    pub objective: Option<crate::calibrate::Objective>,
    /// Largest acceptable max |output error| for `--objective resources` (default: 1% of
    /// the largest |output| on the calibration data).
    #[arg(long, requires = "objective")]
    pub tolerance: Option<f64>,
}

fn parse_objective(s: &str) -> Result<crate::calibrate::Objective, String> {
    match s {
        "resources" => Ok(crate::calibrate::Objective::Resources),
        "accuracy" => Ok(crate::calibrate::Objective::Accuracy),
        _ => Err(format!("`{s}` is not `resources` or `accuracy`")),
    }
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Quantize a float model (zkmlp-mlp JSON or ONNX) and plan its circuit.
    ///
    /// With --calibration (a JSON list of feature vectors) it also reports the quantization
    /// error and fails if any sample overflows the fixed-point range. With --objective too,
    /// it chooses --scale-bits and --activation-bits itself from the samples, prints the
    /// calibration summary, and records the calibrated input range in the compiled file:
    /// `prove` then refuses features outside it.
    #[command(after_help = EXIT_CODES)]
    Compile {
        /// The float model: JSON (format "zkmlp-mlp"), or ONNX (`.onnx`, or sniffed: JSON
        /// starts with `{`).
        model: PathBuf,
        /// The compiled-circuit file to write.
        #[arg(long, short)]
        output: PathBuf,
        /// Fractional bits of the fixed point.
        #[arg(long, default_value_t = 12)]
        scale_bits: u32,
        /// Signed bit width of every input and activation.
        #[arg(long, default_value_t = 24)]
        activation_bits: u32,
        #[allow(missing_docs)] // flattened: `--calibration`, `--objective`, `--tolerance`
        #[command(flatten)]
        calibration: CalibrationArgs,
        /// Inferences proven per proof (one circuit holding this many copies of the model).
        #[arg(long, default_value_t = 1)]
        batch_size: usize,
        /// For a model ending in sigmoid or tanh: prove the logits (the verifier applies the
        /// function) instead of the function's output (proven in the circuit by default).
        #[arg(long)]
        prove_logits: bool,
        /// Plan for the cheapest on-chain verifier: a small single inference checks its range
        /// limbs one bit at a time by a gate, with no lookup (about 46,000 gas less per
        /// verification, for a prover with up to 4x the rows, k <= 16). Recorded in the
        /// compiled file.
        #[arg(long)]
        for_evm: bool,
        #[allow(missing_docs)] // flattened: `--inputs`, `--weights`, `--outputs`
        #[command(flatten)]
        visibility: VisibilityArgs,
        #[allow(missing_docs)] // flattened: `--force`
        #[command(flatten)]
        overwrite: Overwrite,
    },
    /// Generate the proving and verifying keys of a compiled circuit from an SRS.
    ///
    /// The SRS is a halo2 parameter file or a snarkjs .ptau file; its SHA-256 is printed.
    #[command(after_help = EXIT_CODES)]
    Setup {
        /// The compiled-circuit file.
        compiled: PathBuf,
        /// The SRS: halo2 parameters (from `zkmlp srs ...`) or a .ptau file.
        #[arg(long)]
        srs: PathBuf,
        /// The proving-key file to write.
        #[arg(long)]
        pk: PathBuf,
        /// The verifying-key file to write.
        #[arg(long)]
        vk: PathBuf,
        /// Accept an SRS marked unsafe (from `srs gen-unsafe`): for development only.
        #[arg(long)]
        allow_unsafe_srs: bool,
        #[allow(missing_docs)] // flattened: `--force`
        #[command(flatten)]
        overwrite: Overwrite,
    },
    /// Prove the model's output on one feature vector (or one batch of them).
    ///
    /// For a circuit compiled with `--outputs folded` (collection-scale batches), the input
    /// is a batch file `{"epoch": 7, "items": [{"collection": "0x…", "tokenId": "42",
    /// "features": [..]}, ..]}` with exactly --batch-size items, and the output a batch proof
    /// whose binding covers the ordered NFT list, the epoch and the prices.
    #[command(after_help = EXIT_CODES)]
    Prove {
        /// The compiled-circuit file.
        compiled: PathBuf,
        /// The proving key made for it.
        #[arg(long)]
        pk: PathBuf,
        /// The features: a JSON list of numbers; for a circuit compiled with --batch-size N,
        /// a list of N such lists; for folded outputs, a batch file (see above).
        features: PathBuf,
        /// The proof file to write.
        #[arg(long, short)]
        output: PathBuf,
        /// Bind the proof to this value (0x-prefixed hex, at most 32 bytes, below the BN254
        /// scalar modulus), e.g. the hash identifying an NFT.
        #[arg(long)]
        binding: Option<String>,
        /// The epoch of a batch proof (folded outputs), overriding the batch file's: the
        /// oracle refuses a token's price whose epoch is not newer than the stored one.
        #[arg(long)]
        epoch: Option<u64>,
        /// Accept a proving key made from an unsafe SRS: for development only.
        #[arg(long)]
        allow_unsafe_srs: bool,
        #[allow(missing_docs)] // flattened: `--force`
        #[command(flatten)]
        overwrite: Overwrite,
    },
    /// Verify a proof file against a verifying key (exit code 1 if it is rejected).
    ///
    /// A key file's model digest is only a label: with --model (or --weight-commitment for
    /// hashed weights) verify also checks that the proof is of that model. Without them it
    /// says what the proof pins.
    #[command(after_help = EXIT_CODES)]
    Verify {
        /// The verifying key.
        #[arg(long)]
        vk: PathBuf,
        /// The proof file.
        proof: PathBuf,
        /// Also check that the key was made from this SRS (e.g. the ceremony you trust).
        #[arg(long)]
        srs: Option<PathBuf>,
        /// Pin the model: check that the key is the one this compiled circuit generates
        /// (regenerated with the SRS of --srs, or the key's own, and compared commitment by
        /// commitment), and that the proof's public weights or weight commitment are the
        /// model's. Exit code 3 if not, or if the weights are private (nothing to compare).
        #[arg(long)]
        model: Option<PathBuf>,
        /// Pin a private (hashed-weights) model: check the proof's weight commitment against
        /// the published one (0x-prefixed hex). Exit code 3 if it differs.
        #[arg(long)]
        weight_commitment: Option<String>,
    },
    /// Show a compiled circuit's size: k, columns, rows, lookups, parameters.
    #[command(after_help = EXIT_CODES)]
    Info {
        /// The compiled-circuit file.
        compiled: PathBuf,
    },
    /// Structured reference strings: generate, convert, inspect.
    #[command(subcommand)]
    Srs(SrsCommand),
    /// Write the Solidity verifier of a verifying key.
    #[command(after_help = EXIT_CODES)]
    CreateEvmVerifier {
        /// The verifying key.
        #[arg(long)]
        vk: PathBuf,
        /// The Solidity file to write.
        #[arg(long, short)]
        output: PathBuf,
        #[allow(missing_docs)] // flattened: `--force`
        #[command(flatten)]
        overwrite: Overwrite,
    },
    /// Write a proof's calldata (0x-prefixed hex): for a proof, the Solidity verifier's; for
    /// a batch proof, the oracle's call: `submitCollectionBatch` if every NFT is of one
    /// collection, else `submitBatch` (or the verifier's with --verifier-only).
    #[command(after_help = EXIT_CODES)]
    EncodeCalldata {
        /// The proof file.
        proof: PathBuf,
        /// The hex file to write.
        #[arg(long, short)]
        output: PathBuf,
        /// Batch proofs: the data provider's EIP-712 signature of the features (0x-prefixed,
        /// 65 bytes: r, s, v), for an oracle deployed with signed features; omit it for an
        /// oracle that trusts its submitters.
        #[arg(long)]
        attestation: Option<String>,
        /// Batch proofs: write the generated verifier's raw calldata ([c, commitments.., D],
        /// then the proof) instead of the oracle's call.
        #[arg(long)]
        verifier_only: bool,
        /// Batch proofs: write the `submitBatch` call even when every NFT is of one collection
        /// (by default such a batch gets `submitCollectionBatch`: the same proof and
        /// signature, the collection sent once, less gas).
        #[arg(long, conflicts_with = "verifier_only")]
        submit_batch: bool,
        #[allow(missing_docs)] // flattened: `--force`
        #[command(flatten)]
        overwrite: Overwrite,
    },
    /// Compile the verifier (needs Node.js and `npm ci`), deploy it on an in-process EVM
    /// (revm) and submit the proof; prints the gas used, and for a batch proof the gas per
    /// valuation (exit code 1 if it reverts).
    #[command(after_help = EXIT_CODES)]
    VerifyEvm {
        /// The verifying key.
        #[arg(long)]
        vk: PathBuf,
        /// The proof file.
        proof: PathBuf,
    },
}

/// The `srs` subcommands.
#[derive(Debug, Subcommand)]
pub enum SrsCommand {
    /// Generate a seeded SRS. UNSAFE: anyone who knows the seed can forge proofs; the file
    /// is marked unsafe and `setup`/`prove` refuse it without --allow-unsafe-srs.
    #[command(after_help = EXIT_CODES)]
    GenUnsafe {
        /// The SRS supports circuits up to 2^k rows.
        #[arg(long)]
        k: u32,
        /// The seed of the secret.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// The SRS file to write.
        #[arg(long, short)]
        output: PathBuf,
        #[allow(missing_docs)] // flattened: `--force`
        #[command(flatten)]
        overwrite: Overwrite,
    },
    /// Convert a snarkjs powers-of-tau file (.ptau, BN254) to a halo2 SRS file.
    #[command(after_help = EXIT_CODES)]
    FromPtau {
        /// The .ptau file.
        ptau: PathBuf,
        /// Keep the first 2^k powers (default: all).
        #[arg(long)]
        k: Option<u32>,
        /// The SRS file to write.
        #[arg(long, short)]
        output: PathBuf,
        #[allow(missing_docs)] // flattened: `--force`
        #[command(flatten)]
        overwrite: Overwrite,
    },
    /// Show an SRS file's k, safety mark and SHA-256 (halo2 parameters or .ptau).
    #[command(after_help = EXIT_CODES)]
    Info {
        /// The SRS file.
        file: PathBuf,
    },
}

/// Parses the process arguments, runs the command, prints any error, and returns the exit
/// code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                Exit::Usage as i32
            } else {
                Exit::Ok as i32
            };
        }
    };
    match run(cli) {
        Ok(()) => Exit::Ok as i32,
        Err(e) => {
            eprintln!("error: {}", e.message);
            e.exit as i32
        }
    }
}

/// Runs a parsed command.
///
/// # Errors
/// A [`CliError`] carrying the exit code.
pub fn run(cli: Cli) -> Result<(), CliError> {
    let progress = Progress::new(cli.quiet);
    commands::run(cli.command, &progress)
}
