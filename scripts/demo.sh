#!/usr/bin/env bash
# Builds allocprof and profiles the bundled demo service, which leaks a
# request buffer on its error path, then prints the report.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
if [ "$(id -u)" -ne 0 ]; then
  echo "allocprof needs root: run as root (sudo $0)" >&2
  exit 1
fi
./build/tools/allocprof --folded build/demo.folded -- ./build/tools/demo/leaky_service
echo
echo "folded stacks (for flamegraph.pl / speedscope): build/demo.folded"
