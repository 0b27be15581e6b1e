#!/usr/bin/python3
"""The reference deployment, run for real and told as a story (scripts/demo; the lab
test lab.seed_story). The seed's five machines as namespaces with its addresses,
interface names and keepalived.conf files: directors lvs1 (MASTER, 100) and lvs2
(BACKUP, 90) running checkd + ipvsd + vrrpd; rs1 and rs2 set up for DR by `lvsctl
realserver up`, each with a web server saying "This is RS1" / "This is RS2"; a client
sending 50 requests a second through the VIP all along. Then the seed's own checks,
measured:
  - the VIP is on lvs1, the IPVS table is the seed's, answers alternate RS1/RS2;
  - lvs1's vrrpd is stopped: lvs2 takes the VIP, pages are still served;
  - rs1's web server is stopped: after the detection time only RS2 answers;
  - everything restored: rs1 back in rotation, lvs1 preempts the VIP back.
It checks the seed's three promises and exits 0 only if all held. A summary in JSON
goes to $LAB_OUT/demo.json. LAB_QUIET=0: the checks that pass are printed too.

usage (a kernel with IPVS: inside the VM, or a host that has it): seed_story.py BUILD_DIR"""

import json
import os
import re
import subprocess
import sys
import time

from lablib import lvsnet  # lablib puts tests/netns on the path
from cluster import (BOTH_REALS, CLIENT_TIMEOUT, DETECT_REFUSED, DRILL_REPORT, MARGIN,
                     MASTER_DOWN_LVS1, ONLY_RS2, SKEW_LVS2, Cluster, file_text)
from lablib import OUT, VIP, expect, scenario

lvsnet.quiet = os.environ.get("LAB_QUIET", "1") == "1"  # the story's own lines


def story(text=""):
    print(text, flush=True)


def indent(text, prefix="      "):
    for line in text.rstrip("\n").splitlines():
        story(f"{prefix}{line}")


def log_time(path, pattern):
    """When the daemon logged the last line matching pattern (epoch seconds)."""
    lines = [x for x in file_text(path).splitlines() if re.search(pattern, x)]
    stamp = " ".join(lines[-1].split()[:2])
    whole, _, frac = stamp.partition(".")
    return time.mktime(time.strptime(whole, "%Y-%m-%d %H:%M:%S")) + float(f"0.{frac or 0}")


