# The seed's cluster with lvs-ha or keepalived on its directors, a client sending a
# steady stream of requests through the VIP, and the failure drills. Source it (after
# setting CLUSTER_STACK and CLUSTER_BIN); used by test_drills.sh, test_conn_sync.sh,
# seed_story.sh and bench/cluster.
#
# Stacks:
#   lvs-ha      checkd, ipvsd and vrrpd on each director, each its own "unit";
#   keepalived  one keepalived on each director (its parent restarts its children).
#   keepalived+retry  keepalived on a copy of the configs with `nb_get_retry`
#               spelled `retry`: keepalived ignores nb_get_retry inside TCP_CHECK,
#               lvs-ha takes it as retry, so this is keepalived on the check
#               settings the seed's file states (bench/cluster compares both).
# Every unit runs under a supervisor that behaves like systemd's Restart=on-failure
# with RestartSec=1s (the packaged units' setting): a clean exit ends it, a crash
# or a kill -9 brings the process back a second later.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CLUSTER_STACK=${CLUSTER_STACK:-lvs-ha}
CLUSTER_BIN=${CLUSTER_BIN:?set CLUSTER_BIN to the build bin directory}
CLUSTER_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CLUSTER_FIXTURES=$(cd "$CLUSTER_HERE/../fixtures/configs" && pwd)
CLUSTER_RUN=/run/lab-cluster
# Slack on top of each protocol bound: the VM is software-emulated and its speed
# varies with the host's load.
CLUSTER_MARGIN=${CLUSTER_MARGIN:-3}
# 1: a drill whose promise did not hold is a test failure; 0: it is only reported
# (bench/cluster, which also runs keepalived through the drills).
CLUSTER_ENFORCE=${CLUSTER_ENFORCE:-1}
CLUSTER_CLIENT_LOG=$LAB_OUT/client.log
# A request that gets no answer within this many seconds has failed (a browser
# waits longer; a SYN lost once is retransmitted after 1 s and still counts as ok).
CLUSTER_CLIENT_TIMEOUT=3
CLUSTER_RESULTS=$LAB_OUT/drills.jsonl
declare -A CLUSTER_CONF=([lvs1]="$CLUSTER_FIXTURES/seed-master.conf" [lvs2]="$CLUSTER_FIXTURES/seed-backup.conf")
declare -A CLUSTER_WEB_PID
CLUSTER_STACK_LABEL=$CLUSTER_STACK   # the name results are filed under
if [ "$CLUSTER_STACK" = keepalived+retry ]; then
  CLUSTER_STACK=keepalived
  mkdir -p /tmp/cluster-conf
  for h in lvs1 lvs2; do
    sed 's/\bnb_get_retry\b/retry/' "${CLUSTER_CONF[$h]}" >"/tmp/cluster-conf/$h.conf"
    CLUSTER_CONF[$h]=/tmp/cluster-conf/$h.conf
  done
fi
# lvs-ha+passive: lvs-ha on the seed's files with lvsha_passive_check in global_defs
# (keepalived would log it as unknown and run the rest).
if [ "$CLUSTER_STACK" = lvs-ha+passive ]; then
  CLUSTER_STACK=lvs-ha
  mkdir -p /tmp/cluster-conf
  for h in lvs1 lvs2; do
    # FIN_WAIT entries kept 10 s instead of 120: the emulated VM reads a table of
    # thousands of closed connections slowly, and the sampling slows down to match.
    sed '0,/^global_defs {/s//global_defs {\n    lvsha_passive_check\n    lvs_timeouts tcpfin 10/' "${CLUSTER_CONF[$h]}" >"/tmp/cluster-conf/$h.conf"
    CLUSTER_CONF[$h]=/tmp/cluster-conf/$h.conf
  done
fi
declare -A CLUSTER_METRICS_PORT=([vrrpd]=9101 [ipvsd]=9102 [checkd]=9103)

