//! Errors of the on-chain verification layer: code generation, compilation, execution.

use std::path::PathBuf;

/// Everything that can go wrong between a verifying key and an executed EVM call.
#[derive(Debug, thiserror::Error)]
pub enum EvmError {
    /// snark-verifier could not generate a verifier for this key.
    #[error("could not generate the Solidity verifier: {0}")]
    Codegen(String),
    /// `node` could not be started.
    #[error("could not run `{}` (Node.js is needed to compile Solidity; install it and run `npm ci` at the repository root): {source}", node.display())]
    NodeNotFound {
        /// The program that was run.
        node: PathBuf,
        /// Why it could not be started.
        source: std::io::Error,
    },
    /// Node ran, but the pinned solc-js package is not installed.
    #[error("solc-js is not installed: run `npm ci` at the repository root ({message})")]
    SolcJsMissing {
        /// What the compile script reported.
        message: String,
    },
    /// The compile script failed for another reason.
    #[error("the Solidity compile script `{}` failed ({status}): {stderr}", script.display())]
    SolcFailed {
        /// The script that was run.
        script: PathBuf,
        /// Its exit status.
        status: String,
        /// What it wrote on stderr.
        stderr: String,
    },
    /// solc's output is not the standard-JSON document it should be.
    #[error("solc returned malformed output: {0}")]
    SolcOutput(String),
    /// solc reported errors.
    #[error("solc could not compile `{source_name}`:\n{}", errors.join("\n"))]
    Compilation {
        /// The source file name given to solc.
        source_name: String,
        /// solc's formatted error messages.
        errors: Vec<String>,
    },
    /// The requested contract is not in solc's output.
    #[error("solc produced no contract `{contract}` in `{source_name}`")]
    MissingContract {
        /// The source file name given to solc.
        source_name: String,
        /// The contract name asked for.
        contract: String,
    },
    /// The deployed code would exceed the EIP-170 limit, so mainnet would refuse it.
    #[error("contract `{contract}` has {size} bytes of deployed code, over the EIP-170 limit of {limit}")]
    CodeSizeLimit {
        /// The contract name.
        contract: String,
        /// Deployed code size in bytes.
        size: usize,
        /// The limit (24,576 bytes).
        limit: usize,
    },
    /// A deployment transaction did not create a contract.
    #[error("deploying `{contract}` failed after {gas_used} gas: {reason}")]
    Deployment {
        /// The contract name.
        contract: String,
        /// Gas the transaction used.
        gas_used: u64,
        /// Revert data (hex) or halt reason.
        reason: String,
    },
    /// The EVM rejected a transaction before executing it (nonce, gas, balance, database).
    #[error("the EVM rejected the transaction: {0}")]
    Transaction(String),
    /// A deployment was refused because nothing would pin the model.
    #[error("refusing to deploy an oracle for a model nothing pins: {0}")]
    UnpinnedModel(String),
    /// The oracle cannot represent this model.
    #[error("the oracle does not support this model: {0}")]
    UnsupportedOracle(String),
    /// Signing an attestation failed.
    #[error("signing failed: {0}")]
    Signing(String),
    /// The anvil binary is not installed.
    #[error("anvil is not installed: run `npm ci` at the repository root (it installs @foundry-rs/anvil), or set ZKMLP_ANVIL")]
    AnvilMissing,
    /// The node (anvil) failed or answered something unexpected.
    #[error("node error: {0}")]
    Node(String),
    /// A call without a transaction reverted, with this revert data.
    #[error("the call reverted with 0x{}", hex::encode(.0))]
    Reverted(Vec<u8>),
}
