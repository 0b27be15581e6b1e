#!/bin/bash
# keepalived's checkers, lvs-ha beside keepalived 2.2.7 on the same file in the
# same boot: keepalived on lvs1, checkd + ipvsd on lvs2, both with
# fixtures/checkers.conf (PING_CHECK, UDP_CHECK, DNS_CHECK, SMTP_CHECK,
# FILE_CHECK, HTTP_GET with a regex, SSL_GET with the SSL block's client
# certificate, on one real server, rs1). Then rs1's seven services are broken at
# once (pings ignored, the UDP echo silent, DNS SERVFAIL, SMTP 554, the tracked
# file set to 1, the status page saying "down", HTTPS 503): each stack must take
# rs1 out of each service's IPVS table, and
# lvs-ha no more than 1.5 s after keepalived does; repaired, both put it back.
# The times are printed for the record. Both mail each change (smtp_alert) to a
# sink on the client: the subjects must be the same from both, and the bodies of
# the UP mails. The notify_down/notify_up hooks of the PING_CHECK real server
# must run once each, as user nobody, under both stacks; and both must write the
# same RS DOWN/UP lines to lvs_notify_fifo.
source "$(dirname "$0")/lib.sh"
lab_require_vm
build=${1:?usage: test_checkers.sh BUILD_DIR}
bin=$build/bin
here=$(cd "$(dirname "$0")" && pwd)
servers=$here/../fixtures/checker_servers.py
lab_modules
lab_seed_network

state=/tmp/checkers
mkdir -p "$state" "$LAB_OUT"
echo 0 >"$state/rs1-state"
"$here/../fixtures/make_test_certs.sh" "$state/tls"
conf=$here/fixtures/checkers.conf
# The hook tells the stacks apart by the director's address.
mkdir -p "$state/hooks"
chmod 1777 "$state/hooks"
printf '%s\n' '#!/bin/sh' \
  'addr=$(ip -o -4 addr show dev ens160 | awk '"'"'{ print $4; exit }'"'"')' \
  'echo "$1 $(id -u) ${addr%/*}" >>/tmp/checkers/hooks/calls' >"$state/hook.sh"
chmod 755 "$state/hook.sh"
# Each stack writes its lvs_notify_fifo; lvs-ha's file differs from keepalived's
# in that path alone, so that the two streams can be told apart.
lh_conf=/tmp/checkers-lvs-ha.conf
sed 's|/tmp/checkers/lvs.fifo|/tmp/checkers/lvs-ha.fifo|' "$conf" >"$lh_conf"
for who in lvs lvs-ha; do
  mkfifo "$state/$who.fifo"
  cat "$state/$who.fifo" >"$state/$who.lines" &
  LAB_PIDS+=($!)
done

lab_daemon rs1 "$LAB_OUT/servers.log" python3 "$servers" "$state"
lab_wait_for 60 "rs1's servers listen" grep -q ready "$LAB_OUT/servers.log"
mails=$LAB_OUT/mails.jsonl
lab_daemon client "$LAB_OUT/smtp.log" python3 "$here/../fixtures/smtp_sink.py" 192.168.64.136 2525 "$mails"
lab_wait_for 60 "the mail sink listens" grep -q ready "$LAB_OUT/smtp.log"

run=/tmp/ka
mkdir -p "$run"
lab_daemon lvs1 "$LAB_OUT/keepalived.log" keepalived -n -l -D -C -f "$conf" \
  -p "$run/keepalived.pid" -c "$run/checkers.pid"
ka_pid=$LAB_LAST_PID
run2=/tmp/lvsha
mkdir -p "$run2"
lab_daemon lvs2 "$LAB_OUT/checkd.log" "$bin/checkd" --run-dir "$run2"
lab_daemon lvs2 "$LAB_OUT/ipvsd.log" "$bin/ipvsd" --config "$lh_conf" --run-dir "$run2"
lh_pid=$LAB_LAST_PID

# The services as ipvsadm -Ln names them, and each one's checker.
services=("TCP 192.168.64.100:80" "UDP 192.168.64.100:7" "UDP 192.168.64.100:53"
          "TCP 192.168.64.100:25" "TCP 192.168.64.100:8080" "TCP 192.168.64.100:8081"
          "TCP 192.168.64.100:8443")