# The seed's protocol figures: advert_int 1 s, priorities 100 and 90.
CLUSTER_MASTER_DOWN_LVS2=3.648   # 3 x 1 s + (256 - 90) / 256
CLUSTER_MASTER_DOWN_LVS1=3.609   # 3 x 1 s + (256 - 100) / 256: lvs1 back preempts after it
CLUSTER_SKEW_LVS2=0.648
# Real-server detection, from the seed's TCP_CHECK on rs1 (delay_loop 6,
# connect_timeout 3, retry 3, delay_before_retry 3): a refused connection fails at
# once, a silent host only after connect_timeout, on every attempt.
CLUSTER_DETECT_REFUSED=15        # 6 + 3 x 3
CLUSTER_DETECT_SILENT=27         # 6 + 4 x 3 + 3 x 3

now() { date +%s.%N; }
# add A B: A + B for the shell's decimal seconds.
add() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a + b }'; }

# --- units ---------------------------------------------------------------------

# The units of one director for the stack: what kill -9 of "the VRRP daemon", "the
# IPVS daemon" and "the checker" means there.
cluster_units() {
  if [ "$CLUSTER_STACK" = keepalived ]; then echo keepalived; else echo checkd ipvsd vrrpd; fi
}

_cluster_exec() {  # HOST DAEMON: exec the daemon in the foreground
  local host=$1 d=$2
  case $d in
    keepalived)
      mkdir -p "$CLUSTER_RUN/$host"
      exec ip netns exec "$host" keepalived -n -l -D -f "${CLUSTER_CONF[$host]}" \
        -p "$CLUSTER_RUN/$host/keepalived.pid" -r "$CLUSTER_RUN/$host/vrrp.pid" \
        -c "$CLUSTER_RUN/$host/checkers.pid" ;;
    *)
      exec ip netns exec "$host" "$CLUSTER_BIN/$d" --config "${CLUSTER_CONF[$host]}" \
        --run-dir "/run/lvs-$host" --metrics-listen "127.0.0.1:${CLUSTER_METRICS_PORT[$d]}" ;;
  esac
}

_cluster_supervise() {  # HOST DAEMON
  local host=$1 d=$2 unit=$1-$2 child=0 rc
  local log=$LAB_OUT/$unit.log
  trap 'touch "$CLUSTER_RUN/$unit.stop"; kill -TERM "$child" 2>/dev/null; wait "$child"; exit 0' TERM
  while :; do
    (_cluster_exec "$host" "$d") >>"$log" 2>&1 &
    child=$!
    echo "$child" >"$CLUSTER_RUN/$unit.pid"
    rc=0
    wait "$child" || rc=$?
    if [ -e "$CLUSTER_RUN/$unit.stop" ] || [ "$rc" = 0 ]; then
      rm -f "$CLUSTER_RUN/$unit.pid"
      exit 0
    fi
    echo "supervisor: $unit exited with status $rc; restarting in 1 s" >>"$log"
    sleep 1
  done
}

# cluster_start HOST DAEMON: start one unit (systemctl start).
cluster_start() {
  local unit=$1-$2
  rm -f "$CLUSTER_RUN/$unit.stop" "$CLUSTER_RUN/$unit.pid"
  _cluster_supervise "$1" "$2" &
  LAB_PIDS+=($!)
  lab_wait_for 30 "$unit started" test -s "$CLUSTER_RUN/$unit.pid" >/dev/null
}

# cluster_stop HOST DAEMON: SIGTERM and wait, not restarted (systemctl stop).
cluster_stop() {
  local unit=$1-$2 pid
  touch "$CLUSTER_RUN/$unit.stop"
  pid=$(cat "$CLUSTER_RUN/$unit.pid" 2>/dev/null) || return 0
  kill -TERM "$pid" 2>/dev/null || :
  lab_wait_for 30 "$unit stopped" test ! -e "$CLUSTER_RUN/$unit.pid" >/dev/null
}

# cluster_pid HOST ROLE: the pid that does ROLE (vrrp, ipvs, check) on HOST now.
cluster_pid() {
  local host=$1 role=$2
  if [ "$CLUSTER_STACK" = keepalived ]; then
    case $role in
      vrrp) cat "$CLUSTER_RUN/$host/vrrp.pid" ;;
      *) cat "$CLUSTER_RUN/$host/checkers.pid" ;;
    esac
  else
    cat "$CLUSTER_RUN/$host-${role}d.pid"
  fi
}

