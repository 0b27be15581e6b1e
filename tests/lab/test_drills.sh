#!/bin/bash
# Failure drills on the seed's cluster, with the client sending 50 requests a second
# through the VIP all along (tests/lab/cluster.sh has the drills):
#   director: kill -9 / SIGTERM of the master's VRRP daemon, the master's interface
#             down, VRRP dropped on the backup (split brain) then healed, kill -9 of
#             the master's ipvsd and of its checkd (the table must not change);
#   realserver: a real server's web server stopped and started, its cable pulled
#             and put back.
# Each asserts: requests fail only inside the fault's window, exactly one master
# after it, both tables complete, every daemon running, nothing left behind.
#
# usage (inside the VM): test_drills.sh BUILD_DIR director|realserver|all|DRILL [STACK [report]]
# STACK is lvs-ha (default) or keepalived; "report" (bench/cluster) records whether
# each promise held in drills.jsonl without failing the run.
set -euo pipefail
CLUSTER_BIN=${1:?usage: test_drills.sh BUILD_DIR GROUP [STACK [report]]}/bin
group=${2:?usage: test_drills.sh BUILD_DIR GROUP [STACK [report]]}
CLUSTER_STACK=${3:-lvs-ha}
if [ "${4:-}" = report ]; then CLUSTER_ENFORCE=0; fi
source "$(dirname "$0")/cluster.sh"
lab_require_vm

case $group in
  director) drills=$CLUSTER_DIRECTOR_DRILLS ;;
  realserver) drills=$CLUSTER_REALSERVER_DRILLS ;;
  all) drills="$CLUSTER_DIRECTOR_DRILLS $CLUSTER_REALSERVER_DRILLS" ;;
  *) drills=$group ;;   # one drill by name
esac

cluster_up
cluster_client_start 50
for d in $drills; do cluster_drill "$d"; done
lab_log "results: $CLUSTER_RESULTS"
lab_finish
