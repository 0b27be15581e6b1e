#!/bin/bash
# global_defs' IPVS options, lvs-ha beside keepalived 2.2.7 on the same file in the
# same boot (fixtures/ipvs_globals.conf): keepalived on lvs1, ipvsd on lvs2, each
# namespace its own IPVS table and timeouts, ipvsadm the reader.
#   - lvs_timeouts: ipvsadm -L --timeout shows tcp 7200, tcpfin 110, udp 290;
#   - lvs_flush: a service placed in the table before the start (nobody's) is gone,
#     and the file's service is there;
#   - lvs_sync_daemon with id, maxlen, port, ttl and group and no instance:
#     ipvsadm -L --daemon shows the same master and backup daemons under both;
#   - lb_kind TUN's options and persistence_engine sip: `ipvsadm -Ln --tun-info`
#     is the same under both, and shows them;
#   - ip_family inet6 on a fwmark service: the same IPv6 fwmark entry under both;
#   - checker_priority, checker_cpu_affinity, checker_process_name: keepalived's
#     checker process and ipvsd show the same name, nice value and CPUs in /proc;
#   - ha_suspend: while the virtual address is on no interface of the director, its
#     real server is not checked and keeps its state (in the table although nothing
#     listens; out, once checked, although it listens again); with the address
#     there, the checks decide, under both;
#   - lvs_flush_on_stop: after a SIGTERM the table is empty.
source "$(dirname "$0")/lib.sh"
lab_require_vm
build=${1:?usage: test_ipvs_globals.sh BUILD_DIR}
bin=$build/bin
here=$(cd "$(dirname "$0")" && pwd)
conf=$here/fixtures/ipvs_globals.conf
lab_modules ip_vs_pe_sip
lab_seed_network
mkdir -p "$LAB_OUT"

for ns in lvs1 lvs2; do
  ip netns exec "$ns" ipvsadm -A -t 10.9.9.9:80 -s rr
  ip netns exec "$ns" ipvsadm --set 900 120 300
done

run=/tmp/ka
mkdir -p "$run"
lab_daemon lvs1 "$LAB_OUT/keepalived.log" keepalived -n -l -D -C -f "$conf" \
  -p "$run/keepalived.pid" -c "$run/checkers.pid"
ka_pid=$LAB_LAST_PID
run2=/tmp/lvsha
mkdir -p "$run2"
lab_daemon lvs2 "$LAB_OUT/checkd.log" "$bin/checkd" --run-dir "$run2"
checkd_pid=$LAB_LAST_PID
lab_daemon lvs2 "$LAB_OUT/ipvsd.log" "$bin/ipvsd" --config "$conf" --run-dir "$run2"
ipvsd_pid=$LAB_LAST_PID

has_vs() {
  ip netns exec "$1" ipvsadm -Ln | grep -q "^TCP  192.168.64.100:80" &&
    [ "$(ip netns exec "$1" ipvsadm -Ln -u 192.168.64.100:5060 | grep -c -- '->.*Tunnel')" -eq 2 ]
}
lab_wait_for 60 "keepalived programmed the file's services" has_vs lvs1
lab_wait_for 60 "ipvsd programmed the file's services" has_vs lvs2

# PID's name, nice value (stat field 19) and CPUs, as /proc shows them.
proc_view() {
  local stat fields
  stat=$(</proc/$1/stat)
  read -r -a fields <<<"${stat##*) }"
  local cpus
  cpus=$(grep '^Cpus_allowed_list' "/proc/$1/status")
  echo "$(</proc/$1/comm) nice ${fields[16]} cpus ${cpus##*[[:space:]]}"
}
ka_checker=$(<"$run/checkers.pid")
lab_log "keepalived's checker process: $(proc_view "$ka_checker")"
lab_expect_eq "checker_* options: keepalived's checker process as the file says" \
  "lvsha_lvs nice 6 cpus 0" "$(proc_view "$ka_checker")"
lab_expect_eq "checker_* options: ipvsd as keepalived's checker process" \
  "$(proc_view "$ka_checker")" "$(proc_view "$ipvsd_pid")"

fwm_of() { ip netns exec "$1" ipvsadm -Ln -f 7 -6 2>&1; }
lab_log "keepalived: $(fwm_of lvs1)"
lab_expect_eq "ip_family inet6: the fwmark service is keepalived's" "$(fwm_of lvs1)" "$(fwm_of lvs2)"
if grep -q -E "^FWM +7 IPv6 rr" <<<"$(fwm_of lvs2)"; then
  lab_pass "lvs-ha: FWM 7 is an IPv6 service"
else
  lab_fail "lvs-ha: FWM 7 is not an IPv6 service"
