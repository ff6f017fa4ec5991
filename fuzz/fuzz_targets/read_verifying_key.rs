//! The key-file readers on arbitrary bytes: they must return, never panic.
//!
//! Each input is read as is, and again with its embedded SRS digest and trailing checksum
//! recomputed, so that mutations reach the SRS and halo2 key decoders behind the checksum.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zkmlp::{artifact::KeyFile, srs::sha256};

/// Header length, then the SRS payload's u64 length (see `zkmlp::artifact`'s key layout).
const PARAMS_AT: usize = 120;
const CHECKSUM_LEN: usize = 32;

fuzz_target!(|data: &[u8]| {
    let _ = KeyFile::decode_header(data);
    let _ = KeyFile::decode_verifying_key(data);
    if data.len() < PARAMS_AT + 8 + CHECKSUM_LEN {
        return;
    }
    let body_end = data.len() - CHECKSUM_LEN;
    let mut fixed = data[..body_end].to_vec();
    let len = u64::from_le_bytes(fixed[PARAMS_AT..PARAMS_AT + 8].try_into().unwrap());
    if let Some(end) = usize::try_from(len)
        .ok()
        .and_then(|len| (PARAMS_AT + 8).checked_add(len))
        .filter(|&end| end <= body_end)
    {
        let digest = sha256(&fixed[PARAMS_AT + 8..end]);
        fixed[48..80].copy_from_slice(&digest);
    }
    let checksum = sha256(&fixed);
    fixed.extend_from_slice(&checksum);
    let _ = KeyFile::decode_header(&fixed);
    let _ = KeyFile::decode_verifying_key(&fixed);
});
