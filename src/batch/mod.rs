//! Collection-scale batches with a constant-size public part: folded outputs.
//!
//! A batch proof values `N` NFTs in one proof whose public instance does not grow with `N`:
//!
//! ```text
//! [c, commitments.., D]
//! c = uint256(keccak256(abi.encode(address[] collections, uint256[] tokenIds, uint64 epoch,
//!                                  uint256[] commitments, uint256[] words))) mod r
//! D = sum_j words[j] * c^j  (mod r)
//! ```
//!
//! `commitments` are the instance entries between `c` and `D` (the input commitment for
//! hashed inputs, the weight commitment for hashed weights, or public values), `words` the
//! outputs packed `P = floor(253 / B)` to a word ([`pack_words`]). The circuit computes `D`
//! from its own outputs and the binding cell (`zkmlp_circuits::chips::horner`, whose module
//! doc gives the soundness argument); the verifier ([`verify_batch`], or the oracle contract)
//! is handed the words, refuses any word `>= 2^(P B)`, computes `c` and `D` itself and checks
//! the proof. The price of item `k` is its last output.
//!
//! The key's outputs must be [`Visibility::Folded`], with public or hashed inputs (hashed
//! keeps the instance small) and fixed, public or hashed weights.

mod file;
mod words;

use ff::Field;
use halo2_proofs::halo2curves::bn256::Fr;
use rayon::prelude::*;
use zkmlp_circuits::Visibility;

pub use file::{BatchProofFile, BATCH_PROOF_FORMAT};
pub use words::{
    batch_binding, check_words, encode_binding_preimage, fold_words, pack_words, unpack_words,
    values_per_word, word_count, Address,
};

use crate::{
    error::Result,
    keys::{ProvingKey, VerifyingKey},
    proof::{binding_from_field, Binding},
};

/// One NFT of a batch: its collection, its token id, and the features it is valued on.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchItem {
    /// The collection's contract address.
    pub collection: Address,
    /// The token id, as a big-endian `uint256`.
    pub token_id: Binding,
    /// Real-valued features, quantized before proving.
    pub features: Vec<f64>,
}

/// Why a batch cannot be proven or does not verify before the proof itself is checked.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    /// The key's outputs are not folded.
    #[error("the key's outputs are {0}, a batch proof needs folded outputs")]
    NotFolded(Visibility),
    /// A key with folded outputs used for a single proof: its binding must be computed from
    /// the batch ([`ProvingKey::prove_batch`], [`verify_batch`]).
    #[error("the key's outputs are folded: prove with prove_batch and verify with verify_batch")]
    FoldedNeedsBatch,
    /// The item lists do not have one entry per item of the key's batch.
    #[error("the batch lists {collections} collections and {token_ids} token ids, the key proves {expected} items")]
    ItemCount {
        /// Items the key proves (0 when the lists' length does not divide the key's sizes).
        expected: usize,
        /// Collections given.
        collections: usize,
        /// Token ids given.
        token_ids: usize,
    },
    /// The number of commitments is not the key's.
    #[error("the batch carries {got} commitments, the key expects {expected}")]
    CommitmentCount {
        /// The key's.
        expected: usize,
        /// Given.
        got: usize,
    },
    /// The number of words is not `ceil(outputs / P)`.
    #[error("the batch carries {got} output words, the key expects {expected}")]
    WordCount {
        /// The key's.
        expected: usize,
        /// Given.
        got: usize,
    },
    /// A word is not below `2^(P B)`: it has no canonical unpacking.
    #[error("output word {index} is not below 2^{bits}")]
    WordOutOfRange {
        /// The word's index.
        index: usize,
        /// `P B`.
        bits: u32,
    },
    /// A commitment, word or binding is not below the BN254 scalar modulus.
    #[error("{what} {index} is not below the BN254 scalar field modulus")]
    NotAFieldElement {
        /// `"instance entry"`, `"word"` or `"binding"`.
        what: &'static str,
        /// Its index.
        index: usize,
    },
}

/// A proof valuing a batch of NFTs, with everything its verifier needs to recompute the
/// public instance `[c, commitments.., D]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchProof {
    /// The items' collections, in batch order.
    pub collections: Vec<Address>,
    /// The items' token ids, in batch order.
    pub token_ids: Vec<Binding>,
    /// The valuation epoch.
    pub epoch: u64,
    /// The instance entries between `c` and `D` (big-endian field elements).
    pub commitments: Vec<Binding>,
    /// Every item's outputs, packed ([`pack_words`]).
    pub words: Vec<Binding>,
    /// The halo2 proof (EVM transcript encoding).
    pub bytes: Vec<u8>,
}

impl BatchProof {
    /// The batch binding `c` ([`batch_binding`]).
    pub fn binding(&self) -> Binding {
        batch_binding(
            &self.collections,
            &self.token_ids,
            self.epoch,
            &self.commitments,
            &self.words,
        )
    }

    /// The public instance `[c, commitments.., D]`, big-endian, as the verifier (and the
    /// contract's calldata to the verifier) uses it.
    ///
    /// # Errors
    /// [`BatchError::NotAFieldElement`] for a non-canonical word.
    pub fn instance(&self) -> Result<Vec<Binding>, BatchError> {
        let c = self.binding();
        let folded = fold_words(&self.words, &c)?;
        Ok(std::iter::once(c)
            .chain(self.commitments.iter().copied())
            .chain(std::iter::once(folded))
            .collect())
    }

