//! Wash-trade detection with a proof: a classifier scores an NFT sale as wash / not wash, and a
//! zero-knowledge proof shows that the committed model gave that score to that sale.
//!
//! 1. A synthetic but realistic dataset of NFT sales (round trips between the same wallets,
//!    price against the collection floor, time since the previous sale, funding-source overlap
//!    of buyer and seller, wallet age, ...), 30% of them wash trades.
//! 2. A classifier trained in Rust ([`zkmlp::train::train_classifier`]: ReLU hidden layers,
//!    sigmoid output, logistic loss), its standardization folded into the first layer.
//! 3. The circuit proves `p(wash)`, the sigmoid included (a table lookup on a grid of
//!    `2^-6`, see `zkmlp_circuits::chips::squash`). One wash and one genuine sale are proven,
//!    each bound to its sale (`evm::sale_binding`), and verified natively.
//! 4. On an in-process EVM, when solc-js is installed (`npm ci`): the generated verifier, the
//!    `WashTradeRegistry` (`contracts/WashTradeRegistry.sol`), which records each sale's
//!    proven verdict, and the `CleanSaleFeed` consumer, which counts the genuine sale and
//!    refuses the flagged one, as a valuation oracle would.
//!
//! The SRS is an UNSAFE seeded one, for this example only.
//!
//! `cargo run --release --example wash_trade_proof`

use std::time::Instant;

use ndarray::{Array1, Array2};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use zkmlp::{
    evm::{
        abi_encode, address_word, compile_registry, compile_verifier, decode_uint,
        flag_sale_calldata, record_sale_calldata, registry_constructor_args, sale_binding,
        AbiValue, LocalEvm, Solc, Word,
    },
    quantize::{dequantize, quantize, quantize_input, reference_forward},
    train::{train_classifier, Standardizer, TrainConfig},
    CompiledModel, MlpParams, Proof, ProvingKey, Srs,
};

/// The features of one sale, in model order.
const FEATURES: [&str; 8] = [
    "round trips between buyer and seller (30 days)",
    "ln(price / collection floor)",
    "ln(1 + hours since the token's previous sale)",
    "share of funding sources buyer and seller share",
    "ln(1 + buyer wallet age in days)",
    "seller bought this token from the buyer before",
    "sold on a zero-fee marketplace",
    "ln(1 + distinct counterparties of the buyer)",
];

/// One sale: features and whether it was a wash trade.
struct Sale {
    features: Vec<f64>,
    wash: bool,
}

