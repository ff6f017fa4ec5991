//! Model pinning: does a verifying key, and a proof, belong to *this* model?
//!
//! A key file's model digest is a label: anyone can write another model's key under it
//! (`KeyFile::encode_verifying_key(vk_of_b, &compiled_a)`), and a proof of `b` then verifies
//! "as model `a`". What a proof actually pins depends on the weights' visibility:
//!
//! | weights | what pins the model | check |
//! |---|---|---|
//! | fixed | the key: its fixed columns hold the weights | [`VerifyingKey::matches_model`] regenerates the key from the model and compares |
//! | hashed | the weight commitment the proof carries | compare it with the published one ([`ModelPin::WeightCommitment`]) or the model's |
//! | public | the weights the proof carries | compare them with the model's |
//! | private | nothing | none possible: some weights of this shape give this output |
//!
//! [`verify_pinned`] runs the key check (for [`ModelPin::Model`]), the proof's verification
//! and the weight check, and says which failed with a [`PinError`].

use std::fmt;

use halo2_proofs::plonk::keygen_vk;
use zkmlp_circuits::{MlpCircuit, Visibility};

use zkmlp_circuits::field::i128_to_field;

use crate::{
    batch::BatchProof,
    compiled::CompiledModel,
    keys::VerifyingKey,
    proof::{binding_from_field, Proof},
    Binding, Error,
};

/// What a verifier holds to pin the model behind a proof.
#[derive(Clone, Copy, Debug)]
pub enum ModelPin<'a> {
    /// The compiled model: the key must be the one it generates, and the proof's public
    /// weights or weight commitment must be its own.
    Model(&'a CompiledModel),
    /// A published weight commitment (hashed weights only), big-endian.
    WeightCommitment(Binding),
}

/// Which part of a verifying key differs from the one the model generates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyPart {
    /// The circuit size.
    Size {
        /// The key's `k`.
        key: u32,
        /// The model's `k`.
        model: u32,
    },
    /// The public shape: fixed point, input/output sizes, visibility or parameter count.
    Shape,
    /// The commitments to the fixed columns (weights, biases, tables, selectors).
    FixedCommitments,
    /// The commitments of the copy constraints.
    Permutation,
    /// The constraint system (gates, lookups, columns).
    ConstraintSystem,
}

impl fmt::Display for KeyPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Size { key, model } => {
                write!(f, "the circuit size (key k = {key}, model k = {model})")
            }
            Self::Shape => f.write_str("the public shape (fixed point, sizes or visibility)"),
            Self::FixedCommitments => f.write_str("the fixed-column commitments (the weights)"),
            Self::Permutation => f.write_str("the copy-constraint commitments"),
            Self::ConstraintSystem => f.write_str("the constraint system"),
        }
    }
}

fn hex(b: &Binding) -> String {
    format!("0x{}", ::hex::encode(b))
}

/// Why a key or proof is not pinned to the model given.
#[derive(Debug, thiserror::Error)]
pub enum PinError {
    /// The verifying key is not the one the model generates.
    #[error("the verifying key is not this model's key: {0} differ")]
    KeyMismatch(KeyPart),
    /// The proof's weight commitment is not the published (or the model's) one.
    #[error("the proof's weight commitment {} is not the expected {}", hex(.got), hex(.expected))]
    WeightCommitmentMismatch {
        /// The published commitment.
        expected: Binding,
        /// The proof's.
        got: Binding,
    },
    /// The proof's public weights are not the model's.
    #[error("the proof's public weight {index} is {got}, the model's is {expected}")]
    PublicWeightsMismatch {
        /// Position among the weights, then biases.
        index: usize,
        /// The model's value.
        expected: i64,
        /// The proof's value.
        got: i64,
    },
    /// A batch proof's public weight differs from the model's.
    #[error("public weight {index} of the batch proof is 0x{} (a field element), the model's is {expected}", hex::encode(.got))]
    PublicWeightEntryMismatch {
        /// Position among the weights, then biases.
        index: usize,
        /// The model's value.
        expected: i64,
        /// The proof's entry, big-endian.
        got: Binding,
    },
    /// Nothing in the proof can be compared with what was given.
    #[error("{}; cannot check it against {given}", pinning(*.weights))]
    NotPinnable {
        /// The weights' visibility.
        weights: Visibility,
        /// What the verifier gave.
        given: &'static str,
    },
    /// Key generation failed, or the proof does not verify.
    #[error(transparent)]
    Proof(#[from] Error),
}

impl PinError {
    /// Whether the proof itself was rejected (rather than found to belong to another model).
    pub fn is_rejection(&self) -> bool {
        matches!(self, Self::Proof(e) if !matches!(e, Error::Halo2 { .. }))
    }
}

/// What a proof with weights of this visibility pins, in plain words.
pub fn pinning(weights: Visibility) -> &'static str {
    match weights {
        Visibility::Fixed => {
            "fixed weights: the verifying key holds the weights, so the key pins the model \
             (check the key against the model with --model)"
        }
        Visibility::Hashed => {
            "hashed weights: the proof carries a commitment to the weights; it pins the model \
             once compared with the published commitment (--weight-commitment or --model)"
        }
        Visibility::Public => {
            "public weights: the proof carries the weights; it pins the model once they are \
             compared with the model's (--model)"
        }
        Visibility::Private => {
            "private weights: this proof shows that some weights of this shape give this \
             output, and pins no model"
        }
        // `VisibilitySettings::validate` refuses folded weights; a key cannot hold them.
        Visibility::Folded => "folded weights are not a valid visibility: this key pins nothing",
    }
}

