#!/usr/bin/python3
"""Failure drills on the seed's cluster, with the client sending 50 requests a second
through the VIP all along (tests/lab/cluster.py has the drills):
  director: kill -9 / SIGTERM of the master's VRRP daemon, the master's interface
            down, VRRP dropped on the backup (split brain) then healed, kill -9 of
            the master's ipvsd and of its checkd (the table must not change);
  realserver: a real server's web server stopped and started, its cable pulled and
            put back.
Each asserts: requests fail only inside the fault's window, exactly one master after
it, both tables complete, every daemon running, nothing left behind.

usage (inside the VM): test_drills.py BUILD_DIR director|realserver|all|DRILL... [STACK [report]]
STACK is lvs-ha (default), keepalived, keepalived+retry or lvs-ha+passive; "report"
(bench/cluster) records whether each promise held in drills.jsonl without failing the
run. Several drills by name go in one argument, separated by spaces."""

import sys

from cluster import DIRECTOR_DRILLS, REALSERVER_DRILLS, Cluster
from lablib import log, scenario

USAGE = "usage: test_drills.py BUILD_DIR GROUP [STACK [report]]"


def body(lab, args):
    if len(args) < 2:
        sys.exit(USAGE)
    build, group = args[0], args[1]
    stack = args[2] if len(args) > 2 else "lvs-ha"
    enforce = not (len(args) > 3 and args[3] == "report")
    drills = {"director": DIRECTOR_DRILLS, "realserver": REALSERVER_DRILLS,
              "all": DIRECTOR_DRILLS + REALSERVER_DRILLS}.get(group, group.split())
    cluster = Cluster(lab, build, stack, enforce)
    cluster.up()
    cluster.client_start(50)
    for name in drills:
        cluster.drill(name)
    log(f"results: {cluster.results}")


scenario("drills", body)
