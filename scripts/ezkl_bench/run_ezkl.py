#!/usr/bin/env python3
"""Runs EZKL's pipeline on one model directory written by make_models.py.

Usage:
  run_ezkl.py compile MODEL_DIR WORK_DIR   gen_settings, calibrate_settings, compile_circuit
  run_ezkl.py srs K SRS_PATH               gen_srs (only if SRS_PATH does not exist yet)
  run_ezkl.py prove MODEL_DIR WORK_DIR SRS_PATH
                                           setup, gen_witness, prove, verify

Each prints one JSON line on stdout (timings in seconds, and for `prove` the proof size and
the proven outputs next to the float ones). scripts/bench_vs_ezkl.sh runs `compile` and
`prove` under /usr/bin/time -v, separately, and reports the larger peak RSS of the two.

gen_settings uses EZKL's defaults, which in 23.0.5 are public input, fixed params and public
output: the statement zkmlp proves (public features and outputs, weights in the verifying
key). Calibration targets "resources". The SRS is made locally with ezkl.gen_srs, because
ezkl.get_srs downloads one and this machine may be offline; like zkmlp's seeded SRS it is
UNSAFE (testing only). It is generated in its own process and cached per k, so that neither
its time (about 10 s at k = 15 on 2 cores) nor its memory counts against EZKL: in real use
the SRS is downloaded once.
"""

import asyncio
import inspect
import json
import os
import sys
import time

import ezkl


def fail(message):
    print(f"run_ezkl.py: {message}", file=sys.stderr)
    sys.exit(1)


def call(fn, *args, **kwargs):
    """Calls an ezkl binding, awaiting it if this version made it async."""
    result = fn(*args, **kwargs)
    if inspect.isawaitable(result):

        async def wait():
            return await result

        result = asyncio.run(wait())
    return result


def timed(step, timings, fn, *args, **kwargs):
    start = time.perf_counter()
    try:
        result = call(fn, *args, **kwargs)
    except Exception as e:  # ezkl raises plain exceptions carrying its Rust error text
        fail(f"ezkl.{fn.__name__} ({step}) failed: {e}")
    timings[step] = time.perf_counter() - start
    if result is False:
        fail(f"ezkl.{fn.__name__} ({step}) returned False")
    return result


def paths(model_dir, work):
    return {
        "onnx": os.path.join(model_dir, "model.onnx"),
        "data": os.path.join(model_dir, "input.json"),
        "settings": os.path.join(work, "settings.json"),
        "compiled": os.path.join(work, "network.ezkl"),
        "pk": os.path.join(work, "pk.key"),
        "vk": os.path.join(work, "vk.key"),
        "witness": os.path.join(work, "witness.json"),
        "proof": os.path.join(work, "proof.json"),
    }


def cmd_compile(model_dir, work):
    os.makedirs(work, exist_ok=True)
    p = paths(model_dir, work)
    for key in ("settings", "compiled", "pk", "vk", "witness", "proof"):
        if os.path.exists(p[key]):
            os.remove(p[key])
    t = {}
    timed("gen_settings", t, ezkl.gen_settings, p["onnx"], p["settings"], py_run_args=ezkl.PyRunArgs())
    timed("calibrate_settings", t, ezkl.calibrate_settings, p["data"], p["onnx"], p["settings"], "resources")
    timed("compile_circuit", t, ezkl.compile_circuit, p["onnx"], p["compiled"], p["settings"])
    with open(p["settings"]) as f:
        s = json.load(f)
    run_args = s["run_args"]
    return {
        "k": run_args["logrows"],
        "input_scale": run_args["input_scale"],
        "param_scale": run_args["param_scale"],
        "output_scale": s["model_output_scales"][0],
        "num_rows": s.get("num_rows"),
        "total_assignments": s.get("total_assignments"),
        "visibility": {
            v: str(run_args[f"{v}_visibility"]) for v in ("input", "param", "output")
        },
        "timings_s": t,
        "compile_s": sum(t.values()),
    }


def cmd_srs(k, srs_path):
    if os.path.exists(srs_path):
        return {"k": k, "srs_path": srs_path, "cached": True}
    os.makedirs(os.path.dirname(srs_path) or ".", exist_ok=True)
    t = {}
    tmp = srs_path + ".tmp"
    timed("gen_srs", t, ezkl.gen_srs, tmp, k)
    os.replace(tmp, srs_path)  # never leave a half-written SRS in the cache
    return {"k": k, "srs_path": srs_path, "cached": False, "srs_s": t["gen_srs"]}


def cmd_prove(model_dir, work, srs):
    p = paths(model_dir, work)
    if not os.path.exists(p["compiled"]):
        fail(f"{p['compiled']} is missing: run `run_ezkl.py compile` first")
    if not os.path.exists(srs):
        fail(f"SRS {srs} is missing: run `run_ezkl.py srs` first")
    for key in ("pk", "vk", "witness", "proof"):
        if os.path.exists(p[key]):
            os.remove(p[key])
    t = {}
    timed("setup", t, ezkl.setup, p["compiled"], p["vk"], p["pk"], srs)
    w = timed("gen_witness", t, ezkl.gen_witness, p["data"], p["compiled"], p["witness"])
    timed("prove", t, ezkl.prove, p["witness"], p["compiled"], p["pk"], p["proof"], srs)
    ok = timed("verify", t, ezkl.verify, p["proof"], p["settings"], p["vk"], srs)
    if ok is not True:
        fail(f"ezkl.verify returned {ok!r}")

    with open(p["settings"]) as f:
        s = json.load(f)
    if not isinstance(w, dict):
        with open(p["witness"]) as f:
            w = json.load(f)
    # The proven outputs: the public output field elements, decoded at the output scale.
    out_scale = s["model_output_scales"][0]
    outputs = [ezkl.felt_to_float(felt, out_scale) for felt in w["outputs"][0]]
    with open(p["proof"]) as f:
        proof = json.load(f)
    if proof.get("hex_proof"):
        proof_bytes = len(proof["hex_proof"].removeprefix("0x")) // 2
    else:
        proof_bytes = len(proof["proof"])
    with open(os.path.join(model_dir, "float_output.json")) as f:
        float_outputs = json.load(f)["output"]
    return {
        "k": s["run_args"]["logrows"],
        "scale_bits": max(s["run_args"]["input_scale"], s["run_args"]["param_scale"]),
        "input_scale": s["run_args"]["input_scale"],
        "param_scale": s["run_args"]["param_scale"],
        "output_scale": out_scale,
        "timings_s": t,
        "keygen_s": t["setup"],
        "witness_s": t["gen_witness"],
        "prove_s": t["prove"],
        "verify_ms": t["verify"] * 1e3,
        "verified": True,
        "proof_bytes": proof_bytes,
        "outputs": outputs,
        "float_outputs": float_outputs,
    }


def main():
    argv = sys.argv[1:]
    if argv[:1] == ["compile"] and len(argv) == 3:
        report = cmd_compile(argv[1], argv[2])
    elif argv[:1] == ["srs"] and len(argv) == 3:
        try:
            k = int(argv[1])
        except ValueError:
            fail(f"srs: K must be an integer, got {argv[1]!r}")
        report = cmd_srs(k, argv[2])
    elif argv[:1] == ["prove"] and len(argv) == 4:
        report = cmd_prove(argv[1], argv[2], argv[3])
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    report = {
        "tool": "ezkl",
        "ezkl_version": getattr(ezkl, "__version__", "unknown"),
        "step": argv[0],
        **report,
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
