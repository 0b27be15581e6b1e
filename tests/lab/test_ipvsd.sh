#!/bin/bash
# ipvsd against the kernel's IPVS table, in one boot: the seed director lvs1 runs
# ipvsd and checkd from this build, the two real servers run httpd, and ipvsadm is
# the independent reader.
#   - ipvsd programs the seed's table, exactly as ipvsadm -Ln shows it;
#   - a restart adopts the table without flushing it (counters survive);
#   - `ipvsadm -C` is repaired within a resync period;
#   - a real server whose httpd stops is removed, then restored; with
#     inhibit_on_failure (after a SIGHUP reload) it stays at weight 0 instead;
#   - with checkd gone the last weights are held; when it returns it gets the
#     targets again;
#   - bad SetOverride/Flush requests get INVALID_ARGUMENT and change nothing;
#     a disable override takes a real out and survives a restart;
#   - Flush empties ipvsd's services, Reload (dry run first) brings them back;
#   - a drained real goes to weight 0, then out at its timeout;
#   - the connection sync daemon is master or backup as vrrpd's instance is.
source "$(dirname "$0")/lib.sh"
lab_require_vm
build=${1:?usage: test_ipvsd.sh BUILD_DIR}
bin=$build/bin
top=$(cd "$(dirname "$0")/../.." && pwd)
lab_modules
lab_seed_topology
lab_web rs1 "This is RS1"
lab_web rs2 "This is RS2"
rs2_pid=$LAB_LAST_PID
ip -n lvs1 addr add "$LAB_VIP/32" dev ens160 label ens160:vip

run=/tmp/lvs1
mkdir -p "$run" "$LAB_OUT"
conf=$run/keepalived.conf
cp "$top/tests/fixtures/configs/seed-master.conf" "$conf"
log=$LAB_OUT/ipvsd.log
: >"$log"
resync=2

start_checkd() {
  lab_daemon lvs1 "$LAB_OUT/checkd.log" "$bin/checkd" --run-dir "$run"
  checkd_pid=$LAB_LAST_PID
}
start_checkd
start_ipvsd() {
  lab_daemon lvs1 "$log" "$bin/ipvsd" --config "$conf" --run-dir "$run" --resync-interval $resync \
    --log-level debug
  ipvsd_pid=$LAB_LAST_PID
}
rpc() { ip netns exec lvs1 "$bin/ipvs_rpc" "$run" "$@"; }
table() { ip netns exec lvs1 ipvsadm -Ln; }

header="IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port Scheduler Flags
  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
TCP  192.168.64.100:80 rr"
rs2_line="  -> 192.168.64.138:80            Route   1      0          0         "
rs1_line="  -> 192.168.64.143:80            Route   1      0          0         "
seed_table="$header
$rs2_line
$rs1_line"
table_is() { [ "$(table)" == "$1" ]; }
# Real lines only, ignoring connection counts (traffic leaves InActConn behind).
reals() { table | awk '/->/ && $2 ~ /^192/ { print $2, $3, $4 }'; }
reals_are() { [ "$(reals)" == "$1" ]; }

# 1. The seed's table, exactly.
start_ipvsd
lab_wait_for 60 "ipvsd programs the seed's table (ipvsadm -Ln)" table_is "$seed_table" ||
  table
lab_wait_for 30 "checkd reports both reals up" \
  grep -q "TCP 192.168.64.100:80 -> 192.168.64.138:80 is up" "$log"

answers=$(ip netns exec client sh -c \
  'for i in 1 2 3 4; do curl -s --max-time 10 http://192.168.64.100/; done' | sort | uniq -c |
  awk '{ $1 = $1; print }')
lab_expect_eq "the client reaches both real servers through the VIP" "2 This is RS1
2 This is RS2" "$answers"

