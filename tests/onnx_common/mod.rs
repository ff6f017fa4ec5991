//! Hand-built ONNX graphs for the import tests (encoded with prost, the version tract uses).
#![allow(dead_code)]

use prost::Message;
use tract_onnx::pb::{
    self, tensor_shape_proto::dimension::Value as Dim, tensor_shape_proto::Dimension, type_proto,
};

pub fn tensor(name: &str, dims: &[i64], data: &[f32]) -> pb::TensorProto {
    pb::TensorProto {
        name: name.into(),
        dims: dims.to_vec(),
        data_type: 1,
        float_data: data.to_vec(),
        ..Default::default()
    }
}

pub fn node(op: &str, inputs: &[&str], output: &str, ints: &[(&str, i64)]) -> pb::NodeProto {
    pb::NodeProto {
        op_type: op.into(),
        name: format!("{op}_{output}"),
        input: inputs.iter().map(|s| s.to_string()).collect(),
        output: vec![output.into()],
        attribute: ints
            .iter()
            .map(|&(name, i)| pb::AttributeProto {
                name: name.into(),
                i,
                r#type: 2,
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    }
}

pub fn value(name: &str, dims: &[Option<i64>]) -> pb::ValueInfoProto {
    let dim = dims
        .iter()
        .map(|d| Dimension {
            value: Some(d.map_or(Dim::DimParam("N".into()), Dim::DimValue)),
            ..Default::default()
        })
        .collect();
    pb::ValueInfoProto {
        name: name.into(),
        r#type: Some(pb::TypeProto {
            value: Some(type_proto::Value::TensorType(type_proto::Tensor {
                elem_type: 1,
                shape: Some(pb::TensorShapeProto { dim }),
            })),
            ..Default::default()
        }),
        ..Default::default()
    }
}

pub fn build(
    nodes: Vec<pb::NodeProto>,
    inputs: Vec<pb::ValueInfoProto>,
    outputs: &[&str],
    initializer: Vec<pb::TensorProto>,
) -> Vec<u8> {
    pb::ModelProto {
        ir_version: 8,
        opset_import: vec![pb::OperatorSetIdProto {
            domain: String::new(),
            version: 13,
        }],
        graph: Some(pb::GraphProto {
            node: nodes,
            name: "g".into(),
            initializer,
            input: inputs,
            output: outputs.iter().map(|o| value(o, &[None])).collect(),
            ..Default::default()
        }),
        ..Default::default()
    }
    .encode_to_vec()
}