/// Draws `n` sales; wash trades cycle a token between related wallets (many round trips,
/// shared funding, young wallets, inflated prices, quick resales, zero-fee venues), genuine
/// sales mostly do not. Every feature overlaps between the classes, as on chain.
fn sales(n: usize, seed: u64) -> Vec<Sale> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let normal = |rng: &mut ChaCha8Rng, mean: f64, sd: f64| {
        // Box-Muller.
        let (u, v): (f64, f64) = (rng.gen_range(1e-12..1.0), rng.gen());
        mean + sd * (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    };
    (0..n)
        .map(|_| {
            let wash = rng.gen_bool(0.3);
            let flag = |rng: &mut ChaCha8Rng, p: f64| f64::from(u8::from(rng.gen_bool(p)));
            let features = if wash {
                vec![
                    if rng.gen_bool(0.45) {
                        0.0
                    } else {
                        f64::from(rng.gen_range(1..=5))
                    },
                    normal(&mut rng, 0.35, 0.6),
                    (1.0 + rng.gen_range(0.1..400.0f64)).ln(),
                    if rng.gen_bool(0.55) {
                        rng.gen_range(0.2..1.0)
                    } else {
                        rng.gen_range(0.0..0.3)
                    },
                    (1.0 + rng.gen_range(1.0..500.0f64)).ln(),
                    flag(&mut rng, 0.4),
                    flag(&mut rng, 0.5),
                    (1.0 + rng.gen_range(1.0..40.0f64)).ln(),
                ]
            } else {
                vec![
                    if rng.gen_bool(0.8) {
                        0.0
                    } else {
                        f64::from(rng.gen_range(1..=2))
                    },
                    normal(&mut rng, 0.0, 0.4),
                    (1.0 + rng.gen_range(2.0..2000.0f64)).ln(),
                    if rng.gen_bool(0.9) {
                        rng.gen_range(0.0..0.2)
                    } else {
                        rng.gen_range(0.1..0.6)
                    },
                    (1.0 + rng.gen_range(5.0..1500.0f64)).ln(),
                    flag(&mut rng, 0.05),
                    flag(&mut rng, 0.3),
                    (1.0 + rng.gen_range(2.0..300.0f64)).ln(),
                ]
            };
            // Mislabelled sales: investigations miss some wash trades.
            let wash = wash && !rng.gen_bool(0.03);
            Sale { features, wash }
        })
        .collect()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let start = Instant::now();
    let data = sales(2000, 2026);
    let (train, test) = data.split_at(1600);
    let x = Array2::from_shape_fn((train.len(), FEATURES.len()), |(i, j)| train[i].features[j]);
    let y = Array1::from_iter(train.iter().map(|s| f64::from(u8::from(s.wash))));
    println!(
        "dataset: {} sales ({} train, {} test), {:.0}% wash trades; features:",
        data.len(),
        train.len(),
        test.len(),
        100.0 * data.iter().filter(|s| s.wash).count() as f64 / data.len() as f64
    );
    for name in FEATURES {
        println!("  - {name}");
    }

    // Train on standardized features, then fold the standardization into the first layer.
    let standardizer = Standardizer::fit(&x);
    let cfg = TrainConfig {
        hidden: vec![16, 8],
        epochs: 60,
        ..TrainConfig::default()
    };
    let (model, stats) = train_classifier(&standardizer.transform(&x), &y, &cfg)?;
    let model = standardizer.fold_into(&model);
    println!(
        "trained 8-16-8-1 (ReLU, sigmoid) in {:.1?}: train Brier score {:.4}",
        start.elapsed(),
        stats.final_train_mse
    );

    // Accuracy of the float model and of the fixed-point model the circuit proves.
    let params = MlpParams::default();
    let quantized = quantize(&model, params)?;
    let (mut float_right, mut fixed_right, mut agree, mut max_dp) = (0, 0, 0, 0.0f64);
    for sale in test {
        let p_float = model.forward(&sale.features)?[0];
        let p_q = reference_forward(&quantized, &quantize_input(params, &sale.features)?)?[0];
        let p_fixed = dequantize(params, p_q);
        float_right += usize::from((p_float > 0.5) == sale.wash);
        fixed_right += usize::from((p_fixed > 0.5) == sale.wash);
        agree += usize::from((p_float > 0.5) == (p_fixed > 0.5));
        max_dp = max_dp.max((p_float - p_fixed).abs());
    }
    let pct = |n: usize| 100.0 * n as f64 / test.len() as f64;
    println!(
        "test accuracy: float {:.1}%, fixed point {:.1}%; verdicts agree on {:.1}%; max |p_float - p_fixed| = {max_dp:.2e}",
        pct(float_right),
        pct(fixed_right),
        pct(agree)
    );

    let compiled = CompiledModel::new(quantized)?;
    let shape = compiled.stats();
    println!(
        "circuit: k = {}, {} rows used, {} advice columns",
        shape.k, shape.rows_used, shape.advice_columns
    );
    let t = Instant::now();
    // UNSAFE seeded setup: anyone who knows the seed can forge proofs. Examples only.
    let srs = Srs::unsafe_setup_for_testing(compiled.k(), 13);
    let pk = ProvingKey::generate(&srs, &compiled)?;
    println!("keygen: {:.1?}", t.elapsed());

    let mut proofs: Vec<(Word, Proof)> = Vec::new();
    for (label, want_wash) in [("wash", true), ("genuine", false)] {
        let (index, sale) = (test.iter().enumerate())
            .find(|(_, s)| {
                s.wash == want_wash && (model.forward(&s.features).unwrap()[0] > 0.5) == want_wash
            })
            .ok_or("no such sale in the test set")?;
        // The sale's id, as the registry and its consumers key sales (here: its index).
        let mut sale_id = [0u8; 32];
        sale_id[24..].copy_from_slice(&(index as u64).to_be_bytes());
        let t = Instant::now();
        let proof = pk.prove_bound(&sale.features, sale_binding(sale_id))?;
        let proving = t.elapsed();
        let t = Instant::now();
        zkmlp::verify(pk.verifying_key(), &proof)?;
        let p = proof.decoded_outputs()[0];
        println!(
            "{label} sale #{index}: proven p(wash) = {p:.4} -> {}; float p = {:.4}; proof {} bytes, proved in {proving:.1?}, verified natively in {:.1?}",
            if p > 0.5 { "WASH" } else { "not wash" },
            model.forward(&sale.features)?[0],
            proof.bytes.len(),
            t.elapsed()
        );
        proofs.push((sale_id, proof));
    }

    // On chain: the generated verifier, the registry and its consumer (needs `npm ci`).
    let solc = Solc::default();
    match compile_verifier(pk.verifying_key(), &solc) {
        Ok(verifier) => on_chain(&verifier, &solc, &proofs, params.scale_bits)?,
        Err(e) => println!("EVM step skipped ({e}); run `npm ci` at the repository root"),
    }
    println!("total: {:.1?}", start.elapsed());
    Ok(())
}