impl VerifyingKey {
    /// Checks that this is the key `model` generates with this key's SRS: same size and
    /// public shape, same fixed-column and copy-constraint commitments, same constraint
    /// system (halo2's transcript representation of the key).
    ///
    /// The SRS is the one embedded in the key: check it against a trusted one first
    /// (`KeyFile::check_srs`) if the key's origin is not trusted.
    ///
    /// # Errors
    /// [`PinError::KeyMismatch`] naming the first part that differs;
    /// [`PinError::Proof`] with [`Error::Halo2`] if key generation fails.
    pub fn matches_model(&self, model: &CompiledModel) -> Result<(), PinError> {
        let mismatch = |part| Err(PinError::KeyMismatch(part));
        if model.k() != self.k() {
            return mismatch(KeyPart::Size {
                key: self.k(),
                model: model.k(),
            });
        }
        let inner = model.model();
        if model.params() != self.fixed_point
            || model.visibility() != self.visibility
            || model.batch_size() * inner.input_size() != self.input_size
            || model.batch_size() * inner.output_size() != self.output_size
            || inner.parameter_count() != self.parameter_count
            || model.batch_size() != self.batch_size
        {
            return mismatch(KeyPart::Shape);
        }
        let circuit = MlpCircuit::keygen(model.layout().clone());
        let regenerated = keygen_vk(self.params.as_ref(), &circuit).map_err(|e| Error::Halo2 {
            operation: "key generation",
            message: e.to_string(),
        })?;
        if regenerated.fixed_commitments() != self.vk.fixed_commitments() {
            return mismatch(KeyPart::FixedCommitments);
        }
        if regenerated.permutation().commitments() != self.vk.permutation().commitments() {
            return mismatch(KeyPart::Permutation);
        }
        if regenerated.transcript_repr() != self.vk.transcript_repr() {
            return mismatch(KeyPart::ConstraintSystem);
        }
        Ok(())
    }
}

/// Checks the proof's public weights or weight commitment against `pin` (not the key, not
/// the proof's validity: see [`verify_pinned`]).
///
/// # Errors
/// [`PinError::WeightCommitmentMismatch`], [`PinError::PublicWeightsMismatch`], or
/// [`PinError::NotPinnable`] when the weights' visibility leaves nothing to compare
/// (private weights; a commitment given for weights that are not hashed).
pub fn check_weights(vk: &VerifyingKey, proof: &Proof, pin: &ModelPin<'_>) -> Result<(), PinError> {
    let weights = vk.visibility().weights;
    let public = &proof.public_inputs;
    let commitment = |expected: Binding| match public.commitments.weights {
        Some(got) if got == expected => Ok(()),
        Some(got) => Err(PinError::WeightCommitmentMismatch { expected, got }),
        None => Err(PinError::NotPinnable {
            weights,
            given: "a weight commitment",
        }),
    };
    match (pin, weights) {
        (ModelPin::WeightCommitment(expected), Visibility::Hashed) => commitment(*expected),
        (ModelPin::WeightCommitment(_), _) => Err(PinError::NotPinnable {
            weights,
            given: "a weight commitment",
        }),
        (ModelPin::Model(model), Visibility::Hashed) => commitment(model.weight_commitment()),
        (ModelPin::Model(model), Visibility::Public) => {
            let (w, b) = model.model().flat_parameters();
            let expected = [w, b].concat();
            if let Some((index, (&e, &g))) = expected
                .iter()
                .zip(&public.weights)
                .enumerate()
                .find(|(_, (e, g))| e != g)
            {
                return Err(PinError::PublicWeightsMismatch {
                    index,
                    expected: e,
                    got: g,
                });
            }
            if expected.len() != public.weights.len() {
                return Err(PinError::KeyMismatch(KeyPart::Shape));
            }
            Ok(())
        }
        (ModelPin::Model(_), Visibility::Fixed) => Ok(()),
        (ModelPin::Model(_), Visibility::Private | Visibility::Folded) => {
            Err(PinError::NotPinnable {
                weights,
                given: "the model",
            })
        }
    }
}

