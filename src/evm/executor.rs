//! An in-process EVM (revm, Prague rules) to deploy contracts and call them.
//!
//! Every transaction comes from the zero address at gas price 0 (so it needs no balance),
//! with a [`TX_GAS_LIMIT`] gas limit; state persists between transactions. Only plain byte arrays
//! cross this module's boundary, no revm types.

use revm::{
    context::{
        result::{ExecutionResult, Output},
        TxEnv,
    },
    database::InMemoryDB,
    handler::{MainnetContext, MainnetEvm},
    primitives::{Address as RevmAddress, TxKind},
    Context, ExecuteCommitEvm, MainBuilder, MainContext,
};

use super::{error::EvmError, solc::CompiledContract};

/// A 20-byte account address.
pub type Address = [u8; 20];

/// Gas limit of every transaction: EIP-7825's per-transaction cap (2^24).
pub const TX_GAS_LIMIT: u64 = 1 << 24;

/// One log entry emitted by a call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventLog {
    /// The emitting contract.
    pub address: Address,
    /// Indexed topics; the first is the event signature's hash.
    pub topics: Vec<[u8; 32]>,
    /// ABI-encoded non-indexed fields.
    pub data: Vec<u8>,
}

/// How a call ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallStatus {
    /// The call returned.
    Success,
    /// The call reverted (`REVERT`); its revert data is in [`CallOutcome::output`].
    Revert,
    /// The call halted exceptionally (out of gas, invalid opcode, ...).
    Halt(String),
}

/// The result of one call transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallOutcome {
    /// How it ended.
    pub status: CallStatus,
    /// Gas used by the whole transaction, including the 21,000 base cost and calldata.
    pub gas_used: u64,
    /// Return data on success, revert data on revert, empty on halt.
    pub output: Vec<u8>,
    /// Logs emitted (only on success).
    pub logs: Vec<EventLog>,
}

impl CallOutcome {
    /// Whether the call returned without reverting.
    pub fn is_success(&self) -> bool {
        self.status == CallStatus::Success
    }
}

/// An in-memory chain: deploy contracts, then call them.
pub struct LocalEvm {
    evm: MainnetEvm<MainnetContext<InMemoryDB>>,
    nonce: u64,
}

impl std::fmt::Debug for LocalEvm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalEvm")
            .field("nonce", &self.nonce)
            .finish_non_exhaustive()
    }
}

impl Default for LocalEvm {
    fn default() -> Self {
        Self::new()
    }
}

impl LocalEvm {
    /// An empty chain with mainnet (Prague) rules.
    pub fn new() -> Self {
        Self {
            evm: Context::mainnet()
                .with_db(InMemoryDB::default())
                .build_mainnet(),
            nonce: 0,
        }
    }

    /// Deploys `contract` with ABI-encoded `constructor_args` appended to its creation code;
    /// returns its address.
    ///
    /// # Errors
    /// [`EvmError::CodeSizeLimit`] before anything runs if the deployed code is over the
    /// EIP-170 limit, [`EvmError::Deployment`] if the constructor reverts or halts,
    /// [`EvmError::Transaction`] if the EVM refuses the transaction.
    pub fn deploy(
        &mut self,
        contract: &CompiledContract,
        constructor_args: &[u8],
    ) -> Result<Address, EvmError> {
        contract.check_code_size()?;
        let mut code = contract.creation_code.clone();
        code.extend_from_slice(constructor_args);
        let failed = |gas_used, reason| EvmError::Deployment {
            contract: contract.name.clone(),
            gas_used,
            reason,
        };
        match self.transact(TxKind::Create, code)? {
            ExecutionResult::Success {
                output: Output::Create(_, Some(address)),
                ..
            } => Ok(address.into_array()),
            ExecutionResult::Success { gas_used, .. } => {
                Err(failed(gas_used, "no contract was created".into()))
            }
            ExecutionResult::Revert { gas_used, output } => Err(failed(
                gas_used,
                format!("reverted with 0x{}", hex::encode(output)),
            )),
            ExecutionResult::Halt { reason, gas_used } => {
                Err(failed(gas_used, format!("halted: {reason:?}")))
            }
        }
    }

    /// Sends a transaction calling `to` with `calldata`; reverts and halts are outcomes, not
    /// errors.
    ///
    /// # Errors
    /// [`EvmError::Transaction`] if the EVM refuses the transaction.
    pub fn call(&mut self, to: Address, calldata: Vec<u8>) -> Result<CallOutcome, EvmError> {
        Ok(
            match self.transact(TxKind::Call(RevmAddress::from(to)), calldata)? {
                ExecutionResult::Success {
                    gas_used,
                    output,
                    logs,
                    ..
                } => CallOutcome {
                    status: CallStatus::Success,
                    gas_used,
                    output: output.into_data().to_vec(),
                    logs: logs
                        .into_iter()
                        .map(|log| EventLog {
                            address: log.address.into_array(),
                            topics: log.data.topics().iter().map(|t| t.0).collect(),
                            data: log.data.data.to_vec(),
                        })
                        .collect(),
                },
                ExecutionResult::Revert { gas_used, output } => CallOutcome {
                    status: CallStatus::Revert,
                    gas_used,
                    output: output.to_vec(),
                    logs: Vec::new(),
                },
                ExecutionResult::Halt { reason, gas_used } => CallOutcome {
                    status: CallStatus::Halt(format!("{reason:?}")),
                    gas_used,
                    output: Vec::new(),
                    logs: Vec::new(),
                },
            },
        )
    }

    /// Runs and commits one transaction from the default account.
    fn transact(&mut self, kind: TxKind, data: Vec<u8>) -> Result<ExecutionResult, EvmError> {
        let tx = TxEnv {
            gas_limit: TX_GAS_LIMIT,
            kind,
            data: data.into(),
            nonce: self.nonce,
            ..Default::default()
        };
        let result = self
            .evm
            .transact_commit(tx)
            .map_err(|e| EvmError::Transaction(e.to_string()))?;
        self.nonce += 1;
        Ok(result)
    }
}
