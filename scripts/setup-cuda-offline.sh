#!/usr/bin/env bash
# Prepares a machine without GitHub access to build `--features cuda` (issue 18).
#
# burn's CUDA backend (cubecl-cuda 0.11.3) links LLVM 23 through llvm-sys and
# tracel-llvm-bundler, whose build script downloads an LLVM bundle from GitHub unless its
# install folder, `$XDG_DATA_HOME/tracel/tracel-llvm-23.1.0-4` (default
# `~/.local/share/tracel/...`), already holds the sentinel `.tracel-llvm-installed`. It then
# only asks that folder's `bin/llvm-config` and links its static libraries, NVPTX included.
#
# This script fills that folder from PyPI instead: `mlc-llvm-static` (LLVM 23.1 static
# libraries, headers, llvm-config) and `mlc-llvm-static-extra-targets` (the NVPTX libraries),
# about 90 MB of wheels. It is idempotent: a folder with the sentinel is left as it is. With
# internet access to GitHub none of this is needed; `cargo build --features cuda` downloads
# the bundle itself.
#
# Then: CUDARC_CUDA_VERSION=13000 cargo build -p train --features cuda   (CUDA 13 toolkit)
set -euo pipefail

VERSION="23.1.1.post0"
PY="${PYTHON:-python3}"
dest="${XDG_DATA_HOME:-$HOME/.local/share}/tracel/tracel-llvm-23.1.0-4"

if [ -f "$dest/.tracel-llvm-installed" ]; then
    echo "LLVM for the CUDA backend already in place: $dest"
    exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "downloading mlc-llvm-static $VERSION and its extra targets from PyPI ..."
"$PY" -m pip download --quiet --no-deps --dest "$work/wheels" \
    "mlc-llvm-static==$VERSION" "mlc-llvm-static-extra-targets==$VERSION"
for wheel in "$work"/wheels/*.whl; do
    "$PY" -m zipfile -e "$wheel" "$work/unpacked"
done
static="$work/unpacked/mlc_llvm_static/static"
[ -d "$static/lib" ] && [ -f "$static/bin/llvm-config" ] || {
    echo "error: the wheels hold no mlc_llvm_static/static/{lib,bin/llvm-config}" >&2
    exit 1
}
# Zip archives keep no permission bits.
chmod +x "$static"/bin/*
ls "$static"/lib/libLLVMNVPTX*.a >/dev/null 2>&1 || {
    echo "error: no NVPTX libraries in the extra-targets wheel" >&2
    exit 1
}
echo "llvm-config says: $("$static/bin/llvm-config" --version)"

# Into place whole or not at all: a partial folder never carries the sentinel.
mkdir -p "$(dirname "$dest")"
partial="$dest.partial.$$"
rm -rf "$partial"
cp -a "$static" "$partial"
touch "$partial/.tracel-llvm-installed"
rm -rf "$dest"
mv "$partial" "$dest"
echo "LLVM for the CUDA backend installed: $dest"
echo "now: CUDARC_CUDA_VERSION=13000 cargo build -p train --features cuda"
