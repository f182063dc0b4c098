#!/usr/bin/env python3
"""Trains the PyTorch tutorial's LeNet-5 on MNIST and writes the checkpoint and the accuracy
PyTorch measures with it: the fixture of the Rust test that `infer eval --weights F --model
lenet5` gives, on the same checkpoint, the test accuracy PyTorch computes.

Model: `LeNet5` of shared/peers/torch_peer.py (imported from there, with its IDX reader and
its seeded batching): conv1 5x5 1->6, ReLU, max-pool 2, conv2 5x5 6->16, ReLU, max-pool 2,
fc1 400->120, ReLU, fc2 120->84, ReLU, fc3 84->10.

Preprocessing (the tutorial's, on PIL images as torchvision's MNIST dataset yields them): each
28x28 uint8 image -> PIL "L" image -> transforms.Resize(32) (bilinear, antialias default; Pillow
itself resamples, rounding to uint8 after each pass, as our data/src/resize.rs does) ->
ToTensor() -> Normalize((0.1307,), (0.3081,)). The transform is deterministic, so it is applied
once to all 70,000 images up front.

Training: torch.manual_seed(0) (with random/numpy), 2 threads, SGD lr 0.01 momentum 0.5,
batch 64, 2 epochs, cross-entropy; each epoch shuffled by a torch.randperm from a generator
seeded 0, last partial batch kept (torch_peer.py's "manual" batching). Evaluation: eval mode,
no_grad, all 10,000 test images, batches of 1000.

Writes into --out (default /tmp/pretrained):

  lenet5-mnist-pytorch.pth   torch.save(model.state_dict()): a plain state dict,
                             conv1.weight, conv1.bias, ..., fc3.bias
  lenet5-mnist-pytorch.json  {"test_accuracy": correct / 10000, "correct", "total": 10000,
                             "torch", "preprocessing", "epochs": 2, "seed": 0,
                             "misclassified_per_class": {"0": n, ..., "9": n}, ...}
                             and, under "resize_variants", the accuracy of the same checkpoint
                             when the resize is instead F.interpolate(bilinear,
                             align_corners=False) on float tensors (and torchvision's resize on
                             uint8 tensors, as torch_peer.py does), to show whether the resize
                             implementation matters for this checkpoint.

    ~/.venvs/peer/bin/python scripts/parity/train_lenet5_pth.py [--out DIR] [--data-dir DIR]

--data-dir is the folder with the four MNIST files ({train,t10k}-{images-idx3,labels-idx1}-
ubyte.gz), or one holding mnist/ (default: ../shared/data/mnist beside this repository).
"""

import argparse
import hashlib
import json
import os
import platform
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
import torchvision
import torchvision.transforms.functional as TF
from PIL import Image
from torchvision import transforms
from torchvision.transforms import InterpolationMode

SCRIPT_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.normpath(os.path.join(SCRIPT_DIR, "..", ".."))
SHARED_DIR = os.path.normpath(os.path.join(REPO_ROOT, "..", "shared"))
DEFAULT_PEER_DIR = os.path.join(SHARED_DIR, "peers")
DEFAULT_DATA_DIR = os.path.join(SHARED_DIR, "data", "mnist")

MEAN, STD = 0.1307, 0.3081
SEED = 0
EPOCHS = 2
BATCH = 64
TEST_BATCH = 1000
LR = 0.01
MOMENTUM = 0.5
THREADS = 2

PREPROCESSING = (
    "28x28 uint8 -> PIL 'L' image -> transforms.Resize(32) (bilinear, antialias=True; Pillow) "
    "-> ToTensor() -> Normalize((0.1307,), (0.3081,))"
)

sys.dont_write_bytecode = True  # no __pycache__ beside torch_peer.py


def log(msg):
    print(msg, flush=True)


def import_peer(peer_dir):
    path = os.path.join(peer_dir, "torch_peer.py")
    if not os.path.isfile(path):
        sys.exit(f"torch_peer.py not found in {peer_dir} (use --peer-dir)")
    sys.path.insert(0, peer_dir)
    import torch_peer  # noqa: E402

    return torch_peer


