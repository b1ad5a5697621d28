#!/usr/bin/env bash
# A long session at the benchmark's full event rate: malloc_loop (a
# malloc+free pair after another, one thread) launched under allocprof with
# every call traced, for SECONDS. Prints allocprof's resident memory every
# INTERVAL seconds, its peak, the events it handled and the loop's figure:
# whether allocprof's memory stays bounded over a long session. Figures, no
# verdict; needs root.
#
#   tests/bench/soak.sh ALLOCPROF MALLOC_LOOP [SECONDS] [INTERVAL]
set -euo pipefail

allocprof=${1:?usage: soak.sh ALLOCPROF MALLOC_LOOP [SECONDS] [INTERVAL]}
loop=${2:?usage: soak.sh ALLOCPROF MALLOC_LOOP [SECONDS] [INTERVAL]}
seconds=${3:-600}
interval=${4:-30}

dir=$(mktemp -d /tmp/allocprof-soak.XXXXXX)
ap=
cleanup() {
  [ -n "$ap" ] && kill -INT "$ap" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT

"$allocprof" -v --max-overhead 0 -- "$loop" --target-ms "$((seconds * 1000))" \
  >"$dir/report.txt" 2>"$dir/allocprof.log" &
ap=$!
kib() { awk -v k="$2" '$1 == k":" { print $2 }' "/proc/$1/status" 2>/dev/null || true; }
printf 'allocprof -- malloc_loop --target-ms %s (every call traced)\n' "$((seconds * 1000))"
printf '%8s %12s %12s\n' seconds "RSS KiB" "peak KiB"
start=$(date +%s)
while kill -0 "$ap" 2>/dev/null; do
  sleep "$interval"
  rss=$(kib "$ap" VmRSS) peak=$(kib "$ap" VmHWM)
  [ -n "$rss" ] || break
  printf '%8d %12s %12s\n' "$(($(date +%s) - start))" "$rss" "$peak"
done
wait "$ap" || { echo "soak.sh: allocprof failed:" >&2; tail -5 "$dir/allocprof.log" >&2; exit 1; }
ap=
grep -h 'ns_per_pair=' "$dir/report.txt" || echo "(the loop printed no figure)"
grep -h '^allocprof: PID' "$dir/allocprof.log" || true
grep -h '^allocprof: userspace' "$dir/allocprof.log" || true
grep -h '^Lost:' "$dir/report.txt" || true
exit 0
