//! # zkmlp: zero-knowledge proofs of MLP inference
//!
//! zkmlp proves that a quantized multi-layer perceptron, fixed in a verifying key, maps
//! public input features to public outputs, with halo2 (KZG on BN254, SHPLONK, Keccak
//! transcript, so proofs also verify on Ethereum).
//!
//! ```no_run
//! use zkmlp::{model::Mlp, quantize::quantize, CompiledModel, MlpParams, ProvingKey, Srs};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let model = Mlp::from_json_file("model.json")?;
//! let compiled = CompiledModel::new(quantize(&model, MlpParams::default())?)?;
//! // Unsafe, for testing: a seeded setup that anyone can forge proofs against.
//! let srs = Srs::unsafe_setup_for_testing(compiled.k(), 42);
//! let pk = ProvingKey::generate(&srs, &compiled)?;
//! let proof = pk.prove(&[0.5, -1.25, 3.0])?;
//! zkmlp::verify(pk.verifying_key(), &proof)?;
//! println!("proven output: {:?}", proof.decoded_outputs());
//! # Ok(())
//! # }
//! ```
//!
//! Files and the command line: [`artifact`] (versioned compiled circuits, keys and proofs),
//! [`srs`] (setup files, snarkjs `.ptau` import), [`cli`] (the `zkmlp` binary).
//!
//! Layers: [`model`] (float MLP, JSON), [`onnx`] (import of PyTorch / scikit-learn ONNX
//! exports into the float MLP), [`quantize`] (fixed point and the integer reference
//! forward pass), [`calibrate`] (fixed-point parameters chosen from samples, with sound
//! activation bounds over the calibrated input range), [`compiled`] (circuit layout),
//! [`keys`], [`prover`], [`verifier`], [`pin`] (checks that a key and a proof belong to a
//! given model), [`batch`] (collection-scale batch proofs with folded outputs), [`evm`]
//! (Solidity verifier, calldata, oracle,
//! in-process EVM).
//! The constraints themselves live in the `zkmlp-circuits` crate.
#![deny(missing_docs)]

pub mod artifact;
pub mod batch;
pub mod calibrate;
pub mod cli;
pub mod compiled;
pub mod error;
pub mod evm;
pub mod keys;
pub mod model;
pub mod onnx;
pub mod pin;
pub mod proof;
pub mod prover;
pub mod quantize;
pub mod srs;
pub mod train;
pub mod verifier;

pub use batch::{verify_batch, BatchItem, BatchProof};
pub use compiled::{CircuitStats, CompiledModel};
pub use error::{Error, Result};
pub use keys::{keygen, ProvingKey, VerifyingKey};
pub use pin::{verify_batch_pinned, verify_pinned, ModelPin, PinError};
pub use proof::{Binding, Proof, PublicInputs};
pub use prover::prove;
pub use srs::Srs;
pub use verifier::verify;
pub use zkmlp_circuits::{
    layout::PlanObjective, Activation as QuantizedActivation, MlpParams, QuantizedMlp, Visibility,
    VisibilitySettings,
};
