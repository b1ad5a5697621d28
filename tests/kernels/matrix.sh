#!/usr/bin/env bash
# The kernel matrix: on Debian's 6.1 (no uprobe_multi, no uprobe sessions:
# the fallbacks are the product there) and 6.12 (uprobe_multi, no sessions),
# booted under qemu by run-in-kernel.sh, and on the host's kernel:
#   - every BPF program in every configuration loads within the verifier
#     budget (VerifierBudgetTest prints the table);
#   - a core of the end-to-end tests keeps its exact ground truth: heap,
#     mmap and partial munmap bytes and stacks (attached and launched), CFI
#     stacks without frame pointers, C++ callers through libstdc++, pages
#     mode, sampling, a Netty service's named Java frames, and nothing left
#     attached after SIGKILL.
# Usage: matrix.sh [BUILD_DIR] [KERNEL...]   (default: build, 6.1 6.12 host)
# TCG is slow: these are correctness tests with small workloads, no timings.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
shift || true
kernels=("$@")
[ ${#kernels[@]} -gt 0 ] || kernels=(6.1 6.12 host)

tests=(
  'VerifierBudgetTest.*'
  FoldedTruthTest.AttachedToRunningLeaks
  FoldedTruthTest.LaunchedLeaks
  UnwindTest.LeaksWithoutFramePointers
  UnwindTest.CppCallersThroughLibstdcxx
  PagesModeTest.CountsWrittenPagesExactlyWithoutUprobes
  SamplingTest.EstimatesAMixedSizeLeakWithinTenPercent
  JavaTest.NettyPooledChunksLeadToTheLeakingHandler
  PythonTest.PythonFunctionsOfARunningInterpreterAtTheirLines
  Allocators/PreloadTest.AttachedToRunningLeaks/mimalloc
  'Endings/TeardownTest.LeavesNothingAttached/Sigkill'
)
filter=$(IFS=:; echo "${tests[*]}")
binary="$build/tests/e2e/allocprof_e2e_test"
[ -x "$binary" ] || { echo "matrix: $binary is not built (cmake -DALLOCPROF_E2E=ON)" >&2; exit 2; }

# The tests' time limits, for an emulated CPU (tests/e2e/session.h).
export ALLOCPROF_E2E_TIME_SCALE=${ALLOCPROF_E2E_TIME_SCALE:-4}
failed=()
# run KERNEL: the tests once under KERNEL.
run() {
  bash tests/kernels/run-in-kernel.sh "$1" -- "$binary" --gtest_filter="$filter" --gtest_brief=1
}
for kernel in "${kernels[@]}"; do
  echo "=== kernel matrix: $kernel ==="
  start=$SECONDS
  if run "$kernel"; then
    echo "=== $kernel: passed in $((SECONDS - start)) s ==="
  # Under TCG a JVM has been seen to die in its own JIT code before any
  # probe was attached (an emulation fault, not allocprof's): one more run,
  # said out loud, and a second failure fails the matrix.
  elif echo "=== $kernel: FAILED, running its tests once more ===" && run "$kernel"; then
    echo "=== $kernel: passed on the second run, $((SECONDS - start)) s in all (the first run's failures are above) ==="
  else
    echo "=== $kernel: FAILED twice (status $?) after $((SECONDS - start)) s ==="
    failed+=("$kernel")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "kernel matrix: failed on ${failed[*]}" >&2
  exit 1
fi
echo "kernel matrix: passed on ${kernels[*]}"