# cluster_vrrp_unit: the unit that owns VRRP (stopping it is the seed's
# "systemctl stop keepalived").
cluster_vrrp_unit() { if [ "$CLUSTER_STACK" = keepalived ]; then echo keepalived; else echo vrrpd; fi; }

cluster_director_start() {
  local d
  for d in $(cluster_units); do cluster_start "$1" "$d"; done
}

# --- the cluster ---------------------------------------------------------------

has_vip() { ip -n "$1" -4 addr show dev ens160 | grep -q "inet $LAB_VIP/32"; }
no_vip() { ! has_vip "$1"; }
only_lvs1_has_vip() { has_vip lvs1 && no_vip lvs2; }
only_lvs2_has_vip() { has_vip lvs2 && no_vip lvs1; }
# The IPVS table without counters, one line per entry.
cluster_table() { ip netns exec "$1" ipvsadm -Ln | tail -n +4 | awk '{ print $1, $2, $3, $4 }'; }
CLUSTER_BOTH_REALS="TCP 192.168.64.100:80 rr 
-> 192.168.64.138:80 Route 1
-> 192.168.64.143:80 Route 1"
CLUSTER_ONLY_RS2="TCP 192.168.64.100:80 rr 
-> 192.168.64.138:80 Route 1"
table_is() { [ "$(cluster_table "$1")" == "$2" ]; }
tables_full() { table_is lvs1 "$CLUSTER_BOTH_REALS" && table_is lvs2 "$CLUSTER_BOTH_REALS"; }
units_running() {
  local h d
  for h in lvs1 lvs2; do
    for d in $(cluster_units); do kill -0 "$(cat "$CLUSTER_RUN/$h-$d.pid" 2>/dev/null)" 2>/dev/null || return 1; done
  done
}
no_drill_rules() { [ -z "$(ip netns exec lvs1 nft list tables)$(ip netns exec lvs2 nft list tables)" ]; }

# cluster_web HOST: the real server's web server, nginx, saying "This is RS1" on rs1
# (it also keeps connections alive, which test_conn_sync.sh needs).
cluster_web() {
  lab_nginx "$1" "This is RS${1#rs}"
  CLUSTER_WEB_PID[$1]=$LAB_LAST_PID
}
cluster_web_stop() { lab_stop "${CLUSTER_WEB_PID[$1]}"; }

# cluster_up: the seed's network, both real servers set up for DR by `lvsctl
# realserver up` with a web server each, both directors running the stack, the
# client's steady stream started; returns once the cluster is steady.
cluster_up() {
  mkdir -p "$CLUSTER_RUN" "$LAB_OUT"
  lab_modules
  lab_seed_network
  local h
  for h in rs1 rs2; do
    ip netns exec "$h" "$CLUSTER_BIN/lvsctl" realserver up --vip "$LAB_VIP" >>"$LAB_OUT/$h-realserver.log"
    cluster_web "$h"
  done
  # What lvsctl doctor director asks of a director: without it a real server taken
  # out of the table keeps costing requests (see README, "Running it").
  if [ "$CLUSTER_STACK" = lvs-ha ]; then
    lab_wait_for 10 "lvsctl doctor director reports the kernel's default expire_nodest_conn=0" \
      doctor_reports lvs1 'PROBLEM: net.ipv4.vs.expire_nodest_conn is 0'
  fi
  for h in lvs1 lvs2; do ip netns exec "$h" sysctl -qw net.ipv4.vs.expire_nodest_conn=1; done
  lab_log "starting $CLUSTER_STACK on both directors with the seed's keepalived.conf files"
  cluster_directors_up "the cluster is up"
  if [ "$CLUSTER_STACK" = lvs-ha ]; then
    lab_wait_for 30 "lvsctl doctor director finds no problem on lvs1" doctor_clean lvs1
  fi
}
# cluster_directors_up WHAT: lvs1 first, so it is master before lvs2 starts (two
# directors started in the same instant may both reach Master_Down); then steady.
cluster_directors_up() {
  cluster_director_start lvs1
  lab_wait_for 60 "lvs1 holds the VIP" has_vip lvs1
  cluster_director_start lvs2
  cluster_steady "$1"
}
doctor_reports() {  # HOST TEXT: doctor director exits 1 and its findings include TEXT
  local out rc=0
  out=$(ip netns exec "$1" "$CLUSTER_BIN/lvsctl" doctor director --config "${CLUSTER_CONF[$1]}" \
    --run-dir "/run/lvs-$1") || rc=$?
  [ "$rc" = 1 ] && grep -qF -- "$2" <<<"$out"
}
doctor_clean() {
  ip netns exec "$1" "$CLUSTER_BIN/lvsctl" doctor director --config "${CLUSTER_CONF[$1]}" \
    --run-dir "/run/lvs-$1" >"$LAB_OUT/$1-doctor.txt" 2>&1
}

