#!/bin/bash
# The reference deployment, end to end, with lvs-ha instead of keepalived: two
# directors (lvs1 MASTER 100, lvs2 BACKUP 90) running checkd + ipvsd + vrrpd with the
# seed's own keepalived.conf files, two busybox web servers behind the VIP in DR
# mode, and a client probing the VIP all along. It checks the seed's three promises:
#   1. a failed real server leaves rotation (and comes back when it recovers);
#   2. a failed director is replaced by its peer (SIGTERM, as the seed does it, and kill -9);
#   3. no single machine going down interrupts the web service.
# Used by the lab tier (test_seed_story.sh) and by scripts/demo.
#
# usage (inside the VM): seed_story.sh BUILD_DIR
source "$(dirname "$0")/lib.sh"
lab_require_vm
bin=${1:?usage: seed_story.sh BUILD_DIR}/bin
here=$(cd "$(dirname "$0")" && pwd)
fixtures=$(cd "$here/../fixtures/configs" && pwd)
out=${LAB_OUT:-/tmp/lab/out}
mkdir -p "$out"

lab_modules
lab_seed_topology
lab_web rs1 "This is RS1"
lab_web rs2 "This is RS2"

declare -A CONF=([lvs1]="$fixtures/seed-master.conf" [lvs2]="$fixtures/seed-backup.conf")
declare -A DPID
declare -A METRICS_PORT=([vrrpd]=9101 [ipvsd]=9102 [checkd]=9103)

# director_start HOST: checkd, ipvsd, vrrpd in HOST's namespace, each with its own log.
director_start() {
  local h=$1 d
  for d in checkd ipvsd vrrpd; do
    ip netns exec "$h" "$bin/$d" --config "${CONF[$h]}" --run-dir "/run/lvs-$h" \
      --metrics-listen "127.0.0.1:${METRICS_PORT[$d]}" >>"$out/$h-$d.log" 2>&1 &
    DPID[$h-$d]=$!
    LAB_PIDS+=($!)
    if [ "$d" = checkd ]; then
      lab_wait_for 60 "$h: checkd serves its socket" test -S "/run/lvs-$h/checkd.sock"
    fi
  done
}
director_kill() {  # HOST SIGNAL
  local d
  for d in vrrpd ipvsd checkd; do kill "-$2" "${DPID[$1-$d]}" 2>/dev/null || :; done
  for d in vrrpd ipvsd checkd; do wait "${DPID[$1-$d]}" 2>/dev/null || :; done
}

has_vip() { ip -n "$1" -4 addr show dev ens160 label ens160:vip | grep -q "inet $LAB_VIP/32"; }
no_vip() { ! has_vip "$1"; }
# The table without the connection counters, which the client's traffic moves.
table() { ip netns exec "$1" ipvsadm -Ln | tail -n +4 | awk '{ print $1, $2, $3, $4 }'; }
table_is() { [ "$(table "$1")" == "$2" ]; }

both_reals="TCP 192.168.64.100:80 rr 
-> 192.168.64.138:80 Route 1
-> 192.168.64.143:80 Route 1"
only_rs2="TCP 192.168.64.100:80 rr 
-> 192.168.64.138:80 Route 1"

lab_log "starting lvs-ha on both directors with the seed's configs"
director_start lvs1
director_start lvs2
lab_wait_for 90 "lvs1 (MASTER, priority 100) holds the VIP with label ens160:vip" has_vip lvs1
lab_wait_for 30 "lvs2 (BACKUP) does not hold the VIP" no_vip lvs2
# The seed's note: the backup needs the virtual server too, or failover loses the service.
lab_wait_for 90 "lvs1's IPVS table is the seed's DR service" table_is lvs1 "$both_reals"
lab_wait_for 90 "lvs2's IPVS table is the seed's DR service" table_is lvs2 "$both_reals"

# lvsctl's view of the table: real, forwarding, weight/configured, health.
lvsctl_reals() {
  ip netns exec "$1" "$bin/lvsctl" show services --run-dir "/run/lvs-$1" | awk '/->/ { print $2, $3, $4, $7 }'
}
lvsctl_reals_are() { [ "$(lvsctl_reals "$1")" == "$2" ]; }
lab_wait_for 30 "lvsctl show services on lvs1: both reals up at weight 1" lvsctl_reals_are lvs1 \
"RemoteAddress:Port Forward Weight Health
192.168.64.138:80 Route 1/1 UP
192.168.64.143:80 Route 1/1 UP"

