#!/usr/bin/python3
"""Connections survive director failover: with lvs_sync_daemon in both directors'
keepalived.conf, long-lived TCP connections opened through the VIP before the master
fails keep working after it (0 broken). Then the baseline: the same without
lvs_sync_daemon, where the new master does not know the connections and resets them
(the number is recorded).

The master fails by losing its cable (its switch port goes down), the way a dead
machine looks to its peer; 20 keep-alive connections each send a request every 500 ms
all along.

usage (inside the VM): test_conn_sync.py BUILD_DIR [STACK [report]]"""

import json
import os
import re
import time

from lablib import lvsnet  # lablib puts tests/netns on the path
from cluster import Cluster, file_text
from lablib import OUT, VIP, expect, expect_eq, log, scenario, stop

CONNS = 20


def write_confs(cluster):
    """The seed's configs, and the same with the connection sync daemon following VI_1."""
    os.makedirs("/tmp/conf", exist_ok=True)
    confs = {}
    for h, path in cluster.conf.items():
        text = file_text(path)
        for mode, content in (("sync", re.sub(r"^([ \t]*)router_id .*",
                                              r"\g<0>\n\1lvs_sync_daemon ens160 VI_1", text,
                                              flags=re.M)),
                              ("plain", text)):
            confs[(h, mode)] = f"/tmp/conf/{h}-{mode}.conf"
            with open(confs[(h, mode)], "w") as f:
                f.write(content)
    return confs


class Phase:
    """One failover with 20 long-lived connections; the client's log, its summary line
    last, is $LAB_OUT/hold-MODE.log."""

    def __init__(self, lab, cluster, confs, mode):
        self.lab, self.cluster, self.mode = lab, cluster, mode
        self.hold_log = os.path.join(OUT, f"hold-{mode}.log")
        for h in ("lvs1", "lvs2"):
            cluster.conf[h] = confs[(h, mode)]

    def daemons(self, host):
        return self.cluster.hosts[host].run(["ipvsadm", "-L", "--daemon"]).stdout

    def sync_is(self, host, role):
        return lambda: re.search(rf"^{role} sync daemon \(mcast=ens160, syncid=51",
                                 self.daemons(host), re.M)

    def established(self):
        return any(line.endswith(f" established {CONNS}")
                   for line in file_text(self.hold_log).splitlines())

    def settled_after(self, t):
        """Every connection has had an answer to a request started after t, or broke."""
        done = set()
        for line in file_text(self.hold_log).splitlines():
            f = line.split()
            if len(f) >= 4 and f[2] in ("ok", "fail") and f[3].startswith("conn="):
                if f[2] == "fail" or float(f[0]) > t:
                    done.add(f[3])
        return len(done) >= CONNS

    def lvs2_knows(self):
        """Connections lvs2's IPVS knows for the VIP (synced from lvs1, or its own)."""
        out = self.cluster.hosts["lvs2"].run(["ipvsadm", "-Lnc"]).stdout
        return sum(bool(re.search(rf"ESTABLISHED.*{re.escape(VIP)}:80", line))
                   for line in out.splitlines()) >= CONNS

    def directors(self):
        c, w = self.cluster, self.lab.expect_within
        if self.mode == "sync":
            c.up()
            w(self.sync_is("lvs1", "master"), 60, "lvs1's sync daemon is master")
            w(self.sync_is("lvs2", "backup"), 60, "lvs2's sync daemon is backup")
            return
        for h in ("lvs1", "lvs2"):
            for d in c.unit_names():
                c.stop(h, d)
        c.hosts["lvs1"].plug()
        for h in ("lvs1", "lvs2"):
            for line in self.daemons(h).splitlines():
                c.hosts[h].run(["ipvsadm", "--stop-daemon", line.split()[0]])
        c.directors_up("restarted without lvs_sync_daemon")
        for h in ("lvs1", "lvs2"):
            w(lambda: not self.daemons(h).strip(), 30, f"no sync daemon runs on {h}")

    def run(self):
        """Returns how many connections broke."""
        c, w = self.cluster, self.lab.expect_within
        log(f"phase: {self.mode}")
        self.directors()
        client = c.hosts["client"].spawn(
            [f"{c.bin}/lab_http_load", "hold", "--target", f"{VIP}:80", "--conns", str(CONNS),
             "--interval-ms", "500", "--timeout-ms", "20000", "--out", self.hold_log],
            name=f"hold-{self.mode}", log=os.path.join(OUT, f"hold-{self.mode}.err"))
        w(self.established, 60, f"{CONNS} connections are open through the VIP")
        t = time.time()
        w(lambda: self.settled_after(t), 60, "every connection has been answered")
        if self.mode == "sync":
            w(self.lvs2_knows, 60, f"lvs2 learnt the {CONNS} connections from lvs1's sync daemon")
        c.hosts["lvs1"].unplug()
        log("  lvs1 unplugged")
        w(lambda: c.has_vip("lvs2"), 30, "lvs2 holds the VIP")
        t = time.time()
        w(lambda: self.settled_after(t), 90,
          "every connection has been answered through lvs2, or broke")
        stop(client)
        summaries = [x for x in file_text(self.hold_log).splitlines() if " summary " in x]
        summary = summaries[-1] if summaries else ""
        log(f"  {self.mode}: {summary}")
        broken = re.search(r" broken=([0-9]+)", summary)
        alive = re.search(r" alive=([0-9]+)", summary)
        broken = int(broken.group(1)) if broken else CONNS
        row = {"stack": c.label, "drill": "conn-sync", "mode": self.mode, "conns": CONNS,
               "alive": int(alive.group(1)) if alive else 0, "broken": broken,
               "summary": summary}
        with open(c.results, "a") as f:
            f.write(json.dumps(row) + "\n")
        return broken


def body(lab, args):
    stack = args[1] if len(args) > 1 else "lvs-ha"
    enforce = not (len(args) > 2 and args[2] == "report")
    cluster = Cluster(lab, args[0], stack, enforce)
    confs = write_confs(cluster)
    broken_sync = Phase(lab, cluster, confs, "sync").run()
    failures_before = len(lvsnet._failed_expectations)
    expect_eq("with lvs_sync_daemon, no connection broke over the failover", "0",
              str(broken_sync))
    broken_plain = Phase(lab, cluster, confs, "plain").run()
    log(f"baseline without lvs_sync_daemon: {broken_plain} of {CONNS} connections broke")
    if broken_plain > 0:
        expect(True, "without it the new master does not know them (the test can tell the "
               "difference)")
    else:
        expect(False, "without lvs_sync_daemon no connection broke: the test cannot tell sync "
               "from no sync")
    if not enforce:
        del lvsnet._failed_expectations[failures_before:]


scenario("conn_sync", body)
