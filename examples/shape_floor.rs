//! Proves a synthetic circuit of a given *shape* (k, columns, lookups), to measure what any
//! layout of that shape costs the prover here, before building it.
//!
//! ```text
//! cargo run --release --example shape_floor -- k=16,advice=3,lookups=1,fixed=9 k=14,advice=7,lookups=4,fixed=9
//! ```
//!
//! halo2's prover does the same work for every circuit of one shape: one commitment per advice
//! column, three per lookup, one per permutation chunk, the random polynomial and quotient
//! pieces, the quotient `h(X)` over every column on the extended domain, and the multi-opening.
//! What a layout changes is only which values the cells hold (small values commit faster) and
//! how many gates `h(X)` evaluates. This circuit mimics an MLP circuit of zkmlp:
//!
//! - `lookups` range lanes `z_l` with the range chip's degree-5 lookup form
//!   `(t, t z + o - f z_next)` against a two-column table of `table` rows, sharing the three
//!   fixed columns `t, o, f` (every row is a 12-bit limb lookup of a random limb);
//! - one accumulator lane of full-width random values, `acc = x_0 w_0 + acc_prev` style gate
//!   (degree 3 with a fixed selector), and `advice - lookups - 1` input lanes of 24-bit values;
//! - every advice column in the permutation, with one copy constraint each;
//! - `fixed` fixed columns in all (the three range columns, the selector and the table's two
//!   columns included), the rest queried by a gate;
//! - one instance column of `instances` values, checked by a gate on the first rows;
//! - with `plain=1`, degree-4 lookups `(t, z_l)` of each `z_l` cell itself instead, `z_l`
//!   outside the permutation (a layout giving every limb its own cell next to a running sum,
//!   which is then one of the other lanes), so the circuit has degree 4.
//!
//! It prints keygen and `create_proof` times (median of `--runs`, default 3) per shape, as
//! `wall ms (process CPU ms)`. The SRS is the unsafe seeded test SRS (measurement only). A
//! real circuit adds witness generation and synthesis on top.

#[path = "common/timing.rs"]
mod timing;

use timing::{cell, median, timed};

