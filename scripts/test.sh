#!/usr/bin/env bash
# Builds everything and runs every test: unit tests (no root), the flame
# graph in headless Chromium, the end-to-end tests that load real BPF
# programs (root), and a core of them on Debian's 6.1 and 6.12 kernels under
# qemu (tests/kernels/matrix.sh), and 30 s of each fuzz harness of the
# parsers of target data under ASan and UBSan (tests/fuzz/run.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --with-browser --with-kernels
bash scripts/build.sh -DALLOCPROF_E2E=ON
if [ "$(id -u)" -ne 0 ]; then
  echo "the end-to-end tests need root: run as root (sudo $0)" >&2
  exit 1
fi
ctest --test-dir build --output-on-failure -L unit
ctest --test-dir build --output-on-failure -L browser --timeout 300
ctest --test-dir build --output-on-failure -L e2e --timeout 300
bash tests/kernels/matrix.sh build 6.1 6.12
bash tests/fuzz/run.sh 30
