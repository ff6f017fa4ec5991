//! Generating the Solidity verifier of a [`VerifyingKey`] with snark-verifier.
//!
//! The body is `snark_verifier_sdk::evm::gen_evm_verifier_sol_code` for SHPLONK with no
//! accumulator: the key is compiled into a PLONK protocol, and the verifier is run once over
//! snark-verifier's [`EvmLoader`], which records every step as Yul inside a Solidity
//! contract (`Halo2Verifier`, a `fallback` that returns nothing on success and reverts
//! otherwise).
//!
//! Three changes are made to snark-verifier's output so that the EVM accepts exactly what
//! [`crate::verify`] accepts, and rejects it cleanly:
//! - every 32-byte scalar read from calldata (public inputs and proof evaluations) must be
//!   below the scalar modulus `r`; snark-verifier reduces it mod `r` instead, which would let
//!   `x + r` stand in for a public input `x`;
//! - the calldata must be exactly as long as the instances plus the proof; snark-verifier
//!   ignores trailing bytes;
//! - a proof point that is not on the curve reverts at once; snark-verifier only records the
//!   failure and goes on, and the BN254 precompiles then burn all the gas they are given on
//!   the invalid point, so a rejection would cost the caller its whole gas limit.

use std::{
    panic::{catch_unwind, AssertUnwindSafe},
    rc::Rc,
};

use halo2_proofs::{
    halo2curves::bn256::{Fq, Fr},
    poly::commitment::ParamsProver,
};
use snark_verifier_sdk::{
    snark_verifier::{
        loader::evm::EvmLoader,
        system::halo2::{compile, transcript::evm::EvmTranscript, Config},
        verifier::SnarkVerifier,
    },
    PlonkVerifier, SHPLONK,
};

use super::error::EvmError;
use crate::keys::VerifyingKey;

/// Name of the generated verifier contract.
pub const VERIFIER_CONTRACT: &str = "Halo2Verifier";

/// The Solidity source of a verifier for one verifying key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SolidityVerifier {
    source: String,
    num_instances: usize,
    calldata_len: usize,
}

impl SolidityVerifier {
    /// Generates the verifier of `vk`.
    ///
    /// # Errors
    /// [`EvmError::Codegen`] if snark-verifier fails on this key or its output does not have
    /// the expected shape.
    pub fn generate(vk: &VerifyingKey) -> Result<Self, EvmError> {
        let num_instances = vk.instance_len();
        let raw = catch_unwind(AssertUnwindSafe(|| snark_verifier_code(vk, num_instances)))
            .map_err(|_| {
                EvmError::Codegen("snark-verifier panicked while generating the verifier".into())
            })??;
        let (source, calldata_len) = harden(&raw, num_instances)?;
        Ok(Self {
            source,
            num_instances,
            calldata_len,
        })
    }

    /// The Solidity source (contract [`VERIFIER_CONTRACT`], `pragma solidity 0.8.19`).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Number of public instances the verifier reads ([`VerifyingKey::instance_len`]).
    pub fn num_instances(&self) -> usize {
        self.num_instances
    }

    /// Exact calldata length the verifier accepts, in bytes.
    pub fn calldata_len(&self) -> usize {
        self.calldata_len
    }

    /// Proof length the verifier accepts, in bytes.
    pub fn proof_len(&self) -> usize {
        self.calldata_len - 32 * self.num_instances
    }

    /// The precompile calls the verifier makes. Its code has no loops or branches around
    /// them, so each call in the source runs exactly once per verification.
    pub fn precompile_calls(&self) -> PrecompileCalls {
        let mut calls = PrecompileCalls::default();
        for (position, _) in self.source.match_indices("staticcall(gas(), ") {
            let mut args = self.source[position + "staticcall(gas(), ".len()..]
                .split(',')
                .map(str::trim);
            let address = args.next().unwrap_or_default();
            let input_len = args
                .nth(1)
                .and_then(|len| usize::from_str_radix(len.trim_start_matches("0x"), 16).ok())
                .unwrap_or_default();
            match address {
                "0x5" => calls.mod_exp += 1,
                "0x6" => calls.ec_add += 1,
                "0x7" => calls.ec_mul += 1,
                "0x8" => {
                    calls.pairings += 1;
                    calls.pairing_pairs += input_len / 192;
                }
                _ => {}
            }
        }
        calls
    }
}