# cluster_client_start [RATE]: the client's steady stream of requests through the VIP.
cluster_client_start() {
  lab_daemon client "$LAB_OUT/client.err" "$CLUSTER_BIN/lab_http_load" rate \
    --target "$LAB_VIP:80" --rate "${1:-50}" --timeout-ms $((CLUSTER_CLIENT_TIMEOUT * 1000)) --out "$CLUSTER_CLIENT_LOG"
  CLUSTER_CLIENT_PID=$LAB_LAST_PID
  lab_wait_for 60 "the client is answered through the VIP" client_answered_since "$(now)"
  # A cluster in service has had traffic before anything fails: the drills start once
  # each real server has answered 30 requests (lvsha_passive_check learns the clients'
  # handshake time from its first 20 connections per real, and judges against 3 s
  # until then).
  lab_wait_for 60 "each real server has answered 30 requests" client_warm 30
}
# client_warm N: both real servers have answered N of the client's requests.
client_warm() {
  awk -v n="$1" '$3 == "ok" && /This is RS1/ { a++ } $3 == "ok" && /This is RS2/ { b++ }
    END { exit !(a >= n && b >= n) }' "$CLUSTER_CLIENT_LOG"
}

# client_answered_since T: the client has an answer to a request started after T.
client_answered_since() {
  awk -v t="$1" '$1 > t && $3 == "ok" { found = 1 } END { exit !found }' "$CLUSTER_CLIENT_LOG"
}

# cluster_steady WHAT: exactly one master (lvs1, the higher priority, holds the VIP
# and lvs2 does not), both tables complete, every unit running, no drill left behind.
cluster_steady() {
  lab_wait_for 60 "$1: lvs1 alone holds the VIP" only_lvs1_has_vip &&
    lab_wait_for 60 "$1: both directors' tables list both real servers" tables_full &&
    lab_wait_for 10 "$1: every unit runs" units_running &&
    lab_wait_for 10 "$1: no drill rule is left" no_drill_rules
}

# --- drills --------------------------------------------------------------------
#
# A drill starts and ends with a steady cluster. In between it injects faults; each
# fault declares how long requests may fail after it (drill_event), and
# drill_report.py judges the client's log against those allowances. The drills
# wait for conditions, never for time: "lvs1 is master again" is read from the
# VRRP daemon's own log (vrrpd's "-> MASTER", keepalived's "Entering MASTER STATE").

DRILL_EVENTS=()
DRILL_FIGURES=()
DRILL_REQUIRE=()

# drill_event ALLOWANCE_S LABEL: a fault (or a repair) happens now (call it just
# before acting); requests that start within ALLOWANCE_S after it may fail, and so
# may those in flight when it happens (drill_report.py's --inflight).
drill_event() {
  DRILL_LAST_EVENT=$(now)
  DRILL_EVENTS+=(--event "$DRILL_LAST_EVENT" "$1" "$2")
  lab_log "  $2 (requests may fail for ${1} s)"
}
drill_figure() { DRILL_FIGURES+=(--figure "$1" "$2"); }

