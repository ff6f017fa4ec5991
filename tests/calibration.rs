//! Calibration: the chosen parameters are valid, every input in the calibrated box (its
//! corners and edges included) has a valid integer forward pass, the objectives order as
//! promised, proving refuses inputs outside the box, and the compiled file keeps the box.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use zkmlp::{
    artifact::{ArtifactError, CompiledFile},
    calibrate::{
        calibrate, Calibration, CalibrationError, CalibrationOptions, InputRange, Objective,
        Tolerance,
    },
    model::Mlp,
    quantize::{quantize_input, reference_forward},
    CompiledModel, Error, ProvingKey, Srs,
};

/// `n` samples with feature `i` roughly in `[-(1 + i/4), 1 + i/2]`.
fn samples(features: usize, n: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|_| {
            (0..features)
                .map(|i| rng.gen_range(-(1.0 + i as f64 / 4.0)..(1.0 + i as f64 / 2.0)))
                .collect()
        })
        .collect()
}

fn nft_model() -> Mlp {
    Mlp::random(&[8, 16, 16, 1], 11)
}

fn calibrated(model: &Mlp, data: &[Vec<f64>], objective: Objective) -> Calibration {
    let options = CalibrationOptions {
        objective,
        ..CalibrationOptions::default()
    };
    calibrate(model, data, &options).unwrap()
}

/// The integer reference pass accepts `x`: no input or activation leaves the range.
fn assert_valid_witness(c: &Calibration, x: &[f64]) {
    let q = quantize_input(c.params, x).unwrap_or_else(|e| panic!("{x:?}: {e}"));
    reference_forward(&c.quantized, &q).unwrap_or_else(|e| panic!("{x:?}: {e}"));
}

/// `n` uniform points of the box, then for every feature its `lo` and `hi` edges (others
/// random), then the all-`lo` and all-`hi` corners.
fn box_points(range: &InputRange, n: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (lo, hi) = (range.lo(), range.hi());
    let random = |rng: &mut ChaCha8Rng| -> Vec<f64> {
        (0..lo.len())
            .map(|i| rng.gen_range(lo[i]..=hi[i]))
            .collect()
    };
    let mut points: Vec<Vec<f64>> = (0..n).map(|_| random(&mut rng)).collect();
    for i in 0..lo.len() {
        for edge in [lo[i], hi[i]] {
            let mut x = random(&mut rng);
            x[i] = edge;
            points.push(x);
        }
    }
    points.push(lo.to_vec());
    points.push(hi.to_vec());
    points
}

#[test]
fn calibrating_the_nft_model_picks_valid_params() {
    let model = nft_model();
    let data = samples(8, 256, 1);
    let c = calibrated(&model, &data, Objective::Resources);
    println!("{c}");
    c.params.validate().unwrap();
    assert_eq!(c.quantized.params, c.params);
    assert_eq!(
        c.k,
        CompiledModel::new(c.quantized.clone()).unwrap().k(),
        "k is the chosen setting's"
    );
    assert_eq!(c.candidates.len(), 24);
    let report = &c.accuracy.report;
    assert_eq!((report.samples, report.overflow_count), (256, 0));
    assert!(report.max_abs_error <= c.tolerance);
    assert!(c.tolerance > 0.0 && c.accuracy.percent_error < 100.0);
    // The quantized box is the real box at scale 2^s, and fits b bits; so do all bounds,
    // and the widest one needs exactly b.
    let bits = c
        .quantized_input_range
        .iter()
        .chain(c.activation_bounds.iter().flatten())
        .map(|i| i.signed_bits())
        .max()
        .unwrap();
    assert_eq!(bits, c.params.activation_bits);
    for point in box_points(&c.input_range, 2000, 2) {
        assert_valid_witness(&c, &point);
    }
    // The samples lie inside the box, strictly (the margin widens it).
    for x in &data {
        for (i, v) in x.iter().enumerate() {
            assert!(c.input_range.lo()[i] < *v && *v < c.input_range.hi()[i]);
        }
    }
}

