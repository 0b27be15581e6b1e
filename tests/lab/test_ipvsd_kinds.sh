#!/bin/bash
# Every kind of entry ipvsd's netlink client writes, checked against ipvsadm's own:
# the same table is made by ipvsd from fixtures/ipvs-kinds.conf in one namespace and
# by ipvsadm commands in another, and the two `ipvsadm -Ln`/`-Sn` listings must be
# identical (TCP with persistence and a netmask, NAT with thresholds, UDP DR, SCTP
# TUN with sh-port, fwmark, IPv6 with a weight-0 real). Then the client's errors:
# a scheduler the kernel lacks is reported in words, and nothing else is touched.
source "$(dirname "$0")/lib.sh"
lab_require_vm
build=${1:?usage: test_ipvsd_kinds.sh BUILD_DIR}
bin=$build/bin
here=$(cd "$(dirname "$0")" && pwd)
lab_modules dummy ip_vs_lc ip_vs_sh
trap 'lab_cleanup; ip netns del kinds 2>/dev/null || :; ip netns del ref 2>/dev/null || :' EXIT

# Two identical hosts; the reals' networks are on a dummy interface so DR and TUN
# destinations are routable.
for ns in kinds ref; do
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  ip -n "$ns" link add d0 type dummy
  ip -n "$ns" addr add 192.168.64.1/24 dev d0
  ip -n "$ns" addr add 2001:db8::1/64 dev d0 nodad
  ip -n "$ns" link set d0 up
done

ref() { ip netns exec ref ipvsadm "$@"; }
ref -A -t 192.168.64.200:443 -s wlc -p 300 -M 255.255.255.0
ref -a -t 192.168.64.200:443 -r 10.1.1.1:8443 -m -w 3 -x 100 -y 10
ref -A -u 192.168.64.200:53 -s rr
ref -a -u 192.168.64.200:53 -r 192.168.64.143:53 -g -w 2
ref -A --sctp-service 192.168.64.200:9 -s sh -b sh-port
ref -a --sctp-service 192.168.64.200:9 -r 192.168.64.138:9 -i -w 1
ref -A -f 7 -s wrr
ref -a -f 7 -r 192.168.64.143:0 -g -w 5
ref -A -t '[2001:db8::100]:80' -s lc
ref -a -t '[2001:db8::100]:80' -r '[2001:db8::143]:80' -g -w 1
ref -a -t '[2001:db8::100]:80' -r '[2001:db8::138]:80' -g -w 0

run=/tmp/kinds
mkdir -p "$run" "$LAB_OUT"
cp "$here/fixtures/ipvs-kinds.conf" "$run/keepalived.conf"
lab_daemon kinds "$LAB_OUT/ipvsd-kinds.log" "$bin/ipvsd" --config "$run/keepalived.conf" \
  --run-dir "$run" --resync-interval 2
ipvsd_pid=$LAB_LAST_PID

same() { [ "$(ip netns exec kinds ipvsadm "$@")" == "$(ref "$@")" ]; }
lab_wait_for 60 "ipvsd's table equals ipvsadm's (ipvsadm -Ln)" same -Ln
for view in -Sn "-Ln --thresholds" "-Ln --persistent-conn"; do
  # shellcheck disable=SC2086
  if same $view; then
    lab_pass "ipvsd's table equals ipvsadm's (ipvsadm $view)"
  else
    lab_fail "ipvsd's table differs from ipvsadm's (ipvsadm $view)"
    # shellcheck disable=SC2086
    diff <(ref $view) <(ip netns exec kinds ipvsadm $view) | sed 's/^/    /' || :
  fi
done

# Someone else's service in the same table is never touched, through a resync.
ip netns exec kinds ipvsadm -A -t 192.168.64.250:80 -s rr
ip netns exec kinds ipvsadm -e -f 7 -r 192.168.64.143:0 -g -w 9
lab_wait_for 20 "a weight changed by hand is put back by the resync" \
  sh -c "ip netns exec kinds ipvsadm -Ln -f 7 | grep -q 'Route   5'"
lab_expect_eq "the foreign service is left alone" "-A -t 192.168.64.250:80 -s rr" \
  "$(ip netns exec kinds ipvsadm -Sn | grep 192.168.64.250)"

# A scheduler the kernel cannot load: a reload that says so, in words. (This
# kernel has every scheduler as a module, so module loading is switched off.)
echo /bin/false >/proc/sys/kernel/modprobe
sed -i 's/lb_algo lc/lb_algo nq/' "$run/keepalived.conf"
kill -HUP "$ipvsd_pid"
lab_wait_for 30 "the kernel's refusal is logged in words" \
  grep -q "change service TCP \[2001:db8::100\]:80 (nq): scheduler 'nq' is not available in this kernel" \
  "$LAB_OUT/ipvsd-kinds.log"
lab_expect_eq "the other services are unchanged" "$(ref -Sn | grep -v 2001:db8::100)" \
  "$(ip netns exec kinds ipvsadm -Sn | grep -v -e 2001:db8::100 -e 192.168.64.250)"
lab_finish
