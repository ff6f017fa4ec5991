//! The SRS file reader and the snarkjs `.ptau` reader on arbitrary bytes: they must return,
//! never panic (nor allocate what the bytes merely claim).
#![no_main]

use std::io::Cursor;

use libfuzzer_sys::fuzz_target;
use zkmlp::{srs::ptau, Srs};

fuzz_target!(|data: &[u8]| {
    let _ = Srs::from_bytes(data);
    let _ = ptau::read_header(&mut Cursor::new(data));
    let _ = ptau::read_ptau(&mut Cursor::new(data), None);
    let _ = ptau::read_ptau(&mut Cursor::new(data), Some(2));
});