/// Deploys the verifier, a `WashTradeRegistry` and a `CleanSaleFeed` on revm, records each
/// proven verdict, and shows the feed refusing the flagged sale and counting the genuine one.
fn on_chain(
    verifier: &zkmlp::evm::CompiledVerifier,
    solc: &Solc,
    proofs: &[(Word, Proof)],
    scale_bits: u32,
) -> Result<(), Box<dyn std::error::Error>> {
    let (registry_code, feed_code) = compile_registry(solc)?;
    let mut evm = LocalEvm::new();
    let verifier_address = evm.deploy(&verifier.contract, &[])?;
    let operator = [0u8; 20];
    let args = registry_constructor_args(
        verifier_address,
        verifier.solidity.num_instances(),
        1 << (scale_bits - 1),
        &[operator],
    );
    let registry = evm.deploy(&registry_code, &args)?;
    let feed = evm.deploy(
        &feed_code,
        &abi_encode(&[AbiValue::Word(address_word(&registry))]),
    )?;
    println!(
        "EVM: verifier {} bytes, registry {} bytes, feed {} bytes",
        verifier.contract.deployed_size(),
        registry_code.deployed_size(),
        feed_code.deployed_size()
    );
    let collection = [0x5a; 20];
    for (sale_id, proof) in proofs {
        let flagged = evm.call(registry, flag_sale_calldata(*sale_id, proof))?;
        if !flagged.is_success() {
            return Err(format!("flagSale reverted: {flagged:?}").into());
        }
        let wash = decode_uint(&flagged.output) == Some(1);
        let recorded = evm.call(
            feed,
            record_sale_calldata(collection, *sale_id, 2_000_000_000),
        )?;
        println!(
            "  flagSale(sale {}): verdict {} ({} gas); CleanSaleFeed.recordSale: {}",
            u64::from_be_bytes(sale_id[24..].try_into()?),
            if wash { "WASH" } else { "genuine" },
            flagged.gas_used,
            if recorded.is_success() {
                "counted".to_string()
            } else {
                format!(
                    "refused (0x{})",
                    hex::encode(&recorded.output[..4.min(recorded.output.len())])
                )
            }
        );
        if recorded.is_success() == wash {
            return Err("the feed must count exactly the genuine sales".into());
        }
    }
    // A proof bound to one sale cannot flag another.
    let (_, proof) = &proofs[0];
    let replay = evm.call(registry, flag_sale_calldata([0xee; 32], proof))?;
    println!(
        "  the wash proof offered for another sale: {}",
        if replay.is_success() {
            "ACCEPTED (bug)"
        } else {
            "reverted (BindingMismatch)"
        }
    );
    if replay.is_success() {
        return Err("a proof for one sale flagged another".into());
    }
    Ok(())
}
