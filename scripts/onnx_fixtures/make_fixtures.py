"""Writes the ONNX import fixtures to tests/fixtures/onnx/ (run once by hand; CI only reads them).

    python3 -m venv /tmp/onnxvenv
    /tmp/onnxvenv/bin/pip install -r scripts/onnx_fixtures/requirements.txt
    /tmp/onnxvenv/bin/python scripts/onnx_fixtures/make_fixtures.py

Each fixture `NAME.onnx` gets a `NAME.json` next to it: a few input vectors and the float
outputs onnxruntime computes for them (for supported fixtures).
"""

import json
import os
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

    # (e) Gemm -> Erf: Erf is not supported.
    nodes = [
        helper.make_node("Gemm", ["x", "w", "b"], ["z"], name="dense", transB=1),
        helper.make_node("Erf", ["z"], ["y"], name="squash"),
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
    if os.environ.get("ISSUE13_ONLY") != "1":
        torch_fixtures()
        sklearn_fixture()
        helper_fixtures()
    issue13_fixtures()
    for path in sorted(OUT.glob("*.onnx")):
        ops = [n.op_type for n in onnx.load(str(path)).graph.node]
        print(f"{path.name}: {path.stat().st_size} bytes, ops {ops}")


# ---- Issue 13: the exports people actually make -------------------------------------------
# Each fixture gets NAME.json with "inputs" (drawn from the model's data distribution, so they
# double as calibration data), "outputs" (onnxruntime's values of the provable float output,
# probabilities for classifiers) and, for classifiers, "labels" (onnxruntime's label output or
# the argmax of the probabilities).

FEATURE_MEAN = np.array([3.0, -1.0, 10.0, 0.5, -4.0, 2.0, 0.0, 1.5])
FEATURE_STD = np.array([2.0, 0.5, 5.0, 0.25, 3.0, 1.0, 4.0, 0.75])


def raw_features(n, width, seed):
    """Features with very different means and scales, as real ones have."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, width))
    return (z * FEATURE_STD[:width] + FEATURE_MEAN[:width]).astype(np.float32)


def record(path, x, output=None, label=None):
    """Runs onnxruntime on each row of x (batch 1) and writes NAME.json."""
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    info = session.get_inputs()[0]
    names = [o.name for o in session.get_outputs()]
    outputs, labels = [], []
    for row in x:
        result = dict(zip(names, session.run(None, {info.name: row.reshape(1, -1)})))
        if output is not None:
            outputs.append(np.asarray(result[output], dtype=np.float64).reshape(-1).tolist())
        if label is not None:
            labels.append(int(np.asarray(result[label]).reshape(-1)[0]))
    doc = {"source": "onnxruntime " + ort.__version__, "inputs": x.astype(float).tolist()}
    if output is not None:
        doc["output"] = output
        doc["outputs"] = outputs
    if label is not None:
        doc["label"] = label
        doc["labels"] = labels
    path.with_suffix(".json").write_text(json.dumps(doc, indent=1) + "\n")


def export_dynamo(module, width, name):
    """The default exporter (dynamo, onnxscript): weights in NAME.onnx.data beside the model."""
    module.eval()
    path = OUT / name
    for old in [path, path.with_suffix(".onnx.data")]:
        if old.exists():
            old.unlink()
    torch.onnx.export(
        module,
        (torch.zeros(1, width),),
        str(path),
        input_names=["features"],
        dynamic_axes={"features": {0: "batch"}},
        external_data=True,
    )
    onnx.checker.check_model(str(path))
    return path


class Normalized(torch.nn.Module):
    """Input standardization in forward, LeakyReLU and Dropout (eval: identity)."""

    def __init__(self, width, head):
        super().__init__()
        self.register_buffer("mean", torch.tensor(FEATURE_MEAN[:width], dtype=torch.float32))
        self.register_buffer("std", torch.tensor(FEATURE_STD[:width], dtype=torch.float32))
        self.body = torch.nn.Sequential(
            torch.nn.Linear(width, 64),
            torch.nn.LeakyReLU(0.1),
            torch.nn.Dropout(0.2),
            torch.nn.Linear(64, 32),
            torch.nn.LeakyReLU(0.01),
            torch.nn.Linear(32, 1),
        )
        self.head = head

    def forward(self, x):
        return self.head(self.body((x - self.mean) / self.std))


def fit_torch(module, x, y, loss, epochs=300):
    opt = torch.optim.Adam(module.parameters(), lr=0.01)
    xt, yt = torch.tensor(x), torch.tensor(y)
    module.train()
    for _ in range(epochs):
        opt.zero_grad()
        loss(module(xt), yt).backward()
        opt.step()
    module.eval()


def issue13_fixtures():
    import torch.nn as nn
    from skl2onnx import to_onnx
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import Normalizer, StandardScaler

    x8 = raw_features(64, 8, 21)
    z8 = (x8 - FEATURE_MEAN) / FEATURE_STD

    # (1) The default exporter: a wide enough MLP that its weights go to external data.
    torch.manual_seed(13)
    mlp = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 1))
    path = export_dynamo(mlp, 8, "dynamo_mlp.onnx")
    record(path, z8.astype(np.float32), output=onnx.load(str(path)).graph.output[0].name)

    # (4) Normalization in forward, LeakyReLU, Dropout: a price regressor.
    torch.manual_seed(14)
    reg = Normalized(8, nn.Identity())
    target = (z8[:, 0] * 2 - z8[:, 2] + np.maximum(z8[:, 3], 0)).astype(np.float32)[:, None]
    xt = raw_features(512, 8, 22)
    zt = (xt - FEATURE_MEAN) / FEATURE_STD
    yt = (zt[:, 0] * 2 - zt[:, 2] + np.maximum(zt[:, 3], 0)).astype(np.float32)[:, None]
    fit_torch(reg, xt, yt, nn.MSELoss())
    path = export_dynamo(reg, 8, "torch_normalized_leaky.onnx")
    record(path, x8, output=onnx.load(str(path)).graph.output[0].name)

    # (5) A binary classifier ending in Sigmoid.
    torch.manual_seed(15)
    clf = Normalized(8, nn.Sigmoid())
    labels = ((zt[:, 0] + zt[:, 1] * zt[:, 2]) > 0.3).astype(np.float32)[:, None]
    fit_torch(clf, xt, labels, nn.BCELoss())
    path = export_dynamo(clf, 8, "torch_sigmoid_classifier.onnx")
    record(path, x8, output=onnx.load(str(path)).graph.output[0].name)

    # A Tanh output and a PRelu (one slope) hidden layer.
    torch.manual_seed(16)
    tanh = nn.Sequential(nn.Linear(8, 16), nn.PReLU(1, 0.2), nn.Linear(16, 1), nn.Tanh())
    fit_torch(tanh, zt.astype(np.float32), np.tanh(yt / 2), nn.MSELoss())
    path = export_dynamo(tanh, 8, "torch_prelu_tanh.onnx")
    record(path, z8.astype(np.float32), output=onnx.load(str(path)).graph.output[0].name)

    # A softmax classifier with Unsqueeze/Squeeze on the batch axis.
    class Softmaxed(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3))

        def forward(self, x):
            return torch.softmax(self.body(x.unsqueeze(0)).squeeze(0), dim=-1)

    torch.manual_seed(17)
    soft = Softmaxed()
    classes = (zt[:, 0] > 0).astype(np.int64) + (zt[:, 1] > 0.5).astype(np.int64)
    opt = torch.optim.Adam(soft.parameters(), lr=0.01)
    for _ in range(300):
        opt.zero_grad()
        nn.functional.nll_loss(torch.log(soft(torch.tensor(zt, dtype=torch.float32)) + 1e-9), torch.tensor(classes)).backward()
        opt.step()
    soft.eval()
    path = export_dynamo(soft, 8, "torch_softmax_classifier.onnx")
    record(path, z8.astype(np.float32), output=onnx.load(str(path)).graph.output[0].name)

    # (2), (3) scikit-learn pipelines with StandardScaler.
    x6 = raw_features(512, 6, 23)
    z6 = (x6 - FEATURE_MEAN[:6]) / FEATURE_STD[:6]
    calib6 = raw_features(64, 6, 24)
    y6 = z6 @ np.array([1.0, -0.5, 0.25, 2.0, 0.0, -1.0]) + np.maximum(z6[:, 0], 0)
    pipe = make_pipeline(StandardScaler(), MLPRegressor(hidden_layer_sizes=(16, 8), max_iter=500, random_state=0))
    pipe.fit(x6, y6)
    path = OUT / "skl_scaled_regressor.onnx"
    path.write_bytes(to_onnx(pipe, x6[:1], target_opset=OPSET).SerializeToString())
    record(path, calib6, output="variable")

    c6 = (z6[:, 0] + z6[:, 3] > 0).astype(np.int64) + (z6[:, 1] - z6[:, 5] > 0.5).astype(np.int64)
    multi = make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(16,), max_iter=500, random_state=0))
    multi.fit(x6, c6)
    options = {id(multi.steps[-1][1]): {"zipmap": False}}
    path = OUT / "skl_scaled_classifier.onnx"
    path.write_bytes(to_onnx(multi, x6[:1], target_opset=OPSET, options=options).SerializeToString())
    record(path, calib6, output="probabilities", label="label")

    path = OUT / "skl_classifier_zipmap.onnx"
    path.write_bytes(to_onnx(multi, x6[:1], target_opset=OPSET).SerializeToString())
    record(path, calib6, label="output_label")

    b6 = (z6[:, 0] - z6[:, 2] > 0).astype(np.int64)
    binary = make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(12,), max_iter=500, random_state=0))
    binary.fit(x6, b6)
    options = {id(binary.steps[-1][1]): {"zipmap": False}}
    path = OUT / "skl_binary_classifier.onnx"
    path.write_bytes(to_onnx(binary, x6[:1], target_opset=OPSET, options=options).SerializeToString())
    record(path, calib6, output="probabilities", label="label")

    # Refused: an L2 Normalizer is not affine.
    norm = make_pipeline(Normalizer(), MLPRegressor(hidden_layer_sizes=(4,), max_iter=50, random_state=0))
    norm.fit(x6, y6)
    (OUT / "skl_normalizer.onnx").write_bytes(to_onnx(norm, x6[:1], target_opset=OPSET).SerializeToString())


if __name__ == "__main__":
    main()