use ff::Field;
use halo2_proofs::{
    circuit::{Layouter, SimpleFloorPlanner, Value},
    halo2curves::bn256::{Bn256, Fr, G1Affine},
    plonk::{
        create_proof, keygen_pk, keygen_vk, Advice, Circuit, Column, ConstraintSystem, Error,
        Fixed, Instance, TableColumn,
    },
    poly::{
        kzg::{commitment::KZGCommitmentScheme, multiopen::ProverSHPLONK},
        Rotation,
    },
    transcript::TranscriptWriterBuffer,
};
use rand::{rngs::OsRng, Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use snark_verifier_sdk::snark_verifier::{
    loader::native::NativeLoader, system::halo2::transcript::evm::EvmTranscript,
};
use zkmlp::Srs;

/// The shape of a synthetic circuit.
#[derive(Clone, Copy, Debug, Default)]
struct Shape {
    k: u32,
    advice: usize,
    lookups: usize,
    fixed: usize,
    table: usize,
    instances: usize,
    /// `1`: degree-4 lookups `(t, z_l)` of a limb cell itself (a layout where every limb has
    /// its own cell, outside the permutation, next to an equality-enabled running sum counted
    /// among the other lanes), instead of the degree-5 form.
    plain: usize,
}

impl Shape {
    fn parse(text: &str) -> Result<Self, String> {
        let mut shape = Shape {
            table: 6147,
            instances: 1,
            ..Shape::default()
        };
        for pair in text.split(',') {
            let (key, value) = pair
                .split_once('=')
                .ok_or(format!("{pair}: want key=value"))?;
            let value: usize = value.parse().map_err(|e| format!("{pair}: {e}"))?;
            match key {
                "k" => shape.k = value as u32,
                "advice" => shape.advice = value,
                "lookups" => shape.lookups = value,
                "fixed" => shape.fixed = value,
                "table" => shape.table = value,
                "instances" => shape.instances = value,
                "plain" => shape.plain = value,
                _ => {
                    return Err(format!(
                        "{key}: unknown (k, advice, lookups, fixed, table, instances, plain)"
                    ))
                }
            }
        }
        if shape.lookups == 0 || shape.advice < shape.lookups + 2 || shape.fixed < 7 {
            return Err(format!(
                "{text}: need lookups >= 1, advice >= lookups + 2, fixed >= 7"
            ));
        }
        if shape.table >= (1 << shape.k) - 16 || shape.instances >= (1 << shape.k) - 16 {
            return Err(format!(
                "{text}: the table and instances must fit in 2^k rows"
            ));
        }
        Ok(shape)
    }
}

#[derive(Clone, Debug)]
struct Config {
    z: Vec<Column<Advice>>,
    acc: Column<Advice>,
    inputs: Vec<Column<Advice>>,
    tag: Column<Fixed>,
    offset: Column<Fixed>,
    factor: Column<Fixed>,
    selector: Column<Fixed>,
    extra: Vec<Column<Fixed>>,
    table: (TableColumn, TableColumn),
    instance: Column<Instance>,
}

#[derive(Clone, Debug, Default)]
struct SyntheticCircuit {
    shape: Shape,
}

impl Circuit<Fr> for SyntheticCircuit {
    type Config = Config;
    type FloorPlanner = SimpleFloorPlanner;
    type Params = Shape;

    fn without_witnesses(&self) -> Self {
        self.clone()
    }

    fn params(&self) -> Shape {
        self.shape
    }

    fn configure(_: &mut ConstraintSystem<Fr>) -> Config {
        unreachable!("configure_with_params is used")
    }

    fn configure_with_params(meta: &mut ConstraintSystem<Fr>, shape: Shape) -> Config {
        let z: Vec<_> = (0..shape.lookups).map(|_| meta.advice_column()).collect();
        let acc = meta.advice_column();
        let inputs: Vec<_> = (0..shape.advice - shape.lookups - 1)
            .map(|_| meta.advice_column())
            .collect();
        // limb cells of the degree-4 form are never copied
        let copied = if shape.plain == 1 { &z[..0] } else { &z[..] };
        for &column in copied.iter().chain([&acc]).chain(&inputs) {
            meta.enable_equality(column);
        }
        let (tag, offset, factor) = (
            meta.fixed_column(),
            meta.fixed_column(),
            meta.fixed_column(),
        );
        let selector = meta.fixed_column();
        // the table's two columns are fixed columns too
        let extra: Vec<_> = (0..shape.fixed - 6).map(|_| meta.fixed_column()).collect();
        let table = (meta.lookup_table_column(), meta.lookup_table_column());
        let instance = meta.instance_column();
        for &lane in &z {
            if shape.plain == 1 {
                meta.lookup("limb in range", |meta| {
                    let t = meta.query_fixed(tag, Rotation::cur());
                    let limb = meta.query_advice(lane, Rotation::cur());
                    vec![(t, table.0), (limb, table.1)]
                });
                continue;
            }
            meta.lookup("limb in range", |meta| {
                let t = meta.query_fixed(tag, Rotation::cur());
                let o = meta.query_fixed(offset, Rotation::cur());
                let f = meta.query_fixed(factor, Rotation::cur());
                let z_cur = meta.query_advice(lane, Rotation::cur());
                let z_next = meta.query_advice(lane, Rotation::next());
                vec![(t.clone(), table.0), (t * z_cur + o - f * z_next, table.1)]
            });
        }
        meta.create_gate("dot", |meta| {
            let s = meta.query_fixed(selector, Rotation::cur());
            let acc_cur = meta.query_advice(acc, Rotation::cur());
            let acc_next = meta.query_advice(acc, Rotation::next());
            let mut sum = acc_cur;
            for (&input, &weight) in inputs.iter().zip(extra.iter().cycle()) {
                let w = meta.query_fixed(weight, Rotation::cur());
                sum = sum + meta.query_advice(input, Rotation::cur()) * w;
            }
            vec![s * (acc_next - sum)]
        });
        meta.create_gate("public", |meta| {
            let s = meta.query_fixed(tag, Rotation::cur());
            let z0 = meta.query_advice(z[0], Rotation::cur());
            let inst = meta.query_instance(instance, Rotation::cur());
            // tag is 12 everywhere, so this states z_0 = instance on the instance rows only
            // where the instance holds the witness; both are set equal below
            vec![s * (z0 - inst) * meta.query_fixed(selector, Rotation::cur())]
        });
        Config {
            z,
            acc,
            inputs,
            tag,
            offset,
            factor,
            selector,
            extra,
            table,
            instance,
        }
    }

    fn synthesize(&self, config: Config, mut layouter: impl Layouter<Fr>) -> Result<(), Error> {
        let shape = self.shape;
        layouter.assign_table(
            || "table",
            |mut table| {
                // (0, 0) for the rows outside every block, then (12, 12 v)
                for row in 0..shape.table {
                    let (tag, value) = match row {
                        0 => (0, 0),
                        _ => (12, ((row - 1) % 4096) as u64),
                    };
                    let tag = Fr::from(tag);
                    // the degree-4 table holds the values themselves
                    let tag_value = if shape.plain == 1 { Fr::ONE } else { tag };
                    table.assign_cell(|| "tag", config.table.0, row, || Value::known(tag))?;
                    table.assign_cell(
                        || "value",
                        config.table.1,
                        row,
                        || Value::known(tag_value * Fr::from(value)),
                    )?;
                }
                Ok(())
            },
        )?;
        let rows = (1usize << shape.k) - 16;
        layouter.assign_region(
            || "synthetic",
            |mut region| {
                let mut rng = ChaCha8Rng::seed_from_u64(7);
                for row in 0..rows {
                    region.assign_fixed(config.tag, row, Fr::from(12));
                    region.assign_fixed(config.offset, row, Fr::ZERO);
                    region.assign_fixed(config.factor, row, Fr::ZERO);
                    // the selector stays zero: the gates are evaluated, never enabled
                    region.assign_fixed(config.selector, row, Fr::ZERO);
                    for &column in &config.extra {
                        region.assign_fixed(column, row, Fr::from(rng.gen::<u32>() as u64));
                    }
                    let mut cells = Vec::new();
                    for (lane, &column) in config.z.iter().enumerate() {
                        let value = if lane == 0 && row < shape.instances {
                            Fr::from(row as u64 % 4096)
                        } else {
                            Fr::from(rng.gen_range(0..4096u64))
                        };
                        cells.push(
                            region
                                .assign_advice(column, row, Value::known(value))
                                .cell(),
                        );
                    }
                    let acc = Fr::random(&mut rng);
                    cells.push(
                        region
                            .assign_advice(config.acc, row, Value::known(acc))
                            .cell(),
                    );
                    for &column in &config.inputs {
                        let value = Fr::from(rng.gen_range(0..1u64 << 24));
                        cells.push(
                            region
                                .assign_advice(column, row, Value::known(value))
                                .cell(),
                        );
                    }
                    if row == 0 {
                        let skip = if shape.plain == 1 { config.z.len() } else { 0 };
                        for &cell in &cells[skip..] {
                            region.constrain_equal(cell, cell);
                        }
                    }
                }
                Ok(())
            },
        )?;
        let _ = config.instance;
        Ok(())
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut runs = 3;
    let mut shapes = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--runs" => runs = args.next().ok_or("--runs needs N")?.parse()?,
            _ => shapes.push(Shape::parse(&arg)?),
        }
    }
    if shapes.is_empty() {
        return Err("give at least one shape, e.g. k=16,advice=3,lookups=1,fixed=9".into());
    }
    println!("| k | advice | lookups | fixed | table | instances | degree | keygen | prove |");
    println!("|---|---|---|---|---|---|---|---|---|");
    println!("(times: wall ms (process CPU ms, both cores); prove: median of {runs})");
    for shape in shapes {
        // Unsafe, seeded SRS: for measurement only.
        let srs = Srs::unsafe_setup_for_testing(shape.k, 7);
        let params = srs.for_k(shape.k)?;
        let circuit = SyntheticCircuit { shape };
        let (pk, wall, cpu) = timed(|| {
            let vk = keygen_vk(&params, &circuit)?;
            keygen_pk(&params, vk, &circuit)
        });
        let (pk, keygen) = (pk?, (wall, cpu));
        let instance: Vec<Fr> = (0..shape.instances)
            .map(|row| Fr::from(row as u64 % 4096))
            .collect();
        let prove = median(runs, || {
            let mut transcript =
                EvmTranscript::<G1Affine, NativeLoader, Vec<u8>, Vec<u8>>::init(Vec::new());
            create_proof::<KZGCommitmentScheme<Bn256>, ProverSHPLONK<'_, Bn256>, _, _, _, _>(
                &params,
                &pk,
                std::slice::from_ref(&circuit),
                &[&[instance.as_slice()]],
                OsRng,
                &mut transcript,
            )
            .expect("the synthetic circuit is satisfied");
        });
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            shape.k,
            shape.advice,
            shape.lookups,
            shape.fixed,
            shape.table,
            shape.instances,
            pk.get_vk().cs().degree(),
            cell(keygen.0, keygen.1),
            cell(prove.0, prove.1),
        );
    }
    Ok(())
}