# drill_measure KEY DEADLINE WHAT CMD...: lab_wait_for, and the time from the last
# event to success as figure KEY (ms), also left in DRILL_MEASURED ("?" on failure).
drill_measure() {
  local key=$1 t; shift
  DRILL_MEASURED="?"
  lab_wait_for "$@" || return 1
  t=$(now)
  DRILL_MEASURED=$(awk -v a="$t" -v b="$DRILL_LAST_EVENT" 'BEGIN { printf "%.0f", (a - b) * 1000 }')
  drill_figure "$key" "$DRILL_MEASURED"
}

masters_logged() { grep -cE -- '-> MASTER:|Entering MASTER STATE' "$LAB_OUT/$1-$(cluster_vrrp_unit).log" || :; }
masters_logged_above() { [ "$(masters_logged "$1")" -gt "$2" ]; }
client_done_until() { awk -v t="$1" '$1 > t { found = 1 } END { exit !found }' "$CLUSTER_CLIENT_LOG"; }
# unit_replaced HOST ROLE OLDPID: the role's process is a new one, and alive.
unit_replaced() {
  local pid
  pid=$(cluster_pid "$1" "$2" 2>/dev/null) && [ -n "$pid" ] && [ "$pid" != "$3" ] && kill -0 "$pid"
}

# table_watch_start HOST / table_watch_stop: samples HOST's IPVS table every 20 ms
# while a drill runs; every sample that differs from the first (the steady table) is
# a flap (figure table_flaps, required 0). The loop runs inside the namespace on bash
# builtins only (/proc/net/ip_vs read with `read`, the pause a `read -t` on a pipe
# that never speaks), so sampling forks nothing: fast even in the emulated VM.
table_watch_start() {
  ip netns exec "$1" bash -c '
    exec 3< <(exec sleep 100000)
    trap "kill $!; exit 0" TERM
    sample() {
      local a b c d rows=()
      while read -r a b c d _; do
        case $a in
          TCP|UDP|SCTP|FWM) rows+=("$a $b $c") ;;
          "->") [ "$b" = RemoteAddress:Port ] || rows+=("-> $b $c $d") ;;
        esac
      done </proc/net/ip_vs
      SAMPLE="${rows[*]}"
    }
    sample
    steady=$SAMPLE
    while :; do
      sample
      if [ "$SAMPLE" == "$steady" ]; then echo "$EPOCHREALTIME same"; else echo "$EPOCHREALTIME other $SAMPLE"; fi
      read -t 0.02 -u 3 || :
    done' >"$LAB_OUT/table-watch.log" 2>&1 &
  TABLE_WATCH_PID=$!
  LAB_PIDS+=($!)
}
table_watch_stop() {
  kill "$TABLE_WATCH_PID" 2>/dev/null || :
  wait "$TABLE_WATCH_PID" 2>/dev/null || :
  drill_figure table_samples "$(grep -c . "$LAB_OUT/table-watch.log" || :)"
  drill_figure table_flaps "$(grep -c ' other' "$LAB_OUT/table-watch.log" || :)"
  DRILL_REQUIRE+=(--require-zero table_flaps)
  grep -m3 ' other' "$LAB_OUT/table-watch.log" | sed 's/^/    flap: /' || :
}

