//! The command line's batch path: circuits compiled with `--outputs folded`.
//!
//! `prove` reads a batch file (the NFTs and their features) and an epoch and writes a batch
//! proof file; `verify`, `encode-calldata` and `verify-evm` recognise batch proof files by
//! their `format` field and check them with [`crate::batch::verify_batch`], write the
//! oracle's call (`submitCollectionBatch` for a batch of one collection, else `submitBatch`),
//! or run the verifier on revm and report gas per valuation.

use std::path::Path;

use serde::Deserialize;

use super::{commands::pin_error, CliError, Exit, Overwrite, Progress};
use crate::{
    artifact::{CompiledFile, KeyFile},
    batch::{BatchItem, BatchProof, BatchProofFile, BATCH_PROOF_FORMAT},
    evm::{calldata_gas, BatchCall},
    pin::{check_batch_weights, pinning},
    ProvingKey, VerifyingKey,
};

/// One NFT of a batch file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ItemJson {
    collection: String,
    token_id: String,
    features: Vec<f64>,
}

/// A batch file: `{"epoch": 7, "items": [{"collection": "0x…", "tokenId": "42", "features":
/// [..]}, ..]}`; the epoch may instead come from `--epoch`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchJson {
    #[serde(default)]
    epoch: Option<u64>,
    items: Vec<ItemJson>,
}

/// Whether the JSON file at `path` is a batch proof file (its `format` field says so).
pub(super) fn is_batch_proof(path: &Path) -> bool {
    #[derive(Deserialize)]
    struct Format {
        format: Option<String>,
    }
    std::fs::read(path)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Format>(&bytes).ok())
        .and_then(|f| f.format)
        .is_some_and(|f| f == BATCH_PROOF_FORMAT)
}

/// Parses a 20-byte `0x` address.
fn parse_address(text: &str, index: usize) -> Result<[u8; 20], CliError> {
    let bad = |why: &str| CliError::usage(format!("item {index}: collection {text:?}: {why}"));
    let digits = text
        .strip_prefix("0x")
        .ok_or_else(|| bad("expected 0x-prefixed hex"))?;
    let bytes = hex::decode(digits).map_err(|e| bad(&e.to_string()))?;
    bytes.try_into().map_err(|_| bad("expected 20 bytes"))
}

/// Parses a token id: decimal, or `0x` hex of at most 32 bytes; big-endian.
fn parse_token_id(text: &str, index: usize) -> Result<[u8; 32], CliError> {
    let bad = |why: String| CliError::usage(format!("item {index}: tokenId {text:?}: {why}"));
    let mut word = [0u8; 32];
    if let Some(digits) = text.strip_prefix("0x") {
        let padded = if digits.len() % 2 == 1 {
            format!("0{digits}")
        } else {
            digits.to_owned()
        };
        let bytes = hex::decode(&padded).map_err(|e| bad(e.to_string()))?;
        if bytes.len() > 32 {
            return Err(bad("more than 32 bytes".into()));
        }
        word[32 - bytes.len()..].copy_from_slice(&bytes);
        return Ok(word);
    }
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad("expected a decimal number or 0x-prefixed hex".into()));
    }
    // Decimal into a 256-bit big-endian word: word = word * 10 + digit.
    for digit in text.bytes().map(|b| u16::from(b - b'0')) {
        let mut carry = digit;
        for byte in word.iter_mut().rev() {
            let value = u16::from(*byte) * 10 + carry;
            *byte = (value & 0xff) as u8;
            carry = value >> 8;
        }
        if carry != 0 {
            return Err(bad("does not fit in 256 bits".into()));
        }
    }
    Ok(word)
}

/// Reads a batch file into items and its epoch (`--epoch` wins over the file's).
fn read_batch(path: &Path, epoch: Option<u64>) -> Result<(Vec<BatchItem>, u64), CliError> {
    let file: BatchJson = super::commands::read_json(
        path,
        "a batch file {\"epoch\": N, \"items\": [{\"collection\", \"tokenId\", \"features\"}]}",
    )?;
    let epoch = epoch.or(file.epoch).ok_or_else(|| {
        CliError::usage("a batch proof needs an epoch: give --epoch or an \"epoch\" field")
    })?;
    let items = file
        .items
        .into_iter()
        .enumerate()
        .map(|(index, item)| {
            Ok(BatchItem {
                collection: parse_address(&item.collection, index)?,
                token_id: parse_token_id(&item.token_id, index)?,
                features: item.features,
            })
        })
        .collect::<Result<Vec<_>, CliError>>()?;
    Ok((items, epoch))
}

