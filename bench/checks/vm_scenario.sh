#!/bin/bash
# bench/checks inside the lab VM: keepalived 2.2.7's checker process and checkd
# (with ipvsd, which hands it the targets) on the same generated keepalived.conf,
# one after the other in the same boot, each in a fresh namespace with a
# listen_farm of real listeners on 127.1.0.1 ... Run by bench/checks/vs-keepalived.
#
#   vm_scenario.sh BUILD_DIR FARM_EXE WINDOW_S [BENCH_STACKS=...] [BENCH_LOG_LEVEL=...] CASE...
#   (CASE: KIND:REALS:VSES; the VM does not inherit the caller's environment, so
#   the two settings come as words)
source "$(dirname "$0")/../../tests/lab/lib.sh"
lab_require_vm
build=${1:?}; farm=${2:?}; window=${3:?}; shift 3
while [[ "${1:-}" == BENCH_*=* ]]; do export "${1?}"; shift; done
bin=$build/bin
ulimit -n 65536  # the farm holds a listener per real server
lab_modules
mkdir -p "$LAB_OUT"
results=$LAB_OUT/checks.jsonl
: >"$results"

ip_of() { local n=$((1 + $1)); echo "127.1.$((n / 256)).$((n % 256))"; }

# conf KIND REALS VSES: VSES virtual servers (ports 80...) with the same REALS
# real servers each, TCP_CHECK or HTTP_GET at delay_loop 1 s, keepalived's defaults.
conf() {
  local kind=$1 reals=$2 vses=$3 v i
  echo "global_defs { router_id bench }"
  for ((v = 0; v < vses; v++)); do
    echo "virtual_server 10.0.0.1 $((80 + v)) {"
    echo "  delay_loop 1"
    echo "  lb_algo rr"
    echo "  lb_kind DR"
    for ((i = 0; i < reals; i++)); do
      if [ "$kind" = http ]; then
        echo "  real_server $(ip_of "$i") 80 { HTTP_GET { url { path / } } }"
      else
        echo "  real_server $(ip_of "$i") 80 { TCP_CHECK { } }"
      fi
    done
    echo "}"
  done
}

ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
rss_mb() { awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }

# One stack on one case: prints a JSON line.
measure() {
  local stack=$1 kind=$2 reals=$3 vses=$4 ns=bench dir pid aux=0 farm_pid
  dir=$(mktemp -d)
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  conf "$kind" "$reals" "$vses" >"$dir/keepalived.conf"
  mkfifo "$dir/farm.in"
  ip netns exec "$ns" "$farm" "$reals" 127.1.0.1 80 $([ "$kind" = http ] && echo --http) \
    <"$dir/farm.in" >"$dir/farm.out" 2>&1 &
  farm_pid=$!
  exec 9>"$dir/farm.in"
  lab_wait_for 60 "listen_farm ready" grep -q ready "$dir/farm.out"
  if [ "$stack" = keepalived ]; then
    ip netns exec "$ns" keepalived -n -C -f "$dir/keepalived.conf" -p "$dir/ka.pid" -c "$dir/checkers.pid" \
      >"$dir/ka.log" 2>&1 &
    local top=$!
    lab_wait_for 60 "keepalived's checker started" test -s "$dir/checkers.pid"
    pid=$(cat "$dir/checkers.pid")
  else
    mkdir -m 0755 "$dir/run"
    ip netns exec "$ns" "$bin/checkd" --run-dir "$dir/run" --log-level warn >"$dir/checkd.log" 2>&1 &
    pid=$!
    lab_wait_for 60 "checkd listening" test -S "$dir/run/checkd.sock"
    ip netns exec "$ns" "$bin/ipvsd" --config "$dir/keepalived.conf" --run-dir "$dir/run" --log-level "${BENCH_LOG_LEVEL:-warn}" \
      >"$dir/ipvsd.log" 2>&1 &
    aux=$!
    local top=$aux
  fi
  # Steady state: two full rounds of probes seen by the listeners.
  local per_round=$((reals * vses))
  [ "$stack" = lvs-ha ] && per_round=$reals  # one probe per real, however many services
  accepts() { echo stats >&9; sleep 0.3; tail -n1 "$dir/farm.out" | awk '$1 == "stats" { print $2 }'; }
  local deadline=$(( $(date +%s) + 120 ))
  while [ "$(accepts)" -lt $((3 * per_round)) ] && [ "$(date +%s)" -lt "$deadline" ]; do :; done
  echo reset >&9
  local t0 c0 a0 t1 c1 a1 hz
  hz=$(getconf CLK_TCK)
  t0=$(cut -d' ' -f1 /proc/uptime); c0=$(ticks "$pid")
  [ "$aux" != 0 ] && a0=$(ticks "$aux")
  sleep "$window"
  t1=$(cut -d' ' -f1 /proc/uptime); c1=$(ticks "$pid")
  [ "$aux" != 0 ] && a1=$(ticks "$aux")
  echo stats >&9
  sleep 0.5
  local stats rss aux_cores=0
  stats=$(grep '^stats' "$dir/farm.out" | tail -n1)
  rss=$(rss_mb "$pid")
  [ "$aux" != 0 ] && aux_cores=$(awk -v a="$a0" -v b="$a1" -v t0="$t0" -v t1="$t1" -v hz="$hz" \
    'BEGIN { printf "%.3f", (b - a) / hz / (t1 - t0) }')
  awk -v s="$stack" -v k="$kind" -v r="$reals" -v v="$vses" -v c0="$c0" -v c1="$c1" -v t0="$t0" -v t1="$t1" \
      -v hz="$hz" -v rss="$rss" -v aux="$aux_cores" -v st="$stats" 'BEGIN {
    split(st, f, " ")
    printf "{\"stack\": \"%s\", \"kind\": \"%s\", \"reals\": %d, \"virtual_servers\": %d, \"cores\": %.3f, ", s, k, r, v, (c1 - c0) / hz / (t1 - t0)
    printf "\"rss_mb\": %s, \"probes_per_s\": %.1f, \"period_p50_ms\": %s, \"period_p99_ms\": %s, \"ipvsd_cores\": %s}\n", rss, f[2] / (t1 - t0), f[3], f[4], aux
  }' | tee -a "$results"
  kill "$top" 2>/dev/null || :
  [ "$stack" = lvs-ha ] && kill "$pid" 2>/dev/null
  wait "$top" 2>/dev/null || :
  [ "$stack" = lvs-ha ] && { wait "$pid" 2>/dev/null || :; }
  exec 9>&-
  kill "$farm_pid" 2>/dev/null || :
  wait "$farm_pid" 2>/dev/null || :
  ip netns del "$ns"
  # The daemons' logs stay with the results.
  mkdir -p "$LAB_OUT/$stack-$kind-$reals-$vses"
  cp "$dir"/*.log "$LAB_OUT/$stack-$kind-$reals-$vses/" 2>/dev/null || :
  rm -rf "$dir"
}

for c in "$@"; do
  IFS=: read -r kind reals vses <<<"$c"
  for stack in ${BENCH_STACKS:-keepalived lvs-ha}; do
    lab_log "case $kind ${reals} reals x ${vses} virtual servers: $stack"
    measure "$stack" "$kind" "$reals" "$vses"
  done
done
lab_finish
