#!/usr/bin/env bash
# Builds the libFuzzer harnesses of tests/fuzz and runs each from its seed
# corpus, one after the other, then prints per fuzzer the executions,
# executions a second and crashes found. Exits 1 when any fuzzer crashed
# (or failed to run), leaving the crashing input where it says.
#
#   tests/fuzz/run.sh [SECONDS_EACH | --runs N] [--build-dir DIR] [FUZZER...]
#
#   SECONDS_EACH   time each fuzzer runs (default 30)
#   --runs N       run each fuzzer for N inputs instead (a benchmark)
#   --build-dir    the fuzz build directory (default: build-fuzz under the
#                  repository, or $ALLOCPROF_FUZZ_BUILD_DIR); configured with
#                  clang and -fsanitize=fuzzer-no-link,address,undefined
#                  when it does not exist yet
#   FUZZER         names to run (perf_map, maps_line ...); default all
#
# The corpora are copied to a scratch directory first, so the tree stays as
# it is; what a run adds to them is dropped. Builds with $JOBS jobs
# (default 2).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=${ALLOCPROF_FUZZ_BUILD_DIR:-$repo/build-fuzz}
seconds=30
runs=
fuzzers=()

usage() {
  sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}

while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=${2:?--runs needs a number}; shift 2 ;;
    --build-dir) build=${2:?--build-dir needs a directory}; shift 2 ;;
    -h|--help) usage ;;
    [0-9]*) seconds=$1; shift ;;
    -*) echo "run.sh: unknown option $1" >&2; usage ;;
    *) fuzzers+=("$1"); shift ;;
  esac
done
case $seconds${runs} in *[!0-9]*) echo "run.sh: SECONDS_EACH and N are whole numbers" >&2; exit 2 ;; esac

if [ ${#fuzzers[@]} -eq 0 ]; then
  for f in "$here"/*_fuzzer.cc; do
    f=$(basename "$f"); fuzzers+=("${f%_fuzzer.cc}")
  done
fi

# Configure (the compiler only on the first run: CMake keeps it), build.
sanitize='-fsanitize=fuzzer-no-link,address,undefined'
if [ ! -f "$build/CMakeCache.txt" ]; then
  command -v clang++ >/dev/null || { echo "run.sh: clang++ not found (apt-get install clang)" >&2; exit 1; }
  export CC=clang CXX=clang++
fi
mkdir -p "$build"
cmake -S "$repo" -B "$build" -DALLOCPROF_FUZZ=ON \
  "-DCMAKE_C_FLAGS=$sanitize" "-DCMAKE_CXX_FLAGS=$sanitize" >"$build/fuzz-configure.log" 2>&1 ||
  { cat "$build/fuzz-configure.log" >&2; echo "run.sh: configuring $build failed" >&2; exit 1; }
# Each fuzzer alone, so that one that does not build still lets the others run.
built=()
status=0
cmake --build "$build" -j"${JOBS:-2}" --target allocprof_fuzz_elf_seeds >/dev/null ||
  { echo "run.sh: building the ELF seeds in $build failed" >&2; exit 1; }
for f in "${fuzzers[@]}"; do
  if [ ! -f "$here/${f}_fuzzer.cc" ]; then
    echo "run.sh: no fuzzer $f (tests/fuzz/${f}_fuzzer.cc)" >&2; exit 2
  fi
  if cmake --build "$build" -j"${JOBS:-2}" --target "${f}_fuzzer" >"$build/fuzz-build-$f.log" 2>&1; then
    built+=("$f")
  else
    status=1
    grep -m5 -E 'error|Error' "$build/fuzz-build-$f.log" >&2 || true
    echo "run.sh: ${f}_fuzzer does not build; log: $build/fuzz-build-$f.log" >&2
  fi
done

scratch=$(mktemp -d "${TMPDIR:-/tmp}/allocprof-fuzz.XXXXXX")
# Sanitizer reports are crashes: UBSan stops at the first, like ASan.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

if [ -n "$runs" ]; then limit=(-runs="$runs"); else limit=(-max_total_time="$seconds"); fi
printf '%-18s %12s %10s %8s\n' fuzzer executions exec/s crashes > "$scratch/summary"
for f in "${built[@]}"; do
  bin=$build/tests/fuzz/${f}_fuzzer
  work=$scratch/$f
  mkdir -p "$work/corpus" "$work/artifacts"
  [ -d "$here/corpus/$f" ] && cp "$here/corpus/$f"/* "$work/corpus/"
  case $f in elf_symbols|cfi_rows) cp "$build/tests/fuzz/corpus/elf"/* "$work/corpus/" ;; esac
  echo "== $f" >&2
  rc=0
  started=$(date +%s%N)
  # -timeout: one input taking this long is a hang, reported as a crash.
  "$bin" "${limit[@]}" -timeout=25 -rss_limit_mb=2560 -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/" "$work/corpus" >"$work/log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
  # From the wall time: libFuzzer's own figure counts whole seconds only.
  elapsed_ns=$(( $(date +%s%N) - started ))
  speed=
  [ -n "$execs" ] && speed=$(( execs * 1000000000 / (elapsed_ns > 0 ? elapsed_ns : 1) ))
  crashes=$(find "$work/artifacts" -type f | wc -l)
  printf '%-18s %12s %10s %8s\n' "$f" "${execs:-?}" "${speed:-?}" "$crashes" >> "$scratch/summary"
  if [ "$rc" -ne 0 ] || [ "$crashes" -ne 0 ]; then
    status=1
    echo "run.sh: $f failed (exit $rc); log: $work/log" >&2
    grep -m1 -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|.*invariant broken)' "$work/log" >&2 || tail -5 "$work/log" >&2
    find "$work/artifacts" -type f -printf 'run.sh: reproducer %p\n' >&2
  fi
done
for f in "${fuzzers[@]}"; do
  case " ${built[*]} " in *" $f "*) ;; *) printf '%-18s %12s %10s %8s\n' "$f" "not built" - - >> "$scratch/summary" ;; esac
done
cat "$scratch/summary"
if [ "$status" -eq 0 ]; then
  rm -rf "$scratch"
else
  echo "run.sh: logs and reproducers kept in $scratch" >&2
fi
exit "$status"