#[test]
fn every_corner_of_a_small_model_box_has_a_valid_witness() {
    for features in 2..=4 {
        let model = Mlp::random(&[features, 6, 5, 2], 100 + features as u64);
        let data = samples(features, 50, features as u64);
        for objective in [Objective::Resources, Objective::Accuracy] {
            let c = calibrated(&model, &data, objective);
            let (lo, hi) = (c.input_range.lo(), c.input_range.hi());
            for corner in 0..1u32 << features {
                let x: Vec<f64> = (0..features)
                    .map(|i| if corner >> i & 1 == 1 { hi[i] } else { lo[i] })
                    .collect();
                assert_valid_witness(&c, &x);
            }
            for point in box_points(&c.input_range, 2000, 3) {
                assert_valid_witness(&c, &point);
            }
        }
    }
}

#[test]
fn resources_needs_no_more_rows_than_accuracy() {
    let model = nft_model();
    let data = samples(8, 128, 4);
    let resources = calibrated(&model, &data, Objective::Resources);
    let accuracy = calibrated(&model, &data, Objective::Accuracy);
    assert!(resources.k <= accuracy.k);
    assert!(resources.accuracy.report.max_abs_error <= resources.tolerance);
    // Accuracy takes the largest scale that fits.
    let largest = accuracy
        .candidates
        .iter()
        .filter_map(|c| c.fit.as_ref())
        .map(|fit| fit.params.scale_bits)
        .max()
        .unwrap();
    assert_eq!(accuracy.params.scale_bits, largest);
    assert!(accuracy.accuracy.report.max_abs_error <= resources.accuracy.report.max_abs_error);
    // Resources takes the smallest k among candidates within the tolerance.
    let smallest = resources
        .candidates
        .iter()
        .filter_map(|c| c.fit.as_ref())
        .filter(|fit| fit.report.max_abs_error <= resources.tolerance)
        .map(|fit| fit.k)
        .min()
        .unwrap();
    assert_eq!(resources.k, smallest);
    // A loose absolute tolerance gives the smallest circuit of all.
    let loose = calibrate(
        &model,
        &data,
        &CalibrationOptions {
            tolerance: Tolerance::Absolute(1e9),
            ..CalibrationOptions::default()
        },
    )
    .unwrap();
    let min_k = loose
        .candidates
        .iter()
        .filter_map(|c| c.fit.as_ref().map(|f| f.k))
        .min()
        .unwrap();
    assert_eq!((loose.k, loose.tolerance), (min_k, 1e9));
}

#[test]
fn proving_refuses_features_outside_the_calibrated_range() {
    let model = nft_model();
    let data = samples(8, 64, 5);
    let c = calibrated(&model, &data, Objective::Resources);
    let compiled = CompiledModel::from_calibration(&c).unwrap();
    assert_eq!(compiled.input_range(), Some(&c.input_range));
    let srs = Srs::unsafe_setup_for_testing(compiled.k(), 6);
    let pk = ProvingKey::generate(&srs, &compiled).unwrap();

    // Inside, on the upper edge of feature 3: proves and verifies.
    let mut inside = data[0].clone();
    inside[3] = c.input_range.hi()[3];
    let proof = pk.prove(&inside).unwrap();
    zkmlp::verify(pk.verifying_key(), &proof).unwrap();

    let (lo, hi) = (c.input_range.lo()[3], c.input_range.hi()[3]);
    for value in [hi + 1e-9 * (hi - lo), lo - 0.5] {
        let mut outside = data[0].clone();
        outside[3] = value;
        match pk.prove(&outside) {
            Err(Error::OutsideCalibratedRange {
                item: 0,
                feature: 3,
                value: v,
                lo: l,
                hi: h,
            }) => assert_eq!((v, l, h), (value, lo, hi)),
            other => panic!("{other:?}"),
        }
        let items = vec![data[1].clone(), outside];
        assert!(matches!(
            pk.prove_each(&items),
            Err(Error::OutsideCalibratedRange {
                item: 1,
                feature: 3,
                ..
            })
        ));
    }

    // Without a range, an input far outside the samples is still proven.
    let plain = CompiledModel::new(c.quantized.clone()).unwrap();
    assert_eq!(plain.input_range(), None);
    plain.check_input_range(0, &[1e3; 8]).unwrap();
}

