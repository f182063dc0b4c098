#!/usr/bin/env bash
# PyTorch -> ours -> PyTorch, per model: `infer export --weights FIXTURE.pth --model NAME`
# converts the fixture through our loader and exporter, then check_export.py loads the result
# into PyTorch (strict), compares the logits and every tensor's bytes with the fixture.
#
#   scripts/parity/roundtrip.sh [--fixtures DIR] MODEL...   (DIR default: target/parity, then
#                                                            interop/tests/fixtures for the LeNets)
set -euo pipefail
cd "$(dirname "$0")/../.."
PY="${PEER_PYTHON:-$HOME/.venvs/peer/bin/python}"
fixtures=""
if [ "${1:-}" = "--fixtures" ]; then fixtures="$2"; shift 2; fi
cargo build -q -p infer
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
status=0
for model in "$@"; do
  dir="${fixtures:-target/parity}"
  [ -f "$dir/$model.pth" ] || dir=interop/tests/fixtures
  ./target/debug/infer export --weights "$dir/$model.pth" --model "$model" --out "$out/$model.safetensors" > /dev/null
  "$PY" scripts/parity/check_export.py --fixtures "$dir" --model "$model" --exported "$out/$model.safetensors" | tail -1 || status=1
  rm -f "$out/$model.safetensors"
done
exit $status
