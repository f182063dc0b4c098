"""Writes torchvision's state-dict keys and shapes, one `key dim,dim,...` line each, for the
ImageNet models the `interop` crate maps (its `keys` test checks our names against them).

    python scripts/parity/list_keys.py --out interop/tests/fixtures/keys
"""

import argparse
import pathlib

import torchvision

MODELS = {
    "alexnet-torchvision": lambda: torchvision.models.alexnet(weights=None),
    "vgg11": lambda: torchvision.models.vgg11(weights=None),
    "vgg13": lambda: torchvision.models.vgg13(weights=None),
    "vgg16": lambda: torchvision.models.vgg16(weights=None),
    "vgg19": lambda: torchvision.models.vgg19(weights=None),
    "googlenet": lambda: torchvision.models.googlenet(weights=None, aux_logits=True, init_weights=False),
    "resnet18": lambda: torchvision.models.resnet18(weights=None),
    "resnet34": lambda: torchvision.models.resnet34(weights=None),
    "resnet50": lambda: torchvision.models.resnet50(weights=None),
    "resnet101": lambda: torchvision.models.resnet101(weights=None),
    "resnet152": lambda: torchvision.models.resnet152(weights=None),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, type=pathlib.Path, help="output folder")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for name, build in MODELS.items():
        state = build().state_dict()
        lines = [f"{k} {','.join(str(d) for d in v.shape)}" for k, v in state.items()]
        (args.out / f"{name}.txt").write_text("\n".join(lines) + "\n")
        print(f"{name}: {len(lines)} keys")


if __name__ == "__main__":
    main()
