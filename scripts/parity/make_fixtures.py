#!/usr/bin/env python3
"""Writes PyTorch parity fixtures for the `interop` crate's tests.

For each model (our zoo names), seeded (torch.manual_seed(0) before building; every
BatchNorm2d then gets random affine parameters and running statistics, num_batches_tracked = 7)
and in eval mode, it writes into --out:

  <name>.pth              torch.save(model.state_dict())  (a plain state dict)
  <name>.safetensors      the same tensors, F32 (num_batches_tracked: I64, shape [])
  <name>.io.safetensors   `input` [2, C, H, W] (torch.randn, generator seeded 1) and
                          `logits` [2, classes] (eval mode, no_grad), both F32, and
                          `logits_f64`, the same model run in float64 (F64)
  lenet5-checkpoint.pth   (lenet5 only) {"state_dict": ..., "epoch": 5, "best_acc": 0.98}

Models: lenet5, lenet5-classic, lenet-d2l (10 classes, 1x32x32 / 1x32x32 / 1x28x28);
alexnet-torchvision, vgg11, vgg13, vgg16, vgg19, resnet18, resnet34, resnet50, resnet101,
resnet152, googlenet (torchvision, weights=None, 1000 classes, 3x224x224; googlenet with
aux_logits=True, transform_input=False, init_weights=True, so its state dict has aux1.*/aux2.*).

    python scripts/parity/make_fixtures.py --models lenet5,lenet5-classic,lenet-d2l \\
        --out interop/tests/fixtures
    python scripts/parity/make_fixtures.py --out target/parity      # all models (GBs, minutes)
"""

import argparse
import copy
import os
import pathlib
import sys
import time

import torch

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402


def human(n):
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024


def make(name, out):
    start = time.perf_counter()
    model = common.build_model(name)
    x = common.make_input(name)
    with torch.no_grad():
        logits = model(x)
        # The same network in float64: how far float32 itself is from the exact logits.
        logits_f64 = copy.deepcopy(model).double()(x.double())
    sd = model.state_dict()
    files = {
        f"{name}.pth": lambda p: torch.save(sd, p),
        f"{name}.safetensors": lambda p: common.save_safetensors(p, dict(sd), {"format": "pt"}),
        f"{name}.io.safetensors": lambda p: common.save_safetensors(
            p,
            {"input": x.float(), "logits": logits.float(), "logits_f64": logits_f64},
            {"format": "pt"},
        ),
    }
    if name == "lenet5":
        files["lenet5-checkpoint.pth"] = lambda p: torch.save(
            {"state_dict": sd, "epoch": 5, "best_acc": 0.98}, p
        )
    sizes = []
    for file, write in files.items():
        path = out / file
        write(path)
        sizes.append(f"{file} {human(path.stat().st_size)}")
    print(
        f"{name}: {len(sd)} tensors, logits {list(logits.shape)}, "
        f"{time.perf_counter() - start:.1f} s: " + ", ".join(sizes),
        flush=True,
    )


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", required=True, type=pathlib.Path, help="output folder (created)")
    parser.add_argument(
        "--models",
        default=",".join(common.MODELS),
        help="comma-separated model names (default: all: %(default)s)",
    )
    args = parser.parse_args()
    names = [n.strip() for n in args.models.split(",") if n.strip()]
    unknown = [n for n in names if n not in common.MODELS]
    if unknown:
        parser.error(f"unknown model(s) {', '.join(unknown)}; known: {', '.join(common.MODELS)}")
    args.out.mkdir(parents=True, exist_ok=True)
    for name in names:
        make(name, args.out)


if __name__ == "__main__":
    main()
