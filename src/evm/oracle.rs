//! The NFT valuation oracle `contracts/NftValuationOracle.sol`: its deployment (where the
//! verifiers' instances hold the features and the model, who vouches for the features), and
//! what pins the model.
//!
//! A verifier generated from a key whose weights are fixed columns accepts only that model.
//! With hashed or public weights it accepts any model of the same shape, so the oracle pins
//! the model by comparing the weight commitment (or the hash of the public weights) with the
//! published value. With private weights nothing can pin it: [`OracleConfig::constructor_args`]
//! refuses such a deployment unless [`OracleConfig::allow_unpinned_model`] is set.

use halo2_proofs::halo2curves::bn256::Fr;
use snark_verifier_sdk::snark_verifier::loader::evm::{modulus, U256};
use zkmlp_circuits::Visibility;

use super::{
    abi::{abi_encode, address_word, keccak256, uint_word, AbiValue},
    attest::instance_digest,
    calldata::{signed_word, Word},
    error::EvmError,
    executor::Address,
};
use crate::{proof::Binding, CompiledModel, VerifyingKey};

/// Solidity source of the oracle.
pub const ORACLE_SOURCE: &str = include_str!("../../contracts/NftValuationOracle.sol");

/// Name of the oracle contract in [`ORACLE_SOURCE`].
pub const ORACLE_CONTRACT: &str = "NftValuationOracle";

/// The binding of a single proof about NFT `token_id` of `collection`:
/// `uint256(keccak256(abi.encode(collection, tokenId))) % r`, big-endian, with `r` the BN254
/// scalar modulus. The oracle recomputes it on chain.
pub fn nft_binding(collection: [u8; 20], token_id: [u8; 32]) -> Binding {
    let mut encoded = [0u8; 64];
    encoded[..32].copy_from_slice(&address_word(&collection));
    encoded[32..].copy_from_slice(&token_id);
    let hash = U256::from_be_bytes(keccak256(&encoded));
    (hash % modulus::<Fr>()).to_be_bytes::<32>()
}

/// What pins the model a verifier accepts proofs of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelPin {
    /// The weights are fixed columns of the verifying key: the verifier itself pins them.
    InKey,
    /// The instance at `index` is the Poseidon commitment of the weights
    /// ([`CompiledModel::weight_commitment`]); the oracle compares it with the published one.
    Commitment {
        /// Position among the public instances.
        index: usize,
    },
    /// The instances `start..start + count` are the weights, then the biases; the oracle
    /// compares `keccak256(abi.encodePacked(them))` with the published value.
    PublicWeights {
        /// Position of the first weight among the public instances.
        start: usize,
        /// Weights and biases.
        count: usize,
    },
    /// Private weights: no public value pins them; the verifier accepts any model of this
    /// shape.
    Unpinned,
}

/// What pins the model of `vk`, and where its instances are: after the binding and the
/// inputs (their values or their commitment).
pub fn model_pin(vk: &VerifyingKey) -> ModelPin {
    let v = vk.visibility();
    let start = 1 + v.inputs.instance_entries(vk.input_size());
    match v.weights {
        Visibility::Fixed => ModelPin::InKey,
        Visibility::Hashed => ModelPin::Commitment { index: start },
        Visibility::Public => ModelPin::PublicWeights {
            start,
            count: vk.parameter_count(),
        },
        _ => ModelPin::Unpinned,
    }
}

/// Position of the first instance that pins the model of `vk` (its weight commitment, or its
/// first public weight); `None` if the key itself pins it or nothing can.
pub fn weight_commitment_index(vk: &VerifyingKey) -> Option<usize> {
    match model_pin(vk) {
        ModelPin::Commitment { index } => Some(index),
        ModelPin::PublicWeights { start, .. } => Some(start),
        ModelPin::InKey | ModelPin::Unpinned => None,
    }
}

/// The value an oracle compares the model's pinned instances with: the weight commitment
/// (hashed weights), the keccak256 of the weights and biases as instances (public weights);
/// `None` for fixed or private weights.
pub fn model_pin_value(model: &CompiledModel) -> Option<Word> {
    match model.visibility().weights {
        Visibility::Hashed => Some(model.weight_commitment()),
        Visibility::Public => {
            let (weights, biases) = model.model().flat_parameters();
            let words: Vec<Word> = weights
                .iter()
                .chain(&biases)
                .map(|&v| signed_word(v))
                .collect();
            Some(instance_digest(&words))
        }
        _ => None,
    }
}

/// Where one verifier's public instances hold the features and the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InstanceLayout {
    /// The deployed verifier.
    pub verifier: Address,
    /// Number of public instances.
    pub num_instances: usize,
    /// First instance and count of the features (or of their commitment); `None` if private.
    pub inputs: Option<(usize, usize)>,
    /// What pins the model.
    pub model: ModelPin,
}

