#!/bin/bash
# The lab VM's own acceptance: the seed's LVS-DR service made with ipvsadm in a
# director namespace is read back exactly, and the client reaches both real
# servers through the VIP in round robin.
source "$(dirname "$0")/lib.sh"
lab_require_vm
lab_modules
lab_seed_topology
lab_web rs1 "This is RS1"
lab_web rs2 "This is RS2"

ip -n lvs1 addr add "$LAB_VIP/32" dev ens160 label ens160:vip
ipvs() { ip netns exec lvs1 ipvsadm "$@"; }
ipvs -A -t "$LAB_VIP:80" -s rr
ipvs -a -t "$LAB_VIP:80" -r 192.168.64.143:80 -g -w 1
ipvs -a -t "$LAB_VIP:80" -r 192.168.64.138:80 -g -w 1

expected="IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port Scheduler Flags
  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
TCP  192.168.64.100:80 rr
  -> 192.168.64.138:80            Route   1      0          0         
  -> 192.168.64.143:80            Route   1      0          0         "
lab_expect_eq "ipvsadm -Ln shows the seed's DR service" "$expected" "$(ipvs -Ln)"
lab_expect_eq "the table is per namespace: lvs2 has none" "" \
  "$(ip netns exec lvs2 ipvsadm -Sn)"

rs_up() { ip netns exec client curl -s --max-time 5 "http://${LAB_ADDR[$1]}/"; }
lab_wait_for 60 "rs1 serves on its own address" rs_up rs1
lab_wait_for 60 "rs2 serves on its own address" rs_up rs2

# Four requests through the VIP: round robin over two reals gives each two.
answers=$(ip netns exec client sh -c \
  'for i in 1 2 3 4; do curl -s --max-time 10 http://192.168.64.100/; done' | sort | uniq -c |
  awk '{ $1 = $1; print }')
lab_expect_eq "the VIP is served by both real servers in turn" "2 This is RS1
2 This is RS2" "$answers"
# This kernel folds its per-CPU counters into the totals every 2 s (the rate
# estimator's timer), so the totals are waited for.
conns() { ipvs -Ln --stats | awk '/->/ && $2 ~ /^192/ { print $2, $3 }'; }
two_each() { [ "$(conns)" == $'192.168.64.138:80 2\n192.168.64.143:80 2' ]; }
lab_wait_for 20 "each real server counted two connections" two_each || conns

ipvs -d -t "$LAB_VIP:80" -r 192.168.64.143:80
answers=$(ip netns exec client sh -c \
  'for i in 1 2; do curl -s --max-time 10 http://192.168.64.100/; done' | sort -u)
lab_expect_eq "with rs1 removed only rs2 answers" "This is RS2" "$answers"
lab_finish
