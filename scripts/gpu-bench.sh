#!/usr/bin/env bash
# GPU speed, ours (burn's wgpu backend: Vulkan, autotune, fusion, the `persistence` kernel
# cache) against PyTorch CUDA eager fp32 (../shared/peers/torch_peer.py), on one machine in one
# go; prints JSON lines and a markdown table of the ratios ours / PyTorch:
#   - ResNet-18 (tutorial, 10 classes) on random 3x32x32, batch 256, SGD 0.1 m0.9: 5 warm-up +
#     50 timed steps on both sides; the peer twice, with cuDNN's default TF32 convolutions and
#     with `torch.backends.cudnn.allow_tf32 = False` (plain fp32, as burn's kernels are);
#   - LeNet-5 on MNIST 32x32, batch 64, SGD 0.01 m0.5: our bare loop, 2 epochs (the second is
#     the figure), through burn's DataLoader and with the split resident on the GPU
#     (`--bare-resident`, the peer's way), against the peer's `lenet5-mnist --epochs 2`;
#   - inference: infer/examples/bench_infer.rs against the peer's lenet5-infer-throughput and
#     resnet18-cifar-throughput;
#   - PROFILE=1: 12 ResNet-18 steps under cubecl's profiling logger, one line per kernel with its
#     GPU time ($out/profile.log), summed per kernel at the end;
#   - cold start: LeNet-5 through the Learner (preset lenet5-mnist, 2 epochs) twice, the first
#     time with an empty kernel cache (CLEAR_DRIVER_CACHE=1: the driver's too); the first epoch
#     of each run against its second.
# With an empty autotune cache the first ResNet-18 step takes about 95 s on an H100 (printed on
# stderr); the whole script about 7 minutes.
#
# The binaries are built on a machine with a registry and taken to the GPU machine:
#   cargo build -p train -p infer --example bench_train --example bench_infer \
#       --features train/wgpu,infer/wgpu
#   strip target/debug/examples/bench_{train,infer}   # 280 / 250 MB -> 111 / 97 MB
#   xz -6 ...                                         # -> 20 / 17 MB to carry
# Then, there: BIN=dir-with-both-binaries PEER=path/to/torch_peer.py scripts/gpu-bench.sh
# (MNIST as `train` finds it: CNN_DATA_DIR; the peer reads its own --data-dir default).
# Needs a Vulkan loader and the NVIDIA Vulkan driver (VK_DRIVER_FILES), and python3 with torch.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN="${BIN:-target/debug/examples}"
PEER="${PEER:-../shared/peers/torch_peer.py}"
PY="${PEER_PYTHON:-python3}"
out="${JSONL_DIR:-$(mktemp -d)}"
mkdir -p "$out"
for f in ours torch torch_fp32 extra; do : > "$out/$f.jsonl"; done
RESNET=(--only resnet18-cifar-train --resnet-batch 256 --resnet-warmup 5 --resnet-steps 50)

# ours [TIMEOUT] ARGS...: bench_train on wgpu, its JSON lines to ours.jsonl
ours() { echo "ours: ${*:2}" >&2; timeout "$1" "$BIN/bench_train" --backend wgpu "${@:2}" | tee -a "$out/ours.jsonl"; }
# extra NAME TIMEOUT ARGS...: the same, renamed NAME, to extra.jsonl
extra() {
    echo "ours ($1): ${*:3}" >&2
    timeout "$2" "$BIN/bench_train" --backend wgpu "${@:3}" \
        | sed "s/\"bench\":\"[^\"]*\"/\"bench\":\"$1\"/" | tee -a "$out/extra.jsonl"
}
peer() { echo "peer: $*" >&2; timeout 180 "$PY" "$PEER" "$@" --device cuda --threads 16 --jsonl "$out/torch.jsonl" > /dev/null; }

ours 300 "${RESNET[@]}"
peer resnet18-cifar-throughput --batch-size 256 --warmup 5 --steps 50 --infer-batch-size 256 --infer-steps 50
echo "peer: resnet18-cifar-throughput, cudnn.allow_tf32 = False" >&2
timeout 180 "$PY" -c "import sys, runpy, torch; torch.backends.cudnn.allow_tf32 = False; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')" \
    "$PEER" resnet18-cifar-throughput --batch-size 256 --warmup 5 --steps 50 --infer-batch-size 256 \
    --infer-steps 50 --device cuda --threads 16 --jsonl "$out/torch_fp32.jsonl" > /dev/null
ours 300 --only lenet5-mnist-train-bare --bare-epochs 2
ours 300 --only lenet5-mnist-train-bare --bare-epochs 2 --bare-resident
peer lenet5-mnist --epochs 2 --test-batch-size 256
echo "ours: bench_infer" >&2
timeout 300 "$BIN/bench_infer" --only lenet5,resnet18 | tee -a "$out/ours.jsonl"
peer lenet5-infer-throughput --big-batch 256
if [ "${PROFILE:-0}" = 1 ]; then
    # cubecl reads cubecl.toml from the working directory (this checkout's root)
    printf '[profiling.logger]\nlevel = "basic"\nfile = "%s"\n' "$out/profile.log" > cubecl.toml
    extra resnet18-profiled 300 --only resnet18-cifar-train --resnet-batch 256 --resnet-warmup 2 --resnet-steps 10
    rm -f cubecl.toml
