#!/usr/bin/env python3
"""Builds the benchmark MLPs for scripts/bench_vs_ezkl.sh.

For each shape (8-16-16-1, 16-64-64-1, 32-256-256-1, then 24-48-1, 128-384-1 and 1024-512-1)
this writes, under OUT/<shape>/:

  model.onnx        ONNX opset 13: MatMul + Add (+ Relu between layers), float32, input
                    "input" of shape [1, n_in], output "output" of shape [1, n_out]; both
                    tools read this file
  input.json        EZKL's input file: {"input_data": [[...]]}
  zkmlp_model.json  the same float model in the zkmlp-mlp JSON format (for reference)
  zkmlp_inputs.json a JSON list holding the one feature vector
  float_output.json the float64 numpy forward pass: {"output": [...]}
  meta.json         shape and parameter count

Weights are random normal / sqrt(fan-in), biases 0.1 * normal, inputs uniform in [-1, 1],
all drawn from one numpy RandomState with seed 7, in shape order (so a model's numbers do not
depend on which shapes are selected with --only). Weights are stored float32-exact (rounded to
float32 once) so that ONNX, zkmlp and the reference forward pass use identical values.
"""

import argparse
import json
import os
import sys

import numpy as np

# New shapes go at the end: the models are drawn in this order from one seeded generator.
SHAPES = [
    (8, 16, 16, 1),
    (16, 64, 64, 1),
    (32, 256, 256, 1),
    (24, 48, 1),
    (128, 384, 1),
    (1024, 512, 1),
]
SEED = 7
OPSET = 13


def shape_name(shape):
    return "-".join(str(n) for n in shape)


def make_mlp(shape, rng):
    """Returns [(W [in, out], b [out])] as float32-exact float64 arrays, and the input."""
    layers = []
    for fan_in, fan_out in zip(shape[:-1], shape[1:]):
        w = rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)
        b = 0.1 * rng.standard_normal(fan_out)
        layers.append(
            (w.astype(np.float32).astype(np.float64), b.astype(np.float32).astype(np.float64))
        )
    x = rng.uniform(-1.0, 1.0, shape[0]).astype(np.float32).astype(np.float64)
    return layers, x


def forward(layers, x):
    h = x
    for i, (w, b) in enumerate(layers):
        h = h @ w + b
        if i + 1 < len(layers):
            h = np.maximum(h, 0.0)
    return h


def to_onnx(layers, path):
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    nodes, inits = [], []
    prev = "input"
    for i, (w, b) in enumerate(layers):
        last = i + 1 == len(layers)
        inits.append(numpy_helper.from_array(w.astype(np.float32), name=f"W{i}"))
        inits.append(numpy_helper.from_array(b.astype(np.float32), name=f"B{i}"))
        nodes.append(helper.make_node("MatMul", [prev, f"W{i}"], [f"mm{i}"], name=f"matmul{i}"))
        add_out = "output" if last else f"add{i}"
        nodes.append(helper.make_node("Add", [f"mm{i}", f"B{i}"], [add_out], name=f"add{i}"))
        if not last:
            nodes.append(helper.make_node("Relu", [add_out], [f"relu{i}"], name=f"relu{i}"))
            prev = f"relu{i}"
    n_in, n_out = layers[0][0].shape[0], layers[-1][0].shape[1]
    graph = helper.make_graph(
        nodes,
        "mlp",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, n_in])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, n_out])],
        initializer=inits,
    )
    model = helper.make_model(
        graph,
        producer_name="zkmlp-bench",
        opset_imports=[helper.make_opsetid("", OPSET)],
    )
    model.ir_version = 8  # opset 13 era; accepted by tract (EZKL's ONNX runtime)
    onnx.checker.check_model(model)
    onnx.save(model, path)


def to_zkmlp(layers):
    return {
        "format": "zkmlp-mlp",
        "version": 1,
        "layers": [
            {
                # zkmlp stores weights[out][in]; the ONNX MatMul weight is [in, out].
                "weights": w.T.tolist(),
                "biases": b.tolist(),
                "activation": "identity" if i + 1 == len(layers) else "relu",
            }
            for i, (w, b) in enumerate(layers)
        ],
    }


def write_json(path, value):
    with open(path, "w") as f:
        json.dump(value, f)
        f.write("\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument(
        "--only", action="append", default=[], help="shape to write, e.g. 8-16-16-1 (repeatable)"
    )
    args = ap.parse_args()
    known = [shape_name(s) for s in SHAPES]
    for name in args.only:
        if name not in known:
            sys.exit(f"make_models.py: unknown shape {name!r}; known: {', '.join(known)}")

    rng = np.random.RandomState(SEED)
    for shape in SHAPES:
        # Always draw, so that each model's numbers do not depend on --only.
        layers, x = make_mlp(shape, rng)
        name = shape_name(shape)
        if args.only and name not in args.only:
            continue
        d = os.path.join(args.out, name)
        os.makedirs(d, exist_ok=True)
        to_onnx(layers, os.path.join(d, "model.onnx"))
        write_json(os.path.join(d, "input.json"), {"input_data": [x.tolist()]})
        write_json(os.path.join(d, "zkmlp_model.json"), to_zkmlp(layers))
        write_json(os.path.join(d, "zkmlp_inputs.json"), [x.tolist()])
        write_json(os.path.join(d, "float_output.json"), {"output": forward(layers, x).tolist()})
        params = sum(w.size + b.size for w, b in layers)
        write_json(os.path.join(d, "meta.json"), {"name": name, "shape": list(shape), "params": params})
        print(f"make_models.py: wrote {d} ({params} params)", file=sys.stderr)


if __name__ == "__main__":
    main()
