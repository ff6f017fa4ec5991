//! `Mlp::from_json` on arbitrary bytes (as lossy UTF-8): it must return, never panic; a model
//! it accepts must validate and survive a JSON round trip.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zkmlp::model::Mlp;

fuzz_target!(|data: &[u8]| {
    let json = String::from_utf8_lossy(data);
    if let Ok(model) = Mlp::from_json(&json) {
        model.validate().expect("an accepted model validates");
        let again = Mlp::from_json(&model.to_json()).expect("an accepted model round-trips");
        assert_eq!(again.layers.len(), model.layers.len());
    }
});