# cluster_drill NAME: runs drill_NAME between two steady states and judges it.
cluster_drill() {
  local name=$1 t0 t1 failures_before=$LAB_FAILURES
  DRILL_EVENTS=() DRILL_FIGURES=() DRILL_REQUIRE=()
  lab_log "drill $name ($CLUSTER_STACK)"
  t0=$(now)
  DRILL_LAST_EVENT=$t0
  # Under || a failed wait inside the drill does not end the run: it is counted by
  # lab_fail and the drill goes on to its end, and to its report.
  "drill_${name//-/_}" || lab_fail "$name: the drill's last step failed"
  cluster_steady "after $name"
  t1=$(now)
  # Requests started before t1 end within their timeout; then the log is complete.
  lab_wait_for 30 "the client's requests up to the drill's end have finished" \
    client_done_until "$(add "$t1" "$CLUSTER_CLIENT_TIMEOUT.2")"
  if python3 "$CLUSTER_HERE/drill_report.py" "$CLUSTER_CLIENT_LOG" --drill "$name" \
      --inflight "$CLUSTER_CLIENT_TIMEOUT" \
      --stack "$CLUSTER_STACK_LABEL" --from "$t0" --to "$t1" "${DRILL_EVENTS[@]}" "${DRILL_FIGURES[@]}" \
      "${DRILL_REQUIRE[@]}" --json "$CLUSTER_RESULTS"; then
    lab_pass "$name: the service held (failures only inside the allowance)"
  else
    lab_fail "$name: the promise did not hold"
  fi
  if [ "$CLUSTER_ENFORCE" = 0 ]; then LAB_FAILURES=$failures_before; fi
}

# The master's VRRP daemon is killed; its supervisor restarts it a second later.
drill_vrrp_kill9() {
  local m pid
  m=$(masters_logged lvs1)
  pid=$(cluster_pid lvs1 vrrp)
  drill_event "$(add $CLUSTER_MASTER_DOWN_LVS2 $CLUSTER_MARGIN)" "kill -9 of lvs1's VRRP daemon"
  kill -9 "$pid"
  lab_wait_for 30 "lvs1's VRRP daemon was restarted" unit_replaced lvs1 vrrp "$pid"
  drill_measure master_again_ms 60 "lvs1 is master again" masters_logged_above lvs1 "$m"
}

# The seed's own test: the master's VRRP service is stopped, later started again.
drill_vrrp_sigterm() {
  local m unit
  unit=$(cluster_vrrp_unit)
  drill_event "$(add $CLUSTER_SKEW_LVS2 $CLUSTER_MARGIN)" "lvs1's $unit stopped (SIGTERM)"
  cluster_stop lvs1 "$unit"
  drill_measure takeover_ms 30 "lvs2 alone holds the VIP" only_lvs2_has_vip
  lab_wait_for 30 "the client is answered through lvs2" client_answered_since "$(now)"
  m=$(masters_logged lvs1)
  drill_event "$(add $CLUSTER_MASTER_DOWN_LVS1 $CLUSTER_MARGIN)" "lvs1's $unit started again: it preempts (100 > 90)"
  cluster_start lvs1 "$unit"
  drill_measure preempt_ms 60 "lvs1 is master again" masters_logged_above lvs1 "$m"
}

# The master's interface goes down, then comes back.
drill_link_down() {
  local m
  drill_event "$(add $CLUSTER_MASTER_DOWN_LVS2 $CLUSTER_MARGIN)" "lvs1's ens160 down"
  ip -n lvs1 link set ens160 down
  drill_measure takeover_ms 30 "lvs2 holds the VIP" has_vip lvs2
  lab_wait_for 30 "the client is answered through lvs2" client_answered_since "$(now)"
  m=$(masters_logged lvs1)
  drill_event "$(add $CLUSTER_MASTER_DOWN_LVS1 $CLUSTER_MARGIN)" "lvs1's ens160 up again: it preempts"
  ip -n lvs1 link set ens160 up
  drill_measure preempt_ms 60 "lvs1 is master again" masters_logged_above lvs1 "$m"
}

# VRRP is dropped on the way into the backup: it stops hearing the master and
# claims the VIP too (split brain); then the rule goes.
drill_split_brain() {
  drill_event "$CLUSTER_MARGIN" "VRRP dropped on lvs2's input"
  ip netns exec lvs2 nft -f - <<'NFT'
table inet drill {
  chain input { type filter hook input priority 0; ip protocol vrrp drop; }
}
NFT
  drill_measure split_ms 30 "lvs2 claims the VIP too (split brain)" has_vip lvs2
  lab_wait_for 30 "the client is answered during the split brain" client_answered_since "$(now)"
  drill_event "$CLUSTER_MARGIN" "the rule removed: the split brain heals"
  ip netns exec lvs2 nft delete table inet drill
  drill_measure heal_ms 60 "exactly one master again: lvs1" only_lvs1_has_vip
}

