//! NFT valuation oracle, end to end: train a price model, quantize it, prove valuations in
//! zero knowledge and verify them.
//!
//! Run with `cargo run --release --example nft_price_proof`.
//!
//! 1. Generate a deterministic synthetic dataset of NFT sales ([`dataset`]).
//! 2. Train a float MLP (8-16-16-1, ReLU) in Rust with ndarray, fold the feature
//!    standardization into its first layer, and report its accuracy.
//! 3. Quantize it to fixed point and report the quantization error against float.
//! 4. Compile it into a halo2 circuit, generate keys from an **unsafe, seeded SRS (for
//!    testing only)**, prove the valuation of a few NFTs, each proof bound to its NFT
//!    (collection address, token id), and verify each proof.
//! 5. Generate the Solidity verifier and the `NftValuationOracle` contract, compile them with
//!    solc-js (run `npm ci` first), and submit one valuation on an in-process EVM ([`onchain`]).
//! 6. Private model: compile the same model with hashed weights (public features, public
//!    price). The verifying key no longer holds the weights; the oracle publishes a Poseidon
//!    commitment to them once, and every proof shows that the committed model produced the
//!    price. Pass `--private-model` to run only this step (after training).
//!
//! 7. Collection: N valuations of one collection (default 256, `--batch N` to change) in one
//!    proof and one transaction: hashed features signed by a (demo) data provider, folded
//!    prices, one `submitCollectionBatch` on the in-process EVM ([`collection`]). Prints
//!    `batch on-chain: <N> valuations, verifier <B> bytes, <G> gas, <g> gas per valuation`.
//!    `--collection` runs only this step (after training); `--gas-table` measures N = 16, 256
//!    and 1,024 instead, for one collection and for twelve mixed (`submitBatch`).
//!
//! `--modes` prints, after training, a table of every visibility mode for this model: k,
//! columns, keygen, prove and verify time, proof size ([`modes`]).

mod collection;
mod dataset;
mod modes;
mod onchain;

use std::time::Instant;

use ndarray::{Array1, Array2};
use zkmlp::{
    model::Mlp,
    quantize::{quantization_report, quantize},
    train::{train_regressor, Standardizer, TrainConfig},
    CompiledModel, MlpParams, ProvingKey, Srs, Visibility, VisibilitySettings,
};