/// `prove` for a folded-output circuit: one proof for the batch file's items at `epoch`.
pub(super) fn prove(
    pk: &ProvingKey,
    meta: &KeyFile,
    batch_path: &Path,
    epoch: Option<u64>,
    output: &Path,
    overwrite: &Overwrite,
    progress: &Progress,
) -> Result<(), CliError> {
    let (items, epoch) = read_batch(batch_path, epoch)?;
    let proof = progress
        .step("proving the batch", || pk.prove_batch(&items, epoch))
        .map_err(super::commands::library_error)?;
    let file = BatchProofFile {
        proof,
        model_digest: meta.model_digest,
        srs_digest: meta.srs_digest,
    };
    let prices = file
        .proof
        .prices(pk.verifying_key())
        .map_err(|e| CliError::new(Exit::Failure, e.to_string()))?;
    super::commands::write_output(output, file.to_json().as_bytes(), overwrite)?;
    println!(
        "batch proof {} ({} bytes): {} valuations at epoch {epoch}, binding 0x{}, prices {:?}",
        output.display(),
        file.proof.bytes.len(),
        prices.len(),
        hex::encode(file.proof.binding()),
        prices
    );
    Ok(())
}

/// Reads a batch proof file and checks it belongs to the key.
fn read_proof(meta: &KeyFile, path: &Path) -> Result<BatchProofFile, CliError> {
    let file = BatchProofFile::read(path)?;
    file.check_key(meta)?;
    Ok(file)
}

/// `verify` for a batch proof file, with the same pins as a single proof.
pub(super) fn verify(
    (meta, vk): (&KeyFile, &VerifyingKey),
    proof_path: &Path,
    model: Option<&CompiledFile>,
    commitment: Option<crate::Binding>,
    progress: &Progress,
) -> Result<(), CliError> {
    let file = read_proof(meta, proof_path)?;
    progress
        .step("verifying the batch", || vk.verify_batch(&file.proof))
        .map_err(|e| pin_error(e.into()))?;
    let pins = super::commands::model_pins(model, commitment);
    for pin in &pins {
        check_batch_weights(vk, &file.proof, pin).map_err(pin_error)?;
    }
    let prices = file
        .proof
        .prices(vk)
        .map_err(|e| CliError::new(Exit::Failure, e.to_string()))?;
    println!(
        "batch proof verified: model {}, {} valuations at epoch {}, binding 0x{}, prices {:?}",
        meta.model_digest.short(),
        prices.len(),
        file.proof.epoch,
        hex::encode(file.proof.binding()),
        prices
    );
    if pins.is_empty() {
        println!("note: {}", pinning(vk.visibility().weights));
    }
    Ok(())
}

/// The generated verifier's calldata for a batch proof: `[c, commitments.., D]` words, then
/// the proof bytes.
fn verifier_calldata(proof: &BatchProof) -> Result<Vec<u8>, CliError> {
    let instance = proof
        .instance()
        .map_err(|e| CliError::usage(format!("batch proof: {e}")))?;
    let mut calldata: Vec<u8> = instance.concat();
    calldata.extend_from_slice(&proof.bytes);
    Ok(calldata)
}

/// Parses `--attestation`: a `0x`-prefixed hex signature (65 bytes: r, s, v), or empty.
fn parse_attestation(text: Option<&str>) -> Result<Vec<u8>, CliError> {
    let Some(text) = text else {
        return Ok(Vec::new());
    };
    let digits = text
        .strip_prefix("0x")
        .ok_or_else(|| CliError::usage("--attestation: expected 0x-prefixed hex"))?;
    let bytes = hex::decode(digits).map_err(|e| CliError::usage(format!("--attestation: {e}")))?;
    if bytes.len() != 65 {
        return Err(CliError::usage(format!(
            "--attestation: a signature is 65 bytes (r, s, v), got {}",
            bytes.len()
        )));
    }
    Ok(bytes)
}