#[test]
fn batch_proving_names_the_item_outside_the_range() {
    let model = nft_model();
    let data = samples(8, 64, 7);
    let options = CalibrationOptions {
        batch_size: 2,
        ..CalibrationOptions::default()
    };
    let c = calibrate(&model, &data, &options).unwrap();
    let compiled = CompiledModel::from_calibration(&c).unwrap();
    assert_eq!((compiled.batch_size(), compiled.k()), (2, c.k));
    let srs = Srs::unsafe_setup_for_testing(compiled.k(), 8);
    let pk = ProvingKey::generate(&srs, &compiled).unwrap();
    let mut outside = data[2].clone();
    outside[0] = c.input_range.lo()[0] - 1.0;
    assert!(matches!(
        pk.prove_items(&[data[1].clone(), outside], [0; 32]),
        Err(Error::OutsideCalibratedRange {
            item: 1,
            feature: 0,
            ..
        })
    ));
}

#[test]
fn bad_samples_are_refused() {
    let model = nft_model();
    let options = CalibrationOptions::default();
    assert!(matches!(
        calibrate(&model, &[], &options),
        Err(CalibrationError::NoSamples)
    ));
    let mut data = samples(8, 4, 9);
    data[2][5] = f64::NAN;
    assert!(matches!(
        calibrate(&model, &data, &options),
        Err(CalibrationError::NonFinite {
            sample: 2,
            feature: 5
        })
    ));
    data[2][5] = f64::NEG_INFINITY;
    assert!(matches!(
        calibrate(&model, &data, &options),
        Err(CalibrationError::NonFinite {
            sample: 2,
            feature: 5
        })
    ));
    data[2][5] = 0.0;
    data[3].pop();
    assert!(matches!(
        calibrate(&model, &data, &options),
        Err(CalibrationError::FeatureCount {
            sample: 3,
            expected: 8,
            got: 7
        })
    ));
    // Inputs so large that no scale keeps the activations within 40 bits.
    let huge = vec![vec![1e13; 8], vec![-1e13; 8]];
    assert!(matches!(
        calibrate(&model, &huge, &options),
        Err(CalibrationError::NothingFits { .. })
    ));
    // A range with the wrong feature count cannot be attached.
    let c = calibrated(&model, &samples(8, 16, 10), Objective::Resources);
    let range = InputRange::new(vec![0.0; 3], vec![1.0; 3]).unwrap();
    assert!(matches!(
        CompiledModel::new(c.quantized)
            .unwrap()
            .with_input_range(range),
        Err(Error::Calibration(CalibrationError::RangeFeatureCount {
            expected: 8,
            got: 3
        }))
    ));
}

#[test]
fn the_compiled_file_keeps_the_calibrated_range() {
    let model = nft_model();
    let c = calibrated(&model, &samples(8, 64, 12), Objective::Resources);
    let compiled = CompiledModel::from_calibration(&c).unwrap();
    let file = CompiledFile::new(compiled);
    let json = file.to_json();
    assert!(json.contains("\"input_range\""));
    let back = CompiledFile::from_json(json.as_bytes()).unwrap();
    assert_eq!(back.compiled.input_range(), Some(&c.input_range));
    assert_eq!(back.digest, file.digest);

    // The digest covers the range: the same model without it hashes differently, and its
    // file (as earlier versions wrote it) has no range field and loads with none.
    let plain = CompiledFile::new(CompiledModel::new(c.quantized.clone()).unwrap());
    assert_ne!(plain.digest, file.digest);
    let plain_json = plain.to_json();
    assert!(!plain_json.contains("input_range"));
    let plain_back = CompiledFile::from_json(plain_json.as_bytes()).unwrap();
    assert_eq!(plain_back.compiled.input_range(), None);

    // A range edited in the file no longer matches the recorded digest.
    let mut value: serde_json::Value = serde_json::from_str(&json).unwrap();
    value["input_range"]["hi"][0] = serde_json::json!((c.input_range.hi()[0] + 1.0).to_string());
    let tampered = serde_json::to_vec(&value).unwrap();
    assert!(matches!(
        CompiledFile::from_json(&tampered),
        Err(ArtifactError::Corrupted { .. })
    ));
    // An inverted range is malformed.
    value["input_range"]["lo"][0] = serde_json::json!((c.input_range.hi()[0] + 2.0).to_string());
    assert!(matches!(
        CompiledFile::from_json(&serde_json::to_vec(&value).unwrap()),
        Err(ArtifactError::Malformed { .. })
    ));
}
