//! Compiling Solidity with the solc-js version pinned in the repository's `package.json`.
//!
//! Rust runs `node scripts/solc-compile.js`, writes a solc standard-JSON input on its stdin
//! and reads the standard-JSON output from its stdout; solc's errors come back as
//! [`EvmError::Compilation`] with their messages.

use std::{
    io::Write,
    path::{Path, PathBuf},
    process::{Command, Stdio},
};

use serde_json::{json, Value};

use super::error::EvmError;

/// EIP-170: the largest deployed code mainnet accepts, in bytes.
pub const EIP170_CODE_SIZE_LIMIT: usize = 24_576;

/// Optimizer settings for one compilation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Optimizer {
    /// No optimizer.
    Off,
    /// The optimizer on, with this many expected runs, but its Yul stage off
    /// (`details.yul = false`): the legacy bytecode optimizer only. This is what the
    /// generated verifier takes; with the Yul optimizer, its single large assembly block
    /// fails with "stack too deep".
    NoYul(u32),
    /// The optimizer fully on, with this many expected runs.
    Runs(u32),
    /// The optimizer fully on, with this many expected runs, compiling through the IR
    /// pipeline (`viaIR`).
    ViaIr(u32),
}

/// A compiled contract.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompiledContract {
    /// Contract name.
    pub name: String,
    /// Creation bytecode (what a deployment transaction carries, before constructor
    /// arguments).
    pub creation_code: Vec<u8>,
    /// Runtime bytecode (what ends up on chain).
    pub deployed_code: Vec<u8>,
}

impl CompiledContract {
    /// Size of the deployed code in bytes.
    pub fn deployed_size(&self) -> usize {
        self.deployed_code.len()
    }

    /// Checks the deployed code against the EIP-170 limit.
    ///
    /// # Errors
    /// [`EvmError::CodeSizeLimit`] if it is over [`EIP170_CODE_SIZE_LIMIT`].
    pub fn check_code_size(&self) -> Result<(), EvmError> {
        if self.deployed_size() > EIP170_CODE_SIZE_LIMIT {
            return Err(EvmError::CodeSizeLimit {
                contract: self.name.clone(),
                size: self.deployed_size(),
                limit: EIP170_CODE_SIZE_LIMIT,
            });
        }
        Ok(())
    }
}

/// The pinned solc-js compiler, reached through Node.js.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Solc {
    node: PathBuf,
    script: PathBuf,
}

impl Default for Solc {
    /// `node` from `PATH` and this repository's `scripts/solc-compile.js`.
    fn default() -> Self {
        Self::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/solc-compile.js"))
    }
}

impl Solc {
    /// Uses `node` from `PATH` to run `script`, a copy of `scripts/solc-compile.js` next to
    /// a `node_modules` holding the `solc` package.
    pub fn new(script: impl Into<PathBuf>) -> Self {
        Self {
            node: PathBuf::from("node"),
            script: script.into(),
        }
    }

    /// Uses `node` as the Node.js executable.
    pub fn with_node(mut self, node: impl Into<PathBuf>) -> Self {
        self.node = node.into();
        self
    }

    /// The compiler version, e.g. `0.8.19+commit.7dd6d404.Emscripten.clang`.
    ///
    /// # Errors
    /// As [`Solc::compile`], for running the script.
    pub fn version(&self) -> Result<String, EvmError> {
        Ok(self.run(&["--version"], b"")?.trim().to_owned())
    }

    /// Compiles contract `contract` of Solidity `source` (named `source_name` in messages).
    ///
    /// # Errors
    /// [`EvmError::NodeNotFound`], [`EvmError::SolcJsMissing`] or [`EvmError::SolcFailed`]
    /// if the compiler cannot run, [`EvmError::Compilation`] with solc's messages if the
    /// source does not compile, [`EvmError::MissingContract`] if it has no such contract.
    pub fn compile(
        &self,
        source_name: &str,
        source: &str,
        contract: &str,
        optimizer: Optimizer,
    ) -> Result<CompiledContract, EvmError> {
        let via_ir = matches!(optimizer, Optimizer::ViaIr(_));
        let optimizer = match optimizer {
            Optimizer::Off => json!({ "enabled": false }),
            Optimizer::NoYul(runs) => {
                json!({ "enabled": true, "runs": runs, "details": { "yul": false } })
            }
            Optimizer::Runs(runs) | Optimizer::ViaIr(runs) => {
                json!({ "enabled": true, "runs": runs })
            }
        };
        let input = json!({
            "language": "Solidity",
            "sources": { source_name: { "content": source } },
            "settings": {
                "optimizer": optimizer,
                "viaIR": via_ir,
                "outputSelection": { source_name: { contract: ["evm.bytecode.object", "evm.deployedBytecode.object"] } },
            },
        });
        let output = self.run(&[], input.to_string().as_bytes())?;
        parse_output(&output, source_name, contract)
    }