/// [`check_weights`] for a batch proof: its weight commitment (hashed weights) or its public
/// weights sit among the proof's `commitments`, after the input part.
///
/// # Errors
/// As [`check_weights`].
pub fn check_batch_weights(
    vk: &VerifyingKey,
    proof: &BatchProof,
    pin: &ModelPin<'_>,
) -> Result<(), PinError> {
    let visibility = vk.visibility();
    let weights = visibility.weights;
    let start = visibility.inputs.instance_entries(vk.input_size());
    let count = weights.instance_entries(vk.parameter_count());
    let Some(entries) = proof.commitments.get(start..start + count) else {
        return Err(PinError::KeyMismatch(KeyPart::Shape));
    };
    let commitment = |expected: Binding| match entries {
        [got] if *got == expected => Ok(()),
        [got] => Err(PinError::WeightCommitmentMismatch {
            expected,
            got: *got,
        }),
        _ => Err(PinError::KeyMismatch(KeyPart::Shape)),
    };
    match (pin, weights) {
        (ModelPin::WeightCommitment(expected), Visibility::Hashed) => commitment(*expected),
        (ModelPin::Model(model), Visibility::Hashed) => commitment(model.weight_commitment()),
        (ModelPin::Model(model), Visibility::Public) => {
            let (w, b) = model.model().flat_parameters();
            let expected = [w, b].concat();
            if expected.len() != entries.len() {
                return Err(PinError::KeyMismatch(KeyPart::Shape));
            }
            match expected
                .iter()
                .zip(entries)
                .enumerate()
                .find(|(_, (&e, got))| binding_from_field(i128_to_field(e.into())) != **got)
            {
                Some((index, (&e, got))) => Err(PinError::PublicWeightEntryMismatch {
                    index,
                    expected: e,
                    got: *got,
                }),
                None => Ok(()),
            }
        }
        (ModelPin::Model(_), Visibility::Fixed) => Ok(()),
        (ModelPin::WeightCommitment(_), _) => Err(PinError::NotPinnable {
            weights,
            given: "a weight commitment",
        }),
        (ModelPin::Model(_), Visibility::Private | Visibility::Folded) => {
            Err(PinError::NotPinnable {
                weights,
                given: "the model",
            })
        }
    }
}

/// [`verify_pinned`] for a batch proof: the key is the model's (for [`ModelPin::Model`]), the
/// batch proof verifies ([`crate::batch::verify_batch`]), and its weights match
/// ([`check_batch_weights`]).
///
/// # Errors
/// As [`verify_pinned`].
pub fn verify_batch_pinned(
    vk: &VerifyingKey,
    proof: &BatchProof,
    pin: &ModelPin<'_>,
) -> Result<(), PinError> {
    if let ModelPin::Model(model) = pin {
        vk.matches_model(model)?;
    }
    vk.verify_batch(proof)?;
    check_batch_weights(vk, proof, pin)
}

/// Verifies `proof` against `vk` and checks that both belong to the pinned model: for
/// [`ModelPin::Model`], the key is the model's ([`VerifyingKey::matches_model`]); then the
/// proof verifies; then its weights match ([`check_weights`]).
///
/// # Errors
/// The first [`PinError`]: a key mismatch, the proof's rejection ([`PinError::Proof`]), or
/// a weight mismatch.
pub fn verify_pinned(vk: &VerifyingKey, proof: &Proof, pin: &ModelPin<'_>) -> Result<(), PinError> {
    if let ModelPin::Model(model) = pin {
        vk.matches_model(model)?;
    }
    vk.verify(proof)?;
    check_weights(vk, proof, pin)
}
