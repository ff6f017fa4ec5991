#!/usr/bin/env bash
# Side-by-side benchmark of zkmlp against EZKL 23.0.5 on the same MLPs, read by both tools from
# the same ONNX file (issues 7 and 14).
#
#   bash scripts/bench_vs_ezkl.sh [--only SHAPE]... [--all] [--runs N] [--scale-bits S|ezkl]
#
# --only SHAPE      run only this model (8-16-16-1, 16-64-64-1, 32-256-256-1, 24-48-1,
#                   128-384-1 or 1024-512-1; repeatable). Default: all but 1024-512-1
#                   (EZKL needs about 5 GB and several minutes for it); --all runs every shape
# --runs N          runs per tool and model, alternating which goes first (default 3); the
#                   table shows medians
# --scale-bits S    zkmlp's fractional bits (default: MlpParams' default, 12); `ezkl` uses the
#                   scale EZKL's calibration chose for the same model (13 for these MLPs)
#
# 1. Creates a virtualenv (target/ezkl-venv, reused when it already has the pinned versions)
#    with ezkl==23.0.5, onnx and numpy from PyPI.
# 2. Builds `examples/run_model` (release) once.
# 3. Writes the models with scripts/ezkl_bench/make_models.py (numpy seed 7): ONNX opset 13
#    (MatMul + Add + Relu), read by both tools, one input each.
# 4. For each run and model, alternating which tool goes first: EZKL through its Python API
#    (scripts/ezkl_bench/run_ezkl.py: gen_settings, calibrate_settings "resources",
#    compile_circuit | setup, gen_witness, prove, verify) and zkmlp (examples/run_model on
#    the same model.onnx: import, quantize, compile, keygen, prove, verify), each under
#    /usr/bin/time -v for peak RSS.
#    EZKL's SRS comes from ezkl.gen_srs (get_srs needs the internet), generated once per k in
#    its own process and cached under target/ezkl-bench/srs/.
# 5. Prints one markdown table (also target/ezkl-bench/table.md) and saves the raw results to
#    target/ezkl-bench/results.json.
#
# Both tools use UNSAFE test SRSs: fine for timing, never for real proofs.
# Environment: EZKL_VENV (virtualenv path), PYTHON (interpreter that creates it), PIP_ARGS
# (extra pip install arguments, e.g. an index URL).
set -euo pipefail

usage() {
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
}

die() {
    echo "bench_vs_ezkl.sh: error: $*" >&2
    exit 1
}

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

