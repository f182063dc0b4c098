#!/usr/bin/env python3
"""Checks a safetensors file exported by our Rust side against PyTorch and the fixtures of
make_fixtures.py.

    python scripts/parity/check_export.py --fixtures interop/tests/fixtures \\
        --model lenet5 --exported /tmp/lenet5.safetensors

It builds the same PyTorch model as make_fixtures.py, loads the exported file into it with
load_state_dict(strict=True), runs the fixture's `input` in eval mode and compares with the
fixture's `logits` (max abs difference), and compares every tensor of the file with the
fixture's <name>.pth state dict byte for byte (same dtype, shape and bytes). Batch-norm
`num_batches_tracked` counters are left out of that comparison (our side cannot keep the step
count) and reported separately. For googlenet, whose fixture has the auxiliary classifiers
(aux1.*, aux2.*) that our network does not have, the model's aux heads are dropped before the
strict load when the file has no aux keys (an eval-mode forward never uses them).

Prints one JSON line {"model", "strict_load", "max_abs_logit_diff", "tensors_identical",
"tensors_different", "num_batches_tracked", "ok"} and exits 1 unless the strict load
succeeded, the difference is <= 1e-4 and all tensors are identical.
"""

import argparse
import json
import math
import os
import pathlib
import sys

import torch

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

TOLERANCE = 1e-4


def is_counter(key):
    return key == "num_batches_tracked" or key.endswith(".num_batches_tracked")


def is_aux(key):
    return key.startswith("aux1.") or key.startswith("aux2.")


def same_tensor(a, b):
    """None if a and b have the same dtype, shape and bytes, else why not."""
    if a.dtype != b.dtype:
        return f"dtype {a.dtype} vs fixture {b.dtype}"
    if list(a.shape) != list(b.shape):
        return f"shape {list(a.shape)} vs fixture {list(b.shape)}"
    if common.tensor_bytes(a) != common.tensor_bytes(b):
        diff = (a.double() - b.double()).abs().max().item() if a.is_floating_point() else None
        return "bytes differ" + (f" (max abs diff {diff:.3e})" if diff is not None else "")
    return None


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--fixtures", required=True, type=pathlib.Path, help="fixture folder")
    parser.add_argument("--model", required=True, choices=list(common.MODELS), help="zoo name")
    parser.add_argument("--exported", required=True, type=pathlib.Path, help="exported .safetensors")
    args = parser.parse_args()
    name = args.model

    exported = common.load_safetensors(args.exported)
    fixture = common.load_pth_state_dict(args.fixtures / f"{name}.pth")
    io = common.load_safetensors(args.fixtures / f"{name}.io.safetensors")

    result = {"model": name}
    model = common.build_model(name)
    drop_aux = name == "googlenet" and not any(is_aux(k) for k in exported)
    if drop_aux:
        model.aux_logits = False
        model.aux1 = None
        model.aux2 = None

    # Strict load and logits.
    strict_error = None
    try:
        model.load_state_dict(exported, strict=True)
    except Exception as e:  # missing/unexpected keys, shape mismatches
        strict_error = " ".join(str(e).split())
    result["strict_load"] = strict_error is None
    if strict_error is not None:
        result["strict_load_error"] = strict_error[:2000]
        result["max_abs_logit_diff"] = None
    else:
        model.eval()
        with torch.no_grad():
            logits = model(io["input"])
        expected = io["logits"]
        if list(logits.shape) != list(expected.shape):
            result["max_abs_logit_diff"] = None
            result["logits_shape"] = [list(logits.shape), list(expected.shape)]
        else:
            diff = (logits.double() - expected.double()).abs().max().item()
            result["max_abs_logit_diff"] = diff if math.isfinite(diff) else str(diff)

    # Byte-for-byte comparison with the fixture's state dict.
    identical = 0
    different = []
    for key in sorted(exported):
        if is_counter(key):
            continue
        if key not in fixture:
            different.append(f"{key}: not in the fixture")
            continue
        why = same_tensor(exported[key], fixture[key])
        if why is None:
            identical += 1
        else:
            different.append(f"{key}: {why}")
    ignored_fixture_keys = 0
    for key in sorted(fixture):
        if is_counter(key) or key in exported:
            continue
        if drop_aux and is_aux(key):
            ignored_fixture_keys += 1
        else:
            different.append(f"{key}: missing from the export")
    result["tensors_identical"] = identical
    result["tensors_different"] = different
    if ignored_fixture_keys:
        result["ignored_fixture_keys"] = ignored_fixture_keys

    # num_batches_tracked, reported on its own.
    counters = sorted(k for k in fixture if is_counter(k) and not (drop_aux and is_aux(k)))
    present = [k for k in counters if k in exported]
    values = sorted({int(exported[k].item()) for k in present if exported[k].numel() == 1})
    result["num_batches_tracked"] = None if not counters and not any(map(is_counter, exported)) else {
        "in_fixture": len(counters),
        "in_export": len([k for k in exported if is_counter(k)]),
        "missing_from_export": len(counters) - len(present),
        "export_values": values,
        "export_dtypes": sorted({str(exported[k].dtype) for k in present}),
        "export_shapes": sorted({str(list(exported[k].shape)) for k in present}),
        "fixture_value": 7 if counters else None,
    }

    diff = result["max_abs_logit_diff"]
    result["ok"] = bool(
        result["strict_load"]
        and isinstance(diff, float)
        and diff <= TOLERANCE
        and not different
    )
    print(json.dumps(result))
    sys.exit(0 if result["ok"] else 1)


if __name__ == "__main__":
    main()