names=(PING_CHECK UDP_CHECK DNS_CHECK SMTP_CHECK FILE_CHECK HTTP_GET-regex SSL_GET-client-cert)
n=${#services[@]}

# The same services as /proc/net/ip_vs spells them (hex address and port).
hex_service() {  # "TCP 192.168.64.100:80" -> "TCP C0A84064:0050"
  local proto=${1%% *} addr=${1#* } a b c d
  IFS=. read -r a b c d <<<"${addr%:*}"
  printf '%s %02X%02X%02X%02X:%04X\n' "$proto" "$a" "$b" "$c" "$d" "${addr##*:}"
}
hex_services=()
for s in "${services[@]}"; do hex_services+=("$(hex_service "$s")"); done

# rs1_services NS: sets RS1_SERVICES to the services that have rs1 with a
# non-zero weight, one per line between newlines, read from the IPVS table of
# NS's daemon through /proc/PID/net/ip_vs. Pure bash, no process started: under
# emulation a fork and exec costs a good part of a second, coarser than the
# 1.5 s the test compares.
declare -A daemon_pid=([lvs1]=$ka_pid [lvs2]=$lh_pid)
rs1_services() {
  local line f svc= lines
  # All at once: read's line-at-a-time seeks lose lines of a seq_file.
  mapfile -t lines <"/proc/${daemon_pid[$1]}/net/ip_vs"
  RS1_SERVICES=$'\n'
  for line in "${lines[@]}"; do
    read -r -a f <<<"$line"
    case ${f[0]:-} in
      TCP | UDP) svc="${f[0]} ${f[1]}" ;;
      "->") [[ ${f[1]} == C0A8408F:* && ${f[3]} =~ ^[0-9]+$ && ${f[3]} -gt 0 ]] &&
        RS1_SERVICES+="$svc"$'\n' ;;
    esac
  done
}
has_rs1() { [[ $RS1_SERVICES == *$'\n'"${hex_services[$1]}"$'\n'* ]]; }  # INDEX
all_in() {
  local i
  rs1_services "$1"
  for i in "${!services[@]}"; do has_rs1 "$i" || return 1; done
}
lab_wait_for 120 "keepalived has rs1 in all $n services" all_in lvs1
lab_wait_for 120 "lvs-ha has rs1 in all $n services" all_in lvs2

# Both in their steady state before the fault: every checker has succeeded once.
# (At start keepalived takes a checker down on its first failure, and so does
# checkd; after a success both retry first. A fault during start-up would compare
# start-up, not checking.) keepalived tells through its data dump (SIGUSR1).
ka_steady() {
  rm -f /tmp/keepalived_check.data
  kill -USR1 "$(cat "$run/keepalived.pid")"
  lab_wait_for 10 "keepalived wrote its data dump" test -s /tmp/keepalived_check.data >/dev/null
  # FILE_CHECK has no retries to show.
  [ "$(grep -c 'Has run = yes' /tmp/keepalived_check.data)" -ge "$n" ] &&
    [ "$(grep -c 'Retries iterations = 0' /tmp/keepalived_check.data)" -ge $((n - 1)) ]
}
lh_steady() {
  "$bin/lvsctl" api --run-dir "$run2" --timeout 30 checkd ListChecks |
    python3 -c 'import json, sys; c = json.load(sys.stdin)["checks"]; sys.exit(not (len(c) == '"$n"' and all(int(x.get("runs", 0)) >= 1 and x.get("up") and not x.get("consecutive_failures") for x in c)))'
}
lab_wait_for 60 "keepalived's $n checkers have each succeeded" ka_steady
lab_wait_for 60 "checkd's $n checkers have each succeeded" lh_steady

