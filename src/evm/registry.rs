//! The wash-trade registry `contracts/WashTradeRegistry.sol`: verdicts of a zkmlp classifier
//! on NFT sales, each proof bound to its sale, and `CleanSaleFeed`, the consumer pattern by
//! which a valuation feed leaves flagged sales out (trust model in the contract's NatSpec).

use snark_verifier_sdk::snark_verifier::loader::evm::{modulus, U256};

use halo2_proofs::halo2curves::bn256::Fr;

use super::{
    abi::{abi_encode, address_word, encode_call, keccak256, uint_word, AbiValue},
    calldata::{instance_words, Word},
    error::EvmError,
    executor::Address,
    solc::{CompiledContract, Optimizer, Solc},
};
use crate::proof::{Binding, Proof};

/// Solidity source of the registry and of the consumer.
pub const REGISTRY_SOURCE: &str = include_str!("../../contracts/WashTradeRegistry.sol");
/// Source file name under which they are compiled.
pub const REGISTRY_SOURCE_NAME: &str = "WashTradeRegistry.sol";
/// The registry contract.
pub const REGISTRY_CONTRACT: &str = "WashTradeRegistry";
/// The consumer contract.
pub const FEED_CONTRACT: &str = "CleanSaleFeed";

/// `flagSale(bytes32,uint256[],bytes)`.
pub const FLAG_SALE: &str = "flagSale(bytes32,uint256[],bytes)";

/// The binding of a proof about sale `sale_id`: `uint256(keccak256(abi.encode(saleId))) % r`,
/// big-endian, as the registry recomputes it.
pub fn sale_binding(sale_id: Word) -> Binding {
    let hash = U256::from_be_bytes(keccak256(&sale_id));
    (hash % modulus::<Fr>()).to_be_bytes::<32>()
}

/// Compiles the registry and the consumer.
///
/// # Errors
/// The errors of [`Solc::compile`].
pub fn compile_registry(solc: &Solc) -> Result<(CompiledContract, CompiledContract), EvmError> {
    let compile = |name| {
        solc.compile(
            REGISTRY_SOURCE_NAME,
            REGISTRY_SOURCE,
            name,
            Optimizer::Runs(200),
        )
    };
    Ok((compile(REGISTRY_CONTRACT)?, compile(FEED_CONTRACT)?))
}

/// The registry's constructor arguments: its verifier, the verifier's instance count, the
/// raw output above which a sale is wash, and the allowed submitters.
pub fn registry_constructor_args(
    verifier: Address,
    num_instances: usize,
    wash_above: u64,
    trusted: &[Address],
) -> Vec<u8> {
    let trusted: Vec<Word> = trusted.iter().map(address_word).collect();
    abi_encode(&[
        AbiValue::Word(address_word(&verifier)),
        AbiValue::Word(uint_word(num_instances as u64)),
        AbiValue::Word(uint_word(wash_above)),
        AbiValue::Words(&trusted),
    ])
}

/// Calldata of `flagSale(saleId, instances, proof)` for `proof`.
pub fn flag_sale_calldata(sale_id: Word, proof: &Proof) -> Vec<u8> {
    encode_call(
        FLAG_SALE,
        &[
            AbiValue::Word(sale_id),
            AbiValue::Words(&instance_words(proof)),
            AbiValue::Bytes(&proof.bytes),
        ],
    )
}

/// Calldata of `isWash(saleId)` (returns a bool word).
pub fn is_wash_calldata(sale_id: Word) -> Vec<u8> {
    encode_call("isWash(bytes32)", &[AbiValue::Word(sale_id)])
}

/// Calldata of the consumer's `recordSale(collection, saleId, priceWei)`.
pub fn record_sale_calldata(collection: Address, sale_id: Word, price_wei: u64) -> Vec<u8> {
    encode_call(
        "recordSale(address,bytes32,uint256)",
        &[
            AbiValue::Word(address_word(&collection)),
            AbiValue::Word(sale_id),
            AbiValue::Word(uint_word(price_wei)),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sale_binding_is_reduced_and_differs_per_sale() {
        let (a, b) = (sale_binding([1; 32]), sale_binding([2; 32]));
        assert_ne!(a, b);
        let r = modulus::<Fr>();
        assert!(U256::from_be_bytes(a) < r && U256::from_be_bytes(b) < r);
        // keccak256(abi.encode(bytes32(0))) is keccak256 of 32 zero bytes.
        let zero = U256::from_be_bytes(keccak256(&[0; 32])) % r;
        assert_eq!(sale_binding([0; 32]), zero.to_be_bytes::<32>());
    }
}