/// How many times a verifier calls each precompile, and what the fixed-price ones cost.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PrecompileCalls {
    /// `0x05` modexp (field inversions).
    pub mod_exp: usize,
    /// `0x06` BN254 point addition (150 gas each, EIP-1108).
    pub ec_add: usize,
    /// `0x07` BN254 scalar multiplication (6,000 gas each, EIP-1108).
    pub ec_mul: usize,
    /// `0x08` BN254 pairing checks.
    pub pairings: usize,
    /// Pairs over all pairing checks (45,000 gas per check plus 34,000 per pair, EIP-1108).
    pub pairing_pairs: usize,
}

impl PrecompileCalls {
    /// Gas of the elliptic-curve precompiles (additions, multiplications, pairings), at
    /// EIP-1108 prices, which Osaka keeps.
    pub fn curve_gas(&self) -> u64 {
        (150 * self.ec_add
            + 6_000 * self.ec_mul
            + 45_000 * self.pairings
            + 34_000 * self.pairing_pairs) as u64
    }
}

/// The unmodified output of snark-verifier for `vk`.
fn snark_verifier_code(vk: &VerifyingKey, num_instances: usize) -> Result<String, EvmError> {
    let params = vk.params();
    let config = Config::kzg()
        .with_num_instance(vec![num_instances])
        .with_accumulator_indices(None);
    let protocol = compile(params, vk.halo2(), config);
    // The KZG deciding key: [1]_1, [1]_2, [s]_2.
    let dk = (params.get_g()[0], params.g2(), params.s_g2()).into();

    let loader = EvmLoader::new::<Fq, Fr>();
    let protocol = protocol.loaded(&loader);
    let mut transcript = EvmTranscript::<_, Rc<EvmLoader>, _, _>::new(&loader);
    let instances = transcript.load_instances(vec![num_instances]);
    let codegen =
        |e: snark_verifier_sdk::snark_verifier::Error| EvmError::Codegen(format!("{e:?}"));
    let proof = PlonkVerifier::<SHPLONK>::read_proof(&dk, &protocol, &instances, &mut transcript)
        .map_err(codegen)?;
    PlonkVerifier::<SHPLONK>::verify(&dk, &protocol, &instances, &proof).map_err(codegen)?;
    Ok(loader.solidity_code())
}

/// How snark-verifier records the on-curve check of a point read from calldata.
const VALIDATE_POINT: &str = "success := and(validate_ec_point(x, y), success)";

/// Adds the canonical-scalar, calldata-length and early point checks; returns the source and the
/// calldata length.
fn harden(raw: &str, num_instances: usize) -> Result<(String, usize), EvmError> {
    // The verifier reads calldata at constant offsets only; the last word read ends it.
    let mut calldata_end = 0usize;
    for line in raw.lines() {
        for offset in calldataload_offsets(line)? {
            calldata_end = calldata_end.max(offset + 32);
        }
    }
    if calldata_end < 32 * num_instances {
        return Err(EvmError::Codegen(format!(
            "the verifier reads only {calldata_end} bytes of calldata"
        )));
    }

    let mut out = String::with_capacity(raw.len() + 64 * 1024);
    let (mut scalar_reads, mut point_reads, mut length_check_added) = (0usize, 0usize, false);
    for line in raw.lines() {
        let trimmed = line.trim();
        let indent = &line[..line.len() - line.trim_start().len()];
        if let Some((ptr, offset)) = parse_scalar_read(trimmed) {
            // Was `mstore(ptr, mod(calldataload(offset), f_q))`: reject instead of reducing.
            out.push_str(&format!(
                "{indent}{{ let v := calldataload({offset}) if iszero(lt(v, f_q)) {{ revert(0, 0) }} mstore({ptr}, v) }}\n"
            ));
            scalar_reads += 1;
        } else if trimmed == VALIDATE_POINT {
            out.push_str(&format!(
                "{indent}if iszero(validate_ec_point(x, y)) {{ revert(0, 0) }}\n"
            ));
            point_reads += 1;
        } else {
            out.push_str(line);
            out.push('\n');
            if trimmed == "let success := true" {
                out.push_str(&format!(
                    "{indent}if iszero(eq(calldatasize(), {calldata_end:#x})) {{ revert(0, 0) }}\n"
                ));
                length_check_added = true;
            }
        }
    }
    if !length_check_added
        || scalar_reads < num_instances
        || point_reads == 0
        || out.contains("mod(calldataload(")
        || out.contains(VALIDATE_POINT)
    {
        return Err(EvmError::Codegen(format!(
            "snark-verifier's output changed shape (length check placed: {length_check_added}, {scalar_reads} scalar reads for {num_instances} instances, {point_reads} point reads)"
        )));
    }
    Ok((out, calldata_end))
}