impl InstanceLayout {
    /// The layout of the verifier of `vk`, deployed at `verifier`.
    pub fn of_key(vk: &VerifyingKey, verifier: Address) -> Self {
        let entries = vk.visibility().inputs.instance_entries(vk.input_size());
        Self {
            verifier,
            num_instances: vk.instance_len(),
            inputs: (entries > 0).then_some((1, entries)),
            model: model_pin(vk),
        }
    }

    /// Instance range of the model pin, `(0, 0)` if none.
    fn model_range(&self) -> (usize, usize) {
        match self.model {
            ModelPin::Commitment { index } => (index, 1),
            ModelPin::PublicWeights { start, count } => (start, count),
            ModelPin::InKey | ModelPin::Unpinned => (0, 0),
        }
    }

    /// The layout as the constructor's `Layout` tuple.
    fn words(layout: Option<&Self>) -> [Word; 6] {
        let Some(l) = layout else {
            return [[0; 32]; 6];
        };
        let (input_start, input_count) = l.inputs.unwrap_or((0, 0));
        let (model_start, model_count) = l.model_range();
        [
            address_word(&l.verifier),
            uint_word(l.num_instances as u64),
            uint_word(input_start as u64),
            uint_word(input_count as u64),
            uint_word(model_start as u64),
            uint_word(model_count as u64),
        ]
    }
}

/// The shape of a batch: valuations per proof, outputs per valuation, bits per packed output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchShape {
    /// Valuations per batch (the circuit's batch size).
    pub size: usize,
    /// Outputs per valuation; the price is the last.
    pub outputs: usize,
    /// Bits per packed output (the circuit's activation bits).
    pub bits: u32,
}

impl BatchShape {
    /// The shape of the batch circuit `model`.
    pub fn of_model(model: &CompiledModel) -> Self {
        Self {
            size: model.batch_size(),
            outputs: model.model().output_size(),
            bits: model.params().activation_bits,
        }
    }

    /// Outputs packed per word: `floor(253 / bits)`.
    pub fn values_per_word(&self) -> usize {
        253 / self.bits.max(1) as usize
    }

    /// Words per batch: `ceil(size * outputs / values_per_word)`.
    pub fn words(&self) -> usize {
        (self.size * self.outputs).div_ceil(self.values_per_word())
    }
}

/// Who vouches for the features the proofs use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attestation {
    /// An allowlisted data provider signs (EIP-712) the NFTs, the input commitment and the
    /// epoch; anyone may submit ([`super::DataProvider`]).
    SignedFeatures,
    /// Only allowlisted accounts may submit.
    TrustedSubmitter,
}

/// The constructor arguments of the oracle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OracleConfig {
    /// The single-valuation verifier (`submitValuation`), if any.
    pub single: Option<InstanceLayout>,
    /// The batch verifier (`submitBatch`) and its shape, if any.
    pub batch: Option<(InstanceLayout, BatchShape)>,
    /// Fractional bits of the fixed-point price.
    pub scale_bits: u8,
    /// The published model pin ([`model_pin_value`]), where the layouts have one.
    pub model_commitment: Option<Word>,
    /// Who vouches for the features.
    pub attestation: Attestation,
    /// The initial allowlist: data providers or submitters.
    pub trusted: Vec<Address>,
    /// Deploy even if nothing pins the model (private weights): the oracle then accepts
    /// proofs from any model of the verifier's shape.
    pub allow_unpinned_model: bool,
}

impl OracleConfig {
    /// An oracle for `model` (whose keys' verifiers are `single` and `batch`, each with the
    /// key of the circuit it verifies), pinned to the model's published value.
    ///
    /// # Errors
    /// [`EvmError::UnsupportedOracle`] if the fixed-point scale does not fit the oracle.
    pub fn for_model(
        model: &CompiledModel,
        single: Option<(&VerifyingKey, Address)>,
        batch: Option<(&VerifyingKey, &CompiledModel, Address)>,
        attestation: Attestation,
        trusted: Vec<Address>,
    ) -> Result<Self, EvmError> {
        let scale_bits = u8::try_from(model.params().scale_bits)
            .map_err(|_| EvmError::UnsupportedOracle("scale bits over 255".into()))?;
        Ok(Self {
            single: single.map(|(vk, address)| InstanceLayout::of_key(vk, address)),
            batch: batch.map(|(vk, compiled, address)| {
                (
                    InstanceLayout::of_key(vk, address),
                    BatchShape::of_model(compiled),
                )
            }),
            scale_bits,
            model_commitment: model_pin_value(model),
            attestation,
            trusted,
            allow_unpinned_model: false,
        })
    }