/// Folds `(x - mean) / std` into the first layer, so the model takes the raw features.
fn fold_standardizer(model: &mut Mlp, standardizer: &Standardizer) {
    let first = &mut model.layers[0];
    for (row, bias) in first.weights.iter_mut().zip(first.biases.iter_mut()) {
        for ((w, mean), std) in row
            .iter_mut()
            .zip(&standardizer.mean)
            .zip(&standardizer.std)
        {
            *w /= std;
            *bias -= *w * mean;
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let start = Instant::now();
    let sales = dataset::generate(4_000, 2024);
    let (train, test) = sales.split_at(3_200);
    let to_matrix = |rows: &[dataset::NftSale]| {
        let flat: Vec<f64> = rows.iter().flat_map(dataset::model_features).collect();
        Array2::from_shape_vec((rows.len(), dataset::FEATURES), flat)
    };
    let x_train = to_matrix(train)?;
    let y_train = Array1::from_iter(train.iter().map(|s| s.sale_price_eth));
    println!(
        "dataset: {} synthetic NFT sales ({} train, {} test), features:",
        sales.len(),
        train.len(),
        test.len()
    );
    for name in dataset::FEATURE_NAMES {
        println!("  - {name}");
    }

    // Train on standardized features, then fold the standardization into the model.
    let standardizer = Standardizer::fit(&x_train);
    let config = TrainConfig {
        hidden: vec![16, 16],
        epochs: 3_000,
        learning_rate: 1e-3,
        batch_size: 64,
        seed: 7,
        weight_decay: 0.0,
    };
    let train_start = Instant::now();
    let (mut model, stats) = train_regressor(&standardizer.transform(&x_train), &y_train, &config)?;
    fold_standardizer(&mut model, &standardizer);
    println!(
        "trained an MLP {} ({} parameters) in {:.2?}: train MSE {:.4} ETH^2",
        shape(&model),
        model.parameter_count(),
        train_start.elapsed(),
        stats.final_train_mse
    );

    let test_features: Vec<Vec<f64>> = test.iter().map(dataset::model_features).collect();
    let float_mape = test
        .iter()
        .zip(&test_features)
        .map(|(sale, x)| {
            Ok((model.forward(x)?[0] - sale.sale_price_eth).abs() / sale.sale_price_eth)
        })
        .sum::<Result<f64, zkmlp::model::ModelError>>()?
        / test.len() as f64;
    println!(
        "float model on the test set: mean absolute percentage error {:.2}%",
        100.0 * float_mape
    );

    // Quantize and measure what fixed point costs.
    let params = MlpParams::default();
    let quantized = quantize(&model, params)?;
    let report = quantization_report(&model, &quantized, &test_features)?;
    println!(
        "quantized to fixed point (scale 2^-{}, activations in {} signed bits); error against float on {} test sales:",
        params.scale_bits, params.activation_bits, report.samples
    );
    println!("{report}");

    if std::env::args().any(|a| a == "--modes") {
        return modes::print_table(&quantized, &test_features[0]);
    }
    if std::env::args().any(|a| a == "--private-model") {
        return private_model(&quantized, test);
    }
    if std::env::args().any(|a| a == "--gas-table") {
        let sizes = match std::env::args().any(|a| a == "--batch") {
            true => vec![batch_size()?],
            false => vec![16, 256, 1024],
        };
        return collection::gas_table(&quantized, &sizes);
    }
    if std::env::args().any(|a| a == "--collection") {
        return collection::run(&quantized, batch_size()?);
    }

    // Compile, set up and prove.
    // Planned for the on-chain verifier: one-bit range limbs checked by a gate, no lookup.
    let objective = zkmlp::PlanObjective::Verifier;
    let visibility = zkmlp::VisibilitySettings::default();
    let compiled = CompiledModel::with_objective(quantized.clone(), 1, visibility, objective)?;
    let stats = compiled.stats();
    let range_check = match stats.lookups {
        0 => "one-bit range limbs checked by a gate (no lookup: the cheapest verifier)",
        _ => "range limbs looked up in one table",
    };
    println!(
        "circuit: k = {} ({} rows used: dot lane {}, range lane {}, table {}), {} advice columns, {range_check}",
        stats.k, stats.rows_used, stats.dot_rows, stats.range_rows, stats.table_rows, stats.advice_columns
    );
    let pk = keygen_unsafe(&compiled)?;

    let mut first_valuation = None;
    for sale in test.iter().take(4) {
        let features = dataset::model_features(sale);
        let float_price = model.forward(&features)?[0];
        let (collection, token_id) = (
            dataset::collection_address(sale.collection),
            dataset::token_id_word(sale.token_id),
        );
        let Valuation {
            proof,
            prove_time,
            verify_time,
        } = prove_valuation(&pk, &features, collection, token_id)?;
        println!(
            "NFT #{:<5} (collection {:>2}, rank {:>5}): actual {:>8.4} ETH, float model {:>8.4} ETH, proven {:>8.4} ETH | proof {} bytes, prove {:.2?}, verify {:.2?}: verified",
            sale.token_id,
            sale.collection,
            sale.rarity_rank,
            sale.sale_price_eth,
            float_price,
            proof.decoded_outputs()[0],
            proof.bytes.len(),
            prove_time,
            verify_time,
        );
        first_valuation.get_or_insert((proof, collection, token_id));
    }
    if let Some((proof, collection, token_id)) = first_valuation {
        onchain::run_onchain(&pk, &proof, collection, token_id, "")?;
    }
    private_model(&quantized, test)?;
    collection::run(&quantized, batch_size()?)?;
    println!("total: {:.2?}", start.elapsed());
    Ok(())
}

/// Valuations per batch in the collection step: `--batch N`, default 256.
fn batch_size() -> Result<usize, Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    match args.iter().position(|a| a == "--batch") {
        Some(i) => Ok(args.get(i + 1).ok_or("--batch needs a number")?.parse()?),
        None => Ok(256),
    }
}

/// Step 6: the same valuations with the model kept private behind a Poseidon commitment.
fn private_model(
    quantized: &zkmlp::QuantizedMlp,
    test: &[dataset::NftSale],
) -> Result<(), Box<dyn std::error::Error>> {
    let visibility = VisibilitySettings {
        inputs: Visibility::Public,
        weights: Visibility::Hashed,
        outputs: Visibility::Public,
    };
    // Planned for the on-chain verifier too (one-bit range limbs where they fit).
    let objective = zkmlp::PlanObjective::Verifier;
    let compiled = CompiledModel::with_objective(quantized.clone(), 1, visibility, objective)?;
    let stats = compiled.stats();
    println!(
        "private model (hashed weights, public features and price): k = {} ({} rows used, {} of them Poseidon), {} advice columns, weights range-checked to {} bits, biases to {}",
        stats.k,
        stats.rows_used,
        stats.hash_rows,
        stats.advice_columns,
        compiled.layout().weight_bits,
        compiled.layout().bias_bits
    );
    let commitment = compiled.weight_commitment();
    println!(
        "published model commitment (Poseidon): 0x{}",
        hex::encode(commitment)
    );
    let pk = keygen_unsafe(&compiled)?;
    let mut first_proof = None;
    for sale in test.iter().take(2) {
        let features = dataset::model_features(sale);
        let (collection, token_id) = (
            dataset::collection_address(sale.collection),
            dataset::token_id_word(sale.token_id),
        );
        let Valuation {
            proof,
            prove_time,
            verify_time,
        } = prove_valuation(&pk, &features, collection, token_id)?;
        if proof.public_inputs.commitments.weights != Some(commitment) {
            return Err("the proof commits to another model".into());
        }
        println!(
            "NFT #{:<5} private model: proven {:>8.4} ETH | proof {} bytes, prove {:.2?}, verify {:.2?}: verified against the published commitment",
            sale.token_id,
            proof.decoded_outputs()[0],
            proof.bytes.len(),
            prove_time,
            verify_time,
        );
        first_proof.get_or_insert((proof, collection, token_id));
    }
    if let Some((proof, collection, token_id)) = first_proof {
        onchain::run_onchain(&pk, &proof, collection, token_id, "private")?;
    }
    Ok(())
}

/// A verified proof of one valuation, with the time its proof and verification took.
struct Valuation {
    proof: zkmlp::Proof,
    prove_time: std::time::Duration,
    verify_time: std::time::Duration,
}

/// Proves the valuation of NFT `token_id` of `collection` (bound to it) and verifies it.
fn prove_valuation(
    pk: &ProvingKey,
    features: &[f64],
    collection: [u8; 20],
    token_id: [u8; 32],
) -> Result<Valuation, zkmlp::Error> {
    let binding = zkmlp::evm::nft_binding(collection, token_id);
    let prove_start = Instant::now();
    let proof = pk.prove_bound(features, binding)?;
    let prove_time = prove_start.elapsed();
    let verify_start = Instant::now();
    zkmlp::verify(pk.verifying_key(), &proof)?;
    Ok(Valuation {
        proof,
        prove_time,
        verify_time: verify_start.elapsed(),
    })
}

/// Keys from an UNSAFE seeded SRS (labelled as such in the output), with keygen's time.
fn keygen_unsafe(compiled: &CompiledModel) -> Result<ProvingKey, zkmlp::Error> {
    println!("SRS: UNSAFE seeded setup, for testing only (anyone can forge proofs against it)");
    let srs = Srs::unsafe_setup_for_testing(compiled.k(), 0x5eed);
    let keygen_start = Instant::now();
    let pk = ProvingKey::generate(&srs, compiled)?;
    println!("keygen: {:.2?}", keygen_start.elapsed());
    Ok(pk)
}

fn shape(model: &Mlp) -> String {
    let mut sizes = vec![model.input_size()];
    sizes.extend(model.layers.iter().map(|l| l.biases.len()));
    sizes
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("-")
}