def mnist_dir(data_dir):
    """The folder with the IDX files: data_dir itself, or data_dir/mnist."""
    name = "train-images-idx3-ubyte.gz"
    for d in (data_dir, os.path.join(data_dir, "mnist")):
        if os.path.isfile(os.path.join(d, name)):
            return d
    sys.exit(f"no {name} in {data_dir} or {os.path.join(data_dir, 'mnist')}")


def load_split(peer, d, prefix):
    """uint8 [N, 28, 28] numpy images, int64 [N] labels."""
    x = peer.read_idx(os.path.join(d, f"{prefix}-images-idx3-ubyte.gz"))
    y = peer.read_idx(os.path.join(d, f"{prefix}-labels-idx1-ubyte.gz"))
    assert x.shape[0] == y.shape[0] and x.shape[1:] == (28, 28), x.shape
    return x, torch.from_numpy(y.astype(np.int64))


# The tutorial's transform, applied to PIL images exactly as a torchvision dataset would.
TUTORIAL_TRANSFORM = transforms.Compose(
    [transforms.Resize(32), transforms.ToTensor(), transforms.Normalize((MEAN,), (STD,))]
)


def to_pil(a):
    """A 28x28 uint8 array as a PIL "L" image (what torchvision's MNIST dataset yields)."""
    img = Image.fromarray(a)
    assert img.mode == "L" and img.size == (28, 28), (img.mode, img.size)
    return img


def prep_pil(images):
    """[N, 1, 32, 32] float32 through TUTORIAL_TRANSFORM, one PIL image at a time."""
    return torch.stack([TUTORIAL_TRANSFORM(to_pil(a)) for a in images])


def prep_float_interpolate(images):
    """Variant: ToTensor scaling to [0, 1] first, then F.interpolate(bilinear,
    align_corners=False) on float (no uint8 rounding), then Normalize."""
    x = torch.from_numpy(images.copy()).unsqueeze(1).float().div(255.0)
    x = F.interpolate(x, size=(32, 32), mode="bilinear", align_corners=False)
    return (x - MEAN) / STD


def prep_tensor_uint8(images):
    """Variant: torchvision's resize on a uint8 tensor (antialias=True), as torch_peer.py
    does, then ToTensor scaling and Normalize."""
    x = torch.from_numpy(images.copy()).unsqueeze(1)
    x = TF.resize(x, [32, 32], interpolation=InterpolationMode.BILINEAR, antialias=True)
    return (x.float() / 255.0 - MEAN) / STD


@torch.no_grad()
def predict(model, x):
    model.eval()
    return torch.cat([model(x[i : i + TEST_BATCH]).argmax(1) for i in range(0, x.shape[0], TEST_BATCH)])


