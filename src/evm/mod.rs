//! On-chain verification: a generated Solidity verifier, its calldata, an NFT valuation
//! oracle, and two EVMs to run them, all under Osaka rules ([`HARDFORK`]).
//!
//! 1. [`SolidityVerifier::generate`] emits the verifier of a [`VerifyingKey`] with
//!    snark-verifier (SHPLONK, Keccak transcript: the same checks as [`crate::verify`]).
//! 2. [`Solc`] compiles it with the solc-js version pinned in `package.json` (run `npm ci`
//!    first), optimizer off; [`CompiledContract::check_code_size`] enforces EIP-170.
//! 3. [`encode_calldata`] turns a [`Proof`] into the verifier's calldata; a batch proof's is
//!    `BatchProof::instance()` then its bytes.
//! 4. The oracle `contracts/NftValuationOracle.sol` ([`OracleConfig`], [`BatchCall`] for
//!    `submitBatch` and, for a batch of one collection, the cheaper `submitCollectionBatch`,
//!    [`submit_valuation_calldata`], [`DataProvider`] for EIP-712 attestations) stores proven
//!    prices with their epoch; its NatSpec states its trust model.
//! 5. [`LocalEvm`] (revm, in process) and [`Anvil`] (a real node over JSON-RPC, from the npm
//!    package `@foundry-rs/anvil`) deploy and call contracts and report gas; both implement
//!    [`Chain`].
//!
//! # Verifier calldata
//!
//! The verifier has no ABI: it is a `fallback` that reads raw calldata, returns nothing on
//! success and reverts otherwise.
//!
//! | offset | bytes | content |
//! |---|---|---|
//! | `0` | 32 | binding (e.g. [`nft_binding`], or a batch's `c`) |
//! | `32 * i` | 32 | public instance `i` (features, commitments, outputs, or a batch's `D`) |
//! | `32 * n` | [`SolidityVerifier::proof_len`] | [`Proof::bytes`] |
//!
//! with `n` the number of instances. Every instance is a big-endian field element below the
//! BN254 scalar modulus `r`; a negative `v` is encoded as `r - |v|`. The verifier rejects
//! instances `>= r` and calldata of any other length. In Solidity this is
//! `abi.encodePacked(uint256[] instances, bytes proof)`.
//!
//! # Soundness
//!
//! The verifier accepts exactly the proofs [`crate::verify`] accepts: both run the same
//! SHPLONK verification over the same Keccak transcript; the generated code additionally
//! checks that scalars are canonical and that no bytes trail the proof, as the native
//! verifier does (`tests/evm_differential.rs` checks thousands of mutations). The oracle adds:
//! the binding is the NFT's hash (single) or the batch binding `c` it computes itself from
//! the NFT list, the epoch, the commitments and the packed prices, with `D` folded from those
//! prices (see [`crate::batch`]); the model pin ([`ModelPin`]); the epoch is newer than each
//! token's stored one; and who vouches for the features ([`Attestation`]).

mod abi;
mod anvil;
mod attest;
mod calldata;
mod calls;
mod codegen;
mod error;
mod executor;
mod oracle;
mod registry;
mod solc;