class Story:
    def __init__(self, lab, build):
        self.lab = lab
        self.c = Cluster(lab, build, "lvs-ha")
        open(self.c.results, "w").close()

    def failures(self):
        return len(lvsnet._failed_expectations)

    def answers(self, n):
        return " ".join(self.c.client_log.last_answers(n)) + " "

    def lately(self, n):
        return sorted(set(self.c.client_log.last_answers(n)))

    def address(self, host):
        out = self.c.hosts[host].run(["ip", "-4", "-br", "addr", "show", "dev", "ens160"]).stdout
        indent(out, f"      {host}: ")

    def lvsctl(self, host, *args):
        r = self.c.lvsctl(host, *args, "--run-dir", f"/run/lvs-{host}", "--timeout", "30")
        indent(r.stdout + r.stderr)

    def client_saw(self, t0, t1):
        return subprocess.run([sys.executable, DRILL_REPORT, self.c.client_log_path, "--summary",
                               "--from", f"{t0:.6f}", "--to", f"{t1:.6f}"],
                              capture_output=True, text=True).stdout.strip()

    def setup(self):
        story("== lvs-ha on the seed's cluster: client, lvs1, lvs2, rs1, rs2 "
              f"(LVS-DR, VIP {VIP}) ==")
        story()
        story(f"-- setting up: real servers by 'lvsctl realserver up --vip {VIP}', web servers, "
              "directors")
        self.c.up()
        self.c.client_start(50)
        self.t0 = time.time()
        self.c.last_event = self.t0

    def steady(self):
        c, w = self.c, self.lab.expect_within
        story()
        story("-- 1. lvs1 holds the VIP; lvs2 stands by")
        self.address("lvs1")
        self.address("lvs2")
        self.lvsctl("lvs1", "show", "vrrp")
        story()
        story("-- 2. the IPVS table on lvs1 (ipvsadm -Ln), and as lvsctl shows it with health")
        indent(c.hosts["lvs1"].run(["ipvsadm", "-Ln"]).stdout)
        self.lvsctl("lvs1", "show", "services")
        story()
        w(lambda: self.lately(20) == ["RS1", "RS2"], 30, "answers from both real servers")
        story(f"-- 3. the client's last answers through the VIP: {self.answers(8)}")

    def director_down(self):
        """Promise 2: a failed director is replaced by its peer."""
        c, w = self.c, self.lab.expect_within
        story()
        story("-- 4. stop lvs1's vrrpd (the seed: systemctl stop keepalived on the master)")
        f = self.failures()
        self.t4 = time.time()
        c.event(SKEW_LVS2 + MARGIN, "lvs1's vrrpd stopped")
        c.stop("lvs1", "vrrpd")
        c.measure("takeover_ms", 30, "lvs2 alone holds the VIP", lambda: c.only_has_vip("lvs2"))
        takeover_ms = c.measured
        c.answered_after(time.time(), 30, "the client is answered through lvs2")
        self.vrrp_ms = round((log_time(os.path.join(OUT, "lvs2-vrrpd.log"), "BACKUP -> MASTER")
                              - log_time(os.path.join(OUT, "lvs1-vrrpd.log"), "MASTER -> STOPPED"))
                             * 1000)
        story(f"      lvs2 became MASTER {self.vrrp_ms} ms after lvs1's vrrpd said goodbye (its "
              "priority-0 advert;")
        story("      the protocol's bound is lvs2's skew time, 648 ms); the VIP was seen on lvs2 "
              f"after {takeover_ms} ms")
        self.address("lvs2")
        story(f"      pages still served through lvs2: {self.answers(6)}")
        self.promise2 = "held" if self.failures() == f else "broken"

    def real_down(self):
        """Promise 1: a failed real server leaves rotation."""
        c, w = self.c, self.lab.expect_within
        story()
        story("-- 5. stop rs1's web server")
        f = self.failures()
        self.t5 = time.time()
        c.event(DETECT_REFUSED + MARGIN, "rs1's web server stopped")
        c.web_stop("rs1")
        c.measure("detection_ms", 60, "lvs2 took rs1 out of rotation", c.table_is("lvs2", ONLY_RS2))
        self.detection_ms = c.measured
        w(c.table_is("lvs1", ONLY_RS2), 60, "lvs1 (backup) took rs1 out too")
        w(lambda: self.lately(50) == ["RS2"], 30, "only RS2 answers")
        story(f"      rs1 left rotation after {self.detection_ms} ms (bound: delay_loop 6 s + "
              "retry 3 x delay_before_retry 3 s)")
        self.lvsctl("lvs2", "show", "services")
        story(f"      the client's last answers: {self.answers(6)}")
        self.promise1 = "held" if self.failures() == f else "broken"

    def restore(self):
        c, w = self.c, self.lab.expect_within
        story()
        story("-- 6. restore everything: rs1's web server, then lvs1's vrrpd")
        self.t6 = time.time()
        c.event(MARGIN, "rs1's web server started")
        c.web_start("rs1")
        c.measure("return_ms", 60, "rs1 is back in rotation", c.table_is("lvs2", BOTH_REALS))
        story(f"      rs1 back in rotation after {c.measured} ms (bound: delay_loop 6 s)")
        c.event(MASTER_DOWN_LVS1 + MARGIN, "lvs1's vrrpd started")
        c.start("lvs1", "vrrpd")
        c.measure("preempt_ms", 60, "lvs1 preempted the VIP back", lambda: c.only_has_vip("lvs1"))
        story(f"      lvs1 preempted the VIP back {c.measured} ms after its vrrpd started "
              "(Master_Down 3.6 s)")
        c.steady("restored")
        w(lambda: self.lately(20) == ["RS1", "RS2"], 30, "answers from both real servers again")
        story(f"      the client's last answers: {self.answers(8)}")

    def judge(self):
        """Promise 3: no single machine down interrupts the service."""
        c = self.c
        t1 = time.time()
        self.lab.expect_within(lambda: c.client_log.done_until(t1 + CLIENT_TIMEOUT + 0.2), 30,
                               "the client's requests so far have finished")
        story()
        story(f"-- what the client saw (50 requests a second, each failed if unanswered in "
              f"{CLIENT_TIMEOUT} s)")
        story(f"      steady:                   {self.client_saw(self.t0, self.t4)}")
        story(f"      lvs1's vrrpd stopped:     {self.client_saw(self.t4, self.t5)}")
        story(f"      rs1's web server stopped: {self.client_saw(self.t5, self.t6)}")
        story(f"      all restored:             {self.client_saw(self.t6, t1)}")
        story("   (requests to rs1 fail until its check declares it down: the seed's TCP_CHECK "
              "on rs1")
        story("    retries 3 times, 3 s apart, after a 6 s delay_loop; shorten them to shorten "
              "this)")
        self.promise3 = "held" if c.report("seed-story", self.t0, t1, stack="lvs-ha") else "broken"

    def promises(self):
        story()
        story("== promises ==")
        story("   1. a failed real server leaves rotation:           "
              f"{self.promise1} (after {self.detection_ms} ms)")
        story("   2. a failed director is replaced by its peer:       "
              f"{self.promise2} (lvs2 master {self.vrrp_ms} ms after lvs1 left)")
        story("   3. no single machine down interrupts the service:   "
              f"{self.promise3} (requests failed only while a fault was being detected)")
        rows = [json.loads(x) for x in file_text(self.c.results).splitlines() if x.strip()]
        with open(os.path.join(OUT, "demo.json"), "w") as f:
            json.dump({"promises": {"failed_real_server_leaves_rotation": self.promise1 == "held",
                                    "failed_director_replaced": self.promise2 == "held",
                                    "service_not_interrupted": self.promise3 == "held"},
                       "checks_failed": self.failures(), "client": rows[-1] if rows else None},
                      f, indent=2)
        if (self.promise1, self.promise2, self.promise3) != ("held",) * 3:
            expect(False, "a promise did not hold")


def body(lab, args):
    s = Story(lab, args[0])
    s.setup()
    s.steady()
    s.director_down()
    s.real_down()
    s.restore()
    s.judge()
    s.promises()


scenario("seed_story", body)
