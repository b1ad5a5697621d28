#!/usr/bin/env bash
# Runs a command under one of the kernels of the test matrix:
#   run-in-kernel.sh [--env NAME[=VALUE]]... KERNEL -- COMMAND [ARG]...
# KERNEL is 6.1 or 6.12 (Debian's, prepared by tests/kernels/fetch.sh) or
# host (the command simply runs here). The command runs as root in the
# caller's working directory, with the host's / as its root (read-only,
# under a tmpfs overlay: it may write anywhere, nothing it writes survives;
# /dev/shm is fresh and empty). Its stdout and stderr come
# back on ours, and its exit status is ours. Into the guest go PATH, HOME,
# LANG, LC_ALL, TZ, every ALLOCPROF_* and GTEST_* variable, and the ones
# named by --env.
#
# The guest is qemu's TCG (our test machines' /dev/kvm is a nested
# hypervisor without VMX/SVM that cannot run a stock kernel), booted from the
# uncompressed vmlinux through its PVH entry: about 2.5 s to /init, where a
# bzImage would first decompress itself under emulation. The host's / and a
# scratch directory (the command, its output, its status) are 9p shares; the
# serial console goes to a log that is shown only when the guest fails, or
# copied to $ALLOCPROF_KERNEL_CONSOLE when that names a file. Needs root, as
# the guest reads the host's files with qemu's rights.
#
# Exit status: the command's; 124 when the guest ran past
# $ALLOCPROF_KERNEL_TIMEOUT seconds (default 600) and was killed; 125 when
# the guest ended without reporting a status (did not boot, crashed), with a
# one-line message and the console's last lines on stderr.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${ALLOCPROF_KERNEL_CACHE:-/var/cache/allocprof/kernels}
limit=${ALLOCPROF_KERNEL_TIMEOUT:-600}

usage() {
  echo "usage: run-in-kernel.sh [--env NAME[=VALUE]]... {6.1|6.12|host} -- COMMAND [ARG]..." >&2
  exit 2
}
die() { echo "run-in-kernel: $*" >&2; exit 125; }