fi
# Cold start. The kernel cache of `persistence` lives in target/environment (the workspace's
# target dir); NVIDIA's driver keeps its own shader cache in ~/.cache/nvidia, cleared too with
# CLEAR_DRIVER_CACHE=1 (as for the README's figures; it is the user's, so not by default).
rm -rf target/environment
[ "${CLEAR_DRIVER_CACHE:-0}" = 1 ] && rm -rf ~/.cache/nvidia
extra learner-cold 300 --only lenet5-mnist-train-learner --learner-epochs 2
extra learner-warm 300 --only lenet5-mnist-train-learner --learner-epochs 2

"$PY" - "$out" <<'PY'
import collections, json, re, sys
d = sys.argv[1]
def lines(name):
    try:
        return [json.loads(l) for l in open(f"{d}/{name}") if l.startswith("{")]
    except FileNotFoundError:
        return []
ours = {o["bench"] + "/" + o["backend"]: o for o in lines("ours.jsonl")}
torch = {t["bench"]: t for t in lines("torch.jsonl")}
torch_fp32 = {t["bench"]: t for t in lines("torch_fp32.jsonl")}
extra = {c["bench"]: c for c in lines("extra.jsonl")}
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
resnet = torch.get("resnet18-cifar-throughput", {})
resnet_fp32 = torch_fp32.get("resnet18-cifar-throughput", {})
ours_resnet = ours.get("resnet18-cifar-train/wgpu", {}).get("train_images_per_s")
row("ResNet-18 3x32x32 train, batch 256 (PyTorch: TF32 convolutions, its default)", ours_resnet,
    resnet.get("train_images_per_s"))
row("ResNet-18 3x32x32 train, batch 256 (PyTorch: cudnn.allow_tf32 = False)", ours_resnet,
    resnet_fp32.get("train_images_per_s"))
lenet = torch.get("lenet5-mnist", {}).get("epochs", [])
peer_lenet = lenet[-1]["train_images_per_s"] if lenet else None
row("LeNet-5 MNIST train, batch 64, bare loop (2nd epoch)",
    ours.get("lenet5-mnist-train-bare/wgpu", {}).get("train_images_per_s"), peer_lenet)
row("LeNet-5 MNIST train, batch 64, bare loop, split resident on the GPU",
    ours.get("lenet5-mnist-train-bare-resident/wgpu", {}).get("train_images_per_s"), peer_lenet)
row("ResNet-18 inference, batch 256", ours.get("resnet18-infer/wgpu", {}).get("infer_images_per_s"),
    resnet.get("infer_images_per_s"))
li = torch.get("lenet5-infer-throughput", {})
lo = ours.get("lenet5-infer/wgpu", {})
row("LeNet-5 inference, batch 256", lo.get("infer_images_per_s"), li.get("big_batch_images_per_s"))
row("LeNet-5 inference batch-1 latency p50 (ratio: PyTorch / ours)", lo.get("latency_ms_p50"),
    li["batch1_latency_median_us"] / 1000 if li else None, "ms")
for name in ("learner-cold", "learner-warm"):
    c = extra.get(name)
    if c:
        e = c["epoch_seconds"]
        print(f"\n{name}: epoch seconds {e} (first / second = {e[0] / e[-1]:.2f}), test accuracy {c['test_accuracy']}")
warm = extra.get("learner-warm")
if warm and lenet:
    t = lenet[-1]["train_time_s"] + lenet[-1]["eval_time_s"]
    print(f"Learner, last epoch incl. test pass: {warm['epoch_seconds'][-1]} s against PyTorch's train + test {t:.3f} s ({t / warm['epoch_seconds'][-1]:.2f}x)")
try:
    units = {"ns": 1e-6, "µs": 1e-3, "us": 1e-3, "ms": 1.0, "s": 1e3}
    per_kernel = collections.defaultdict(lambda: [0, 0.0])
    for l in open(f"{d}/profile.log"):
        m = re.match(r".*?\|\s*([0-9.]+)(ns|µs|us|ms|s)\s*\|\s*(.*)$", l)
        if m:
            k = per_kernel[re.sub(r"<.*", "", m.group(3))[:80]]
            k[0] += 1
            k[1] += float(m.group(1)) * units[m.group(2)]
    total = sum(t for _, t in per_kernel.values())
    print(f"\nprofile: 12 ResNet-18 steps (2 warm-up + 10), {total:.1f} ms of kernels; the top 12:")
    for name, (count, t) in sorted(per_kernel.items(), key=lambda kv: -kv[1][1])[:12]:
        print(f"  {t:8.2f} ms {100 * t / total:5.1f} % {count:6d}x  {name}")
except FileNotFoundError:
    pass
print(f"raw JSON lines: {d}")
PY
