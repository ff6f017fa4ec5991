//! `onnx::load_onnx_bytes` on arbitrary bytes: it must return, never panic; a model it accepts
//! must validate and run.
//!
//! `load_onnx_bytes` runs tract under `catch_unwind`, so a panic inside tract that it catches
//! is a handled error, not a crash: the panic hook here only prints, instead of libFuzzer's
//! hook that aborts on every panic. A panic that escapes still aborts (libfuzzer-sys catches it
//! at the target's boundary and aborts), so panics in our own code are still found.
#![no_main]

use std::sync::Once;

use libfuzzer_sys::fuzz_target;
use zkmlp::onnx::load_onnx_bytes;

static HOOK: Once = Once::new();

fuzz_target!(|data: &[u8]| {
    HOOK.call_once(|| std::panic::set_hook(Box::new(|info| eprintln!("caught? {info}"))));
    if let Ok(model) = load_onnx_bytes(data) {
        model.validate().expect("an imported model validates");
        let zeros = vec![0.0; model.input_size()];
        // Huge weights may overflow to infinity (a typed error); it must not panic.
        let _ = model.forward(&zeros);
    }
});