pub use abi::{
    abi_encode, address_word, decode_uint, encode_call, keccak256, selector, uint_word,
    word_to_u128, AbiValue,
};
pub use anvil::Anvil;
pub use attest::{
    domain_separator, features_digest, instance_digest, items_hash, DataProvider, EIP712_NAME,
    EIP712_VERSION, FEATURES_TYPE,
};
pub use calldata::{
    calldata_gas, calldata_hex, checked_add_words, encode_calldata, instance_words, reduce_word,
    scalar_modulus, signed_word, Word,
};
pub use calls::{
    batch_event_topic, decode_valuation, decode_valuation_word, encode_submit_valuation, price_wei,
    submit_valuation_calldata, valuation_event_topic, valuation_of_calldata, BatchCall,
    SUBMIT_BATCH, SUBMIT_COLLECTION_BATCH, SUBMIT_VALUATION,
};
pub use codegen::{PrecompileCalls, SolidityVerifier, VERIFIER_CONTRACT};
pub use error::EvmError;
pub use executor::{
    Address, CallOutcome, CallStatus, Chain, EventLog, LocalEvm, HARDFORK, LOCAL_CHAIN_ID,
    TX_GAS_LIMIT,
};
pub use oracle::{
    model_pin, model_pin_value, nft_binding, weight_commitment_index, Attestation, BatchShape,
    InstanceLayout, ModelPin, OracleConfig, ORACLE_CONTRACT, ORACLE_SOURCE,
};
pub use registry::{
    compile_registry, flag_sale_calldata, is_wash_calldata, record_sale_calldata,
    registry_constructor_args, sale_binding, FEED_CONTRACT, FLAG_SALE, REGISTRY_CONTRACT,
    REGISTRY_SOURCE, REGISTRY_SOURCE_NAME,
};
pub use solc::{CompiledContract, Optimizer, Solc, EIP170_CODE_SIZE_LIMIT};

use crate::{keys::VerifyingKey, proof::Proof};

/// Source file name under which the verifier is compiled.
pub const VERIFIER_SOURCE_NAME: &str = "Verifier.sol";

/// Source file name under which the oracle is compiled.
pub const ORACLE_SOURCE_NAME: &str = "NftValuationOracle.sol";

/// Optimizer setting for the generated verifier: off. Its one large assembly block compiles
/// as written; the Yul optimizer is not needed for it.
pub const VERIFIER_OPTIMIZER: Optimizer = Optimizer::Off;

/// Optimizer setting for the oracle: the IR pipeline (`submitBatch` takes more arguments than
/// the legacy code generator can keep on the stack).
pub const ORACLE_OPTIMIZER: Optimizer = Optimizer::ViaIr(200);

/// A generated verifier, compiled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompiledVerifier {
    /// The Solidity source and its calldata shape.
    pub solidity: SolidityVerifier,
    /// The bytecode.
    pub contract: CompiledContract,
}

/// Generates and compiles the verifier of `vk`, and checks its size against EIP-170.
///
/// # Errors
/// [`EvmError::Codegen`] if generation fails, the errors of [`Solc::compile`], and
/// [`EvmError::CodeSizeLimit`] if the deployed code is over 24,576 bytes.
pub fn compile_verifier(vk: &VerifyingKey, solc: &Solc) -> Result<CompiledVerifier, EvmError> {
    let solidity = SolidityVerifier::generate(vk)?;
    let contract = solc.compile(
        VERIFIER_SOURCE_NAME,
        solidity.source(),
        VERIFIER_CONTRACT,
        VERIFIER_OPTIMIZER,
    )?;
    contract.check_code_size()?;
    Ok(CompiledVerifier { solidity, contract })
}

/// Compiles the oracle template [`ORACLE_SOURCE`].
///
/// # Errors
/// The errors of [`Solc::compile`].
pub fn compile_oracle(solc: &Solc) -> Result<CompiledContract, EvmError> {
    solc.compile(
        ORACLE_SOURCE_NAME,
        ORACLE_SOURCE,
        ORACLE_CONTRACT,
        ORACLE_OPTIMIZER,
    )
}

/// Deploys `verifier` on `evm` and calls it with the calldata of `proof`.
///
/// # Errors
/// The errors of [`LocalEvm::deploy`] and [`LocalEvm::call`]; a rejected proof is an
/// outcome ([`CallStatus::Revert`]), not an error.
pub fn deploy_and_verify(
    evm: &mut LocalEvm,
    verifier: &CompiledContract,
    proof: &Proof,
) -> Result<CallOutcome, EvmError> {
    let address = evm.deploy(verifier, &[])?;
    evm.call(address, encode_calldata(proof))
}
