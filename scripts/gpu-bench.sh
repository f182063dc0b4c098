#!/usr/bin/env bash
# GPU speed, ours (burn's wgpu backend: Vulkan, autotune, fusion, the `persistence` kernel
# cache) against PyTorch CUDA eager fp32 (../shared/peers/torch_peer.py), on one machine in one
# go; prints JSON lines and a markdown table of the ratios ours / PyTorch:
#   - cold start: LeNet-5 through the Learner (preset lenet5-mnist, 2 epochs) twice, the first
#     time with an empty kernel cache; the first epoch of each run against its second;
#   - LeNet-5 on MNIST 32x32, batch 64, SGD 0.01 m0.5: our bare loop, 2 epochs (the second is
#     the figure) against the peer's `lenet5-mnist --epochs 2` (its second epoch);
#   - ResNet-18 (tutorial, 10 classes) on random 3x32x32, batch 256, SGD 0.1 m0.9: 5 warm-up +
#     50 timed steps on both sides (ours also with CUBECL_WGPU_MAX_TASKS=128);
#   - inference: infer/examples/bench_infer.rs against the peer's lenet5-infer-throughput and
#     resnet18-cifar-throughput.
#
# The binaries are built on a machine with a registry and taken to the GPU machine:
#   CARGO_TARGET_DIR=target/gpu cargo build -p train -p infer --example bench_train \
#       --example bench_infer --features train/wgpu,infer/wgpu
# Then, there: BIN=dir-with-both-binaries PEER=path/to/torch_peer.py scripts/gpu-bench.sh
# (MNIST as `train` finds it: CNN_DATA_DIR; the peer reads its own --data-dir default).
# Needs a Vulkan loader and the NVIDIA Vulkan driver (VK_DRIVER_FILES), and python3 with torch.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN="${BIN:-target/gpu/debug/examples}"
PEER="${PEER:-../shared/peers/torch_peer.py}"
PY="${PEER_PYTHON:-python3}"
out="${JSONL_DIR:-$(mktemp -d)}"
mkdir -p "$out"
: > "$out/ours.jsonl"
: > "$out/torch.jsonl"

ours() { echo "ours: $*" >&2; timeout "${STEP_TIMEOUT:-300}" "$BIN/bench_train" --backend wgpu "$@" | tee -a "$out/ours.jsonl"; }
peer() { echo "peer: $*" >&2; timeout "${STEP_TIMEOUT:-300}" "$PY" "$PEER" "$@" --device cuda --threads 16 --jsonl "$out/torch.jsonl" > /dev/null; }

# The kernel cache of `persistence` lives in target/environment (the workspace's target dir).
rm -rf target/environment
ours --only lenet5-mnist-train-learner --learner-epochs 2 | sed 's/"bench":"[^"]*"/"bench":"learner-cold"/' >> "$out/cold.jsonl"
ours --only lenet5-mnist-train-learner --learner-epochs 2 | sed 's/"bench":"[^"]*"/"bench":"learner-warm"/' >> "$out/cold.jsonl"
# ResNet-18 with a longer queue per submission (cubecl-wgpu's default is 32 tasks), then the default
CUBECL_WGPU_MAX_TASKS=128 ours --only resnet18-cifar-train --resnet-batch 256 --resnet-warmup 5 --resnet-steps 50 \
    | sed 's/"bench":"[^"]*"/"bench":"resnet18-cifar-train-tasks128"/' >> "$out/variants.jsonl"
# (the default second, so that its line is the last of its name in ours.jsonl)
ours --only resnet18-cifar-train --resnet-batch 256 --resnet-warmup 5 --resnet-steps 50
peer resnet18-cifar-throughput --batch-size 256 --warmup 5 --steps 50 --infer-batch-size 256 --infer-steps 50
ours --only lenet5-mnist-train-bare --bare-epochs 2
peer lenet5-mnist --epochs 2 --test-batch-size 256
echo "ours: bench_infer" >&2
timeout "${STEP_TIMEOUT:-300}" "$BIN/bench_infer" | tee -a "$out/ours.jsonl"
peer lenet5-infer-throughput --big-batch 256

"$PY" - "$out" <<'PY'
import json, sys
d = sys.argv[1]
def lines(name):
    try:
        return [json.loads(l) for l in open(f"{d}/{name}") if l.startswith("{")]
    except FileNotFoundError:
        return []
ours = {o["bench"] + "/" + o["backend"]: o for o in lines("ours.jsonl")}
torch = {t["bench"]: t for t in lines("torch.jsonl")}
cold = {c["bench"]: c for c in lines("cold.jsonl")}
variants = {v["bench"]: v for v in lines("variants.jsonl")}
gpu = next((t["env"].get("gpu") for t in torch.values() if "env" in t), "?")
print(f"\nGPU: {gpu}\n")
print("| measure | ours (wgpu) | PyTorch CUDA | ours / PyTorch |")
print("| --- | --- | --- | --- |")
def row(name, o, t, unit="img/s"):
    if o is None or t is None:
        print(f"| {name} | {o} | {t} | - |")
        return
    digits = 3 if unit == "ms" else 0
    ratio = t / o if unit == "ms" else o / t
    print(f"| {name} | {o:,.{digits}f} {unit} | {t:,.{digits}f} {unit} | {ratio:.2f}x |")
lenet = torch.get("lenet5-mnist", {}).get("epochs", [])
bare = ours.get("lenet5-mnist-train-bare/wgpu", {})
row("LeNet-5 MNIST train, batch 64, bare loop (2nd epoch)", bare.get("train_images_per_s"),
    lenet[-1]["train_images_per_s"] if lenet else None)
resnet = torch.get("resnet18-cifar-throughput", {})
row("ResNet-18 3x32x32 train, batch 256", ours.get("resnet18-cifar-train/wgpu", {}).get("train_images_per_s"),
    resnet.get("train_images_per_s"))
row("ResNet-18 3x32x32 train, batch 256, CUBECL_WGPU_MAX_TASKS=128",
    variants.get("resnet18-cifar-train-tasks128", {}).get("train_images_per_s"), resnet.get("train_images_per_s"))
row("ResNet-18 inference, batch 256", ours.get("resnet18-infer/wgpu", {}).get("infer_images_per_s"),
    resnet.get("infer_images_per_s"))
li = torch.get("lenet5-infer-throughput", {})
lo = ours.get("lenet5-infer/wgpu", {})
row("LeNet-5 inference, batch 256", lo.get("infer_images_per_s"), li.get("big_batch_images_per_s"))
row("LeNet-5 inference batch-1 latency p50 (ratio: PyTorch / ours)", lo.get("latency_ms_p50"),
    li["batch1_latency_median_us"] / 1000 if li else None, "ms")
for name in ("learner-cold", "learner-warm"):
    c = cold.get(name)
    if c:
        e = c["epoch_seconds"]
        print(f"\n{name}: epoch seconds {e} (first / second = {e[0] / e[-1]:.2f}), test accuracy {c['test_accuracy']}")
warm = cold.get("learner-warm")
if warm and lenet:
    t = lenet[-1]["train_time_s"] + lenet[-1]["eval_time_s"]
    print(f"Learner, last epoch incl. test pass: {warm['epoch_seconds'][-1]} s against PyTorch's train + test {t:.3f} s ({t / warm['epoch_seconds'][-1]:.2f}x)")
if lenet:
    print(f"PyTorch lenet5-mnist epochs: " + ", ".join(f"{x['train_time_s']} s" for x in lenet))
print(f"raw JSON lines: {d}")
PY
