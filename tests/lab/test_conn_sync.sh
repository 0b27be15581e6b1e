#!/bin/bash
# Connections survive director failover: with lvs_sync_daemon in both directors'
# keepalived.conf, long-lived TCP connections opened through the VIP before the
# master fails keep working after it (0 broken). Then the baseline: the same
# without lvs_sync_daemon, where the new master does not know the connections and
# resets them (the number is recorded).
#
# The master fails by losing its cable (its switch port goes down), the way a dead
# machine looks to its peer; 20 keep-alive connections each send a request every
# 500 ms all along.
#
# usage (inside the VM): test_conn_sync.sh BUILD_DIR [STACK [report]]
set -euo pipefail
CLUSTER_BIN=${1:?usage: test_conn_sync.sh BUILD_DIR [STACK [report]]}/bin
CLUSTER_STACK=${2:-lvs-ha}
if [ "${3:-}" = report ]; then CLUSTER_ENFORCE=0; fi
source "$(dirname "$0")/cluster.sh"
lab_require_vm
conns=20

# The seed's configs, and the same with the connection sync daemon following VI_1.
mkdir -p /tmp/conf
for h in lvs1 lvs2; do
  sed 's/^\(\s*\)router_id .*/&\n\1lvs_sync_daemon ens160 VI_1/' "${CLUSTER_CONF[$h]}" >"/tmp/conf/$h-sync.conf"
  cp "${CLUSTER_CONF[$h]}" "/tmp/conf/$h-plain.conf"
done

sync_is() { ip netns exec "$1" ipvsadm -L --daemon | grep -q "^$2 sync daemon (mcast=ens160, syncid=51"; }
no_sync() { [ -z "$(ip netns exec "$1" ipvsadm -L --daemon)" ]; }
# Connections lvs2's IPVS knows for the VIP (synced from lvs1, or its own).
lvs2_knows() { [ "$(ip netns exec lvs2 ipvsadm -Lnc | grep -c "ESTABLISHED.*$LAB_VIP:80")" -ge "$1" ]; }
hold_log() { echo "$LAB_OUT/hold-$1.log"; }
established() { grep -q " established $conns\$" "$(hold_log "$1")"; }
# every connection has had an answer to a request started after T, or has broken
all_settled_after() {
  python3 - "$(hold_log "$1")" "$2" "$conns" <<'PY'
import sys
log, t, n = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
done = set()
for line in open(log):
    f = line.split()
    if len(f) >= 4 and f[2] in ("ok", "fail") and f[3].startswith("conn="):
        if f[2] == "fail" or float(f[0]) > t:
            done.add(f[3])
sys.exit(0 if len(done) >= n else 1)
PY
}

# phase MODE: one failover with 20 long-lived connections; the client's summary
# line goes to $LAB_OUT/hold-MODE.log.
phase() {
  local mode=$1 h d pid t_fail summary
  lab_log "phase: $mode"
  for h in lvs1 lvs2; do CLUSTER_CONF[$h]=/tmp/conf/$h-$mode.conf; done
  if [ "$mode" = sync ]; then
    cluster_up
    lab_wait_for 60 "lvs1's sync daemon is master" sync_is lvs1 master
    lab_wait_for 60 "lvs2's sync daemon is backup" sync_is lvs2 backup
  else
    for h in lvs1 lvs2; do for d in $(cluster_units); do cluster_stop "$h" "$d"; done; done
    ip -n sw link set lvs1 up
    for h in lvs1 lvs2; do
      for d in $(ip netns exec "$h" ipvsadm -L --daemon | awk '{ print $1 }'); do
        ip netns exec "$h" ipvsadm --stop-daemon "$d"
      done
    done
    cluster_directors_up "restarted without lvs_sync_daemon"
    lab_wait_for 30 "no sync daemon runs on lvs1" no_sync lvs1
    lab_wait_for 30 "no sync daemon runs on lvs2" no_sync lvs2
  fi
  lab_daemon client "$LAB_OUT/hold-$mode.err" "$CLUSTER_BIN/lab_http_load" hold --target "$LAB_VIP:80" \
    --conns $conns --interval-ms 500 --timeout-ms 20000 --out "$(hold_log "$mode")"
  pid=$LAB_LAST_PID
  lab_wait_for 60 "$conns connections are open through the VIP" established "$mode"
  lab_wait_for 60 "every connection has been answered" all_settled_after "$mode" "$(now)"
  if [ "$mode" = sync ]; then
    lab_wait_for 60 "lvs2 learnt the $conns connections from lvs1's sync daemon" lvs2_knows $conns
  fi
  ip -n sw link set lvs1 down
  t_fail=$(now)
  lab_log "  lvs1 unplugged"
  lab_wait_for 30 "lvs2 holds the VIP" has_vip lvs2
  lab_wait_for 90 "every connection has been answered through lvs2, or broke" all_settled_after "$mode" "$(now)"
  kill -TERM "$pid"
  wait "$pid" || :
  summary=$(grep ' summary ' "$(hold_log "$mode")" | tail -n1)
  lab_log "  $mode: $summary"
  broken=$(sed -n 's/.* broken=\([0-9]*\).*/\1/p' <<<"$summary")
  alive=$(sed -n 's/.* alive=\([0-9]*\).*/\1/p' <<<"$summary")
  printf '{"stack": "%s", "drill": "conn-sync", "mode": "%s", "conns": %d, "alive": %d, "broken": %d, "summary": "%s"}\n' \
    "$CLUSTER_STACK_LABEL" "$mode" $conns "${alive:-0}" "${broken:-$conns}" "$summary" >>"$CLUSTER_RESULTS"
  eval "BROKEN_$mode=${broken:-$conns}"
}

phase sync
failures_before=$LAB_FAILURES
lab_expect_eq "with lvs_sync_daemon, no connection broke over the failover" 0 "$BROKEN_sync"
phase plain
lab_log "baseline without lvs_sync_daemon: $BROKEN_plain of $conns connections broke"
if [ "$BROKEN_plain" -gt 0 ]; then
  lab_pass "without it the new master does not know them (the test can tell the difference)"
else
  lab_fail "without lvs_sync_daemon no connection broke: the test cannot tell sync from no sync"
fi
if [ "${CLUSTER_ENFORCE:-1}" = 0 ]; then LAB_FAILURES=$failures_before; fi
lab_finish
