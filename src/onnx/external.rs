//! Tensors stored beside the model (ONNX external data), read into the tensor itself.
//!
//! PyTorch's default exporter (dynamo, since 2.9) writes `m.onnx` and `m.onnx.data`; each large
//! initializer then names a `location` (relative to the model's folder), an `offset` and a
//! `length`. The file is untrusted, so:
//!
//! - `location` must be a plain relative path: no root, no drive prefix, no `..`, no `.`;
//! - the file, symlinks resolved, must lie inside the model's folder (symlinks resolved too);
//! - `offset + length` must lie within the file, and `length` must equal the tensor's size
//!   (elements times element size), which is capped like every tensor;
//! - a missing or short file is a typed [`OnnxError`], never a panic.
//!
//! The bytes become the tensor's `raw_data` (the same little-endian layout), so nothing
//! after this step ever reads a file.

use std::{
    fs::File,
    io::{Read, Seek, SeekFrom},
    path::{Component, Path},
};

use tract_onnx::pb::{self, tensor_proto::DataLocation};

use super::{OnnxError, MAX_ELEMENTS};

/// Whether a tensor says its data is stored outside the model file.
pub(super) fn is_external(t: &pb::TensorProto) -> bool {
    t.data_location == Some(DataLocation::External as i32) || !t.external_data.is_empty()
}

/// Bytes per element of the ONNX numeric types tract loads (`None` for the others).
fn element_size(data_type: i32) -> Option<u64> {
    match data_type {
        2 | 3 | 9 => Some(1),   // uint8, int8, bool
        4 | 5 | 10 => Some(2),  // uint16, int16, float16
        1 | 6 | 12 => Some(4),  // float, int32, uint32
        7 | 11 | 13 => Some(8), // int64, double, uint64
        _ => None,
    }
}

/// Replaces the external data of every initializer by its bytes read from `dir`; with no
/// folder (a model given as bytes), external data is [`OnnxError::ExternalData`].
///
/// # Errors
/// [`OnnxError::ExternalData`], [`OnnxError::ExternalPath`], [`OnnxError::ExternalIo`],
/// [`OnnxError::ExternalShort`] or [`OnnxError::TensorSize`].
pub(super) fn resolve(graph: &mut pb::GraphProto, dir: Option<&Path>) -> Result<(), OnnxError> {
    for t in graph.initializer.iter_mut().filter(|t| is_external(t)) {
        let Some(dir) = dir else {
            return Err(OnnxError::ExternalData(t.name.clone()));
        };
        let bytes = read(t, dir)?;
        t.raw_data = bytes;
        t.external_data.clear();
        t.data_location = Some(DataLocation::Default as i32);
    }
    Ok(())
}

fn entry<'a>(t: &'a pb::TensorProto, key: &str) -> Option<&'a str> {
    t.external_data
        .iter()
        .find(|e| e.key == key)
        .map(|e| e.value.as_str())
}

/// Reads one tensor's bytes, checking the path and the bounds.
fn read(t: &pb::TensorProto, dir: &Path) -> Result<Vec<u8>, OnnxError> {
    let path_error = |location: &str, reason: &'static str| OnnxError::ExternalPath {
        tensor: t.name.clone(),
        location: location.to_owned(),
        reason,
    };
    let location = entry(t, "location").unwrap_or_default();
    let relative = Path::new(location);
    if location.is_empty() {
        return Err(path_error(location, "no location is given"));
    }
    if !relative
        .components()
        .all(|c| matches!(c, Component::Normal(_)))
    {
        return Err(path_error(
            location,
            "must be a relative path without '..' or '.' inside the model's folder",
        ));
    }
    let number = |key: &str| -> Result<Option<u64>, OnnxError> {
        entry(t, key)
            .map(|v| v.parse::<u64>())
            .transpose()
            .map_err(|_| path_error(location, "offset or length is not a number"))
    };
    let (offset, length) = (number("offset")?.unwrap_or(0), number("length")?);
    let elements = t.dims.iter().try_fold(1u64, |acc, &d| {
        u64::try_from(d).ok().and_then(|d| acc.checked_mul(d))
    });
    let size = match (elements, element_size(t.data_type)) {
        (Some(n), Some(bytes)) if n <= MAX_ELEMENTS => n * bytes,
        (_, None) => {
            return Err(OnnxError::TensorType {
                name: t.name.clone(),
                data_type: t.data_type,
            })
        }
        _ => return Err(OnnxError::TensorSize(t.name.clone())),
    };
    if length.is_some_and(|length| length != size) {
        return Err(OnnxError::TensorSize(t.name.clone()));
    }
    let io = |path: &Path, source: std::io::Error| OnnxError::ExternalIo {
        tensor: t.name.clone(),
        path: path.to_path_buf(),
        source,
    };
    let full = dir.join(relative);
    // Symlinks resolved on both sides: the file must still be inside the folder.
    let folder = dir.canonicalize().map_err(|e| io(dir, e))?;
    let resolved = full.canonicalize().map_err(|e| io(&full, e))?;
    if !resolved.starts_with(&folder) {
        return Err(path_error(location, "resolves outside the model's folder"));
    }
    let mut file = File::open(&resolved).map_err(|e| io(&full, e))?;
    let available = file.metadata().map_err(|e| io(&full, e))?.len();
    if offset.checked_add(size).is_none_or(|end| end > available) {
        return Err(OnnxError::ExternalShort {
            tensor: t.name.clone(),
            path: full,
            needed: offset.saturating_add(size),
            available,
        });
    }
    file.seek(SeekFrom::Start(offset))
        .map_err(|e| io(&full, e))?;
    // size <= 2^26 * 8 bytes, checked above.
    let mut bytes = vec![0u8; size as usize];
    file.read_exact(&mut bytes).map_err(|e| io(&full, e))?;
    Ok(bytes)
}