    /// ABI-encoded constructor arguments `(Layout single, Layout batch, BatchShape shape,
    /// uint8 scaleBits, uint256 modelCommitment, uint8 attestation, address[] trusted)`.
    ///
    /// # Errors
    /// [`EvmError::UnpinnedModel`] if a verifier's model is pinned by nothing (private
    /// weights) and [`OracleConfig::allow_unpinned_model`] is not set, or if a layout pins the
    /// model and no [`OracleConfig::model_commitment`] is given.
    pub fn constructor_args(&self) -> Result<Vec<u8>, EvmError> {
        let layouts = self
            .single
            .iter()
            .chain(self.batch.as_ref().map(|(layout, _)| layout));
        for layout in layouts {
            match layout.model {
                ModelPin::Unpinned if !self.allow_unpinned_model => {
                    return Err(EvmError::UnpinnedModel(
                        "its weights are private, so the verifier accepts any model of this shape; set allow_unpinned_model to deploy anyway".into(),
                    ))
                }
                ModelPin::Commitment { .. } | ModelPin::PublicWeights { .. }
                    if self.model_commitment.is_none() =>
                {
                    return Err(EvmError::UnpinnedModel(
                        "the weights are not in the verifying key and no model commitment was given".into(),
                    ))
                }
                _ => {}
            }
        }
        let shape = self.batch.map(|(_, shape)| shape);
        let trusted: Vec<Word> = self.trusted.iter().map(address_word).collect();
        let mut values: Vec<AbiValue<'_>> = Vec::with_capacity(19);
        let single = InstanceLayout::words(self.single.as_ref());
        let batch = InstanceLayout::words(self.batch.as_ref().map(|(layout, _)| layout));
        values.extend(single.iter().chain(&batch).map(|w| AbiValue::Word(*w)));
        values.extend(
            [
                shape.map_or(0, |s| s.size as u64),
                shape.map_or(0, |s| s.outputs as u64),
                shape.map_or(0, |s| s.bits.into()),
                self.scale_bits.into(),
            ]
            .map(|v| AbiValue::Word(uint_word(v))),
        );
        values.push(AbiValue::Word(self.model_commitment.unwrap_or_default()));
        values.push(AbiValue::Word(uint_word(match self.attestation {
            Attestation::SignedFeatures => 0,
            Attestation::TrustedSubmitter => 1,
        })));
        values.push(AbiValue::Words(&trusted));
        Ok(abi_encode(&values))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binding_is_reduced_and_deterministic() {
        let b = nft_binding([0x11; 20], [0x22; 32]);
        assert_eq!(b, nft_binding([0x11; 20], [0x22; 32]));
        assert_ne!(b, nft_binding([0x11; 20], [0x23; 32]));
        assert!(crate::proof::binding_to_field(&b).is_some());
    }

    #[test]
    fn batch_shape_counts_words() {
        let shape = BatchShape {
            size: 1024,
            outputs: 1,
            bits: 16,
        };
        assert_eq!(shape.values_per_word(), 15);
        assert_eq!(shape.words(), 69);
    }

    fn config(model: ModelPin, commitment: Option<Word>) -> OracleConfig {
        OracleConfig {
            single: Some(InstanceLayout {
                verifier: [1; 20],
                num_instances: 7,
                inputs: Some((1, 4)),
                model,
            }),
            batch: None,
            scale_bits: 12,
            model_commitment: commitment,
            attestation: Attestation::TrustedSubmitter,
            trusted: vec![[2; 20]],
            allow_unpinned_model: false,
        }
    }

    #[test]
    fn an_unpinned_model_is_refused_unless_asked_for() {
        let unpinned = config(ModelPin::Unpinned, None);
        assert!(matches!(
            unpinned.constructor_args(),
            Err(EvmError::UnpinnedModel(_))
        ));
        let allowed = OracleConfig {
            allow_unpinned_model: true,
            ..unpinned
        };
        assert!(allowed.constructor_args().is_ok());
        let missing = config(ModelPin::Commitment { index: 5 }, None);
        assert!(matches!(
            missing.constructor_args(),
            Err(EvmError::UnpinnedModel(_))
        ));
        let args = config(ModelPin::Commitment { index: 5 }, Some([3; 32]))
            .constructor_args()
            .unwrap();
        // 18 static words, the array's offset, its length and one address.
        assert_eq!(args.len(), 32 * (19 + 2));
        assert_eq!(args[32 * 4 + 31], 5);
        assert_eq!(args[32 * 5 + 31], 1);
        assert_eq!(args[32 * 16..32 * 17], [3; 32]);
        assert!(config(ModelPin::InKey, None).constructor_args().is_ok());
    }
}
