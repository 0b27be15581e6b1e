#!/usr/bin/python3
"""Passive health (lvsha_passive_check) on the seed's cluster, the client sending 50
requests a second through the VIP all along:
  - a healthy cluster for 60 s: no real is ever ejected;
  - rs1's web server stopped, then rs1's cable pulled (cluster.py's drills): the
    service holds, and the web-server drill costs few requests — the passive check
    takes rs1 out of new connections within a few hundred milliseconds, where the
    seed's TCP_CHECK alone takes 15 s (tests/lab/test_drills.py without the keyword).
The figures go to drills.jsonl (bench/cluster compares them with keepalived's).

usage (inside the VM): test_passive.py BUILD_DIR"""

import json
import math
import os
import re

from cluster import Cluster, file_text
from lablib import OUT, expect, expect_eq, log, scenario

EJECTED = "out of new connections (weight 0), passive check"


def ejections(host):
    return file_text(os.path.join(OUT, f"{host}-ipvsd.log")).count(EJECTED)


def drill_cost(results, ipvsd_log):
    """What rs-web-stop cost, and what it may cost: the bound follows from the
    detector's own threshold, which it learns from the clients' handshakes (three times
    their 95th percentile, 100 ms at least): rs1 gets 25 new connections a second; the
    three that make it suspect, the ones that arrive while the third waits out the
    threshold plus a sample and the apply (300 ms), and two in flight when the server
    stops. On a quiet machine the threshold is the 100 ms floor and the bound 15 (the
    issue's figure is 10); under a loaded emulator the clients' round trip is longer and
    so is the threshold — the bound says the check acted as fast as its threshold lets
    it, the figure itself is what bench/cluster reports. Returns (failed, bound, stuck)."""
    rows = [json.loads(line) for line in file_text(results).splitlines() if line.strip()]
    failed = [r for r in rows if r["drill"] == "rs-web-stop"][-1]["failed"]
    m = None
    for line in file_text(ipvsd_log).splitlines():
        if "passive check:" in line and "out of new connections" in line:
            m = re.search(r"in SYN_RECV over ([0-9.]+)(ms|s)\)", line)
            break
    stuck = float(m.group(1)) / (1000 if m.group(2) == "ms" else 1) if m else 3.0
    return failed, 5 + math.ceil(25 * (stuck + 0.3)), stuck


def body(lab, args):
    cluster = Cluster(lab, args[0], "lvs-ha+passive")
    cluster.up()
    cluster.client_start(50)
    expect_eq("lvs1 runs the passive check", "1",
              str(sum("lvsha_passive_check" in line
                      for line in file_text(cluster.conf["lvs1"]).splitlines())))
    lab.expect_holds(lambda: ejections("lvs1") == 0 and ejections("lvs2") == 0, 60,
                     "a healthy cluster under 50 requests/s: no real is ejected")

    cluster.drill("rs-web-stop")
    lab.expect_within(lambda: ejections("lvs1") >= 1, 5, "lvs1 took rs1 out by its passive check")
    failed, bound, stuck = drill_cost(cluster.results, os.path.join(OUT, "lvs1-ipvsd.log"))
    log(f"rs-web-stop with lvsha_passive_check: {failed} failed requests (threshold {stuck}s, "
        f"bound {bound})")
    if failed > bound:
        expect(False, f"rs-web-stop cost {failed} requests (at most {bound} expected at a "
               f"{stuck}s threshold)")
    else:
        expect(True, f"rs-web-stop cost {failed} requests (at most {bound} at a {stuck}s "
               "threshold)")

    cluster.drill("rs-unplug")
    log(f"results: {cluster.results}")


scenario("passive", body)
