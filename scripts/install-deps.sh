#!/usr/bin/env bash
# Installs what allocprof needs to build and test, from Debian 12 packages.
# Idempotent: does nothing when everything is already there.
#   --with-browser   also Chromium, for the flame graph's browser test
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  clang bpftool libbpf-dev libelf-dev libdw-dev zlib1g-dev
  libbpfcc-dev libabsl-dev
  libprotobuf-dev protobuf-compiler nlohmann-json3-dev libcapstone-dev
  libgtest-dev libgmock-dev
  libc6-dev util-linux
)
if [ "${1:-}" = --with-browser ]; then
  packages+=(chromium nodejs)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
