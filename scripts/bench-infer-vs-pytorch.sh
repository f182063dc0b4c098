#!/usr/bin/env bash
# Inference speed, ours (burn, CPU backends) and PyTorch's (../shared/peers/torch_peer.py) in
# one go on the same machine, then the ratios ours / PyTorch.
# Needs the peer's venv: python3 -m venv ~/.venvs/peer && ~/.venvs/peer/bin/pip install torch torchvision numpy
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PEER_PYTHON:-$HOME/.venvs/peer/bin/python}"
PEER=../shared/peers/torch_peer.py
out="$(mktemp -d)"
cargo run -q -p infer --example bench_infer "$@" -- --only lenet5,resnet18 | tee "$out/ours.jsonl"
"$PY" "$PEER" lenet5-infer-throughput --big-batch 256 --jsonl "$out/torch.jsonl" > /dev/null
"$PY" "$PEER" resnet18-cifar-throughput --steps 2 --warmup 1 --infer-steps 20 --jsonl "$out/torch.jsonl" > /dev/null
python3 - "$out" <<'PY'
import json, sys
d = sys.argv[1]
ours = [json.loads(l) for l in open(f"{d}/ours.jsonl")]
torch = {j["bench"]: j for j in map(json.loads, open(f"{d}/torch.jsonl"))}
lenet, resnet = torch["lenet5-infer-throughput"], torch["resnet18-cifar-throughput"]
print("| model | backend | batch-1 latency ours / PyTorch | batch-256 images/s ours / PyTorch |")
print("| --- | --- | --- | --- |")
for o in ours:
    if o["bench"] == "lenet5-infer":
        lat, ips = lenet["batch1_latency_median_us"] / 1000, lenet["big_batch_images_per_s"]
    else:
        lat, ips = None, resnet["infer_images_per_s"]
    lat_text = f"{o['latency_ms_p50']:.3f} ms / {lat:.3f} ms = {o['latency_ms_p50'] / lat:.2f}x" if lat else f"{o['latency_ms_p50']:.3f} ms / -"
    print(f"| {o['bench']} | {o['backend']} | {lat_text} | {o['infer_images_per_s']:.0f} / {ips:.0f} = {o['infer_images_per_s'] / ips:.2f}x |")
PY
