//! Who vouches for the features: a data provider's EIP-712 signature, as
//! `NftValuationOracle` checks it with `ecrecover`.
//!
//! The provider signs the typed struct
//! `Features(bytes32 items, uint256 inputCommitment, uint64 epoch)` with
//! - `items = keccak256(abi.encode(address[] collections, uint256[] tokenIds))`, the ordered
//!   list of NFTs valued (one NFT for `submitValuation`; for `submitCollectionBatch`, its one
//!   collection repeated once per token, so one signature serves both batch entry points):
//!   the signature does not carry over to another token or another order;
//! - `inputCommitment` the Poseidon commitment of the features (hashed inputs), or
//!   `keccak256(abi.encodePacked(features))` of the public feature instances
//!   ([`instance_digest`]);
//! - `epoch` the valuation epoch,
//!
//! in the domain `EIP712Domain(string name, string version, uint256 chainId, address
//! verifyingContract)` = ("NftValuationOracle", "1", chain id, the oracle). The digest is
//! `keccak256(0x1901 ‖ domainSeparator ‖ structHash)`; the signature is `r ‖ s ‖ v` with
//! `s` in the lower half of the group order and `v` in {27, 28} (the oracle refuses any other).

use k256::ecdsa::{signature::hazmat::PrehashSigner, RecoveryId, Signature, SigningKey};

use super::{
    abi::{abi_encode, address_word, keccak256, uint_word, AbiValue},
    calldata::Word,
    error::EvmError,
    executor::Address,
};

/// EIP-712 name of the oracle's domain.
pub const EIP712_NAME: &str = "NftValuationOracle";

/// EIP-712 version of the oracle's domain.
pub const EIP712_VERSION: &str = "1";

/// The EIP-712 type a data provider signs.
pub const FEATURES_TYPE: &str = "Features(bytes32 items,uint256 inputCommitment,uint64 epoch)";

/// `keccak256(abi.encode(address[] collections, uint256[] tokenIds))`: the ordered list of
/// NFTs an attestation covers.
pub fn items_hash(collections: &[Address], token_ids: &[Word]) -> Word {
    let collections: Vec<Word> = collections.iter().map(address_word).collect();
    keccak256(&abi_encode(&[
        AbiValue::Words(&collections),
        AbiValue::Words(token_ids),
    ]))
}

/// How the oracle condenses a range of public instances (features, or weights): one
/// instance as it is, several as `keccak256(abi.encodePacked(instances))`.
pub fn instance_digest(instances: &[Word]) -> Word {
    match instances {
        [single] => *single,
        _ => keccak256(&instances.concat()),
    }
}

/// The EIP-712 domain separator of the oracle deployed at `oracle` on chain `chain_id`.
pub fn domain_separator(chain_id: u64, oracle: Address) -> Word {
    let domain_type = keccak256(
        b"EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)",
    );
    keccak256(&abi_encode(&[
        AbiValue::Word(domain_type),
        AbiValue::Word(keccak256(EIP712_NAME.as_bytes())),
        AbiValue::Word(keccak256(EIP712_VERSION.as_bytes())),
        AbiValue::Word(uint_word(chain_id)),
        AbiValue::Word(address_word(&oracle)),
    ]))
}

/// The digest a data provider signs: features committed to by `input_commitment`, of the
/// NFTs hashing to `items` ([`items_hash`]), valued at `epoch`, for the oracle at `oracle`.
pub fn features_digest(
    chain_id: u64,
    oracle: Address,
    items: Word,
    input_commitment: Word,
    epoch: u64,
) -> Word {
    let struct_hash = keccak256(&abi_encode(&[
        AbiValue::Word(keccak256(FEATURES_TYPE.as_bytes())),
        AbiValue::Word(items),
        AbiValue::Word(input_commitment),
        AbiValue::Word(uint_word(epoch)),
    ]));
    let mut message = Vec::with_capacity(66);
    message.extend_from_slice(&[0x19, 0x01]);
    message.extend_from_slice(&domain_separator(chain_id, oracle));
    message.extend_from_slice(&struct_hash);
    keccak256(&message)
}

/// A data provider's secp256k1 key.
#[derive(Clone)]
pub struct DataProvider {
    key: SigningKey,
}

impl std::fmt::Debug for DataProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataProvider")
            .field("address", &hex::encode(self.address()))
            .finish_non_exhaustive()
    }
}

impl DataProvider {
    /// The provider with secret key `secret` (32 bytes, big-endian).
    ///
    /// # Errors
    /// [`EvmError::Signing`] if `secret` is zero or not below the group order.
    pub fn from_secret(secret: &[u8; 32]) -> Result<Self, EvmError> {
        let key = SigningKey::from_bytes(secret.into())
            .map_err(|e| EvmError::Signing(format!("invalid secret key: {e}")))?;
        Ok(Self { key })
    }

