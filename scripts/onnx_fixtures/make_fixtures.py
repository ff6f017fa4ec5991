"""Writes the ONNX import fixtures to tests/fixtures/onnx/ (run once by hand; CI only reads them).

    python3 -m venv /tmp/onnxvenv
    /tmp/onnxvenv/bin/pip install -r scripts/onnx_fixtures/requirements.txt
    /tmp/onnxvenv/bin/python scripts/onnx_fixtures/make_fixtures.py

Each fixture `NAME.onnx` gets a `NAME.json` next to it: a few input vectors and the float
outputs onnxruntime computes for them (for supported fixtures).
"""

import json
import pathlib

import numpy as np
import onnx
import onnxruntime as ort
import torch
from onnx import TensorProto, helper, numpy_helper

OUT = pathlib.Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "onnx"
OPSET = 13


def reference(path, width, seed):
    """Runs the fixture with onnxruntime on a few random inputs; writes NAME.json."""
    rng = np.random.default_rng(seed)
    inputs = rng.uniform(-2.0, 2.0, size=(5, width)).astype(np.float32)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    info = session.get_inputs()[0]
    shape = (1,) + tuple(d if isinstance(d, int) else 1 for d in info.shape[1:])
    outputs = [session.run(None, {info.name: x.reshape(shape)})[0].reshape(-1) for x in inputs]
    doc = {
        "source": "onnxruntime " + ort.__version__,
        "inputs": inputs.astype(float).tolist(),
        "outputs": [o.astype(float).tolist() for o in outputs],
    }
    path.with_suffix(".json").write_text(json.dumps(doc, indent=1) + "\n")


def export_torch(module, width, name):
    module.eval()
    path = OUT / name
    torch.onnx.export(
        module,
        (torch.zeros(1, width),),
        str(path),
        input_names=["features"],
        output_names=["price"],
        dynamic_axes={"features": {0: "batch"}, "price": {0: "batch"}},
        opset_version=OPSET,
        dynamo=False,
    )
    onnx.checker.check_model(onnx.load(str(path)))
    reference(path, width, 1)


def torch_fixtures():
    torch.manual_seed(7)
    mlp = torch.nn.Sequential(
        torch.nn.Linear(8, 16),
        torch.nn.ReLU(),
        torch.nn.Linear(16, 16),
        torch.nn.ReLU(),
        torch.nn.Linear(16, 1),
    )
    export_torch(mlp, 8, "torch_mlp.onnx")

    torch.manual_seed(11)
    bn = torch.nn.BatchNorm1d(16)
    with torch.no_grad():
        # Non-trivial running statistics and affine parameters, as after training.
        bn.running_mean.uniform_(-0.5, 0.5)
        bn.running_var.uniform_(0.2, 3.0)
        bn.weight.uniform_(0.5, 1.5)
        bn.bias.uniform_(-0.3, 0.3)
    model = torch.nn.Sequential(
        torch.nn.Linear(8, 16), bn, torch.nn.ReLU(), torch.nn.Linear(16, 1)
    )
    # do_constant_folding=False keeps BatchNormalization in the graph (torch would otherwise
    # fold it into the Gemm itself in eval mode), so the importer's folding is exercised.
    model.eval()
    path = OUT / "torch_batchnorm.onnx"
    torch.onnx.export(
        model,
        (torch.zeros(1, 8),),
        str(path),
        input_names=["features"],
        output_names=["price"],
        dynamic_axes={"features": {0: "batch"}, "price": {0: "batch"}},
        opset_version=OPSET,
        dynamo=False,
        do_constant_folding=False,
        training=torch.onnx.TrainingMode.PRESERVE,
    )
    onnx.checker.check_model(onnx.load(str(path)))
    reference(path, 8, 2)


def sklearn_fixture():
    from skl2onnx import to_onnx
    from sklearn.neural_network import MLPRegressor

    rng = np.random.default_rng(3)
    x = rng.normal(size=(200, 6)).astype(np.float32)
    y = x @ rng.normal(size=6) + 0.5 * np.maximum(x[:, 0], 0)
    reg = MLPRegressor(hidden_layer_sizes=(12, 8), max_iter=300, random_state=0).fit(x, y)
    onx = to_onnx(reg, x[:1], target_opset=OPSET)
    path = OUT / "skl_mlp.onnx"
    path.write_bytes(onx.SerializeToString())
    reference(path, 6, 3)


def helper_fixtures():
    rng = np.random.default_rng(5)

    def init(name, shape, scale=0.5):
        return numpy_helper.from_array((rng.normal(size=shape) * scale).astype(np.float32), name)

    # (d) [N, 1, 4] -> Flatten -> MatMul + Add -> Relu -> Identity -> MatMul + Add -> [N, 2].
    nodes = [
        helper.make_node("Flatten", ["x"], ["flat"], name="flatten", axis=1),
        helper.make_node("MatMul", ["flat", "w0"], ["mm0"], name="matmul0"),
        helper.make_node("Add", ["mm0", "b0"], ["add0"], name="add0"),
        helper.make_node("Relu", ["add0"], ["relu0"], name="relu0"),
        helper.make_node("Identity", ["relu0"], ["id0"], name="identity0"),
        helper.make_node("MatMul", ["id0", "w1"], ["mm1"], name="matmul1"),
        helper.make_node("Add", ["b1", "mm1"], ["y"], name="add1"),
    ]
    graph = helper.make_graph(
        nodes,
        "matmul_add",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 2])],
        [init("w0", (4, 5)), init("b0", (5,)), init("w1", (5, 2)), init("b1", (2,))],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    path = OUT / "matmul_add.onnx"
    onnx.save(model, str(path))
    reference(path, 4, 4)

    # (e) Gemm -> Sigmoid: Sigmoid is not supported.
    nodes = [
        helper.make_node("Gemm", ["x", "w", "b"], ["z"], name="dense", transB=1),
        helper.make_node("Sigmoid", ["z"], ["y"], name="squash"),
    ]
    graph = helper.make_graph(
        nodes,
        "unsupported_op",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 2])],
        [init("w", (2, 3)), init("b", (2,))],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(OUT / "unsupported_op.onnx"))


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    torch_fixtures()
    sklearn_fixture()
    helper_fixtures()
    for path in sorted(OUT.glob("*.onnx")):
        ops = [n.op_type for n in onnx.load(str(path)).graph.node]
        print(f"{path.name}: {path.stat().st_size} bytes, ops {ops}")


if __name__ == "__main__":
    main()
