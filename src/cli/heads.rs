//! `zkmlp compile`'s model loading: JSON or ONNX, and what is proven of a classifier's head.
//!
//! - a final sigmoid or tanh is proven in the circuit (a table lookup, see
//!   `zkmlp_circuits::chips::squash`), unless `--prove-logits` asks for the logits (the
//!   verifier then applies the function to the public outputs);
//! - an ONNX `Softmax` or `ArgMax` head is not part of the circuit: the outputs proven are the
//!   logits, and the class is their argmax (softmax is monotone); `compile` says so.

use std::path::{Path, PathBuf};

use super::CliError;
use crate::model::{Activation, Head, Mlp};

/// A float model ready to quantize, and where it came from.
pub(super) struct LoadedModel {
    /// The model file.
    pub path: PathBuf,
    /// The model whose outputs the circuit proves.
    pub model: Mlp,
}

/// Loads the float model at `path`: ONNX for a `.onnx` file, or a file not named `.json`
/// whose first non-blank byte is not `{`; zkmlp JSON otherwise. Prints what is proven of the
/// head; with `prove_logits`, a final sigmoid or tanh is dropped from the circuit.
///
/// # Errors
/// A usage error for a model that does not load, or `--prove-logits` on a model without a
/// final sigmoid or tanh.
pub(super) fn load_model(path: &Path, prove_logits: bool) -> Result<LoadedModel, CliError> {
    let extension = path.extension().map(|e| e.to_ascii_lowercase());
    let is = |ext: &str| extension.as_deref() == Some(ext.as_ref());
    let first = std::fs::read(path)
        .ok()
        .and_then(|b| b.into_iter().find(|b| !b.is_ascii_whitespace()));
    let (model, head) = if is("onnx") || (!is("json") && first.is_some_and(|b| b != b'{')) {
        let imported = crate::onnx::import_onnx(path, &Default::default())
            .map_err(|e| CliError::usage(e.to_string()))?;
        (imported.model, imported.head)
    } else {
        let model = Mlp::from_json_file(path).map_err(|e| CliError::usage(e.to_string()))?;
        (model, Head::Values)
    };
    let model = if prove_logits {
        let (logits, squash) = model.split_output_squash();
        if squash == Head::Values {
            return Err(CliError::usage(
                "--prove-logits: the model does not end in a sigmoid or tanh",
            ));
        }
        println!(
            "proving the logits: the verifier applies the {} to the public outputs",
            squash_name(&squash)
        );
        logits
    } else {
        if let Some(last) = model.layers.last() {
            if matches!(last.activation, Activation::Sigmoid | Activation::Tanh) {
                let name = if last.activation == Activation::Sigmoid {
                    "sigmoid"
                } else {
                    "tanh"
                };
                println!("the output {name} is proven in the circuit (table lookup; --prove-logits proves the logits instead)");
            }
        }
        model
    };
    match head {
        Head::Softmax => println!(
            "the export's Softmax is not proven: the outputs proven are the logits; the class is their argmax (softmax is monotone), the probabilities are softmax(outputs)"
        ),
        Head::ArgMax { labels } => println!(
            "the export's ArgMax is not proven: the outputs proven are the scores; the class is the index of the largest{}",
            labels.map_or(String::new(), |l| format!(", mapped to the labels {l:?}"))
        ),
        _ => {}
    }
    Ok(LoadedModel {
        path: path.to_path_buf(),
        model,
    })
}

fn squash_name(head: &Head) -> &'static str {
    match head {
        Head::Tanh => "tanh",
        _ => "sigmoid",
    }
}
