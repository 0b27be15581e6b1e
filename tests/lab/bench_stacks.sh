#!/bin/bash
# Several stacks through the same drills in one boot of the lab VM, one after the
# other, each on a fresh copy of the seed's network (bench/cluster: figures that share
# a boot share the emulated machine's speed, so their ratios mean something).
# Each stack's log files go to $LAB_OUT/STACK/; every stack's rows are appended to
# $LAB_OUT/drills.jsonl.
#
# usage (inside the VM): bench_stacks.sh BUILD_DIR STACKS DRILLS [sync]
#   STACKS  comma-separated: lvs-ha, lvs-ha+passive, keepalived, keepalived+retry
#   DRILLS  what test_drills.sh takes (all, director, realserver, or drill names,
#           comma-separated)
#   sync    also run test_conn_sync.sh for each stack
set -uo pipefail
build=${1:?usage: bench_stacks.sh BUILD_DIR STACKS DRILLS [sync]}
stacks=${2:?usage: bench_stacks.sh BUILD_DIR STACKS DRILLS [sync]}
drills=${3:?usage: bench_stacks.sh BUILD_DIR STACKS DRILLS [sync]}
here=$(cd "$(dirname "$0")" && pwd)
top_out=${LAB_OUT:?}
rc=0
for stack in ${stacks//,/ }; do
  out=$top_out/$stack
  mkdir -p "$out"
  echo "[bench_stacks] $stack: drills $drills"
  # Each run sets up the seed's network and removes it on exit (lab_cleanup).
  LAB_OUT=$out bash "$here/test_drills.sh" "$build" "${drills//,/ }" "$stack" report || rc=1
  if [ "${4:-}" = sync ]; then
    LAB_OUT=$out/sync bash "$here/test_conn_sync.sh" "$build" "$stack" report || rc=1
    cat "$out/sync/drills.jsonl" >>"$top_out/drills.jsonl" 2>/dev/null
  fi
  cat "$out/drills.jsonl" >>"$top_out/drills.jsonl" 2>/dev/null
done
exit $rc