# uptime in centiseconds, into UPTIME_CS (no fork, as above)
uptime_cs() { local up _; read -r up _ </proc/uptime; UPTIME_CS=$((10#${up/./})); }
# watch WANT: polls both tables until every service of both stacks shows rs1
# present (WANT=1) or gone (WANT=0), recording when each first did, in seconds
# from T0_CS.
declare -A seen
exec {pause_fd}<> <(:)  # a pipe nothing writes to: read -t on it just waits
watch() {
  local want=$1 deadline=$((SECONDS + 90)) ns i key t present
  seen=()
  local order=(lvs1 lvs2)
  while [ "${#seen[@]}" -lt $((2 * n)) ] && [ "$SECONDS" -lt "$deadline" ]; do
    # Alternate which stack is read first, so neither is always seen later.
    order=("${order[1]}" "${order[0]}")
    for ns in "${order[@]}"; do
      rs1_services "$ns"
      uptime_cs
      t=$((UPTIME_CS - T0_CS))
      printf -v t '%d.%02d' $((t / 100)) $((t % 100))
      for i in "${!services[@]}"; do
        key="$ns/$i"
        [ -n "${seen[$key]:-}" ] && continue
        if has_rs1 "$i"; then present=1; else present=0; fi
        if [ "$present" = "$want" ]; then seen[$key]=$t; fi
      done
    done
    read -r -t 0.05 -u "$pause_fd" || :  # a 50 ms pause without starting sleep
  done
}

report() {  # WHAT: each checker's time under both stacks, and the 1.5 s rule
  local i ka lh
  for i in "${!services[@]}"; do
    ka=${seen[lvs1/$i]:-}
    lh=${seen[lvs2/$i]:-}
    lab_log "$1 ${names[$i]}: keepalived ${ka:-never} s, lvs-ha ${lh:-never} s"
    if [ -z "$ka" ]; then lab_fail "keepalived did not $1 rs1 for ${names[$i]}"; continue; fi
    if [ -z "$lh" ]; then lab_fail "lvs-ha did not $1 rs1 for ${names[$i]}"; continue; fi
    if awk -v l="$lh" -v k="$ka" 'BEGIN { exit !(l - k <= 1.5) }'; then
      lab_pass "${names[$i]}: lvs-ha has rs1 $1 within 1.5 s of keepalived"
    else
      lab_fail "${names[$i]}: lvs-ha ${lh} s vs keepalived ${ka} s to $1 rs1"
    fi
  done
}

lab_log "breaking rs1's $n services"
uptime_cs; T0_CS=$UPTIME_CS
ip netns exec rs1 sysctl -qw net.ipv4.icmp_echo_ignore_all=1
touch "$state/SILENT" "$state/SERVFAIL" "$state/SMTP_DOWN" "$state/REGEX_DOWN" "$state/TLS_DOWN"
echo 1 >"$state/rs1-state"
watch 0
report out

lab_log "repairing them"
uptime_cs; T0_CS=$UPTIME_CS
ip netns exec rs1 sysctl -qw net.ipv4.icmp_echo_ignore_all=0
rm -f "$state/SILENT" "$state/SERVFAIL" "$state/SMTP_DOWN" "$state/REGEX_DOWN" "$state/TLS_DOWN"
echo 0 >"$state/rs1-state"
watch 1
for i in "${!services[@]}"; do
  lab_log "back ${names[$i]}: keepalived ${seen[lvs1/$i]:-never} s, lvs-ha ${seen[lvs2/$i]:-never} s"
  [ -n "${seen[lvs1/$i]:-}" ] || lab_fail "keepalived did not put rs1 back for ${names[$i]}"
  [ -n "${seen[lvs2/$i]:-}" ] || lab_fail "lvs-ha did not put rs1 back for ${names[$i]}"
done
# The mails: every service but FILE_CHECK's, DOWN then UP, from each stack.
mail_check() {  # MODE: "count" (both have all of them) or "report"
  python3 - "$1" "$mails" <<'PY'
import json, sys
mode, path = sys.argv[1], sys.argv[2]
peers = {"192.168.64.130": "keepalived", "192.168.64.137": "lvs-ha"}
got = {name: {} for name in peers.values()}
try:
    records = [json.loads(line) for line in open(path) if line.strip()]
except FileNotFoundError:
    records = []
for r in records:
    got[peers[r["peer"]]].setdefault(r["headers"]["Subject"], []).append(r["body"])
want = set()
for proto, port in (("tcp", 80), ("udp", 7), ("udp", 53), ("tcp", 25), ("tcp", 8081), ("tcp", 8443)):
    for state in ("DOWN", "UP"):
        want.add(f"[checkers] Realserver [192.168.64.143]:{proto}:{port} of virtual server "
                 f"[192.168.64.100]:{proto}:{port} - {state}")
if mode == "count":
    sys.exit(0 if all(want <= set(m) for m in got.values()) else 1)
ok = True
for name, m in got.items():
    for subject in sorted(m):
        print(f"mail from {name}: {subject}: {m[subject][0][0]}")
    if set(m) != want:
        print(f"FAIL: {name}'s subjects: missing {sorted(want - set(m))}, unexpected {sorted(set(m) - want)}")
        ok = False
for subject in sorted(want):
    if subject.endswith(" - UP") and subject in got["keepalived"] and subject in got["lvs-ha"]:
        if got["keepalived"][subject][0] != got["lvs-ha"][subject][0]:
            print(f"FAIL: {subject}: keepalived said {got['keepalived'][subject][0]}, "
                  f"lvs-ha {got['lvs-ha'][subject][0]}")
            ok = False
sys.exit(0 if ok else 1)
PY
}
nobody=$(id -u nobody)
hooks_ran() {
  [ "$(grep -c "^up $nobody 192.168.64.130$" "$state/hooks/calls")" = 1 ] &&
    [ "$(grep -c "^up $nobody 192.168.64.137$" "$state/hooks/calls")" = 1 ]
}
lab_wait_for 30 "notify_down then notify_up ran once each as nobody under both stacks" hooks_ran
for who in 192.168.64.130 192.168.64.137; do
  lab_expect_eq "hooks run by $who" "down $nobody,up $nobody" \
    "$(grep " $who\$" "$state/hooks/calls" | cut -d' ' -f1,2 | paste -sd,)"
done
fifo_has() {  # LINE: written by both stacks
  grep -qxF "$1" "$state/lvs.lines" && grep -qxF "$1" "$state/lvs-ha.lines"
}
for state_word in DOWN UP; do
  for svc in tcp:80 udp:7 udp:53 tcp:25 tcp:8080 tcp:8081 tcp:8443; do
    line="RS [192.168.64.143]:$svc [192.168.64.100]:$svc $state_word"
    lab_wait_for 30 "lvs_notify_fifo: '$line' from both stacks" fifo_has "$line" ||
      tail -n +1 "$state/lvs.lines" "$state/lvs-ha.lines" | sed 's/^/    /'
  done
done
lab_wait_for 60 "both stacks mailed every real server's DOWN and UP" mail_check count
if mail_check report; then
  lab_pass "the same mails from both stacks"
else
  lab_fail "the mails differ"
fi

if [ "$LAB_FAILURES" -ne 0 ]; then
  tail -n 30 "$LAB_OUT/ipvsd.log" "$LAB_OUT/keepalived.log" | sed 's/^/    /'
fi
lab_finish