/// Parses `mstore(PTR, mod(calldataload(OFFSET), f_q))` into `(PTR, OFFSET)`.
fn parse_scalar_read(line: &str) -> Option<(&str, &str)> {
    let inner = line.strip_prefix("mstore(")?.strip_suffix(", f_q))")?;
    let (ptr, read) = inner.split_once(", mod(calldataload(")?;
    let offset = read.strip_suffix(')')?;
    let hex = |s: &str| {
        s.strip_prefix("0x")
            .is_some_and(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit()))
    };
    (hex(ptr) && hex(offset)).then_some((ptr, offset))
}

/// Every constant offset passed to `calldataload` on a line.
fn calldataload_offsets(line: &str) -> Result<Vec<usize>, EvmError> {
    let mut offsets = Vec::new();
    for (position, _) in line.match_indices("calldataload(") {
        let rest = &line[position + "calldataload(".len()..];
        let argument = rest.split(')').next().unwrap_or_default();
        let offset = argument
            .strip_prefix("0x")
            .and_then(|h| usize::from_str_radix(h, 16).ok())
            .ok_or_else(|| {
                EvmError::Codegen(format!(
                    "unexpected calldata read `calldataload({argument})`"
                ))
            })?;
        offsets.push(offset);
    }
    Ok(offsets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalar_reads_are_parsed_exactly() {
        assert_eq!(
            parse_scalar_read("mstore(0xa0, mod(calldataload(0x20), f_q))"),
            Some(("0xa0", "0x20"))
        );
        assert_eq!(
            parse_scalar_read("mstore(0xa0, mod(calldataload(x), f_q))"),
            None
        );
        assert_eq!(
            parse_scalar_read("mstore(0xa0, mulmod(mload(0x20), 2, f_q))"),
            None
        );
    }

    #[test]
    fn hardening_rejects_non_canonical_scalars_and_fixes_the_length() {
        let raw = "            let success := true\n            mstore(0xa0, mod(calldataload(0x0), f_q))\n        {\n            let x := calldataload(0x20)\n            let y := calldataload(0x40)\n            success := and(validate_ec_point(x, y), success)\n        }\n";
        let (code, len) = harden(raw, 1).unwrap();
        assert_eq!(len, 0x60);
        assert!(code.contains("if iszero(eq(calldatasize(), 0x60)) { revert(0, 0) }"));
        assert!(code.contains(
            "{ let v := calldataload(0x0) if iszero(lt(v, f_q)) { revert(0, 0) } mstore(0xa0, v) }"
        ));
        assert!(!code.contains("mod(calldataload"));
        assert!(code.contains("            if iszero(validate_ec_point(x, y)) { revert(0, 0) }\n"));
    }

    #[test]
    fn precompile_calls_are_counted() {
        let source =
            "success := and(eq(staticcall(gas(), 0x7, 0x0, 0x60, 0x0, 0x40), 1), success)\n\
            success := and(eq(staticcall(gas(), 0x7, 0x0, 0x60, 0x0, 0x40), 1), success)\n\
            success := and(eq(staticcall(gas(), 0x6, 0x0, 0x80, 0x0, 0x40), 1), success)\n\
            success := and(eq(staticcall(gas(), 0x8, 0x0, 0x180, 0x0, 0x20), 1), success)\n";
        let verifier = SolidityVerifier {
            source: source.into(),
            num_instances: 1,
            calldata_len: 32,
        };
        let calls = verifier.precompile_calls();
        assert_eq!(
            calls,
            PrecompileCalls {
                mod_exp: 0,
                ec_add: 1,
                ec_mul: 2,
                pairings: 1,
                pairing_pairs: 2
            }
        );
        assert_eq!(calls.curve_gas(), 150 + 12_000 + 45_000 + 68_000);
    }

    #[test]
    fn unexpected_shapes_are_errors() {
        assert!(harden("mstore(0xa0, mod(calldataload(0x0), f_q))\n", 1).is_err());
        assert!(harden("let success := true\n", 1).is_err());
        assert!(calldataload_offsets("let x := calldataload(add(p, 1))").is_err());
    }
}