# kill -9 of the daemon that does ROLE (ipvs or check) on the master; the
# supervisor restarts it. No request may fail and the table must never change.
_drill_kill_role() {
  local role=$1 pid
  table_watch_start lvs1
  pid=$(cluster_pid lvs1 "$role")
  CHECKER_ACTIVATIONS=$(checker_activations lvs1)
  drill_event 0 "kill -9 of lvs1's ${role} daemon"
  kill -9 "$pid"
  lab_wait_for 30 "it was restarted" unit_replaced lvs1 "$role" "$pid"
  cluster_converged lvs1
  table_watch_stop
}
drill_ipvsd_kill9() { _drill_kill_role ipvs; }
drill_checkd_kill9() { _drill_kill_role check; }

# cluster_converged HOST: the restarted daemons have the checks' verdicts again:
# lvsctl shows both reals UP (lvs-ha); keepalived's checker has activated its checks
# once more since the kill.
cluster_converged() {
  if [ "$CLUSTER_STACK" = keepalived ]; then
    lab_wait_for 60 "keepalived's new checker activated its checks" \
      checker_activations_above "$1" "$CHECKER_ACTIVATIONS"
  else
    lab_wait_for 60 "ipvsd and checkd agree again: both reals UP" lvsctl_both_up "$1"
  fi
}
lvsctl_both_up() {
  [ "$(ip netns exec "$1" "$CLUSTER_BIN/lvsctl" show services --run-dir "/run/lvs-$1" |
    awk '$1 == "->" && $2 ~ /^[0-9]/ { print $2, $7 }')" == "192.168.64.138:80 UP
192.168.64.143:80 UP" ]
}
checker_activations() { grep -c 'Activating healthchecker' "$LAB_OUT/$1-keepalived.log" 2>/dev/null || :; }
checker_activations_above() { [ "$(checker_activations "$1")" -gt "$2" ]; }

# rs1's web server stops (connections refused), later starts again.
drill_rs_web_stop() {
  drill_event "$(add $CLUSTER_DETECT_REFUSED $CLUSTER_MARGIN)" "rs1's web server stopped"
  cluster_web_stop rs1
  drill_measure detection_ms 60 "lvs1 took rs1 out of rotation" table_is lvs1 "$CLUSTER_ONLY_RS2"
  lab_wait_for 60 "lvs2 took rs1 out too" table_is lvs2 "$CLUSTER_ONLY_RS2"
  lab_wait_for 30 "the client is answered by rs2" client_answered_since "$(now)"
  drill_event "$CLUSTER_MARGIN" "rs1's web server started again"
  cluster_web rs1
  drill_measure return_ms 60 "rs1 is back in rotation" table_is lvs1 "$CLUSTER_BOTH_REALS"
}

# rs1's cable is pulled (its switch port goes down: probes time out), then put back.
drill_rs_unplug() {
  drill_event "$(add $CLUSTER_DETECT_SILENT $CLUSTER_MARGIN)" "rs1 unplugged"
  ip -n sw link set rs1 down
  drill_measure detection_ms 90 "lvs1 took rs1 out of rotation" table_is lvs1 "$CLUSTER_ONLY_RS2"
  lab_wait_for 60 "lvs2 took rs1 out too" table_is lvs2 "$CLUSTER_ONLY_RS2"
  lab_wait_for 30 "the client is answered by rs2" client_answered_since "$(now)"
  drill_event "$CLUSTER_MARGIN" "rs1 plugged in again"
  ip -n sw link set rs1 up
  drill_measure return_ms 60 "rs1 is back in rotation" table_is lvs1 "$CLUSTER_BOTH_REALS"
}

CLUSTER_DIRECTOR_DRILLS="vrrp-kill9 vrrp-sigterm link-down split-brain ipvsd-kill9 checkd-kill9"
CLUSTER_REALSERVER_DRILLS="rs-web-stop rs-unplug"