    /// The provider's Ethereum address: the last 20 bytes of the keccak256 of its
    /// uncompressed public key.
    pub fn address(&self) -> Address {
        let point = self.key.verifying_key().to_encoded_point(false);
        let hash = keccak256(&point.as_bytes()[1..]);
        let mut address = [0; 20];
        address.copy_from_slice(&hash[12..]);
        address
    }

    /// Signs `digest` as `r ‖ s ‖ v` (65 bytes, low `s`, `v` in {27, 28}).
    ///
    /// # Errors
    /// [`EvmError::Signing`] if signing fails.
    pub fn sign_digest(&self, digest: &Word) -> Result<[u8; 65], EvmError> {
        let (signature, recovery): (Signature, RecoveryId) = self
            .key
            .sign_prehash(digest)
            .map_err(|e| EvmError::Signing(e.to_string()))?;
        // k256 signs with a low s and adjusts the recovery id accordingly; keep it that way.
        let (signature, recovery) = match signature.normalize_s() {
            Some(normalized) => (
                normalized,
                RecoveryId::new(!recovery.is_y_odd(), recovery.is_x_reduced()),
            ),
            None => (signature, recovery),
        };
        let mut out = [0; 65];
        out[..64].copy_from_slice(&signature.to_bytes());
        out[64] = 27 + u8::from(recovery.is_y_odd());
        Ok(out)
    }

    /// Signs the features committed to by `input_commitment` of the NFTs `(collections,
    /// token_ids)` at `epoch`, for the oracle at `oracle` on chain `chain_id`.
    ///
    /// # Errors
    /// As [`DataProvider::sign_digest`].
    pub fn attest(
        &self,
        chain_id: u64,
        oracle: Address,
        collections: &[Address],
        token_ids: &[Word],
        input_commitment: Word,
        epoch: u64,
    ) -> Result<[u8; 65], EvmError> {
        let items = items_hash(collections, token_ids);
        self.sign_digest(&features_digest(
            chain_id,
            oracle,
            items,
            input_commitment,
            epoch,
        ))
    }
}

#[cfg(test)]
mod tests {
    use k256::ecdsa::VerifyingKey;

    use super::*;

    #[test]
    fn known_key_has_known_address() {
        // Anvil's first development account (secret key 0xac09...ff80).
        let secret =
            hex::decode("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")
                .unwrap();
        let provider = DataProvider::from_secret(&secret.try_into().unwrap()).unwrap();
        assert_eq!(
            hex::encode(provider.address()),
            "f39fd6e51aad88f6f4ce6ab8827279cfffb92266"
        );
        assert!(DataProvider::from_secret(&[0; 32]).is_err());
    }

    #[test]
    fn signatures_recover_to_the_signer_with_low_s() {
        let provider = DataProvider::from_secret(&[7; 32]).unwrap();
        let half_n =
            hex::decode("7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0")
                .unwrap();
        for epoch in 0..16 {
            let digest = features_digest(1, [9; 20], [1; 32], [2; 32], epoch);
            let sig = provider.sign_digest(&digest).unwrap();
            assert!(sig[32..64] <= half_n[..], "high s");
            assert!(sig[64] == 27 || sig[64] == 28);
            let recovered = VerifyingKey::recover_from_prehash(
                &digest,
                &Signature::from_slice(&sig[..64]).unwrap(),
                RecoveryId::from_byte(sig[64] - 27).unwrap(),
            )
            .unwrap();
            assert_eq!(&recovered, provider.key.verifying_key());
        }
    }

    #[test]
    fn digests_depend_on_every_field() {
        let base = features_digest(1, [9; 20], [1; 32], [2; 32], 3);
        assert_ne!(base, features_digest(2, [9; 20], [1; 32], [2; 32], 3));
        assert_ne!(base, features_digest(1, [8; 20], [1; 32], [2; 32], 3));
        assert_ne!(base, features_digest(1, [9; 20], [0; 32], [2; 32], 3));
        assert_ne!(base, features_digest(1, [9; 20], [1; 32], [3; 32], 3));
        assert_ne!(base, features_digest(1, [9; 20], [1; 32], [2; 32], 4));
        assert_ne!(
            items_hash(&[[1; 20], [2; 20]], &[[3; 32], [4; 32]]),
            items_hash(&[[1; 20], [2; 20]], &[[4; 32], [3; 32]])
        );
        assert_eq!(instance_digest(&[[5; 32]]), [5; 32]);
        assert_eq!(
            instance_digest(&[[5; 32], [6; 32]]),
            keccak256(&[[5u8; 32], [6; 32]].concat())
        );
    }
}