# metric HOST DAEMON LINE: the daemon's /metrics has exactly that sample line.
metric() { ip netns exec "$1" curl -s --max-time 5 "http://127.0.0.1:${METRICS_PORT[$2]}/metrics" | grep -qxF "$3"; }
lab_wait_for 30 "lvs1's vrrpd metrics say MASTER" \
  metric lvs1 vrrpd 'lvs_vrrp_state{instance="VI_1",state="MASTER"} 1'
lab_wait_for 30 "lvs1's ipvsd metrics show rs1 at weight 1" \
  metric lvs1 ipvsd 'lvs_ipvs_real_weight{service="TCP 192.168.64.100:80",real="192.168.64.143:80"} 1'
lab_wait_for 30 "lvs2's checkd metrics show rs2's check up" \
  metric lvs2 checkd 'lvs_check_up{target="TCP 192.168.64.100:80 -> 192.168.64.138:80",checker="0",kind="TCP_CHECK"} 1'

ip netns exec client python3 "$here/http_probe.py" "http://$LAB_VIP/" "$out/probe.log" 0.2 &
LAB_PIDS+=($!)
# recent_answers_from RS: some of the client's last 10 requests were answered by RS.
recent_answers_from() { tail -n 10 "$out/probe.log" 2>/dev/null | grep -q " ok This is $1"; }
none_recent_from() { [ "$(tail -n 10 "$out/probe.log" | grep -c ' ok ')" -ge 10 ] && ! recent_answers_from "$1"; }
lab_wait_for 90 "the client gets answers from rs1 through the VIP" recent_answers_from RS1
lab_wait_for 30 "the client gets answers from rs2 through the VIP" recent_answers_from RS2

lab_log "promise 1: a failed real server leaves rotation"
kill "${LAB_PIDS[0]}"   # rs1's httpd (lab_web rs1 ran first)
lab_wait_for 120 "lvs1 removed rs1 from the table" table_is lvs1 "$only_rs2"
lab_wait_for 60 "lvs2 removed rs1 from the table" table_is lvs2 "$only_rs2"
lab_wait_for 30 "the client is served by rs2 alone" none_recent_from RS1
lab_wait_for 30 "lvsctl show services on lvs1: rs1 DOWN and out of the kernel" lvsctl_reals_are lvs1 \
"RemoteAddress:Port Forward Weight Health
192.168.64.138:80 Route 1/1 UP
192.168.64.143:80 Route -/1 DOWN"
lab_web rs1 "This is RS1"
lab_wait_for 120 "rs1 back: lvs1 restored it" table_is lvs1 "$both_reals"

lab_log "promise 2: a failed director is replaced by its peer"
mark=$(wc -l <"$out/probe.log")
director_kill lvs1 TERM
lab_wait_for 30 "after SIGTERM on lvs1, lvs2 holds the VIP" has_vip lvs2
lab_wait_for 10 "lvs1 released the VIP on stop" no_vip lvs1
lab_wait_for 30 "the client is served through lvs2" \
  sh -c "tail -n +$((mark + 1)) '$out/probe.log' | tail -n 3 | grep -q ' ok '"

lab_log "lvs1 returns and preempts (priority 100 > 90)"
director_start lvs1
lab_wait_for 90 "lvs1 holds the VIP again" has_vip lvs1
lab_wait_for 30 "lvs2 gave it up" no_vip lvs2

lab_log "a director dies hard (kill -9)"
director_kill lvs1 KILL
lab_wait_for 30 "after kill -9 of lvs1, lvs2 holds the VIP" has_vip lvs2
# lvs1's address stays (the namespace is the machine: its daemons died, not its
# network), so kill -9 leaves the VIP there until vrrpd comes back and cleans it.
director_start lvs1
lab_wait_for 90 "restarted lvs1 takes the VIP back" has_vip lvs1
lab_wait_for 30 "and lvs2 released it" no_vip lvs2
lab_wait_for 30 "the client is served again" \
  sh -c "tail -n 3 '$out/probe.log' | grep -q ' ok '"

lab_log "promise 3: no request failed for good; the longest outage the client saw:"
# Bounded by Master_Down (3 x 1 s + skew) plus the software-emulated VM's slowness.
if python3 - "$out/probe.log" 10 <<'PY'; then lab_pass "no outage longer than 10 s"; else lab_fail "an outage longer than 10 s"; fi
import sys
worst, start, fails = 0.0, None, 0
for line in open(sys.argv[1]):
    t, kind = line.split()[:2]
    t = float(t)
    if kind == "fail":
        fails += 1
        start = t if start is None else start
    elif start is not None:
        worst, start = max(worst, t - start), None
print(f"  failed attempts: {fails}, longest gap until an answer: {worst:.2f} s")
sys.exit(0 if worst <= float(sys.argv[2]) and start is None else 1)
PY
lab_finish
