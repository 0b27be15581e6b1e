#!/usr/bin/python3
"""Several stacks through the same drills in one boot of the lab VM, one after the
other, each on a fresh copy of the seed's network (bench/cluster: figures that share a
boot share the emulated machine's speed, so their ratios mean something). Each stack's
log files go to $LAB_OUT/STACK/; every stack's rows are appended to
$LAB_OUT/drills.jsonl.

usage (inside the VM): bench_stacks.py BUILD_DIR STACKS DRILLS [sync]
  STACKS  comma-separated: lvs-ha, lvs-ha+passive, keepalived, keepalived+retry
  DRILLS  what test_drills.py takes (all, director, realserver, or drill names,
          comma-separated)
  sync    also run test_conn_sync.py for each stack"""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
USAGE = "usage: bench_stacks.py BUILD_DIR STACKS DRILLS [sync]"


def run(script, out, *args):
    """One scenario with its own $LAB_OUT (it sets up the seed's network and removes it
    when it ends); True if it passed."""
    os.makedirs(out, exist_ok=True)
    env = dict(os.environ, LAB_OUT=out)
    return subprocess.run([os.path.join(HERE, script), *args], env=env).returncode == 0


def append_rows(src, dst):
    try:
        with open(src) as f:
            rows = f.read()
    except FileNotFoundError:
        return
    with open(dst, "a") as f:
        f.write(rows)


def main(argv):
    if len(argv) < 3:
        sys.exit(USAGE)
    build, stacks, drills = argv[:3]
    sync = len(argv) > 3 and argv[3] == "sync"
    top_out = os.environ["LAB_OUT"]
    results = os.path.join(top_out, "drills.jsonl")
    ok = True
    for stack in stacks.split(","):
        out = os.path.join(top_out, stack)
        print(f"[bench_stacks] {stack}: drills {drills}", flush=True)
        ok &= run("test_drills.py", out, build, drills.replace(",", " "), stack, "report")
        if sync:
            ok &= run("test_conn_sync.py", os.path.join(out, "sync"), build, stack, "report")
            append_rows(os.path.join(out, "sync", "drills.jsonl"), results)
        append_rows(os.path.join(out, "drills.jsonl"), results)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