declare -A extra_env=()
while [ $# -gt 0 ]; do
  case "$1" in
    -e | --env)
      [ $# -ge 2 ] || usage
      name=${2%%=*}
      [[ "$name" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "not a variable name: $name"
      if [[ "$2" == *=* ]]; then
        extra_env[$name]=${2#*=}
      elif [ -n "${!name+set}" ]; then
        extra_env[$name]=${!name}
      fi
      shift 2
      ;;
    -*) usage ;;
    *) break ;;
  esac
done
if [ $# -lt 3 ] || [ "$2" != -- ]; then usage; fi
kernel=$1
shift 2

if [ "$kernel" = host ]; then
  for name in "${!extra_env[@]}"; do export "$name=${extra_env[$name]}"; done
  exec "$@"
fi

case "$kernel" in
  6.1 | 6.12) ;;
  *) usage ;;
esac
[ "$(id -u)" -eq 0 ] || die "run as root: the guest reads the host's files with qemu's rights"
[[ "$limit" =~ ^[1-9][0-9]*$ ]] || die "ALLOCPROF_KERNEL_TIMEOUT must be a number of seconds, not '$limit'"
dir=$cache/$kernel
if [ ! -r "$dir/vmlinux" ] || [ ! -r "$dir/initramfs.cpio" ]; then
  die "no $kernel kernel in $cache (as root: bash tests/kernels/fetch.sh)"
fi
cmp -s "$here/guest-init.sh" "$dir/init" ||
  die "the $kernel initramfs predates tests/kernels/guest-init.sh (as root: bash tests/kernels/fetch.sh)"
command -v qemu-system-x86_64 >/dev/null || die "no qemu-system-x86_64 (as root: bash tests/kernels/fetch.sh)"

cwd=$PWD
# The guest sees the host's root file system, not the mounts on it.
for mount in /dev/shm /tmp /run; do
  case "$cwd" in
    "$mount" | "$mount"/*)
      if [ "$mount" = /dev/shm ] || mountpoint -q "$mount"; then
        die "the working directory $cwd is on $mount, a mount the guest does not see"
      fi ;;
  esac
done

# quote WORD: WORD as one single-quoted sh word.
quote() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

scratch=$(mktemp -d)
qemu_pid=
tail_pids=()
# shellcheck disable=SC2317  # run by the EXIT trap
cleanup() {
  if [ -n "$qemu_pid" ]; then
    kill "$qemu_pid" 2>/dev/null || true
    wait "$qemu_pid" 2>/dev/null || true
  fi
  if ((${#tail_pids[@]})); then
    kill "${tail_pids[@]}" 2>/dev/null || true
    wait "${tail_pids[@]}" 2>/dev/null || true
  fi
  rm -rf "$scratch"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

job=$scratch/job
mkdir "$job"
{
  names=$(compgen -e | grep -E '^(PATH|HOME|LANG|LC_ALL|TZ|ALLOCPROF_.*|GTEST_.*)$' || true)
  for name in $names; do
    [ -n "${extra_env[$name]+set}" ] || printf 'export %s=%s\n' "$name" "$(quote "${!name}")"
  done
  for name in "${!extra_env[@]}"; do
    printf 'export %s=%s\n' "$name" "$(quote "${extra_env[$name]}")"
  done
  printf 'cd %s || exit 125\n' "$(quote "$cwd")"
  printf 'exec'
  for arg in "$@"; do printf ' %s' "$(quote "$arg")"; done
  printf '\n'
} >"$job/command"
: >"$job/stdout"
: >"$job/stderr"

# qemu's option syntax doubles commas in values
share() { printf 'local,path=%s,mount_tag=%s,security_model=none%s' "${1//,/,,}" "$2" "$3"; }
# Two vCPUs run by one host thread in turn (thread=single). With a host
# thread each (thread=multi), guests failed now and then where one vCPU ran
# code the other was patching: oopses at an int3 of a static key being
# switched in __schedule (6.12), SIGSEGVs in a JVM's JIT-compiled code
# (6.1 and 6.12). The matrix takes as long either way on two host cores.
timeout -k 5 "$limit" qemu-system-x86_64 \
  -machine q35 -accel tcg,thread=single -cpu max -smp 2 -m 2G \
  -nodefaults -no-user-config -display none -no-reboot \
  -serial "file:$scratch/console.log" \
  -kernel "$dir/vmlinux" -initrd "$dir/initramfs.cpio" \
  -append "console=ttyS0 quiet panic=-1" \
  -virtfs "$(share / root ,readonly=on,multidevs=remap)" \
  -virtfs "$(share "$job" job '')" \
  </dev/null >"$scratch/qemu.log" 2>&1 &
qemu_pid=$!
tail -s 0.1 -c +1 -f --pid="$qemu_pid" "$job/stdout" &
tail_pids+=($!)
tail -s 0.1 -c +1 -f --pid="$qemu_pid" "$job/stderr" >&2 &
tail_pids+=($!)

qemu_status=0
wait "$qemu_pid" || qemu_status=$?
qemu_pid=
wait "${tail_pids[@]}" || true
tail_pids=()
if [ -n "${ALLOCPROF_KERNEL_CONSOLE:-}" ]; then
  cp "$scratch/console.log" "$ALLOCPROF_KERNEL_CONSOLE" || true
fi

if [ "$qemu_status" -eq 124 ] || [ "$qemu_status" -eq 137 ]; then
  echo "run-in-kernel: the $kernel guest ran past ${limit} s (ALLOCPROF_KERNEL_TIMEOUT) and was killed" >&2
  exit 124
fi
status=
[ -f "$job/status" ] && read -r status <"$job/status"
if ! [[ "$status" =~ ^[0-9]+$ ]]; then
  echo "run-in-kernel: the $kernel guest ended without an exit status (qemu exited with $qemu_status)" >&2
  {
    echo "--- the guest's console ends with:"
    tail -n 20 "$scratch/console.log"
    if [ -s "$scratch/qemu.log" ]; then
      echo "--- qemu said:"
      tail -n 20 "$scratch/qemu.log"
    fi
  } >&2 2>/dev/null || true
  exit 125
fi
exit "$status"
