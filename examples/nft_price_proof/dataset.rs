//! A deterministic synthetic dataset of NFT sales.
//!
//! Each sale belongs to one of a few collections and records what an appraiser sees:
//!
//! | feature | meaning | range |
//! |---|---|---|
//! | `trait_rarity_score` | rarity of the token's traits, 0 (common) to 1 (rarest) | [0, 1] |
//! | `rarity_rank` | rank within the collection, 1 = rarest | 1 ..= supply |
//! | `collection_floor_eth` | the collection's floor price | 0.2 to 20 ETH |
//! | `last_sale_eth` | the token's previous sale price | ETH |
//! | `days_since_last_sale` | age of that sale | 1 to 720 days |
//! | `volume_7d_eth`, `volume_30d_eth` | collection trading volume | ETH |
//! | `owner_count` | distinct holders of the collection | 300 to 9,000 |
//!
//! The target `sale_price_eth` is the floor, scaled by a rarity premium, pulled towards the
//! token's last sale (less so as that sale ages), lifted by short-term volume momentum, with
//! multiplicative noise. The model sees log-scaled features (see [`model_features`]), because
//! prices and volumes spread over orders of magnitude.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Number of model input features.
pub const FEATURES: usize = 8;

/// Names of the model's input features, in order.
pub const FEATURE_NAMES: [&str; FEATURES] = [
    "trait_rarity_score",
    "rarity_rank / supply",
    "ln(collection_floor_eth)",
    "ln(last_sale_eth)",
    "ln(1 + days_since_last_sale)",
    "ln(1 + volume_7d_eth)",
    "ln(1 + volume_30d_eth)",
    "ln(owner_count)",
];

/// One recorded sale.
#[derive(Clone, Debug)]
pub struct NftSale {
    /// Collection index.
    pub collection: usize,
    /// Token id within the collection.
    pub token_id: u64,
    /// Trait rarity score in `[0, 1]`.
    pub trait_rarity_score: f64,
    /// Rank within the collection (1 = rarest).
    pub rarity_rank: u64,
    /// Collection supply.
    pub supply: u64,
    /// Floor price in ETH.
    pub collection_floor_eth: f64,
    /// Previous sale price in ETH.
    pub last_sale_eth: f64,
    /// Days since the previous sale.
    pub days_since_last_sale: f64,
    /// 7-day volume in ETH.
    pub volume_7d_eth: f64,
    /// 30-day volume in ETH.
    pub volume_30d_eth: f64,
    /// Distinct owners.
    pub owner_count: u64,
    /// The sale price to predict, in ETH.
    pub sale_price_eth: f64,
}

struct Collection {
    floor: f64,
    supply: u64,
    owners: u64,
    volume_30d: f64,
    momentum: f64,
}

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    // Box-Muller.
    let u1: f64 = rng.gen_range(f64::EPSILON..1.0);
    let u2: f64 = rng.gen();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Generates `count` sales across 12 collections, deterministically from `seed`.
pub fn generate(count: usize, seed: u64) -> Vec<NftSale> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let collections: Vec<Collection> = (0..12)
        .map(|_| {
            let floor = (rng.gen_range(0.2f64.ln()..20f64.ln())).exp();
            let supply = [3_333, 5_000, 8_888, 10_000][rng.gen_range(0..4)];
            let owners = (supply as f64 * rng.gen_range(0.1..0.9)).max(300.0) as u64;
            let volume_30d = floor * rng.gen_range(40.0..600.0);
            Collection {
                floor,
                supply,
                owners,
                volume_30d,
                momentum: rng.gen_range(0.5..2.0),
            }
        })
        .collect();
    (0..count)
        .map(|i| {
            let c = &collections[rng.gen_range(0..collections.len())];
            let collection = collections
                .iter()
                .position(|x| std::ptr::eq(x, c))
                .unwrap_or(0);
            let score: f64 = rng.gen::<f64>().powf(1.5);
            let rank = ((1.0 - score) * (c.supply - 1) as f64).round() as u64 + 1;
            // Market conditions drift per sale.
            let floor = c.floor * (0.15 * normal(&mut rng)).exp();
            let volume_30d = c.volume_30d * (0.2 * normal(&mut rng)).exp();
            let volume_7d = volume_30d / 4.0 * c.momentum * (0.25 * normal(&mut rng)).exp();
            let premium = 1.0 + 4.0 * score.powi(3);
            let fair = floor * premium * (volume_7d / (volume_30d / 4.0)).powf(0.15);
            let days = rng.gen_range(1.0f64..720.0);
            let last_sale = fair * (0.35 * normal(&mut rng)).exp() * (1.0 - days / 2000.0);
            let weight_last = 0.35 * (-days / 180.0).exp();
            let price = ((1.0 - weight_last) * fair + weight_last * last_sale)
                * (0.08 * normal(&mut rng)).exp();
            NftSale {
                collection,
                token_id: i as u64 % c.supply,
                trait_rarity_score: score,
                rarity_rank: rank,
                supply: c.supply,
                collection_floor_eth: floor,
                last_sale_eth: last_sale,
                days_since_last_sale: days,
                volume_7d_eth: volume_7d,
                volume_30d_eth: volume_30d,
                owner_count: c.owners,
                sale_price_eth: price,
            }
        })
        .collect()
}

/// The model's input features for a sale (see [`FEATURE_NAMES`]).
pub fn model_features(sale: &NftSale) -> Vec<f64> {
    vec![
        sale.trait_rarity_score,
        sale.rarity_rank as f64 / sale.supply as f64,
        sale.collection_floor_eth.ln(),
        sale.last_sale_eth.ln(),
        sale.days_since_last_sale.ln_1p(),
        sale.volume_7d_eth.ln_1p(),
        sale.volume_30d_eth.ln_1p(),
        (sale.owner_count as f64).ln(),
    ]
}

/// A deterministic stand-in address for collection `index` (`0xc011ec7...` followed by it).
pub fn collection_address(index: usize) -> [u8; 20] {
    let mut address = [0u8; 20];
    address[..4].copy_from_slice(&[0xc0, 0x11, 0xec, 0x70]);
    address[12..].copy_from_slice(&(index as u64).to_be_bytes());
    address
}

/// A token id as the EVM's 32-byte big-endian `uint256`.
pub fn token_id_word(token_id: u64) -> [u8; 32] {
    let mut word = [0u8; 32];
    word[24..].copy_from_slice(&token_id.to_be_bytes());
    word
}
