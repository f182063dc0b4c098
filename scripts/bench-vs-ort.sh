#!/usr/bin/env bash
# CPU inference, ours (burn's flex backend with our kernels, infer/examples/bench_infer.rs)
# against ONNX Runtime (../shared/peers/ort_peer.py: the same models exported to ONNX, CPU
# provider, default graph optimizations, 2 threads), alternately in one go on the same
# machine, ROUNDS times (default 2), then a markdown table of each round's ratios:
#   - lenet5:        LeNet-5 1x32x32, batch 1 and 256;
#   - resnet18:      ResNet-18 (10 classes) on 3x32x32, batch 1 and 256;
#   - resnet18-224:  ResNet-18 (1000 classes) on 3x224x224, batch 1 and 32.
# Latency: lower is better (ours / ORT < 1 means ours is faster); throughput: higher is better.
# Needs the peer's venv with onnx, onnxruntime and onnxscript (../shared/peers/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PEER_PYTHON:-$HOME/.venvs/peer/bin/python}"
ROUNDS="${ROUNDS:-2}"
out="$(mktemp -d)"

cargo build -q -p infer --example bench_infer
for round in $(seq "$ROUNDS"); do
    echo "round $round: ours" >&2
    cargo run -q -p infer --example bench_infer | sed "s/^{/{\"round\":$round,/" | tee -a "$out/ours.jsonl"
    echo "round $round: onnxruntime" >&2
    "$PY" ../shared/peers/ort_peer.py --threads 2 | sed "s/^{/{\"round\":$round,/" | tee -a "$out/ort.jsonl"
done

python3 - "$out" <<'PY'
import json, sys
d = sys.argv[1]
ours = [json.loads(l) for l in open(f"{d}/ours.jsonl") if l.startswith("{")]
ort = {(j["round"], j["bench"]): j for j in map(json.loads, open(f"{d}/ort.jsonl"))}
print()
print("| model | round | batch-1 latency, ours / ORT | big batch images/s, ours / ORT |")
print("| --- | --- | --- | --- |")
for o in ours:
    r = ort.get((o["round"], o["bench"]))
    if r is None or o["backend"] != "flex":
        continue
    big = o["batch"][1]
    print(f"| {o['bench'].removesuffix('-infer')} | {o['round']} "
          f"| {o['latency_ms_p50']:.3f} / {r['latency_ms_p50']:.3f} ms = {o['latency_ms_p50'] / r['latency_ms_p50']:.2f}x "
          f"| {o['infer_images_per_s']:,.0f} / {r['infer_images_per_s']:,.0f} (batch {big}) = {o['infer_images_per_s'] / r['infer_images_per_s']:.2f}x |")
print(f"\nraw JSON lines: {d}/ours.jsonl, {d}/ort.jsonl")
PY
