"""Shared pieces of the parity scripts: the PyTorch models of our zoo names (seeded, with
non-trivial batch-norm statistics), and a hand-written safetensors reader/writer (the
`safetensors` package is not needed).

safetensors layout: an 8-byte little-endian u64 N, then N bytes of JSON header
`{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}` (padded
with spaces so that N is a multiple of 8), then the tensors' raw little-endian bytes,
contiguous, in the order of their sorted names; offsets count from the end of the header.
"""

import json
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

# --------------------------------------------------------------------------- models


class LeNet5(nn.Module):
    """Tutorial LeNet-5 for 1x32x32 inputs (ReLU + max-pool); as `LeNet5` in
    shared/peers/torch_peer.py. Ours: `LeNetConfig::lenet5()`."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, num_classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


class LeNetSigmoid(nn.Module):
    """d2l-style LeNet for 1x28x28 inputs (sigmoid, max-pool, no padding); as `LeNetSigmoid`
    in shared/peers/torch_peer.py. Ours: `LeNetConfig::d2l()`."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 4 * 4, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, num_classes)

    def forward(self, x):
        x = F.max_pool2d(torch.sigmoid(self.conv1(x)), 2)
        x = F.max_pool2d(torch.sigmoid(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        x = torch.sigmoid(self.fc1(x))
        x = torch.sigmoid(self.fc2(x))
        return self.fc3(x)


class LeNetClassic(nn.Module):
    """LeCun 1998's LeNet-5 as our `LeNetConfig::classic()` (model/src/lenet.rs) computes it,
    for 1x32x32 inputs:

        C1 conv 5x5 1->6 (conv1), tanh, S2 avg-pool 2x2/2,
        C3 conv 5x5 6->16 (conv2), tanh, S4 avg-pool 2x2/2,
        C5 conv 5x5 16->120 (conv3) on the 16x5x5 maps -> 120x1x1, flatten, tanh,
        F6 linear 120->84 (fc1), tanh, output linear 84->classes (fc2).

    Plain tanh (not 1.7159 tanh(2x/3)), full C3 connectivity, no trainable sub-sampling
    coefficients and a linear output (no RBF), as in our code."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.conv3 = nn.Conv2d(16, 120, 5)
        self.fc1 = nn.Linear(120, 84)
        self.fc2 = nn.Linear(84, num_classes)

    def forward(self, x):
        x = F.avg_pool2d(torch.tanh(self.conv1(x)), 2)
        x = F.avg_pool2d(torch.tanh(self.conv2(x)), 2)
        x = torch.tanh(torch.flatten(self.conv3(x), 1))
        x = torch.tanh(self.fc1(x))
        return self.fc2(x)


def _googlenet():
    return torchvision.models.googlenet(
        weights=None, aux_logits=True, transform_input=False, init_weights=True
    )


# name -> (builder, input shape [C, H, W])
MODELS = {
    "lenet5": (lambda: LeNet5(10), (1, 32, 32)),
    "lenet5-classic": (lambda: LeNetClassic(10), (1, 32, 32)),
    "lenet-d2l": (lambda: LeNetSigmoid(10), (1, 28, 28)),
    "alexnet-torchvision": (lambda: torchvision.models.alexnet(weights=None), (3, 224, 224)),
    "vgg11": (lambda: torchvision.models.vgg11(weights=None), (3, 224, 224)),
    "vgg13": (lambda: torchvision.models.vgg13(weights=None), (3, 224, 224)),
    "vgg16": (lambda: torchvision.models.vgg16(weights=None), (3, 224, 224)),
    "vgg19": (lambda: torchvision.models.vgg19(weights=None), (3, 224, 224)),
    "resnet18": (lambda: torchvision.models.resnet18(weights=None), (3, 224, 224)),
    "resnet34": (lambda: torchvision.models.resnet34(weights=None), (3, 224, 224)),
    "resnet50": (lambda: torchvision.models.resnet50(weights=None), (3, 224, 224)),
    "resnet101": (lambda: torchvision.models.resnet101(weights=None), (3, 224, 224)),
    "resnet152": (lambda: torchvision.models.resnet152(weights=None), (3, 224, 224)),
    "googlenet": (_googlenet, (3, 224, 224)),
}

BATCH = 2
INPUT_SEED = 1


def build_model(name):
    """The eval-mode model `name`: torch.manual_seed(0), build, then every BatchNorm2d (in
    module order) gets weight ~ U(0.5, 1.5), bias ~ N(0, 0.1), running_mean ~ N(0, 0.1),
    running_var ~ U(0.5, 1.5) and num_batches_tracked = 7, so eval-mode batch norm is not the
    identity. Then the running statistics are measured as in training (cumulative average
    over 4 random batches of 8, generator seeded 2), so that activations stay at a realistic
    scale through deep ResNets (with purely random statistics ResNet-152's logits reach 1e11)."""
    if name not in MODELS:
        raise KeyError(f"unknown model {name!r}; known: {', '.join(MODELS)}")
    builder, _ = MODELS[name]
    torch.manual_seed(0)
    model = builder()
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0.0, 0.1)
                m.running_mean.normal_(0.0, 0.1)
                m.running_var.uniform_(0.5, 1.5)
                m.num_batches_tracked.fill_(7)
        norms = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
        if norms:
            for m in norms:
                m.momentum = None  # cumulative moving average
                m.reset_running_stats()
            _, (c, h, w) = MODELS[name]
            g = torch.Generator().manual_seed(2)
            model.train()
            for _ in range(4):
                model(torch.randn(8, c, h, w, generator=g))
            for m in norms:
                m.momentum = 0.1
                m.num_batches_tracked.fill_(7)
    return model.eval()


def make_input(name):
    """The fixture input [2, C, H, W]: torch.randn with a generator seeded 1."""
    _, (c, h, w) = MODELS[name]
    g = torch.Generator().manual_seed(INPUT_SEED)
    return torch.randn(BATCH, c, h, w, generator=g)


# --------------------------------------------------------------------------- safetensors

_DTYPES = {
    "F64": torch.float64,
    "F32": torch.float32,
    "F16": torch.float16,
    "BF16": torch.bfloat16,
    "I64": torch.int64,
    "I32": torch.int32,
    "I16": torch.int16,
    "I8": torch.int8,
    "U8": torch.uint8,
    "BOOL": torch.bool,
}
_NAMES = {v: k for k, v in _DTYPES.items()}


def tensor_bytes(t):
    """Raw little-endian bytes of a CPU tensor (row-major)."""
    t = t.detach().cpu().contiguous()
    if t.dtype == torch.bfloat16:  # numpy has no bfloat16
        t = t.view(torch.int16)
    a = t.numpy()
    return a.astype(a.dtype.newbyteorder("<"), copy=False).tobytes()


def dtype_name(t):
    if t.dtype not in _NAMES:
        raise ValueError(f"dtype {t.dtype} has no safetensors name here")
    return _NAMES[t.dtype]


def _safetensors_parts(tensors, metadata=None):
    """(header bytes with its length prefix, [name -> tensor in file order])."""
    header = {}
    order = []
    offset = 0
    for name in sorted(tensors):
        t = tensors[name]
        size = t.numel() * t.element_size()
        header[name] = {
            "dtype": dtype_name(t),
            "shape": list(t.shape),
            "data_offsets": [offset, offset + size],
        }
        order.append(t)
        offset += size
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text, order


def safetensors_serialize(tensors, metadata=None):
    """bytes of a safetensors file holding `tensors` (name -> torch.Tensor), names sorted."""
    head, order = _safetensors_parts(tensors, metadata)
    return head + b"".join(tensor_bytes(t) for t in order)


def save_safetensors(path, tensors, metadata=None):
    """Writes `tensors` as a safetensors file, one tensor at a time."""
    head, order = _safetensors_parts(tensors, metadata)
    with open(path, "wb") as f:
        f.write(head)
        for t in order:
            f.write(tensor_bytes(t))


def read_safetensors_raw(path):
    """(header without __metadata__, metadata, data bytes) of a safetensors file, checked."""
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise ValueError(f"{path}: too short for a safetensors file")
    (n,) = struct.unpack("<Q", blob[:8])
    if 8 + n > len(blob):
        raise ValueError(f"{path}: header length {n} past the end of the file")
    header = json.loads(blob[8 : 8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", None) or {}
    data = blob[8 + n :]
    spans = sorted((tuple(v["data_offsets"]), k) for k, v in header.items())
    end = 0
    for (begin, stop), key in spans:
        if begin != end:
            raise ValueError(f"{path}: {key} starts at {begin}, expected {end}")
        end = stop
    if end != len(data):
        raise ValueError(f"{path}: tensors end at {end}, data is {len(data)} bytes")
    return header, metadata, data


def load_safetensors(path):
    """name -> torch.Tensor (CPU, owning its memory) of a safetensors file; 0-dim shapes stay
    0-dim (an I64 scalar becomes a torch.int64 0-dim tensor)."""
    header, _, data = read_safetensors_raw(path)
    out = {}
    for name, info in header.items():
        dtype = _DTYPES.get(info["dtype"])
        if dtype is None:
            raise ValueError(f"{path}: {name} has unsupported dtype {info['dtype']}")
        begin, end = info["data_offsets"]
        shape = list(info["shape"])
        raw = bytearray(data[begin:end])
        count = 1
        for d in shape:
            count *= d
        itemsize = torch.empty((), dtype=dtype).element_size()
        if len(raw) != count * itemsize:
            raise ValueError(f"{path}: {name} has {len(raw)} bytes for shape {shape} {info['dtype']}")
        if count == 0:
            t = torch.empty(shape, dtype=dtype)
        else:
            t = torch.frombuffer(raw, dtype=dtype).reshape(shape).clone()
        out[name] = t
    return out


def load_pth_state_dict(path):
    """The state dict of a .pth (plain, or a checkpoint with a "state_dict" entry)."""
    obj = torch.load(path, map_location="cpu", weights_only=True)
    if isinstance(obj, dict) and "state_dict" in obj and isinstance(obj["state_dict"], dict):
        obj = obj["state_dict"]
    return obj
