#!/usr/bin/env bash
# Time to 99 % MNIST test accuracy, ours (`train`, burn's Learner on flex) and PyTorch's
# (../shared/peers/torch_peer.py), one after the other on the same machine, same recipe:
# LeNet-5 (ReLU, max-pool) on MNIST 32x32, SGD lr 0.01 momentum 0.9 (constant), batch 64,
# a test pass after every epoch. For each side: the first epoch whose test accuracy reaches
# 99 %, and the summed seconds of the epochs up to it (training + test pass; data loading
# excluded on both sides). Takes about 2 minutes on 2 cores.
# Needs the peer's venv: python3 -m venv ~/.venvs/peer && ~/.venvs/peer/bin/pip install torch torchvision numpy
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PEER_PYTHON:-$HOME/.venvs/peer/bin/python}"
EPOCHS="${EPOCHS:-12}"
export CNN_DATA_DIR="${CNN_DATA_DIR:-$(cd ../shared/data && pwd)}"
out="$(mktemp -d)"

cargo build -q -p train
cargo run -q -p train -- --epochs "$EPOCHS" --lr 0.01 --momentum 0.9 --out "$out/ours" > /dev/null
"$PY" ../shared/peers/torch_peer.py lenet5-mnist --epochs "$EPOCHS" --lr 0.01 --momentum 0.9 \
    --test-batch-size 256 --jsonl "$out/torch.jsonl" > /dev/null

python3 - "$out" <<'PY'
import csv, json, sys
d = sys.argv[1]
def first_99(epochs):
    """(epoch, accuracy, seconds so far) of the first epoch at >= 99 %, else None."""
    total = 0.0
    for epoch, acc, seconds in epochs:
        total += seconds
        if acc >= 0.99:
            return epoch, acc, total
    return None
ours = [(int(r["epoch"]), float(r["test_acc"]), float(r["epoch_seconds"]))
        for r in csv.DictReader(open(f"{d}/ours/history.csv"))]
torch = [(e["epoch"], e["test_acc"], e["train_time_s"] + e["eval_time_s"])
         for e in json.loads(open(f"{d}/torch.jsonl").readlines()[-1])["epochs"]]
print("| side | first epoch at >= 99 % | test accuracy | seconds to it |")
print("| --- | --- | --- | --- |")
results = {}
for name, epochs in (("ours (train, flex)", ours), ("PyTorch", torch)):
    hit = first_99(epochs)
    results[name] = hit
    if hit:
        print(f"| {name} | {hit[0]} | {hit[1]:.4f} | {hit[2]:.1f} |")
    else:
        print(f"| {name} | not reached in {len(epochs)} epochs | {max(a for _, a, _ in epochs):.4f} | - |")
a, b = results["ours (train, flex)"], results["PyTorch"]
if a and b:
    print(f"\nours / PyTorch time to 99 %: {a[2] / b[2]:.2f}x (lower is better)")
print(f"runs: {d}")
PY
