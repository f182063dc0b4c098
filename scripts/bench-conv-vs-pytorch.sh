#!/usr/bin/env bash
# Per-operation 3x3 convolution timings, ours (train/examples/bench_conv.rs, flex) and
# PyTorch's (scripts/bench_conv.py, CPU, 2 threads), one after the other on the same machine,
# then a markdown table of the ratios PyTorch time / our time (above 1 = we are faster) for the
# forward pass, the input gradient and the weight gradient of each layer shape.
# Run it on a quiet machine. Needs the peer's venv (see scripts/bench-vs-pytorch.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PEER_PYTHON:-$HOME/.venvs/peer/bin/python}"
out="$(mktemp -d)"
cargo build -q -p train --example bench_conv
cargo run -q -p train --example bench_conv | tee "$out/ours.jsonl"
"$PY" scripts/bench_conv.py | tee "$out/torch.jsonl"
python3 - "$out" <<'PY'
import json, sys
d = sys.argv[1]
load = lambda f: [json.loads(l) for l in open(f"{d}/{f}") if l.startswith("{")]
print()
print("| N x C_in -> C_out, HxW, stride | forward ours / torch (ms) | input grad | weight grad |")
print("| --- | --- | --- | --- |")
for o, t in zip(load("ours.jsonl"), load("torch.jsonl")):
    cells = []
    for k in ("forward_ms", "input_grad_ms", "weight_grad_ms"):
        ratio = t[k] / o[k] if o[k] > 0 else float("nan")
        cells.append(f"{o[k]:.1f} / {t[k]:.1f} ({ratio:.2f}x)")
    print(f"| {o['n']} x {o['c_in']} -> {o['c_out']}, {o['hw']}x{o['hw']}, s{o['stride']} | " + " | ".join(cells) + " |")
PY
echo "raw JSON lines: $out"
