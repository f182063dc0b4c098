"""A short training run of the `fashion-best` recipe in PyTorch, to set beside ours after the
change to torchvision's initialization (issue 20): ResNet-10 at a quarter of the width (CIFAR
stem, widths 16-32-64-128, one basic block per stage, 308,538 parameters, as the zoo's
`resnet10-narrow`) on Fashion-MNIST 28x28 normalized with 0.2860 / 0.3530, random crops with
2 pixels of zero padding and horizontal flips, SGD 0.1 Nesterov momentum 0.9 weight decay 5e-4,
batch 128, one-cycle as `train` defines it (linear from lr/25 to lr over the first 30 % of the
steps, then cosine to 0), for --epochs epochs.

--init torchvision re-draws the weights as torchvision's ResNet does (Kaiming normal on the
fan-out for every convolution); --init default keeps PyTorch's layer defaults (what burn's
layers do too). Prints one JSON line: the test accuracy and mean training loss of each epoch.

    ~/.venvs/peer/bin/python scripts/parity/resnet_init_run.py --init torchvision --epochs 3 --seed 1
"""

import argparse
import gzip
import json
import math
import os
import struct
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    _, _, ndim = struct.unpack(">HBB", data[:4])
    dims = struct.unpack(">" + "I" * ndim, data[4 : 4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load(data_dir, split):
    prefix = "train" if split == "train" else "t10k"
    folder = os.path.join(data_dir, "fashion-mnist")
    names = os.listdir(folder)

    def find(stem):
        return os.path.join(folder, next(n for n in names if n.startswith(stem)))

    images = read_idx(find(f"{prefix}-images-idx3-ubyte"))
    labels = read_idx(find(f"{prefix}-labels-idx1-ubyte"))
    x = (torch.from_numpy(images.astype(np.float32) / 255.0) - 0.2860) / 0.3530
    return x.unsqueeze(1), torch.from_numpy(labels.astype(np.int64))


class BasicBlock(nn.Module):
    def __init__(self, c_in, c_out, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.downsample = None
        if stride != 1 or c_in != c_out:
            self.downsample = nn.Sequential(
                nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out)
            )

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + (x if self.downsample is None else self.downsample(x)))


class ResNet10Narrow(nn.Module):
    def __init__(self, in_ch=1, classes=10, width=16):
        super().__init__()
        self.conv1 = nn.Conv2d(in_ch, width, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        widths = [width, 2 * width, 4 * width, 8 * width]
        blocks, c = [], width
        for i, w in enumerate(widths):
            blocks.append(BasicBlock(c, w, 1 if i == 0 else 2))
            c = w
        self.layers = nn.Sequential(*blocks)
        self.fc = nn.Linear(c, classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.layers(x)
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def torchvision_init(model):
    # torchvision/models/resnet.py, ResNet.__init__.
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.constant_(m.weight, 1)
            nn.init.constant_(m.bias, 0)


def augment(x, generator):
    n = x.shape[0]
    padded = F.pad(x, (2, 2, 2, 2), value=(0.0 - 0.2860) / 0.3530)
    dy = torch.randint(0, 5, (n,), generator=generator)
    dx = torch.randint(0, 5, (n,), generator=generator)
    flip = torch.rand(n, generator=generator) < 0.5
    out = torch.empty_like(x)
    for i in range(n):
        crop = padded[i, :, dy[i] : dy[i] + 28, dx[i] : dx[i] + 28]
        out[i] = crop.flip(-1) if flip[i] else crop
    return out


def one_cycle(step, total, lr):
    warmup = max(total * 3 // 10, 1)
    if step < warmup:
        return lr / 25 + (lr - lr / 25) * step / warmup
    t = (step - warmup) / max(total - warmup, 1)
    return 0.5 * lr * (1 + math.cos(math.pi * t))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--init", choices=["torchvision", "default"], required=True)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--data-dir", default=os.environ.get("CNN_DATA_DIR", "../shared/data"))
    args = p.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(2)
    generator = torch.Generator().manual_seed(args.seed)
    train_x, train_y = load(args.data_dir, "train")
    test_x, test_y = load(args.data_dir, "test")
    model = ResNet10Narrow()
    if args.init == "torchvision":
        torchvision_init(model)
    params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4)
    batch = 128
    steps_per_epoch = math.ceil(len(train_x) / batch)
    total = steps_per_epoch * args.epochs
    step, epochs, start = 0, [], time.time()
    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(len(train_x), generator=generator)
        losses = []
        for b in range(steps_per_epoch):
            idx = order[b * batch : (b + 1) * batch]
            for group in opt.param_groups:
                group["lr"] = one_cycle(step, total, 0.1)
            loss = F.cross_entropy(model(augment(train_x[idx], generator)), train_y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
            step += 1
        model.eval()
        with torch.no_grad():
            correct = sum(
                (model(test_x[i : i + 1000]).argmax(1) == test_y[i : i + 1000]).sum().item()
                for i in range(0, len(test_x), 1000)
            )
        epochs.append({"epoch": epoch + 1, "train_loss": round(float(np.mean(losses)), 4),
                       "test_accuracy": correct / len(test_x)})
    print(json.dumps({"bench": "resnet10-narrow-fashion", "framework": "pytorch", "init": args.init,
                      "seed": args.seed, "params": params, "epochs": epochs,
                      "seconds": round(time.time() - start, 1)}))


if __name__ == "__main__":
    main()
