//! `--modes`: the trained valuation model under every visibility setting worth comparing, with
//! the circuit size and the time of each step, as one table.

use std::time::Instant;

use zkmlp::{CompiledModel, ProvingKey, QuantizedMlp, Srs, Visibility, VisibilitySettings};

/// The settings the table compares: the default, then each part made private or hashed.
fn settings() -> Vec<(&'static str, VisibilitySettings)> {
    use Visibility::{Fixed, Hashed, Private, Public};
    let v = |inputs, weights, outputs| VisibilitySettings {
        inputs,
        weights,
        outputs,
    };
    vec![
        (
            "public / fixed / public (default)",
            v(Public, Fixed, Public),
        ),
        (
            "public / hashed / public (private model)",
            v(Public, Hashed, Public),
        ),
        ("public / private / public", v(Public, Private, Public)),
        ("public / public / public", v(Public, Public, Public)),
        ("hashed / fixed / public", v(Hashed, Fixed, Public)),
        ("private / fixed / public", v(Private, Fixed, Public)),
        ("public / fixed / hashed", v(Public, Fixed, Hashed)),
        ("hashed / hashed / hashed", v(Hashed, Hashed, Hashed)),
    ]
}

/// Prints one row per setting: k, advice columns, instances, keygen, prove, verify, proof size.
pub fn print_table(
    quantized: &QuantizedMlp,
    features: &[f64],
) -> Result<(), Box<dyn std::error::Error>> {
    println!(
        "visibility modes of the valuation model (SRS: UNSAFE seeded setup, for testing only)"
    );
    println!(
        "| inputs / weights / outputs | k | advice | instances | keygen | prove | verify | proof |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for (name, visibility) in settings() {
        let compiled = CompiledModel::with_visibility(quantized.clone(), 1, visibility)?;
        let srs = Srs::unsafe_setup_for_testing(compiled.k(), 0x5eed);
        let keygen = Instant::now();
        let pk = ProvingKey::generate(&srs, &compiled)?;
        let keygen = keygen.elapsed();
        let prove = Instant::now();
        let proof = pk.prove(features)?;
        let prove = prove.elapsed();
        let verify = Instant::now();
        zkmlp::verify(pk.verifying_key(), &proof)?;
        let verify = verify.elapsed();
        println!(
            "| {name} | {} | {} | {} | {:.0} ms | {:.0} ms | {:.1} ms | {} B |",
            compiled.k(),
            compiled.stats().advice_columns,
            pk.verifying_key().instance_len(),
            keygen.as_secs_f64() * 1e3,
            prove.as_secs_f64() * 1e3,
            verify.as_secs_f64() * 1e3,
            proof.bytes.len()
        );
    }
    Ok(())
}