    /// Every item's quantized outputs, unpacked for `vk`'s circuit.
    ///
    /// # Errors
    /// [`BatchError::WordCount`] or [`BatchError::WordOutOfRange`].
    pub fn outputs(&self, vk: &VerifyingKey) -> Result<Vec<i64>, BatchError> {
        unpack_words(
            &self.words,
            vk.output_size(),
            vk.fixed_point().activation_bits,
        )
    }

    /// Each item's price (its last output) as a real number, `output / 2^scale_bits`.
    ///
    /// # Errors
    /// As [`BatchProof::outputs`], and [`BatchError::ItemCount`] if the lists do not match
    /// the key.
    pub fn prices(&self, vk: &VerifyingKey) -> Result<Vec<f64>, BatchError> {
        let per_item = self.outputs_per_item(vk)?;
        let scale = f64::from(vk.fixed_point().scale_bits).exp2();
        Ok(self
            .outputs(vk)?
            .chunks(per_item)
            .map(|outputs| outputs[per_item - 1] as f64 / scale)
            .collect())
    }

    /// Outputs per item under `vk`, from the number of items listed.
    fn outputs_per_item(&self, vk: &VerifyingKey) -> Result<usize, BatchError> {
        let n = self.collections.len();
        let fits = n > 0
            && self.token_ids.len() == n
            && vk.output_size().is_multiple_of(n)
            && vk.input_size().is_multiple_of(n);
        if !fits {
            return Err(BatchError::ItemCount {
                expected: 0,
                collections: n,
                token_ids: self.token_ids.len(),
            });
        }
        Ok(vk.output_size() / n)
    }
}

impl ProvingKey {
    /// Proves a batch of NFT valuations for `epoch` with a key whose outputs are folded: one
    /// proof, public instance `[c, commitments.., D]` (see the [module docs](self)). Items are
    /// quantized and the witness computed in parallel.
    ///
    /// # Errors
    /// [`BatchError::NotFolded`] for a key without folded outputs, [`crate::Error::BatchSize`] if
    /// `items` does not match the key's batch size, otherwise as
    /// [`ProvingKey::prove_items`].
    pub fn prove_batch(&self, items: &[BatchItem], epoch: u64) -> Result<BatchProof> {
        let outputs = self.model.visibility().outputs;
        if outputs != Visibility::Folded {
            return Err(BatchError::NotFolded(outputs).into());
        }
        let features: Vec<&[f64]> = items.par_iter().map(|i| i.features.as_slice()).collect();
        let input = self.quantize_items(&features)?;
        let layout = self.model.layout();
        let mut witness = self.model.witness(&input, Fr::ZERO)?;
        let instance = witness.instance();
        let commitments: Vec<Binding> = instance[1..instance.len() - 1]
            .iter()
            .map(|&f| binding_from_field(f))
            .collect();
        let words: Vec<Binding> = witness
            .words
            .iter()
            .map(|&w| binding_from_field(w))
            .collect();
        let mut proof = BatchProof {
            collections: items.iter().map(|i| i.collection).collect(),
            token_ids: items.iter().map(|i| i.token_id).collect(),
            epoch,
            commitments,
            words,
            bytes: Vec::new(),
        };
        let c = words::to_field("binding", 0, &proof.binding())?;
        witness.rebind(layout, c);
        proof.bytes = self.prove_to_bytes(witness)?;
        Ok(proof)
    }
}

impl VerifyingKey {
    /// Verifies a batch proof: checks the lists' lengths and the words (each below
    /// `2^(P B)`), computes `c` and `D` itself, and checks the halo2 proof against
    /// `[c, commitments.., D]`.
    ///
    /// # Errors
    /// [`crate::Error::Batch`] for a key without folded outputs or data of the wrong shape,
    /// [`crate::Error::InvalidProof`] if the proof does not verify.
    pub fn verify_batch(&self, proof: &BatchProof) -> Result<()> {
        let outputs = self.visibility().outputs;
        if outputs != Visibility::Folded {
            return Err(BatchError::NotFolded(outputs).into());
        }
        proof.outputs_per_item(self)?;
        let expected = self.instance_len() - 2;
        if proof.commitments.len() != expected {
            return Err(BatchError::CommitmentCount {
                expected,
                got: proof.commitments.len(),
            }
            .into());
        }
        check_words(
            &proof.words,
            self.output_size(),
            self.fixed_point().activation_bits,
        )?;
        let instance = proof
            .instance()?
            .iter()
            .enumerate()
            .map(|(index, entry)| words::to_field("instance entry", index, entry))
            .collect::<Result<Vec<Fr>, _>>()?;
        self.verify_instance(&instance, &proof.bytes)
    }
}

/// Verifies `proof` against `vk`; see [`VerifyingKey::verify_batch`].
///
/// # Errors
/// As [`VerifyingKey::verify_batch`].
pub fn verify_batch(vk: &VerifyingKey, proof: &BatchProof) -> Result<()> {
    vk.verify_batch(proof)
}
