#!/usr/bin/env bash
# A real service as the benchmark's headline: Debian's redis-server (on
# jemalloc) serving `redis-benchmark -t set,get -d 200 -r 100000` over a unix
# socket, untraced and under allocprof attached with -p in each way it
# traces, interleaved round by round so that drift of the host spreads over
# all of them. Prints SET and GET requests a second (median of the rounds),
# each as a share of untraced and as time a request against the floor (the
# same probe sites with programs that do nothing: what the traps alone
# cost). With kernel.bpf_stats_enabled=1 it also prints, per way, how often
# each BPF program ran a request and its ns a run (allocprof -v, last
# round). Figures, no verdict; needs root.
#
#   tests/bench/redis.sh ALLOCPROF [ROUNDS] [REQUESTS]
#   WAYS="untraced floor full" tests/bench/redis.sh ...   (a subset)
set -euo pipefail

allocprof=${1:?usage: redis.sh ALLOCPROF [ROUNDS] [REQUESTS]}
rounds=${2:-3}
requests=${3:-200000}
for tool in redis-server redis-benchmark; do
  command -v "$tool" >/dev/null ||
    { echo "redis.sh: $tool not found (apt-get install redis-server redis-tools)" >&2; exit 1; }
done

# Root-owned scratch directory: nothing in it is the target's to plant.
dir=$(mktemp -d /tmp/allocprof-redis-bench.XXXXXX)
server=
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT

redis-server --port 0 --unixsocket "$dir/redis.sock" --unixsocketperm 700 --save '' \
  --appendonly no --daemonize no --dir "$dir" --logfile "$dir/redis.log" &
server=$!
for _ in $(seq 100); do [ -S "$dir/redis.sock" ] && break; sleep 0.05; done
[ -S "$dir/redis.sock" ] || { echo "redis.sh: redis-server did not start" >&2; exit 1; }

# "SET" and "GET" requests a second of one redis-benchmark run.
load() {
  redis-benchmark -s "$dir/redis.sock" -t set,get -d 200 -r 100000 -n "$requests" --csv 2>/dev/null |
    awk -F'","' '/^"(SET|GET)"/ { gsub(/"/, "", $1); gsub(/"/, "", $2); printf "%s %s\n", $1, $2 }'
}

# The ways to trace, by name; "untraced" runs no allocprof.
ways=(untraced floor full sampled guard pages)
[ -n "${WAYS:-}" ] && read -r -a ways <<<"$WAYS"
declare -A options=(
  [floor]="--floor"
  [full]="--max-overhead 0"
  [sampled]="--max-overhead 0 --sample-bytes 512K"
  [guard]=""
  [pages]="--mode pages"
)
declare -A figures

run_way() {
  local way=$1 ap= log=$dir/allocprof-$way.log
  if [ "$way" != untraced ]; then
    # shellcheck disable=SC2086
    "$allocprof" -v ${options[$way]} -p "$server" >"$dir/report-$way.txt" 2>"$log" &
    ap=$!
    for _ in $(seq 600); do grep -qs '^allocprof: tracing' "$log" && break; sleep 0.05; done
    grep -q '^allocprof: tracing' "$log" ||
      { echo "redis.sh: allocprof ($way) did not start tracing:" >&2; cat "$log" >&2; exit 1; }
  fi
  while read -r test rps; do figures[$way,$test]+="$rps "; done < <(load)
  if [ -n "$ap" ]; then
    kill -INT "$ap"
    wait "$ap" || { echo "redis.sh: allocprof ($way) failed:" >&2; cat "$log" >&2; exit 1; }
    grep '^allocprof: BPF program ' "$log" >"$dir/runs-$way" || true
    [ "$way" = guard ] && grep -h '^Note: at .* sampling changed' "$dir/report-$way.txt" | tail -1 >"$dir/guard-note" || true
  fi
}

load >/dev/null  # warm-up: the keys exist from here on
for round in $(seq "$rounds"); do
  for way in "${ways[@]}"; do run_way "$way"; done
done

median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
printf 'redis-server %s, redis-benchmark -t set,get -d 200 -r 100000 -n %s over a unix socket, median of %s rounds\n' \
  "$(redis-server --version | sed -n 's/.*v=\([^ ]*\).*/\1/p')" "$requests" "$rounds"
printf '%-10s %12s %8s %9s %12s %8s %9s\n' way SET/s share 'x floor' GET/s share 'x floor'
rps() { [ -n "${figures[$1,$2]:-}" ] && echo "${figures[$1,$2]}" | median || echo 0; }
base_set=$(rps untraced SET) base_get=$(rps untraced GET)
floor_set=$(rps floor SET) floor_get=$(rps floor GET)
for way in "${ways[@]}"; do
  # "x floor": a request's time under this way over its time under the
  # floor's traps (floor rate / this rate).
  awk -v w="$way" -v s="$(rps "$way" SET)" -v g="$(rps "$way" GET)" \
    -v bs="$base_set" -v bg="$base_get" -v fs="$floor_set" -v fg="$floor_get" '
    function share(x, b) { return b > 0 ? sprintf("%7.0f%%", 100 * x / b) : "       -" }
    function ratio(x, f) { return f > 0 && x > 0 ? sprintf("%8.2fx", f / x) : "        -" }
    BEGIN { printf "%-10s %12.0f %s %s %12.0f %s %s\n", w, s, share(s, bs), ratio(s, fs),
            g, share(g, bg), ratio(g, fg) }'
done
# Each program's runs a request (SET and GET together) and ns a run.
for way in "${ways[@]}"; do
  [ -s "$dir/runs-$way" ] || continue
  awk -v w="$way" -v n="$((2 * requests))" '
    { name = $4; sub(/:$/, "", name); runs = $5; ns = $7
      if (runs / n < 0.01) next  # the syscall programs: a few runs in all
      printf "%-10s %-22s %7.2f runs/request %6d ns/run %7.0f ns/request\n", w, name, runs / n, ns, runs * ns / n }' \
    "$dir/runs-$way"
done
[ -s "$dir/guard-note" ] && echo "guard (default --max-overhead 5): $(cut -c7- "$dir/guard-note")"
exit 0
