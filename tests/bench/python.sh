#!/usr/bin/env bash
# What Python frames cost: Debian's python3 running python_loop.py
# (bytearray(1000) allocated and freed in a loop, three Python frames deep),
# untraced, under allocprof -p with native stacks only (--no-python) and
# with Python frames (the default), interleaved round by round. Prints ns
# per allocation (median of the rounds) and what each way adds. Figures, no
# verdict; needs root.
#
#   tests/bench/python.sh ALLOCPROF [ROUNDS] [TARGET_MS]
set -euo pipefail

allocprof=${1:?usage: python.sh ALLOCPROF [ROUNDS] [TARGET_MS]}
rounds=${2:-3}
target_ms=${3:-1000}
python=/usr/bin/python3
loop=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/python_loop.py
[ -x "$python" ] || { echo "python.sh: $python not found (apt-get install python3)" >&2; exit 1; }

# Root-owned scratch directory for the tools' output.
dir=$(mktemp -d /tmp/allocprof-python-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$dir"
}
trap cleanup EXIT

ways=(untraced native python)
declare -A options=(
  [native]="--max-overhead 0 --no-python"
  [python]="--max-overhead 0"
)
declare -A figures

run_way() {
  local way=$1 ap= out=$dir/loop-$way.out log=$dir/allocprof-$way.log
  : >"$out"
  "$python" "$loop" "$target_ms" >"$out" &
  local target=$!
  pids+=("$target")
  for _ in $(seq 600); do grep -q '^ready pid=' "$out" && break; sleep 0.05; done
  grep -q '^ready pid=' "$out" || { echo "python.sh: the loop did not start" >&2; exit 1; }
  if [ "$way" != untraced ]; then
    # shellcheck disable=SC2086
    "$allocprof" ${options[$way]} -p "$target" >"$dir/report-$way.txt" 2>"$log" &
    ap=$!
    pids+=("$ap")
    for _ in $(seq 600); do grep -q '^allocprof: tracing' "$log" && break; sleep 0.05; done
    grep -q '^allocprof: tracing' "$log" ||
      { echo "python.sh: allocprof ($way) did not start tracing:" >&2; cat "$log" >&2; exit 1; }
  fi
  kill -USR1 "$target"
  wait "$target" || { echo "python.sh: the loop failed ($way)" >&2; exit 1; }
  if [ -n "$ap" ]; then
    wait "$ap" || { echo "python.sh: allocprof ($way) failed:" >&2; cat "$log" >&2; exit 1; }
  fi
  local ns
  ns=$(sed -n 's/^ns_per_alloc=\([0-9.]*\) .*/\1/p' "$out")
  [ -n "$ns" ] || { echo "python.sh: no figure ($way)" >&2; exit 1; }
  figures[$way]+="$ns "
}

for round in $(seq "$rounds"); do
  for way in "${ways[@]}"; do run_way "$way"; done
done

median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
printf '\nPython: bytearray(1000) allocated and freed in a loop, %s, traced with -p, median of %s rounds\n' \
  "$("$python" --version 2>&1)" "$rounds"
printf '%-44s %12s %12s\n' way ns/alloc "added ns"
base=$(echo "${figures[untraced]}" | median)
native=$(echo "${figures[native]}" | median)
declare -A labels=(
  [untraced]="(p1) untraced"
  [native]="(p2) allocprof --no-python -p (native stacks)"
  [python]="(p3) allocprof -p (with Python frames)"
)
for way in "${ways[@]}"; do
  ns=$(echo "${figures[$way]}" | median)
  awk -v l="${labels[$way]}" -v n="$ns" -v b="$base" \
    'BEGIN { printf "%-44s %12.1f %12.1f\n", l, n, n - b }'
done
python=$(echo "${figures[python]}" | median)
awk -v p="$python" -v n="$native" \
  'BEGIN { printf "the Python walk adds %.1f ns an allocation (p3 - p2)\n", p - n }'
exit 0
