//! Running one on-chain scenario on revm and on anvil, and reading reverts.

use zkmlp::evm::{
    selector, Address, Anvil, CallOutcome, CallStatus, Chain, CompiledContract, EvmError, LocalEvm,
    OracleConfig,
};

/// A token id as a big-endian `uint256`.
pub fn token(id: u64) -> [u8; 32] {
    let mut token = [0; 32];
    token[24..].copy_from_slice(&id.to_be_bytes());
    token
}

/// Runs `scenario` on revm, then on a fresh anvil node (skipped, with a message, if the anvil
/// binary is absent).
pub fn on_both_chains(scenario: impl Fn(&mut dyn Chain)) {
    scenario(&mut LocalEvm::new());
    match Anvil::spawn() {
        Ok(mut anvil) => scenario(&mut anvil),
        Err(EvmError::AnvilMissing) => eprintln!(
            "SKIPPED on anvil: the anvil binary is absent (run `npm ci` at the repository root)"
        ),
        Err(e) => panic!("anvil failed to start: {e}"),
    }
}

/// Asserts that `outcome` reverted with the custom error `error` (e.g. `"InvalidProof()"`).
pub fn assert_reverts_with(chain: &dyn Chain, outcome: &CallOutcome, error: &str) {
    assert_eq!(
        outcome.status,
        CallStatus::Revert,
        "{}: expected {error}, got {outcome:?}",
        chain.name()
    );
    assert_eq!(
        outcome.output.get(..4),
        Some(&selector(error)[..]),
        "{}: expected {error}, got revert data 0x{}",
        chain.name(),
        hex::encode(&outcome.output)
    );
}

/// Deploys `verifier`, then `oracle` configured by `config` for the verifier's address.
pub fn deploy_oracle(
    chain: &mut dyn Chain,
    verifier: &CompiledContract,
    oracle: &CompiledContract,
    config: impl FnOnce(Address) -> OracleConfig,
) -> Address {
    let verifier = chain.deploy(verifier, &[]).unwrap();
    let args = config(verifier).constructor_args().unwrap();
    chain.deploy(oracle, &args).unwrap()
}
