# Helpers for scenarios that run inside the lab VM (tests/lab/run-in-vm). Source it.
#
# The seed deployment as network namespaces on one bridge: every host has an
# interface named ens160 with the seed's address. The bridge lives in its own
# namespace "sw" and nothing has an uplink (the VM has no NIC either).
set -euo pipefail

LAB_VIP=192.168.64.100
declare -A LAB_ADDR=(
  [lvs1]=192.168.64.130 [lvs2]=192.168.64.137
  [rs1]=192.168.64.143 [rs2]=192.168.64.138
  [client]=192.168.64.136
)
LAB_FAILURES=0
LAB_PIDS=()

lab_log() { printf '[%s] %s\n' "$(cut -d' ' -f1 /proc/uptime)" "$*"; }

lab_fail() {
  lab_log "FAIL: $*"
  LAB_FAILURES=$((LAB_FAILURES + 1))
}

# LAB_QUIET=1: checks that pass say nothing (a scenario that tells its own story).
lab_pass() { if [ "${LAB_QUIET:-0}" != 1 ]; then lab_log "ok: $*"; fi; }

# lab_expect_eq WHAT EXPECTED ACTUAL
lab_expect_eq() {
  if [ "$2" == "$3" ]; then
    lab_pass "$1"
  else
    lab_fail "$1"
    diff <(printf '%s\n' "$2") <(printf '%s\n' "$3") | sed 's/^/    /' || :
  fi
}

# lab_wait_for DEADLINE_S WHAT CMD...: runs CMD until it succeeds or the deadline
# passes; a deadline, not a sleep, because TCG's speed varies with the host's load.
lab_wait_for() {
  local limit=$1 what=$2; shift 2
  local end=$(( $(date +%s) + limit ))
  while ! "$@" >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$end" ]; then
      lab_fail "$what (not within ${limit} s)"
      return 1
    fi
    sleep 0.2
  done
  lab_pass "$what"
}

# lab_hold SECONDS WHAT CMD...: CMD must keep succeeding for SECONDS.
lab_hold() {
  local secs=$1 what=$2; shift 2
  local end=$(( $(date +%s) + secs ))
  while [ "$(date +%s)" -lt "$end" ]; do
    if ! "$@" >/dev/null 2>&1; then
      lab_fail "$what (broke within ${secs} s)"
      return 1
    fi
    sleep 0.2
  done
  lab_pass "$what"
}

lab_require_vm() {
  if [ "${LAB_IN_VM:-}" != 1 ]; then
    echo "this scenario runs inside the lab VM: tests/lab/run-in-vm $0" >&2
    exit 2
  fi
}

lab_modules() {
  local m
  for m in veth bridge ip_vs ip_vs_rr ip_vs_wrr ip_vs_wlc ip_vs_sh "$@"; do
    modprobe "$m"
  done
}

lab_cleanup() {
  local p ns
  for p in "${LAB_PIDS[@]}"; do kill "$p" 2>/dev/null || :; done
  for p in "${LAB_PIDS[@]}"; do wait "$p" 2>/dev/null || :; done
  for ns in sw lvs1 lvs2 rs1 rs2 client; do ip netns del "$ns" 2>/dev/null || :; done
}

# lab_host NAME: a namespace with ens160 on the bridge, carrying the seed's address.
lab_host() {
  local name=$1
  ip netns add "$name"
  ip -n "$name" link set lo up
  ip link add ens160 netns "$name" type veth peer name "$name" netns sw
  ip -n sw link set "$name" master br0 up
  ip -n "$name" addr add "${LAB_ADDR[$name]}/24" dev ens160
  ip -n "$name" link set ens160 up
}

# lab_seed_network: the switch and the seed's five hosts (directors forward).
lab_seed_network() {
  trap lab_cleanup EXIT
  ip netns add sw
  ip -n sw link add br0 type bridge
  ip -n sw link set br0 up
  local h
  for h in lvs1 lvs2 rs1 rs2 client; do lab_host "$h"; done
  for h in lvs1 lvs2; do
    ip netns exec "$h" sysctl -qw net.ipv4.ip_forward=1
  done
}

# lab_seed_topology: lab_seed_network, and both real servers set up for DR by hand
# (VIP on lo, ARP suppressed as the seed's section 2.2 says).
lab_seed_topology() {
  lab_seed_network
  local h
  for h in rs1 rs2; do
    ip -n "$h" addr add "$LAB_VIP/32" dev lo
    ip netns exec "$h" sysctl -qw net.ipv4.conf.lo.arp_ignore=1 net.ipv4.conf.lo.arp_announce=2 \
      net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 \
      net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.lo.rp_filter=0
  done
}

# lab_web NAME TEXT: busybox httpd on port 80 in NAME serving TEXT.
lab_web() {
  local name=$1 text=$2 dir
  dir=$(mktemp -d)
  echo "$text" >"$dir/index.html"
  ip netns exec "$name" busybox httpd -f -p 80 -h "$dir" &
  LAB_LAST_PID=$!
  LAB_PIDS+=($!)
}

# lab_nginx NAME TEXT: nginx on port 80 in NAME serving TEXT, in the foreground, with
# every path it writes under a fresh directory (the VM's root is read-only).
lab_nginx() {
  local name=$1 text=$2 dir
  dir=$(mktemp -d)
  chmod 755 "$dir"
  mkdir -p "$dir/www"
  echo "$text" >"$dir/www/index.html"
  cat >"$dir/nginx.conf" <<NGINX
daemon off;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;  # long-lived test connections are never closed by nginx
  client_body_temp_path $dir/body;
  proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi;
  scgi_temp_path $dir/scgi;
  server { listen 80 backlog=1024; root $dir/www; }
}
NGINX
  ip netns exec "$name" nginx -e "$dir/error.log" -c "$dir/nginx.conf" &
  LAB_LAST_PID=$!
  LAB_PIDS+=($!)
}

# lab_daemon NS LOG CMD...: a daemon in namespace NS, its output appended to LOG;
# its pid in LAB_LAST_PID (and killed at cleanup).
lab_daemon() {
  local ns=$1 log=$2; shift 2
  ip netns exec "$ns" "$@" >>"$log" 2>&1 &
  LAB_LAST_PID=$!
  LAB_PIDS+=($!)
}

# lab_stop PID: SIGTERM and wait for it to exit.
lab_stop() {
  kill "$1" 2>/dev/null || :
  wait "$1" 2>/dev/null || :
}

lab_finish() {
  if [ "$LAB_FAILURES" -ne 0 ]; then
    lab_log "$LAB_FAILURES check(s) failed"
    exit 1
  fi
  lab_log "all checks passed"
}
