#!/usr/bin/env bash
# Training and inference speed, ours (burn, flex CPU backend) and PyTorch's
# (../shared/peers/torch_peer.py), alternately in one go on the same machine, then a markdown
# table of the ratios ours / PyTorch:
#   - LeNet-5 on MNIST 32x32, batch 64, SGD 0.01 m0.5: one epoch of our bare loop (after a
#     warm-up) and the second of two epochs of our Learner (train/examples/bench_train.rs) vs the
#     peer's `lenet5-mnist --epochs 1`;
#   - ResNet-18 (tutorial, 10 classes) on random 3x32x32, batch 128, SGD 0.1 m0.9: 2 warm-up +
#     20 timed steps on both sides (8 left runs 20–30 % apart from one to the next);
#   - inference: infer/examples/bench_infer.rs vs the peer's lenet5-infer-throughput and
#     resnet18-cifar-throughput (as scripts/bench-infer-vs-pytorch.sh).
# Takes several minutes on 2 cores; run it on a quiet machine. Raw JSON lines stay in the
# temporary folder printed at the end.
# Needs the peer's venv: python3 -m venv ~/.venvs/peer && ~/.venvs/peer/bin/pip install torch torchvision numpy
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PEER_PYTHON:-$HOME/.venvs/peer/bin/python}"
PEER=../shared/peers/torch_peer.py
# The MNIST files the peer reads (../shared/data), unless CNN_DATA_DIR names others.
export CNN_DATA_DIR="${CNN_DATA_DIR:-$(cd ../shared/data && pwd)}"
out="$(mktemp -d)"

# Build first, so that no compilation runs between measurements.
cargo build -q -p train --example bench_train
cargo build -q -p infer --example bench_infer

ours() { cargo run -q -p train --example bench_train -- --only "$@" | tee -a "$out/ours.jsonl"; }
peer() { echo "peer: $*" >&2; "$PY" "$PEER" "$@" --jsonl "$out/torch.jsonl" > /dev/null; }

ours lenet5-mnist-train-bare
peer lenet5-mnist --epochs 1 --test-batch-size 256
ours lenet5-mnist-train-learner --learner-epochs 2
peer resnet18-cifar-throughput --batch-size 128 --warmup 2 --steps 20 --infer-batch-size 256 --infer-steps 20
ours resnet18-cifar-train --resnet-steps 20
cargo run -q -p infer --example bench_infer -- --only lenet5,resnet18 | tee -a "$out/ours.jsonl"
peer lenet5-infer-throughput --big-batch 256

python3 - "$out" <<'PY'
import json, sys
d = sys.argv[1]
ours = [json.loads(l) for l in open(f"{d}/ours.jsonl") if l.startswith("{")]
by = {o["bench"]: o for o in ours}
torch = {j["bench"]: j for j in map(json.loads, open(f"{d}/torch.jsonl"))}
lenet_t = torch["lenet5-mnist"]["epochs"][0]
resnet_t, infer_t = torch["resnet18-cifar-throughput"], torch["lenet5-infer-throughput"]
torch_lenet_train_test = 60000 / (lenet_t["train_time_s"] + lenet_t["eval_time_s"])
bare, learner, resnet = by["lenet5-mnist-train-bare"], by["lenet5-mnist-train-learner"], by["resnet18-cifar-train"]

print()
print("| measure | ours | PyTorch | ours / PyTorch |")
print("| --- | --- | --- | --- |")
def row(name, o, t, unit="img/s"):
    digits = 3 if unit == "ms" else 1
    print(f"| {name} | {o:,.{digits}f} {unit} | {t:,.{digits}f} {unit} | {o / t:.2f}x |")
row("LeNet-5 MNIST train, bare loop, batch 64 (train epoch only)", bare["train_images_per_s"], lenet_t["train_images_per_s"])
row("LeNet-5 MNIST train, Learner, batch 64 (60k / epoch_seconds, incl. test pass) vs PyTorch train epoch only",
    learner["train_images_per_s"], lenet_t["train_images_per_s"])
row("LeNet-5 MNIST, Learner 60k / (train + test pass) vs PyTorch 60k / (train + test pass)",
    learner["train_images_per_s"], torch_lenet_train_test)
row("LeNet-5 MNIST, bare 60k / (train + test pass) vs PyTorch 60k / (train + test pass)",
    bare["train_plus_test_images_per_s"], torch_lenet_train_test)
row("ResNet-18 3x32x32 train, batch 128", resnet["train_images_per_s"], resnet_t["train_images_per_s"])
for o in ours:
    if o["bench"] == "lenet5-infer":
        row(f"LeNet-5 inference batch-1 latency p50 ({o['backend']}; lower is better)",
            o["latency_ms_p50"], infer_t["batch1_latency_median_us"] / 1000, "ms")
        row(f"LeNet-5 inference batch 256 ({o['backend']})", o["infer_images_per_s"], infer_t["big_batch_images_per_s"])
    elif o["bench"] == "resnet18-infer":
        row(f"ResNet-18 inference batch 256 ({o['backend']})", o["infer_images_per_s"], resnet_t["infer_images_per_s"])
print()
print(f"Learner / bare loop, train images/s: {learner['train_images_per_s'] / bare['train_images_per_s']:.3f} "
      f"(Learner figure includes the test pass); vs bare train + test pass: "
      f"{learner['train_images_per_s'] / bare['train_plus_test_images_per_s']:.3f}")
print(f"PyTorch lenet5-mnist epoch 1: train {lenet_t['train_time_s']} s, test pass {lenet_t['eval_time_s']} s, "
      f"test_acc {lenet_t['test_acc']}; resnet18 last loss {resnet_t['last_train_loss']}")
print(f"raw JSON lines: {d}/ours.jsonl, {d}/torch.jsonl")
PY
