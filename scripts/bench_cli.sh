#!/usr/bin/env bash
# The zkmlp command line against the library, on the same machine, in the same run.
#
#   bash scripts/bench_cli.sh                 # 48-384-1 and 1024-512-1
#   bash scripts/bench_cli.sh --only small    # 48-384-1 only
#   bash scripts/bench_cli.sh --ptau20        # also convert a k = 20 .ptau (minutes)
#   bash scripts/bench_cli.sh --only ptau20   # only that
#
# For each MLP (random weights, numpy-free, seed 7): the library's prove call, timed inside
# the process by `examples/run_model` (which also reports keygen and verify), then the
# whole `zkmlp` processes: `srs gen-unsafe`, `compile`, `setup`, `prove`, `verify`,
# `verify --model`. For 48-384-1 also `setup` from a k = 16 SRS file, and from a k = 16
# snarkjs .ptau (written by `examples/unsafe_ptau`), without and with the Lagrange section 12
# of a file prepared for phase 2 (as the Hermez `_final_` files are), and `srs from-ptau`
# of each. --ptau20 converts a prepared k = 20 file (about 0.5 GB on disk).
# Every SRS here is UNSAFE (seeded): for timing only. Wall times of whole processes,
# one run each; the 1024-512-1 model is proven twice in all (library, then CLI).
# The table goes to stdout and target/bench-cli/<only>/table.md.
set -euo pipefail

ONLY=all
PTAU20=0
while [ $# -gt 0 ]; do
    case "$1" in
        --only) ONLY="$2"; shift 2 ;;
        --ptau20) PTAU20=1; shift ;;
        *) echo "usage: $0 [--only small|large|ptau20] [--ptau20]" >&2; exit 2 ;;
    esac
done

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
cargo build --release --quiet --bin zkmlp --example run_model --example unsafe_ptau
WORK="$ROOT/target/bench-cli/$ONLY"
rm -rf "$WORK"
mkdir -p "$WORK"

export ROOT WORK ONLY PTAU20
python3 - <<'PY'
import json, os, random, subprocess, time

root, work = os.environ["ROOT"], os.environ["WORK"]
only, ptau20 = os.environ["ONLY"], os.environ["PTAU20"] == "1"
zkmlp = os.path.join(root, "target/release/zkmlp")
examples = os.path.join(root, "target/release/examples")
rows = []

def run(args, label):
    """Runs a command in the work directory; returns its wall time in seconds."""
    start = time.perf_counter()
    done = subprocess.run(args, cwd=work, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{label} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return elapsed, done.stdout

def model(name, sizes, seed=7):
    rng = random.Random(seed)
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:])):
        scale = 1 / n_in ** 0.5
        layers.append({
            "weights": [[rng.gauss(0, scale) for _ in range(n_in)] for _ in range(n_out)],
            "biases": [rng.gauss(0, 0.1) for _ in range(n_out)],
            "activation": "relu" if i + 2 < len(sizes) else "identity",
        })
    with open(os.path.join(work, f"{name}.json"), "w") as f:
        json.dump({"format": "zkmlp-mlp", "version": 1, "layers": layers}, f)
    features = [rng.uniform(-1, 1) for _ in range(sizes[0])]
    with open(os.path.join(work, f"{name}-features.json"), "w") as f:
        json.dump(features, f)
    with open(os.path.join(work, f"{name}-inputs.json"), "w") as f:
        json.dump([features], f)

def row(what, command, seconds, note=""):
    rows.append((what, command, f"{seconds:.2f}", note))
    print(f"{what:<56} {seconds:8.2f} s  {note}", flush=True)

def timed(what, args, note=""):
    """Runs `args` (a zkmlp command, or an example), records its wall time as a row."""
    program = os.path.basename(args[0])
    shown = "zkmlp " + " ".join(args[1:3]) if program == "zkmlp" else f"examples/{program}"
    t, _ = run(args, what)
    row(what, shown, t, note)
    return t

def setup(name, srs, tag, unsafe=False):
    return timed(f"{name}: zkmlp setup --srs {srs}",
                 [zkmlp, "setup", f"{name}.zkc", "--srs", srs, "--pk", f"{tag}.pk", "--vk", f"{tag}.vk"]
                 + (["--allow-unsafe-srs"] if unsafe else []))