    /// Runs the script with `args`, feeding it `stdin`; returns its stdout.
    fn run(&self, args: &[&str], stdin: &[u8]) -> Result<String, EvmError> {
        let mut child = Command::new(&self.node)
            .arg(&self.script)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|source| EvmError::NodeNotFound {
                node: self.node.clone(),
                source,
            })?;
        let written = child.stdin.take().map(|mut pipe| pipe.write_all(stdin));
        let output = child
            .wait_with_output()
            .map_err(|e| self.failed("wait failed".into(), e.to_string()))?;
        let stderr = String::from_utf8_lossy(&output.stderr).trim().to_owned();
        match output.status.code() {
            Some(0) => {}
            Some(2) => return Err(EvmError::SolcJsMissing { message: stderr }),
            _ => return Err(self.failed(output.status.to_string(), stderr)),
        }
        if let Some(Err(e)) = written {
            return Err(self.failed("stdin closed early".into(), e.to_string()));
        }
        String::from_utf8(output.stdout).map_err(|e| EvmError::SolcOutput(e.to_string()))
    }

    fn failed(&self, status: String, stderr: String) -> EvmError {
        EvmError::SolcFailed {
            script: self.script.clone(),
            status,
            stderr,
        }
    }
}

/// Extracts one contract's bytecode from solc's standard-JSON output.
fn parse_output(
    output: &str,
    source_name: &str,
    contract: &str,
) -> Result<CompiledContract, EvmError> {
    let output: Value =
        serde_json::from_str(output).map_err(|e| EvmError::SolcOutput(e.to_string()))?;
    let errors: Vec<String> = output["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["severity"] == "error")
        .map(|e| {
            e["formattedMessage"]
                .as_str()
                .or(e["message"].as_str())
                .unwrap_or("unknown error")
                .to_owned()
        })
        .collect();
    if !errors.is_empty() {
        return Err(EvmError::Compilation {
            source_name: source_name.to_owned(),
            errors,
        });
    }
    let evm = &output["contracts"][source_name][contract]["evm"];
    let code = |field: &str| -> Result<Vec<u8>, EvmError> {
        let object = evm[field]["object"]
            .as_str()
            .ok_or_else(|| EvmError::MissingContract {
                source_name: source_name.to_owned(),
                contract: contract.to_owned(),
            })?;
        hex::decode(object).map_err(|e| EvmError::SolcOutput(format!("{contract} {field}: {e}")))
    };
    let (creation_code, deployed_code) = (code("bytecode")?, code("deployedBytecode")?);
    if creation_code.is_empty() {
        return Err(EvmError::MissingContract {
            source_name: source_name.to_owned(),
            contract: contract.to_owned(),
        });
    }
    Ok(CompiledContract {
        name: contract.to_owned(),
        creation_code,
        deployed_code,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solc_errors_are_reported_with_their_messages() {
        let output = r#"{"errors":[{"severity":"warning","message":"w"},{"severity":"error","formattedMessage":"ParserError: boom"}]}"#;
        match parse_output(output, "a.sol", "A") {
            Err(EvmError::Compilation { errors, .. }) => assert_eq!(errors, ["ParserError: boom"]),
            other => panic!("expected a compilation error, got {other:?}"),
        }
    }

    #[test]
    fn a_missing_contract_is_reported() {
        let output = r#"{"contracts":{"a.sol":{}}}"#;
        assert!(matches!(
            parse_output(output, "a.sol", "A"),
            Err(EvmError::MissingContract { .. })
        ));
        assert!(matches!(
            parse_output("not json", "a.sol", "A"),
            Err(EvmError::SolcOutput(_))
        ));
    }

    #[test]
    fn code_size_limit_is_enforced() {
        let contract = |size| CompiledContract {
            name: "A".into(),
            creation_code: vec![0],
            deployed_code: vec![0; size],
        };
        assert!(contract(EIP170_CODE_SIZE_LIMIT).check_code_size().is_ok());
        assert!(matches!(
            contract(EIP170_CODE_SIZE_LIMIT + 1).check_code_size(),
            Err(EvmError::CodeSizeLimit { size: 24_577, .. })
        ));
    }

    #[test]
    fn a_missing_node_is_a_typed_error() {
        let solc = Solc::default().with_node("/nonexistent/node");
        assert!(matches!(solc.version(), Err(EvmError::NodeNotFound { .. })));
    }
}