fi

ka_tun=$(ip netns exec lvs1 ipvsadm -Ln --tun-info -u 192.168.64.100:5060)
lh_tun=$(ip netns exec lvs2 ipvsadm -Ln --tun-info -u 192.168.64.100:5060)
lab_log "keepalived: $ka_tun"
lab_log "lvs-ha: $lh_tun"
lab_expect_eq "the tunnel service is keepalived's (ipvsadm -Ln --tun-info)" "$ka_tun" "$lh_tun"
for want in "pe sip" "192.168.64.143:5060 +Tunnel +gue:6080:\+c " "192.168.64.138:5060 +Tunnel +gre:\+c "; do
  if grep -q -E -- "$want" <<<"$lh_tun"; then
    lab_pass "lvs-ha: the listing has '$want'"
  else
    lab_fail "lvs-ha: the listing lacks '$want'"
  fi
done

for ns in lvs1 lvs2; do
  stack=$([ "$ns" = lvs1 ] && echo keepalived || echo lvs-ha)
  timeouts=$(ip netns exec "$ns" ipvsadm -L --timeout)
  lab_log "$stack: $timeouts"
  lab_expect_eq "$stack: lvs_timeouts" "Timeout (tcp tcpfin udp): 7200 110 290" "$timeouts"
  if ip netns exec "$ns" ipvsadm -Ln | grep -q "10.9.9.9:80"; then
    lab_fail "$stack: lvs_flush left the service nobody configured"
  else
    lab_pass "$stack: lvs_flush removed the service nobody configured"
  fi
done

daemons_of() { ip netns exec "$1" ipvsadm -L --daemon | sort; }
both_daemons() { [ "$(daemons_of "$1" | grep -c 'sync daemon')" -eq 2 ]; }
lab_wait_for 30 "keepalived started its sync daemons" both_daemons lvs1
lab_wait_for 30 "ipvsd started its sync daemons" both_daemons lvs2
ka_daemons=$(daemons_of lvs1)
lh_daemons=$(daemons_of lvs2)
lab_log "keepalived: $ka_daemons"
lab_log "lvs-ha: $lh_daemons"
lab_expect_eq "the sync daemons are keepalived's" "$ka_daemons" "$lh_daemons"
for word in "syncid=9" "maxlen=1400" "group=239.1.2.3" "port=8850" "ttl=3"; do
  if [ "$(grep -c -F "$word" <<<"$lh_daemons")" -eq 2 ]; then
    lab_pass "lvs-ha: both sync daemons have $word"
  else
    lab_fail "lvs-ha: not both sync daemons have $word"
  fi
done

# ha_suspend, each phase under both stacks at once.
suspended_real() { ip netns exec "$1" ipvsadm -Ln -t 192.168.64.200:8081 | grep -c "192.168.64.143:8081" || :; }
both_real() { [ "$(suspended_real lvs1)" == "$1" ] && [ "$(suspended_real lvs2)" == "$1" ]; }
vip_200() { for ns in lvs1 lvs2; do ip -n "$ns" addr "$1" 192.168.64.200/32 dev lo; done; }
lab_wait_for 30 "ha_suspend: the unchecked real server is in both tables" both_real 1
# Four delay_loops with nothing listening: a check would have removed it.
lab_hold 4 "ha_suspend: no check while the address is absent (the real stays, both)" both_real 1
vip_200 add
lab_wait_for 20 "ha_suspend: with the address here, the failing check removes the real (both)" both_real 0
vip_200 del
ip netns exec rs1 busybox httpd -f -p 192.168.64.143:8081 -h /tmp >"$LAB_OUT/rs1-8081.log" 2>&1 &
listener=$!
LAB_PIDS+=("$listener")
lab_wait_for 10 "ha_suspend: rs1 listens on 8081" ip netns exec lvs2 bash -c 'exec 3<>/dev/tcp/192.168.64.143/8081'
lab_hold 4 "ha_suspend: suspended again, the real stays out although it listens (both)" both_real 0
vip_200 add
lab_wait_for 20 "ha_suspend: the address back, the check brings the real back (both)" both_real 1
kill "$listener"

lab_stop "$ka_pid"
lab_stop "$ipvsd_pid"
lab_stop "$checkd_pid"
for ns in lvs1 lvs2; do
  stack=$([ "$ns" = lvs1 ] && echo keepalived || echo lvs-ha)
  left=$(ip netns exec "$ns" ipvsadm -Ln | awk '/^(TCP|UDP) / { n++ } END { print n + 0 }')
  lab_expect_eq "$stack: services left after stop with lvs_flush_on_stop" 0 "$left"
done
lab_finish
