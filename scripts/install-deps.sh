#!/usr/bin/env bash
# Installs what allocprof needs to build and test, from Debian 12 packages.
# Idempotent: does nothing when everything is already there.
#   --with-browser   also Chromium, for the flame graph's browser test
#   --with-bench     also bpftrace, the overhead benchmark's peer
#   --kernel-tools   also qemu and what unpacks Debian's kernel packages
#   --with-kernels   the same, and Debian's 6.1 and 6.12 kernels, for the
#                    kernel matrix (tests/kernels/run-in-kernel.sh)
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  clang bpftool libbpf-dev libelf-dev libdw-dev zlib1g-dev
  libbpfcc-dev libabsl-dev
  libprotobuf-dev protobuf-compiler nlohmann-json3-dev libcapstone-dev
  libgtest-dev libgmock-dev
  libc6-dev util-linux
  # the end-to-end tests run programs on these allocators, and redis-server
  # (which links jemalloc) as a real service
  libjemalloc2 libtcmalloc-minimal4 libmimalloc2.0
  redis-server redis-tools
  # and Java programs on Debian's OpenJDK, one of them on Netty
  openjdk-17-jdk-headless libnetty-java
  # and Python scripts on Debian's CPython 3.11, whose headers (internal
  # ones included) check allocprof's table of its structures
  python3 python3.11-dev
)
# The kernel matrix (tests/kernels): qemu, the guests' busybox, and what
# unpacks a kernel package and its modules.
kernel_tools=(qemu-system-x86 busybox-static kmod xz-utils zstd)
with_kernels=
for option in "$@"; do
  case "$option" in
    --with-browser) packages+=(chromium nodejs) ;;
    --with-bench) packages+=(bpftrace) ;;
    --kernel-tools) packages+=("${kernel_tools[@]}") ;;
    --with-kernels) packages+=("${kernel_tools[@]}"); with_kernels=1 ;;
    *) echo "install-deps.sh: unknown option $option" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Packages must not start services while installing: the tests start
  # their own redis-server (no TCP port, a unix socket in a scratch
  # directory) and need no system instance. policy-rc.d is the Debian way
  # to say so (invoke-rc.d and deb-systemd-invoke both honour it); one that
  # is already there is left alone.
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    trap 'rm -f "$policy"' EXIT
  fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
  # The package also enables the service for the next boot; installed here
  # for the tests only, it would take port 6379 and memory for nothing. A
  # redis-server that was installed before is none of this script's business.
  if [[ " ${missing[*]} " == *" redis-server "* ]] &&
    command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    systemctl disable --now --quiet redis-server.service || true
  fi
fi

if [ -n "$with_kernels" ]; then
  bash "$(cd "$(dirname "$0")/.." && pwd)/tests/kernels/fetch.sh"
fi