/// `encode-calldata` for a batch proof file: the oracle's `submitCollectionBatch` call for a
/// batch of one collection (unless `submit_batch`), its `submitBatch` call otherwise, or,
/// with `verifier_only`, the generated verifier's raw calldata.
pub(super) fn encode_calldata(
    proof_path: &Path,
    attestation: Option<&str>,
    (verifier_only, submit_batch): (bool, bool),
) -> Result<(String, String), CliError> {
    let file = BatchProofFile::read(proof_path)?;
    let (calldata, what) = if verifier_only {
        (verifier_calldata(&file.proof)?, "verifier calldata")
    } else {
        let attestation = parse_attestation(attestation)?;
        let call = BatchCall::from_proof(&file.proof, &attestation);
        match call.collection_calldata() {
            Some(calldata) if !submit_batch => (calldata, "submitCollectionBatch calldata"),
            _ => (call.calldata(), "submitBatch calldata"),
        }
    };
    Ok((format!("0x{}", hex::encode(calldata)), what.to_owned()))
}

/// `verify-evm` for a batch proof file: compiles and deploys the verifier on revm, calls it,
/// and prints the total gas and the gas per valuation.
pub(super) fn verify_evm(
    (meta, vk): (&KeyFile, &VerifyingKey),
    proof_path: &Path,
    progress: &Progress,
) -> Result<(), CliError> {
    let file = read_proof(meta, proof_path)?;
    let calldata = verifier_calldata(&file.proof)?;
    let verifier = progress
        .step("compiling the verifier", || {
            crate::evm::compile_verifier(vk, &crate::evm::Solc::default())
        })
        .map_err(super::commands::evm_error)?;
    let mut evm = crate::evm::LocalEvm::new();
    let address = evm
        .deploy(&verifier.contract, &[])
        .map_err(super::commands::evm_error)?;
    let outcome = evm
        .call(address, calldata.clone())
        .map_err(super::commands::evm_error)?;
    if !outcome.is_success() {
        return Err(CliError::new(
            Exit::Rejected,
            format!(
                "batch proof REJECTED by the EVM verifier ({:?})",
                outcome.status
            ),
        ));
    }
    let n = file.proof.collections.len().max(1) as u64;
    println!(
        "batch proof verified on the EVM (revm, {}): model {}, {n} valuations, verifier {} bytes, call {} gas ({} of it calldata), {} gas per valuation",
        crate::evm::HARDFORK,
        meta.model_digest.short(),
        verifier.contract.deployed_size(),
        outcome.gas_used,
        calldata_gas(&calldata),
        outcome.gas_used.div_ceil(n)
    );
    println!(
        "note: the oracle's submitBatch also checks the binding, the epoch, the attestation and the model pin, and stores the prices (see `encode-calldata`)"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_ids_parse_as_decimal_or_hex() {
        let id = parse_token_id("258", 0).unwrap();
        assert_eq!(&id[30..], &[1, 2]);
        assert!(id[..30].iter().all(|&b| b == 0));
        assert_eq!(parse_token_id("0x102", 0).unwrap(), id);
        let max = "115792089237316195423570985008687907853269984665640564039457584007913129639935";
        assert_eq!(parse_token_id(max, 0).unwrap(), [0xff; 32]);
        assert!(parse_token_id(&format!("{max}0"), 0).is_err());
        assert!(parse_token_id("-1", 0).is_err());
        assert!(parse_token_id("", 0).is_err());
        assert!(parse_token_id(&format!("0x{}", "00".repeat(33)), 0).is_err());
    }

    #[test]
    fn addresses_are_twenty_bytes() {
        assert_eq!(
            parse_address(&format!("0x{}", "ab".repeat(20)), 0).unwrap(),
            [0xab; 20]
        );
        assert!(parse_address(&format!("0x{}", "ab".repeat(19)), 0).is_err());
        assert!(parse_address("ab", 0).is_err());
    }

    #[test]
    fn attestations_are_65_bytes_or_absent() {
        assert!(parse_attestation(None).unwrap().is_empty());
        assert_eq!(
            parse_attestation(Some(&format!("0x{}", "11".repeat(65))))
                .unwrap()
                .len(),
            65
        );
        assert!(parse_attestation(Some(&format!("0x{}", "11".repeat(64)))).is_err());
    }
}