def bench(name, sizes, extra):
    model(name, sizes)
    _, out = run([os.path.join(examples, "run_model"), f"{name}.json", f"{name}-inputs.json"], "run_model")
    lib = json.loads(out.strip().splitlines()[-1])
    k = lib["k"]
    row(f"{name}: library keygen (k = {k})", "examples/run_model", lib["keygen_s"])
    row(f"{name}: library prove call", "examples/run_model", lib["prove_s"])
    row(f"{name}: library verify call", "examples/run_model", lib["verify_ms"] / 1e3)
    timed(f"zkmlp srs gen-unsafe --k {k}",
          [zkmlp, "srs", "gen-unsafe", "--k", str(k), "--seed", "7", "-o", f"{name}-k{k}.srs"], "UNSAFE")
    timed(f"{name}: zkmlp compile", [zkmlp, "compile", f"{name}.json", "-o", f"{name}.zkc"])
    setup(name, f"{name}-k{k}.srs", name, unsafe=True)
    t = timed(f"{name}: zkmlp prove (whole process)",
              [zkmlp, "prove", f"{name}.zkc", "--pk", f"{name}.pk", f"{name}-features.json",
               "-o", f"{name}-proof.json", "--allow-unsafe-srs"])
    rows[-1] = rows[-1][:3] + (f"{t / lib['prove_s']:.2f}x the library's prove call",)
    print(f"  {rows[-1][3]}")
    verify = [zkmlp, "verify", "--vk", f"{name}.vk", f"{name}-proof.json"]
    timed(f"{name}: zkmlp verify (whole process)", verify)
    timed(f"{name}: zkmlp verify --model (regenerates the key)", verify + ["--model", f"{name}.zkc"])
    for path in [f"{name}.pk", f"{name}.vk"]:
        size = os.path.getsize(os.path.join(work, path))
        print(f"  {path}: {size / 2**20:.1f} MiB")
    extra(name, k)

def ptau_rows(name, power, prepared):
    """Writes a seeded .ptau, converts it whole, and sets `name` up from both files."""
    tag = f"k{power}{'p' if prepared else ''}"
    kind = "prepared for phase 2 (section 12)" if prepared else "without section 12"
    timed(f"write a k = {power} .ptau {kind}",
          [os.path.join(examples, "unsafe_ptau"), str(power), "7", f"{tag}.ptau"]
          + (["--prepared"] if prepared else []), "UNSAFE")
    timed(f"zkmlp srs from-ptau, k = {power} {kind}, all powers",
          [zkmlp, "srs", "from-ptau", f"{tag}.ptau", "-o", f"{tag}.srs"])
    setup(name, f"{tag}.ptau", f"{tag}-ptau")
    setup(name, f"{tag}.srs", f"{tag}-srs")

def small_extra(name, k):
    timed("zkmlp srs gen-unsafe --k 16",
          [zkmlp, "srs", "gen-unsafe", "--k", "16", "--seed", "7", "-o", "k16.srs"], "UNSAFE")
    setup(name, "k16.srs", "k16", unsafe=True)
    timed("zkmlp srs info k16.srs (pairing + Lagrange checks)", [zkmlp, "srs", "info", "k16.srs"])
    ptau_rows(name, 16, prepared=False)
    ptau_rows(name, 16, prepared=True)
    if ptau20:
        ptau_rows(name, 20, prepared=True)

if only in ("all", "small"):
    bench("48-384-1", [48, 384, 1], small_extra)
if only == "ptau20":
    model("48-384-1", [48, 384, 1])
    run([zkmlp, "compile", "48-384-1.json", "-o", "48-384-1.zkc"], "compile")
    ptau_rows("48-384-1", 20, prepared=True)
if only in ("all", "large"):
    bench("1024-512-1", [1024, 512, 1], lambda name, k: None)

table = ["| step | command | seconds | note |", "|---|---|---|---|"]
table += [f"| {a} | `{b}` | {c} | {d} |" for a, b, c, d in rows]
text = "\n".join(table) + "\n"
with open(os.path.join(work, "table.md"), "w") as f:
    f.write(text)
print()
print(text)
PY
