"""PyTorch counterpart of train/examples/bench_conv.rs: forward, input-gradient and
weight-gradient times of the same 3x3 convolutions (CPU, fp32, torch.set_num_threads(2) by
default), medians of 5 runs after a warm-up, one JSON line per shape with the same fields.

    ~/.venvs/peer/bin/python scripts/bench_conv.py [--threads N]
"""
import argparse
import json
import time

import torch
import torch.nn.functional as F

SHAPES = [
    (128, 16, 16, 28, 1),
    (128, 16, 32, 28, 2),
    (128, 32, 32, 14, 1),
    (128, 64, 64, 7, 1),
    (128, 64, 64, 8, 1),
    (128, 64, 128, 8, 2),
    (128, 128, 128, 4, 1),
    (128, 128, 256, 4, 2),
    (128, 256, 256, 2, 1),
    (128, 256, 512, 2, 2),
    (128, 512, 512, 1, 1),
]


def median_ms(fn, runs=5):
    fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return sorted(times)[len(times) // 2]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    for n, c_in, c_out, side, stride in SHAPES:
        x = torch.rand(n, c_in, side, side)
        w = torch.rand(c_out, c_in, 3, 3)
        with torch.no_grad():
            forward = median_ms(lambda: F.conv2d(x, w, stride=stride, padding=1))

        def backward(x_grad):
            xa = x.clone().requires_grad_(x_grad)
            wa = w.clone().requires_grad_(not x_grad)
            F.conv2d(xa, wa, stride=stride, padding=1).sum().backward()

        input_grad = max(median_ms(lambda: backward(True)) - forward, 0.0)
        weight_grad = max(median_ms(lambda: backward(False)) - forward, 0.0)
        print(json.dumps({
            "bench": "conv3x3", "backend": "torch-cpu", "n": n, "c_in": c_in, "c_out": c_out,
            "hw": side, "stride": stride, "forward_ms": round(forward, 3),
            "input_grad_ms": round(input_grad, 3), "weight_grad_ms": round(weight_grad, 3),
        }))


if __name__ == "__main__":
    main()