# 2. Restart: adopt without flush. A flushed and re-created service would count
# from zero again.
service_conns() { ip netns exec lvs1 ipvsadm -Ln --stats | awk '$1 == "TCP" { print $3 }'; }
four_conns() { [ "$(service_conns)" == 4 ]; }
lab_wait_for 20 "the service counted the 4 connections" four_conns
# Text format indents a service's own stats by four spaces, its reals' by six.
# ListServices shows the table as of ipvsd's last resync (it does not dump the
# kernel for each listing): the counters arrive within a resync period.
listed_conns() { rpc ListServices '' | grep -E '^ *connections: '; }
four_listed() { [ "$(listed_conns)" == "      connections: 2
      connections: 2
    connections: 4" ]; }
lab_wait_for $((resync * 3)) "ListServices reads the same counters from the kernel (64-bit stats), as of a resync" \
  four_listed
lab_stop "$ipvsd_pid"
lab_expect_eq "the kernel keeps the table while ipvsd is gone" "192.168.64.138:80 Route 1
192.168.64.143:80 Route 1" "$(reals)"
start_ipvsd
lab_wait_for 60 "the restarted ipvsd adopts the table with no operation" \
  grep -q "converged on start with 0 operations" "$log"
lab_expect_eq "counters survive the restart (no flush)" 4 "$(service_conns)"

# 3. Drift: someone flushes the table by hand.
ip netns exec lvs1 ipvsadm -C
lab_wait_for $((resync * 8)) "ipvsadm -C is repaired within a few resync periods" \
  reals_are "192.168.64.138:80 Route 1
192.168.64.143:80 Route 1"
lab_wait_for 10 "the repair is logged as drift" grep -q "repaired drift" "$log"

# 4. A real server fails: removed, then back when it recovers.
lab_stop "$rs2_pid"
lab_wait_for 90 "rs2 is removed when its httpd stops" reals_are "192.168.64.143:80 Route 1"
lab_web rs2 "This is RS2"
rs2_pid=$LAB_LAST_PID
lab_wait_for 90 "rs2 returns when httpd is back" reals_are "192.168.64.138:80 Route 1
192.168.64.143:80 Route 1"

# 5. inhibit_on_failure, by a SIGHUP reload: the failed real stays at weight 0.
sed -i 's/^\(\s*\)weight 1/\1weight 1\n\1inhibit_on_failure/' "$conf"
kill -HUP "$ipvsd_pid"
lab_wait_for 30 "SIGHUP reloads the config" grep -q "reloaded $conf" "$log"
lab_stop "$rs2_pid"
lab_wait_for 90 "with inhibit_on_failure the failed rs2 stays at weight 0" \
  reals_are "192.168.64.138:80 Route 0
192.168.64.143:80 Route 1"
lab_web rs2 "This is RS2"
rs2_pid=$LAB_LAST_PID
lab_wait_for 90 "rs2 is back at weight 1" reals_are "192.168.64.138:80 Route 1
192.168.64.143:80 Route 1"

# 6. Fail static: with checkd gone a failing real is not acted on (ipvsd holds the
# last weights); when checkd returns it gets the targets again and the failure is
# seen.
lab_stop "$checkd_pid"
lab_wait_for 30 "ipvsd notices checkd is gone" grep -q "checkd unreachable" "$log"
lab_expect_eq "ListServices says the weights are held" \
  'status: "1 services, 2 reals in rotation; checkd unreachable: weights held (fail static)"' \
  "$(rpc ListServices '' | grep '^status')"
lab_stop "$rs2_pid"
in_sync() { grep -c "resync: the kernel table is in sync" "$log" || :; }
two_more_resyncs() { [ "$(in_sync)" -ge $((synced + 2)) ]; }
synced=$(in_sync)
lab_wait_for 30 "two resyncs pass without checkd" two_more_resyncs
lab_expect_eq "the failed rs2 keeps its last weight meanwhile" "192.168.64.138:80 Route 1
192.168.64.143:80 Route 1" "$(reals)"
start_checkd
lab_wait_for 60 "checkd back: ipvsd sends it the targets again" grep -q "sent 2 targets to checkd: 2 added" "$log"
lab_wait_for 90 "and rs2's failure is acted on (inhibited: weight 0)" \
  reals_are "192.168.64.138:80 Route 0
192.168.64.143:80 Route 1"
lab_web rs2 "This is RS2"
rs2_pid=$LAB_LAST_PID
lab_wait_for 90 "rs2 is back at weight 1" reals_are "192.168.64.138:80 Route 1
192.168.64.143:80 Route 1"

# 7. Bad requests: INVALID_ARGUMENT, and nothing changes.
out=$(rpc SetOverride 'service { address: "192.168.64.300" port: 80 } override: DISABLE' || :)
lab_expect_eq "SetOverride with a bad address: INVALID_ARGUMENT" \
  "INVALID_ARGUMENT service: '192.168.64.300' is not an IP address" "$(head -n1 <<<"$out")"
out=$(rpc SetOverride 'service { address: "192.168.64.100" port: 80 } real { address: "192.168.64.143" port: 80 } override: DISABLE drain_timeout_s: 5' || :)
lab_expect_eq "SetOverride with a drain timeout on DISABLE: INVALID_ARGUMENT" \
  "INVALID_ARGUMENT drain_timeout_s applies to DRAIN only" "$(head -n1 <<<"$out")"
out=$(rpc SetOverride 'service { address: "192.168.64.100" port: 80 } override: 9' || :)
lab_expect_eq "SetOverride with an unknown override: INVALID_ARGUMENT" \
  "INVALID_ARGUMENT override 9 is not one of default, enable, disable, drain" "$(head -n1 <<<"$out")"
out=$(rpc SetOverride 'service { address: "192.168.64.100" port: 80 } real { address: "192.168.64.99" port: 80 } override: DISABLE' || :)
lab_expect_eq "SetOverride on a real the service lacks: NOT_FOUND" \
  "NOT_FOUND real server 192.168.64.99:80 is not part of TCP 192.168.64.100:80" "$(head -n1 <<<"$out")"
out=$(rpc Flush 'confirm: "yes"' || :)
lab_expect_eq "Flush without the confirmation word: INVALID_ARGUMENT" \
  "INVALID_ARGUMENT Flush deletes every service ipvsd owns from the kernel; set confirm to \"flush\"" \
  "$(head -n1 <<<"$out")"
lab_expect_eq "after the bad requests the table is unchanged" "192.168.64.138:80 Route 1
192.168.64.143:80 Route 1" "$(reals)"

# 8. Disable an override; it survives a restart; default brings the real back.
# A WatchTable stream sees the snapshot, then the change.
ip netns exec lvs1 "$bin/ipvs_rpc" "$run" WatchTable 2 >"$run/watch.txt" &
watch_pid=$!
LAB_PIDS+=($watch_pid)
lab_wait_for 30 "WatchTable starts with a snapshot" grep -q "snapshot: true" "$run/watch.txt"
out=$(rpc SetOverride 'service { address: "192.168.64.100" port: 80 } real { address: "192.168.64.143" port: 80 } override: DISABLE')
lab_expect_eq "SetOverride DISABLE on rs1 is accepted" "OK " "$(head -n1 <<<"$out")"
lab_wait_for 30 "the disabled rs1 leaves the table" reals_are "192.168.64.138:80 Route 1"
two_events() { [ "$(wc -l <"$run/watch.txt")" -ge 2 ]; }
lab_wait_for 30 "WatchTable then reports the change" two_events
lab_expect_eq "... as an override event without rs1 in the kernel" 1 \
  "$(tail -n1 "$run/watch.txt" | grep -c 'reason: "override"')"
lab_expect_eq "... rs1 shown DISABLE and out of the kernel" 1 \
  "$(tail -n1 "$run/watch.txt" | grep -o 'reals { key { address: "192.168.64.143" port: 80 }[^}]*' | grep -v in_kernel | grep -c 'override: DISABLE')"
lab_stop "$ipvsd_pid"
start_ipvsd
lab_wait_for 60 "ipvsd restarted" test -S "$run/ipvsd.sock"
out=$(rpc GetService 'key { address: "192.168.64.100" port: 80 }')
lab_expect_eq "after a restart the override is still in force" "override: DISABLE" \
  "$(grep -m1 -o 'override: DISABLE' <<<"$out")"
lab_expect_eq "and rs1 is still out of the table" "192.168.64.138:80 Route 1" "$(reals)"
out=$(rpc SetOverride 'service { address: "192.168.64.100" port: 80 } real { address: "192.168.64.143" port: 80 } override: OVERRIDE_UNSPECIFIED' || :)
lab_expect_eq "SetOverride default on rs1 is accepted" "OK " "$(head -n1 <<<"$out")"
lab_wait_for 30 "default brings rs1 back" reals_are "192.168.64.138:80 Route 1
192.168.64.143:80 Route 1"

# 9. Flush, then Reload (a dry run first says what it would do).
out=$(rpc Flush 'confirm: "flush"')
lab_expect_eq "Flush removes ipvsd's one service" "OK 
services_removed: 1" "$out"
lab_expect_eq "the kernel table is empty" "$header" "$(table | head -n 3)
TCP  192.168.64.100:80 rr"
lab_expect_eq "... really empty" 3 "$(table | wc -l)"
out=$(rpc Reload 'dry_run: true')
lab_expect_eq "Reload dry run lists the changes it would make" \
  'changes: "add service TCP 192.168.64.100:80 (rr)"' "$(grep -m1 '^changes' <<<"$out")"
lab_expect_eq "a dry run changes nothing" 3 "$(table | wc -l)"
out=$(rpc Reload '')
lab_expect_eq "Reload applies" "applied: true" "$(grep -m1 '^applied' <<<"$out")"
lab_wait_for 30 "after Reload the table is back" reals_are "192.168.64.138:80 Route 1
192.168.64.143:80 Route 1"

# 10. A config with an error is refused whole (a misspelt keyword would only be a
# warning, as in keepalived; a keepalived fork's FNAT cannot be run at all).
cp "$conf" "$run/good.conf"
echo "virtual_server 192.168.64.101 80 { lb_algo rr
  lb_kind FNAT
  real_server 192.168.64.143 80 { weight 1 } }" >>"$conf"
out=$(rpc Reload '' || :)
lab_expect_eq "Reload of a broken config: INVALID_ARGUMENT" "INVALID_ARGUMENT" \
  "$(head -n1 <<<"$out" | cut -d' ' -f1)"
lab_expect_eq "and nothing of it was applied" "192.168.64.138:80 Route 1
192.168.64.143:80 Route 1" "$(reals)"
cp "$run/good.conf" "$conf"

# 11. Drain: a real with a live connection goes to weight 0, and leaves the table
# when its drain timeout passes.
ip netns exec client sh -c 'sleep 120 | busybox nc 192.168.64.100 80' >/dev/null 2>&1 &
LAB_PIDS+=($!)
busy_real() { table | awk '/->/ && $2 ~ /^192/ && $5 >= 1 { print $2; exit }'; }
has_busy_real() { [ -n "$(busy_real)" ]; }
lab_wait_for 30 "a client holds a connection to one real server" has_busy_real
busy=$(busy_real)
idle=$(reals | awk -v b="$busy" '$1 != b { print $1 }')
busy_addr=${busy%:*}
out=$(rpc SetOverride "service { address: \"192.168.64.100\" port: 80 } real { address: \"$busy_addr\" port: 80 } override: DRAIN drain_timeout_s: 6")
lab_expect_eq "SetOverride DRAIN is accepted" "OK " "$(head -n1 <<<"$out")"
drained_to_zero() { reals | grep -qx "$busy Route 0"; }
lab_wait_for 30 "the draining real is at weight 0 while its connection lives" drained_to_zero
lab_wait_for 60 "the drained real leaves the table after its timeout" reals_are "$idle Route 1"
rpc SetOverride "service { address: \"192.168.64.100\" port: 80 } real { address: \"$busy_addr\" port: 80 } override: OVERRIDE_UNSPECIFIED" >/dev/null
lab_wait_for 30 "default after the drain brings it back" reals_are "192.168.64.138:80 Route 1
192.168.64.143:80 Route 1"

# 12. Connection sync follows vrrpd: backup until vrrpd says MASTER, backup again
# when the instance is taken down.
sed -i 's/^\(\s*\)router_id LVS_MASTER/&\n\1lvs_sync_daemon ens160 VI_1/' "$conf"
out=$(rpc Reload '')
lab_expect_eq "Reload with lvs_sync_daemon applies" "applied: true" "$(grep -m1 '^applied' <<<"$out")"
sync_is() { ip netns exec lvs1 ipvsadm -L --daemon | grep -q "^$1 sync daemon (mcast=ens160, syncid=51"; }
lab_wait_for 30 "without vrrpd the sync daemon runs as backup" sync_is backup
ip -n lvs1 addr del "$LAB_VIP/32" dev ens160
lab_daemon lvs1 "$LAB_OUT/vrrpd.log" "$bin/vrrpd" --config "$conf" --run-dir "$run"
lab_wait_for 60 "vrrpd becomes MASTER: the sync daemon becomes master" sync_is master
lab_expect_eq "and only one sync daemon runs" 1 "$(ip netns exec lvs1 ipvsadm -L --daemon | wc -l)"
# A one-shot call in the emulated VM: allow for a slow first connect.
ip netns exec lvs1 "$bin/lvsctl" vrrp down VI_1 --run-dir "$run" --timeout 30
lab_wait_for 60 "the instance taken down: the sync daemon is backup again" sync_is backup

lab_finish
