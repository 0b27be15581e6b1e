#!/bin/bash
# The reference deployment, run for real and told as a story (scripts/demo; the lab
# test lab.seed_story). The seed's five machines as namespaces with its addresses,
# interface names and keepalived.conf files: directors lvs1 (MASTER, 100) and lvs2
# (BACKUP, 90) running checkd + ipvsd + vrrpd; rs1 and rs2 set up for DR by `lvsctl
# realserver up`, each with a web server saying "This is RS1" / "This is RS2"; a
# client sending 50 requests a second through the VIP all along. Then the seed's own
# checks, measured:
#   - the VIP is on lvs1, the IPVS table is the seed's, answers alternate RS1/RS2;
#   - lvs1's vrrpd is stopped: lvs2 takes the VIP, pages are still served;
#   - rs1's web server is stopped: after the detection time only RS2 answers;
#   - everything restored: rs1 back in rotation, lvs1 preempts the VIP back.
# It checks the seed's three promises and exits 0 only if all held. A summary in
# JSON goes to $LAB_OUT/demo.json.
#
# usage (a kernel with IPVS: inside the VM, or a host that has it): seed_story.sh BUILD_DIR
set -euo pipefail
CLUSTER_BIN=${1:?usage: seed_story.sh BUILD_DIR}/bin
CLUSTER_STACK=lvs-ha
LAB_QUIET=${LAB_QUIET:-1}   # the story's own lines; checks print only when they fail
source "$(dirname "$0")/cluster.sh"
lab_require_vm
: >"$CLUSTER_RESULTS"

story() { printf '%s\n' "$*"; }
indent() { sed 's/^/      /'; }
# last_answers N: the bodies of the client's last N answers, e.g. "RS1 RS2 RS1".
last_answers() { awk '$3 == "ok" { print $NF }' "$CLUSTER_CLIENT_LOG" | tail -n "$1" | tr '\n' ' '; }
# client_saw FROM TO: what the client saw for the requests it started in [FROM, TO].
client_saw() {
  python3 "$CLUSTER_HERE/drill_report.py" "$CLUSTER_CLIENT_LOG" --summary --from "$1" --to "$2"
}
# log_time FILE REGEX: when the daemon logged the last line matching REGEX (epoch s).
log_time() { date -d "$(grep -E -- "$2" "$1" | tail -n1 | cut -d' ' -f1,2)" +%s.%N; }
ms_between() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", (b - a) * 1000 }'; }
only_rs2_lately() {
  [ "$(awk '$3 == "ok" { print $NF }' "$CLUSTER_CLIENT_LOG" | tail -n 50 | sort -u)" == RS2 ]
}
both_lately() {
  [ "$(awk '$3 == "ok" { print $NF }' "$CLUSTER_CLIENT_LOG" | tail -n 20 | sort -u | tr '\n' ' ')" == "RS1 RS2 " ]
}

story "== lvs-ha on the seed's cluster: client, lvs1, lvs2, rs1, rs2 (LVS-DR, VIP $LAB_VIP) =="
story ""
story "-- setting up: real servers by 'lvsctl realserver up --vip $LAB_VIP', web servers, directors"
cluster_up
cluster_client_start 50
t0=$(now)
DRILL_LAST_EVENT=$t0

story ""
story "-- 1. lvs1 holds the VIP; lvs2 stands by"
ip -n lvs1 -4 -br addr show dev ens160 | sed 's/^/      lvs1: /'
ip -n lvs2 -4 -br addr show dev ens160 | sed 's/^/      lvs2: /'
ip netns exec lvs1 "$CLUSTER_BIN/lvsctl" show vrrp --run-dir /run/lvs-lvs1 --timeout 30 | indent

story ""
story "-- 2. the IPVS table on lvs1 (ipvsadm -Ln), and as lvsctl shows it with health"
ip netns exec lvs1 ipvsadm -Ln | indent
ip netns exec lvs1 "$CLUSTER_BIN/lvsctl" show services --run-dir /run/lvs-lvs1 --timeout 30 | indent

story ""
lab_wait_for 30 "answers from both real servers" both_lately
story "-- 3. the client's last answers through the VIP: $(last_answers 8)"

story ""
story "-- 4. stop lvs1's vrrpd (the seed: systemctl stop keepalived on the master)"
f=$LAB_FAILURES
t4=$(now)
drill_event "$(add $CLUSTER_SKEW_LVS2 $CLUSTER_MARGIN)" "lvs1's vrrpd stopped"
cluster_stop lvs1 vrrpd
drill_measure takeover_ms 30 "lvs2 alone holds the VIP" only_lvs2_has_vip
takeover_ms=$DRILL_MEASURED
lab_wait_for 30 "the client is answered through lvs2" client_answered_since "$(now)"
vrrp_ms=$(ms_between "$(log_time "$LAB_OUT/lvs1-vrrpd.log" 'MASTER -> STOPPED')" \
  "$(log_time "$LAB_OUT/lvs2-vrrpd.log" 'BACKUP -> MASTER')")