EZKL_VERSION="23.0.5"
SHAPES=(8-16-16-1 16-64-64-1 32-256-256-1 24-48-1 128-384-1 1024-512-1)
DEFAULT_SHAPES=(8-16-16-1 16-64-64-1 32-256-256-1 24-48-1 128-384-1)
ALL=0
ONLY=()
RUNS=3
SCALE_BITS=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --only)
            [[ $# -ge 2 ]] || die "--only needs a shape, e.g. --only 8-16-16-1"
            ONLY+=("$2")
            shift 2
            ;;
        --all)
            ALL=1
            shift
            ;;
        --runs)
            [[ $# -ge 2 && "$2" =~ ^[1-9][0-9]*$ ]] || die "--runs needs a positive integer"
            RUNS="$2"
            shift 2
            ;;
        --scale-bits)
            [[ $# -ge 2 && "$2" =~ ^([1-9][0-9]*|ezkl)$ ]] || die "--scale-bits needs a positive integer or 'ezkl'"
            SCALE_BITS="$2"
            shift 2
            ;;
        -h | --help)
            usage
            exit 0
            ;;
        *) die "unknown argument '$1' (see --help)" ;;
    esac
done
if [[ ${#ONLY[@]} -gt 0 ]]; then
    for shape in "${ONLY[@]}"; do
        [[ " ${SHAPES[*]} " == *" $shape "* ]] || die "unknown shape '$shape'; known: ${SHAPES[*]}"
    done
    SELECTED=("${ONLY[@]}")
elif ((ALL)); then
    SELECTED=("${SHAPES[@]}")
else
    SELECTED=("${DEFAULT_SHAPES[@]}")
fi

TIME=/usr/bin/time
[[ -x "$TIME" ]] && "$TIME" -v true >/dev/null 2>&1 \
    || die "GNU time is needed at $TIME (apt-get install time)"
command -v cargo >/dev/null || die "cargo is not on PATH"
PYTHON="${PYTHON:-python3}"
command -v "$PYTHON" >/dev/null || die "$PYTHON is not on PATH (set PYTHON=...)"

OUT="target/ezkl-bench"
VENV="${EZKL_VENV:-target/ezkl-venv}"
VPY="$VENV/bin/python"
LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"

# --- 1. virtualenv ---------------------------------------------------------------------------
venv_ok() {
    [[ -x "$VPY" ]] && "$VPY" - "$EZKL_VERSION" <<'PY' >/dev/null 2>&1
import sys, ezkl, onnx, numpy
sys.exit(0 if ezkl.__version__ == sys.argv[1] else 1)
PY
}
if venv_ok; then
    echo "==> reusing virtualenv $VENV (ezkl $EZKL_VERSION)" >&2
else
    echo "==> creating virtualenv $VENV with ezkl==$EZKL_VERSION, onnx, numpy" >&2
    [[ -x "$VPY" ]] || "$PYTHON" -m venv "$VENV" || die "could not create a virtualenv at $VENV"
    # shellcheck disable=SC2086
    "$VPY" -m pip install --quiet ${PIP_ARGS:-} "ezkl==$EZKL_VERSION" onnx numpy \
        || die "pip install failed (is PyPI reachable? set PIP_ARGS for a mirror)"
    venv_ok || die "the virtualenv at $VENV cannot import ezkl $EZKL_VERSION, onnx and numpy"
fi

# --- 2. zkmlp example --------------------------------------------------------------------------
echo "==> building examples/run_model (release)" >&2
cargo build --release --quiet --example run_model || die "cargo build --example run_model failed"
RUN_MODEL="$ROOT/target/release/examples/run_model"
[[ -x "$RUN_MODEL" ]] || die "$RUN_MODEL was not built"

# --- 3. models ---------------------------------------------------------------------------------
echo "==> writing models (${SELECTED[*]})" >&2
only_args=()
for shape in "${SELECTED[@]}"; do only_args+=(--only "$shape"); done
"$VPY" scripts/ezkl_bench/make_models.py --out "$OUT/models" "${only_args[@]}" \
    || die "make_models.py failed"

# --- 4. runs -----------------------------------------------------------------------------------
# measure NAME DIR CMD...: runs CMD under /usr/bin/time -v; DIR/NAME.json gets stdout (the
# tool's JSON line), DIR/NAME.time the time report, DIR/NAME.log stderr.
measure() {
    local name="$1" dir="$2"
    shift 2
    if ! "$TIME" -v -o "$dir/$name.time" "$@" >"$dir/$name.json" 2>"$dir/$name.log"; then
        echo "---- last lines of $dir/$name.log ----" >&2
        tail -n 20 "$dir/$name.log" >&2
        die "$name failed: $*"
    fi
}

run_ezkl() {
    local shape="$1" dir="$2" work="$OUT/work/$shape" k srs
    measure ezkl-compile "$dir" "$VPY" scripts/ezkl_bench/run_ezkl.py compile "$OUT/models/$shape" "$work"
    k="$("$VPY" -c 'import json, sys; print(json.loads(open(sys.argv[1]).read().splitlines()[-1])["k"])' "$dir/ezkl-compile.json")" \
        || die "could not read k from $dir/ezkl-compile.json"
    srs="$OUT/srs/kzg$k.srs"
    if [[ ! -f "$srs" ]]; then
        echo "    generating EZKL's SRS for k = $k (once, unmeasured)" >&2
        "$VPY" scripts/ezkl_bench/run_ezkl.py srs "$k" "$srs" >"$dir/ezkl-srs.json" \
            || die "ezkl gen_srs failed for k = $k"
    fi
    measure ezkl-prove "$dir" "$VPY" scripts/ezkl_bench/run_ezkl.py prove "$OUT/models/$shape" "$work" "$srs"
    echo "    ezkl:  $(summary_line "$dir/ezkl-prove.json" "$dir/ezkl-prove.time")" >&2
}

run_zkmlp() {
    local shape="$1" dir="$2" scale_args=() scale
    if [[ "$SCALE_BITS" == ezkl ]]; then
        # Run 1 always runs EZKL first, so its calibrated settings exist by now.
        scale="$("$VPY" -c 'import json, sys; r = json.load(open(sys.argv[1]))["run_args"]; print(max(r["input_scale"], r["param_scale"]))' "$OUT/work/$shape/settings.json")" \
            || die "could not read EZKL's scale from $OUT/work/$shape/settings.json"
        scale_args=(--scale-bits "$scale")
    elif [[ -n "$SCALE_BITS" ]]; then
        scale_args=(--scale-bits "$SCALE_BITS")
    fi
    measure zkmlp "$dir" "$RUN_MODEL" "$OUT/models/$shape/model.onnx" "$OUT/models/$shape/zkmlp_inputs.json" \
        ${scale_args[@]+"${scale_args[@]}"}
    echo "    zkmlp: $(summary_line "$dir/zkmlp.json" "$dir/zkmlp.time")" >&2
}

summary_line() {
    "$VPY" - "$1" "$2" <<'PY'
import json, re, sys
r = json.loads(open(sys.argv[1]).read().splitlines()[-1])
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(sys.argv[2]).read()).group(1))
print(f"k = {r['k']}, scale bits {r['scale_bits']}, setup {r['keygen_s']:.2f} s, prove {r['prove_s']:.3f} s, "
      f"verify {r['verify_ms']:.1f} ms, {r['proof_bytes']} B, peak RSS {rss / 1024:.0f} MiB")
PY
}

rm -rf "$OUT/runs" "$OUT/results.json" "$OUT/table.md"
for ((run = 1; run <= RUNS; run++)); do
    for shape in "${SELECTED[@]}"; do
        dir="$OUT/runs/$shape/run$run"
        mkdir -p "$dir"
        echo "==> run $run/$RUNS, $shape" >&2
        if ((run % 2 == 1)); then
            run_ezkl "$shape" "$dir"
            run_zkmlp "$shape" "$dir"
        else
            run_zkmlp "$shape" "$dir"
            run_ezkl "$shape" "$dir"
        fi
    done
done

# --- 5. table ----------------------------------------------------------------------------------
echo >&2
"$VPY" scripts/ezkl_bench/summarize.py "$OUT/runs" "$OUT/results.json" "$OUT/table.md" \
    --load-start "$LOAD_START" || die "summarize.py failed"
echo >&2
echo "raw results: $OUT/results.json; table: $OUT/table.md" >&2