def score(pred, y):
    wrong = pred != y
    per_class = {str(c): int((wrong & (y == c)).sum()) for c in range(10)}
    correct = int((~wrong).sum())
    return {"test_accuracy": correct / y.shape[0], "correct": correct, "total": int(y.shape[0]),
            "misclassified_per_class": per_class}


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default="/tmp/pretrained", help="output folder (default /tmp/pretrained)")
    p.add_argument("--data-dir", default=DEFAULT_DATA_DIR,
                   help="folder with the MNIST .gz IDX files, or one holding mnist/ "
                        "(default: ../shared/data/mnist beside the repository)")
    p.add_argument("--peer-dir", default=DEFAULT_PEER_DIR,
                   help="folder of torch_peer.py (default: ../shared/peers beside the repository)")
    args = p.parse_args()

    peer = import_peer(args.peer_dir)
    torch.set_num_threads(THREADS)
    d = mnist_dir(args.data_dir)

    t0 = time.perf_counter()
    xtr8, ytr = load_split(peer, d, "train")
    xte8, yte = load_split(peer, d, "t10k")
    xtr, xte = prep_pil(xtr8), prep_pil(xte8)
    prep_s = time.perf_counter() - t0
    log(f"data: train {list(xtr.shape)} test {list(xte.shape)} from {d}; PIL preprocessing {prep_s:.1f}s")

    peer.seed_everything(SEED)  # random, numpy, torch.manual_seed(0)
    model = peer.LeNet5()
    opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    gen = torch.Generator()
    gen.manual_seed(SEED)

    epochs = []
    t_train = time.perf_counter()
    for ep in range(1, EPOCHS + 1):
        tr = peer.train_epoch(model, opt, xtr, ytr, BATCH, gen, "manual", torch.device("cpu"))
        ev = score(predict(model, xte), yte)
        epochs.append({"epoch": ep, "train_loss": round(tr["train_loss"], 5),
                       "train_acc": round(tr["train_acc"], 5), "train_time_s": round(tr["train_time_s"], 3),
                       "test_accuracy": ev["test_accuracy"]})
        log(f"epoch {ep}/{EPOCHS}: train_loss {tr['train_loss']:.4f} train_acc {tr['train_acc']:.4f} "
            f"test_acc {ev['test_accuracy']:.4f} | {tr['train_time_s']:.2f}s "
            f"({xtr.shape[0] / tr['train_time_s']:.0f} img/s)")
    train_s = time.perf_counter() - t_train

    pred = predict(model, xte)
    main_score = score(pred, yte)

    # The same checkpoint with the test images resized another way.
    variants = {}
    pil_u8 = torch.round(xte * STD * 255.0 + MEAN * 255.0)  # back to the uint8 values Pillow gave
    for name, how, fn in (
        ("float_interpolate", "x/255 on float, F.interpolate(size=32, mode='bilinear', "
         "align_corners=False), Normalize", prep_float_interpolate),
        ("tensor_uint8_resize", "torchvision.transforms.functional.resize on a uint8 tensor "
         "(bilinear, antialias=True), /255, Normalize (as torch_peer.py)", prep_tensor_uint8),
    ):
        xv = fn(xte8)
        pv = predict(model, xv)
        s = score(pv, yte)
        dpix = (xv * STD * 255.0 + MEAN * 255.0 - pil_u8).abs()
        variants[name] = {
            "resize": how,
            "test_accuracy": s["test_accuracy"], "correct": s["correct"],
            "misclassified_per_class": s["misclassified_per_class"],
            "predictions_differing_from_pil": int((pv != pred).sum()),
            "max_abs_pixel_diff_from_pil_0_255": round(float(dpix.max()), 4),
            "pixels_differing_from_pil_by_0_5_or_more": int((dpix >= 0.5 - 1e-3).sum()),
        }
        log(f"variant {name}: acc {s['test_accuracy']:.4f} ({s['correct']}), "
            f"{variants[name]['predictions_differing_from_pil']} predictions differ from the PIL pipeline, "
            f"max |pixel diff| {variants[name]['max_abs_pixel_diff_from_pil_0_255']} /255")

    os.makedirs(args.out, exist_ok=True)
    pth = os.path.join(args.out, "lenet5-mnist-pytorch.pth")
    torch.save(model.state_dict(), pth)
    result = {
        "test_accuracy": main_score["test_accuracy"],
        "correct": main_score["correct"],
        "total": main_score["total"],
        "misclassified_per_class": main_score["misclassified_per_class"],
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "pillow": Image.__version__,
        "python": platform.python_version(),
        "preprocessing": PREPROCESSING,
        "model": "LeNet5 of shared/peers/torch_peer.py (conv 1-6-16 5x5, ReLU, max-pool 2, fc 400-120-84-10)",
        "optimizer": f"SGD(lr={LR}, momentum={MOMENTUM})",
        "batch_size": BATCH,
        "epochs": EPOCHS,
        "seed": SEED,
        "threads": THREADS,
        "per_epoch": epochs,
        "train_time_s": round(train_s, 2),
        "preprocessing_time_s": round(prep_s, 2),
        "resize_variants": variants,
        "pth": os.path.basename(pth),
        "pth_sha256": sha256(pth),
        "pth_keys": list(model.state_dict().keys()),
    }
    js = os.path.join(args.out, "lenet5-mnist-pytorch.json")
    with open(js, "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
    log(f"test accuracy {main_score['test_accuracy']:.4f} ({main_score['correct']}/{main_score['total']}); "
        f"training {train_s:.1f}s")
    log(f"wrote {pth} ({os.path.getsize(pth)} bytes) and {js} ({os.path.getsize(js)} bytes)")


if __name__ == "__main__":
    main()