story "      lvs2 became MASTER ${vrrp_ms} ms after lvs1's vrrpd said goodbye (its priority-0 advert;"
story "      the protocol's bound is lvs2's skew time, 648 ms); the VIP was seen on lvs2 after ${takeover_ms} ms"
ip -n lvs2 -4 -br addr show dev ens160 | sed 's/^/      lvs2: /'
story "      pages still served through lvs2: $(last_answers 6)"
promise2=held
[ "$LAB_FAILURES" -eq "$f" ] || promise2=broken

story ""
story "-- 5. stop rs1's web server"
f=$LAB_FAILURES
t5=$(now)
drill_event "$(add $CLUSTER_DETECT_REFUSED $CLUSTER_MARGIN)" "rs1's web server stopped"
cluster_web_stop rs1
drill_measure detection_ms 60 "lvs2 took rs1 out of rotation" table_is lvs2 "$CLUSTER_ONLY_RS2"
detection_ms=$DRILL_MEASURED
lab_wait_for 60 "lvs1 (backup) took rs1 out too" table_is lvs1 "$CLUSTER_ONLY_RS2"
lab_wait_for 30 "only RS2 answers" only_rs2_lately
story "      rs1 left rotation after ${detection_ms} ms (bound: delay_loop 6 s + retry 3 x delay_before_retry 3 s)"
ip netns exec lvs2 "$CLUSTER_BIN/lvsctl" show services --run-dir /run/lvs-lvs2 --timeout 30 | indent
story "      the client's last answers: $(last_answers 6)"
promise1=held
[ "$LAB_FAILURES" -eq "$f" ] || promise1=broken

story ""
story "-- 6. restore everything: rs1's web server, then lvs1's vrrpd"
t6=$(now)
drill_event "$CLUSTER_MARGIN" "rs1's web server started"
cluster_web rs1
drill_measure return_ms 60 "rs1 is back in rotation" table_is lvs2 "$CLUSTER_BOTH_REALS"
story "      rs1 back in rotation after $DRILL_MEASURED ms (bound: delay_loop 6 s)"
drill_event "$(add $CLUSTER_MASTER_DOWN_LVS1 $CLUSTER_MARGIN)" "lvs1's vrrpd started"
cluster_start lvs1 vrrpd
drill_measure preempt_ms 60 "lvs1 preempted the VIP back" only_lvs1_has_vip
story "      lvs1 preempted the VIP back $DRILL_MEASURED ms after its vrrpd started (Master_Down 3.6 s)"
cluster_steady "restored"
lab_wait_for 30 "answers from both real servers again" both_lately
story "      the client's last answers: $(last_answers 8)"

t1=$(now)
lab_wait_for 30 "the client's requests so far have finished" \
  client_done_until "$(add "$t1" "$CLUSTER_CLIENT_TIMEOUT.2")"
story ""
story "-- what the client saw (50 requests a second, each failed if unanswered in ${CLUSTER_CLIENT_TIMEOUT} s)"
story "      steady:                   $(client_saw "$t0" "$t4")"
story "      lvs1's vrrpd stopped:     $(client_saw "$t4" "$t5")"
story "      rs1's web server stopped: $(client_saw "$t5" "$t6")"
story "      all restored:             $(client_saw "$t6" "$t1")"
story "   (requests to rs1 fail until its check declares it down: the seed's TCP_CHECK on rs1"
story "    retries 3 times, 3 s apart, after a 6 s delay_loop; shorten them to shorten this)"
promise3=held
python3 "$CLUSTER_HERE/drill_report.py" "$CLUSTER_CLIENT_LOG" --drill seed-story --stack lvs-ha \
  --inflight "$CLUSTER_CLIENT_TIMEOUT" \
  --from "$t0" --to "$t1" "${DRILL_EVENTS[@]}" "${DRILL_FIGURES[@]}" --json "$CLUSTER_RESULTS" ||
  promise3=broken

story ""
story "== promises =="
story "   1. a failed real server leaves rotation:           $promise1 (after ${detection_ms} ms)"
story "   2. a failed director is replaced by its peer:       $promise2 (lvs2 master ${vrrp_ms} ms after lvs1 left)"
story "   3. no single machine down interrupts the service:   $promise3 (requests failed only while a fault was being detected)"
python3 - "$CLUSTER_RESULTS" "$LAB_OUT/demo.json" "$promise1" "$promise2" "$promise3" "$LAB_FAILURES" <<'PY'
import json, sys
results, out, p1, p2, p3, failures = sys.argv[1:7]
run = [json.loads(l) for l in open(results) if l.strip()][-1]
json.dump({"promises": {"failed_real_server_leaves_rotation": p1 == "held",
                        "failed_director_replaced": p2 == "held",
                        "service_not_interrupted": p3 == "held"},
           "checks_failed": int(failures), "client": run}, open(out, "w"), indent=2)
PY
if [ "$promise1 $promise2 $promise3" != "held held held" ]; then lab_fail "a promise did not hold"; fi
lab_finish
