//! An in-process EVM (revm, Osaka rules: the current mainnet hardfork, see [`HARDFORK`]) to
//! deploy contracts and call them.
//!
//! Every transaction comes from [`LocalEvm::accounts`]`[0]` (the zero address) unless
//! [`LocalEvm::call_from`] names another sender, at gas price 0 (so it needs no balance), with
//! a [`TX_GAS_LIMIT`] gas limit (EIP-7825's cap under Osaka); state persists between
//! transactions. Only plain byte arrays cross this module's boundary, no revm types.

use std::collections::HashMap;

use revm::{
    context::{
        result::{ExecutionResult, Output},
        TxEnv,
    },
    database::InMemoryDB,
    handler::{MainnetContext, MainnetEvm},
    primitives::{hardfork::SpecId, Address as RevmAddress, TxKind},
    Context, ExecuteCommitEvm, MainBuilder, MainContext,
};

use super::{error::EvmError, solc::CompiledContract};

/// A 20-byte account address.
pub type Address = [u8; 20];

/// Gas limit of every transaction: EIP-7825's per-transaction cap (2^24), in force from Osaka.
pub const TX_GAS_LIMIT: u64 = 1 << 24;

/// The hardfork whose rules [`LocalEvm`] (and the anvil node of [`super::Anvil`]) runs: Osaka
/// (Fusaka), the current mainnet one.
pub const HARDFORK: &str = "Osaka";

/// Chain id of [`LocalEvm`] (revm's default, mainnet's).
pub const LOCAL_CHAIN_ID: u64 = 1;

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
    nonces: HashMap<Address, u64>,
    gas_limit: u64,
}

impl std::fmt::Debug for LocalEvm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalEvm")
            .field("nonces", &self.nonces)
            .field("gas_limit", &self.gas_limit)
            .finish_non_exhaustive()
    }
}

impl Default for LocalEvm {
    fn default() -> Self {
        Self::new()
    }
}

impl LocalEvm {
    /// An empty chain with mainnet rules ([`HARDFORK`]), chain id [`LOCAL_CHAIN_ID`].
    pub fn new() -> Self {
        Self {
            evm: Context::mainnet()
                .modify_cfg_chained(|cfg| {
                    cfg.spec = SpecId::OSAKA;
                    cfg.chain_id = LOCAL_CHAIN_ID;
                })
                .with_db(InMemoryDB::default())
                .build_mainnet(),
            nonces: HashMap::new(),
            gas_limit: TX_GAS_LIMIT,
        }
    }

    /// The same chain with every transaction's gas limit (and EIP-7825's cap) raised to
    /// `gas_limit`: beyond what mainnet allows, to measure what a transaction over the cap
    /// would cost.
    pub fn with_tx_gas_limit(mut self, gas_limit: u64) -> Self {
        self.gas_limit = gas_limit;
        self.evm.ctx.cfg.tx_gas_limit_cap = Some(gas_limit);
        self
    }

    /// Accounts that may send transactions: the default sender first. They need no balance.
    pub fn accounts(&self) -> Vec<Address> {
        vec![[0; 20], [0x11; 20], [0x22; 20]]
    }

    /// The chain id contracts see (`block.chainid`).
    pub fn chain_id(&self) -> u64 {
        self.evm.ctx.cfg.chain_id
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
        match self.transact([0; 20], TxKind::Create, code)? {
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
        self.call_from([0; 20], to, calldata)
    }

    /// As [`LocalEvm::call`], sent by `from`.
    ///
    /// # Errors
    /// As [`LocalEvm::call`].
    pub fn call_from(
        &mut self,
        from: Address,
        to: Address,
        calldata: Vec<u8>,
    ) -> Result<CallOutcome, EvmError> {
        Ok(
            match self.transact(from, TxKind::Call(RevmAddress::from(to)), calldata)? {
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

    /// Runs and commits one transaction from `from`.
    fn transact(
        &mut self,
        from: Address,
        kind: TxKind,
        data: Vec<u8>,
    ) -> Result<ExecutionResult, EvmError> {
        let nonce = self.nonces.entry(from).or_default();
        let tx = TxEnv {
            caller: RevmAddress::from(from),
            gas_limit: self.gas_limit,
            kind,
            data: data.into(),
            nonce: *nonce,
            ..Default::default()
        };
        let result = self
            .evm
            .transact_commit(tx)
            .map_err(|e| EvmError::Transaction(e.to_string()))?;
        *nonce += 1;
        Ok(result)
    }
}

/// A chain to deploy contracts on and send transactions to: [`LocalEvm`] (revm) or
/// [`super::Anvil`] (a real node), so that the same scenario runs on both.
pub trait Chain {
    /// A short name for messages (`"revm"`, `"anvil"`).
    fn name(&self) -> &'static str;
    /// Accounts that may send transactions; the first is the default sender (and deployer).
    fn accounts(&self) -> Vec<Address>;
    /// The chain id contracts see.
    fn chain_id(&self) -> u64;
    /// Deploys `contract` with ABI-encoded `constructor_args` from the first account.
    ///
    /// # Errors
    /// As [`LocalEvm::deploy`].
    fn deploy(
        &mut self,
        contract: &CompiledContract,
        constructor_args: &[u8],
    ) -> Result<Address, EvmError>;
    /// Sends a transaction from `from`; reverts are outcomes.
    ///
    /// # Errors
    /// As [`LocalEvm::call`].
    fn call_from(
        &mut self,
        from: Address,
        to: Address,
        calldata: Vec<u8>,
    ) -> Result<CallOutcome, EvmError>;
    /// What a call would return, without changing state.
    ///
    /// # Errors
    /// [`EvmError::Reverted`] if it reverts, as [`Chain::call_from`] otherwise.
    fn view(&mut self, to: Address, calldata: Vec<u8>) -> Result<Vec<u8>, EvmError>;
}

impl Chain for LocalEvm {
    fn name(&self) -> &'static str {
        "revm"
    }

    fn accounts(&self) -> Vec<Address> {
        LocalEvm::accounts(self)
    }

    fn chain_id(&self) -> u64 {
        LocalEvm::chain_id(self)
    }

    fn deploy(
        &mut self,
        contract: &CompiledContract,
        constructor_args: &[u8],
    ) -> Result<Address, EvmError> {
        LocalEvm::deploy(self, contract, constructor_args)
    }

    fn call_from(
        &mut self,
        from: Address,
        to: Address,
        calldata: Vec<u8>,
    ) -> Result<CallOutcome, EvmError> {
        LocalEvm::call_from(self, from, to, calldata)
    }

    fn view(&mut self, to: Address, calldata: Vec<u8>) -> Result<Vec<u8>, EvmError> {
        // A getter changes no state; the transaction only spends a nonce of the zero address.
        let outcome = self.call(to, calldata)?;
        match outcome.status {
            CallStatus::Success => Ok(outcome.output),
            _ => Err(EvmError::Reverted(outcome.output)),
        }
    }
}
