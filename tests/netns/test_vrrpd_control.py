#!/usr/bin/python3
# ctest-timeout: 600
# ctest-run-serial
"""vrrpd-specific behaviour, with real processes on a bridge: the GARP bursts
(keepalived's defaults: 5 at once, 5 more after 5 s), notify scripts with
keepalived's arguments, the gRPC control path through lvsctl (failover, admin
down/up, unknown instance), reload as a diff (SIGHUP and the Reload RPC; an
invalid file changes nothing), and FAULT from a tracked interface."""

import json
import os
import signal
import subprocess
import sys
import time
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvsnet import Lab  # noqa: E402
from vrrp_scenarios import (TOLERANCE, VIP, VIP_LABEL, VRID, master_down, seed_config,  # noqa: E402
                            skew)

BIN = os.environ.get("LVS_BIN", "")
VIP2 = "192.168.64.101"


def with_instance_lines(conf, lines):
    """The seed config with extra lines inside vrrp_instance VI_1."""
    return conf.replace("    virtual_router_id 51\n", "    virtual_router_id 51\n" + lines, 1)


SECOND_INSTANCE = f"""
vrrp_instance VI_2 {{
    state BACKUP
    interface ens160
    virtual_router_id 52
    priority 100
    advert_int 1
    virtual_ipaddress {{
        {VIP2}/32 dev ens160
    }}
}}
"""


class Node:
    def __init__(self, lab, host, conf_text, extra=()):
        self.lab, self.host = lab, host
        self.conf = os.path.join(lab.logdir, f"{host.name}.conf")
        self.write(conf_text)
        self.run_dir = lab.short_dir(host.name)
        self.proc = host.spawn([os.path.join(BIN, "vrrpd"), "--config", self.conf, "--run-dir",
                                self.run_dir, "--log-level", "debug", *extra], name="vrrpd")
        self.proc.required = True

    def write(self, text):
        with open(self.conf, "w") as f:
            f.write(text)

    def ctl(self, *args, check=True):
        return self.host.run([os.path.join(BIN, "lvsctl"), *args, "--run-dir", self.run_dir],
                             check=check)

    def status(self):
        out = json.loads(self.ctl("show", "vrrp", "--json").stdout)
        return {i["name"]: i for i in out["instances"]}

    def state(self, name="VI_1"):
        return self.status().get(name, {}).get("state")

    def transitions(self, name="VI_1"):
        return int(self.status()[name]["counters"].get("transitions", 0))


class VrrpdControl(unittest.TestCase):
    def pair(self, lab, conf1=None, conf2=None, extra1=()):
        lvs1 = lab.add_host("lvs1", ["192.168.64.130/24"])
        lvs2 = lab.add_host("lvs2", ["192.168.64.137/24"])
        wire = lab.capture("ip proto 112 or arp", name="wire")
        n1 = Node(lab, lvs1, conf1 or seed_config("master"), extra1)
        # The backup starts once lvs1 is master: started together, both can reach
        # Master_Down in the same instant, and lvs1 then rightly re-asserts against
        # lvs2 with a second GARP burst, which tests here do not expect.
        lab.wait_until(lambda: lvs1.has_address(VIP, label=VIP_LABEL), master_down(100, 1, 2) + 2,
                       "lvs1 to be master on its own")
        n2 = Node(lab, lvs2, conf2 or seed_config("backup"))
        lab.wait_until(lambda: lvs1.has_address(VIP, label=VIP_LABEL)
                       and not lvs2.has_address(VIP), master_down(100, 1, 2) + 2,
                       "lvs1 to be master")
        return n1, n2, wire

    def test_garp_bursts_follow_keepalived_defaults(self):
        with Lab("vrrpd-garp") as lab:
            n1, _, wire = self.pair(lab, extra1=["--realtime"])
            # --realtime: the protocol runs under SCHED_RR (policy 2).
            with open(f"/proc/{n1.proc.pid}/stat") as f:
                policy = int(f.read().rsplit(")", 1)[1].split()[38])
            self.assertEqual(policy, 2, "vrrpd --realtime runs SCHED_RR")
            mac = n1.host.mac
            first = wire.wait_for(lambda p: p.src_mac == mac and p.is_garp(VIP), 2, "first GARP")
            wire.wait_for(lambda p: p.src_mac == mac and p.is_garp(VIP), 7,
                          "second GARP burst", after=first.ts + 4.0)
            lab.wait_until(lambda: len([p for p in wire.packets(
                lambda p: p.src_mac == mac and p.is_garp(VIP))]) >= 10, 2, "ten GARPs")
            garps = wire.packets(lambda p: p.src_mac == mac and p.is_garp(VIP))
            burst1 = [p for p in garps if p.ts - first.ts < 1.0]
            burst2 = [p for p in garps if 4.0 < p.ts - first.ts < 6.0]
            self.assertEqual(len(burst1), 5, "five GARPs on becoming master")
            self.assertEqual(len(burst2), 5, "five more after garp_master_delay")
            delay = burst2[0].ts - first.ts
            self.assertAlmostEqual(delay, 5.0, delta=0.2, msg="second burst 5 s later")
            self.assertEqual(burst1[0].arp.sha, mac)

    def test_garp_interval_spaces_the_burst(self):
        """vrrp_garp_interval 0.1: the five GARPs on becoming master go out 100 ms
        apart instead of at once."""
        with Lab("vrrpd-garp-interval") as lab:
            conf = seed_config("master").replace("   router_id LVS_MASTER\n",
                                                 "   router_id LVS_MASTER\n   vrrp_garp_interval 0.1\n")
            n1, _, wire = self.pair(lab, conf1=conf)
            mac = n1.host.mac
            lab.wait_until(lambda: len(wire.packets(lambda p: p.src_mac == mac
                                                    and p.is_garp(VIP))) >= 5, 2, "five GARPs")
            ts = [p.ts for p in wire.packets(lambda p: p.src_mac == mac and p.is_garp(VIP))][:5]
            gaps = [b - a for a, b in zip(ts, ts[1:])]
            for g in gaps:
                self.assertAlmostEqual(g, 0.1, delta=0.05, msg=f"GARP spacing {gaps}")

    def test_notify_scripts_get_keepalived_arguments(self):
        with Lab("vrrpd-notify") as lab:
            out = os.path.join(lab.logdir, "notify.out")
            script = os.path.join(lab.logdir, "notify.sh")
            with open(script, "w") as f:
                f.write(f'#!/bin/sh\necho "$*" >> {out}\n')
            os.chmod(script, 0o755)
            master_script = os.path.join(lab.logdir, "master.sh")
            with open(master_script, "w") as f:
                f.write(f'#!/bin/sh\necho "master-hook $*" >> {out}\n')
            os.chmod(master_script, 0o755)
            conf = with_instance_lines(seed_config("master"),
                                       f"    notify {script}\n    notify_master \"{master_script}\"\n")
            n1, n2, _ = self.pair(lab, conf1=conf)

            def lines():
                if not os.path.exists(out):
                    return []
                with open(out) as f:
                    return [line.strip() for line in f]
            lab.wait_until(lambda: "INSTANCE VI_1 MASTER 100" in lines(), 2, "notify MASTER")
            self.assertEqual(lines()[0], "INSTANCE VI_1 BACKUP 100")
            self.assertIn("master-hook", lines())
            n1.proc.required = False
            n1.proc.signal(signal.SIGTERM)
            n1.proc.wait(5)
            self.assertEqual(n1.proc.popen.returncode, 0)
            lab.wait_until(lambda: "INSTANCE VI_1 STOP 100" in lines(), 2, "notify STOP")

    def test_failover_admin_state_and_errors_over_grpc(self):
        with Lab("vrrpd-grpc") as lab:
            n1, n2, wire = self.pair(lab)
            watch = n1.host.spawn([os.path.join(BIN, "lvsctl"), "watch", "--json", "--run-dir",
                                   n1.run_dir], name="watch")

            def events():
                out = []
                for line in watch.log().splitlines():
                    try:
                        e = json.loads(line)
                    except ValueError:
                        continue
                    if isinstance(e, dict) and e.get("instance") == "VI_1":
                        out.append(e)
                return out
            lab.wait_until(lambda: any(e.get("snapshot") for e in events()), 3,
                           "WatchState snapshot")
            snap = [e for e in events() if e.get("snapshot")][0]
            self.assertEqual(snap.get("to"), "MASTER")
            t = time.time()
            r = n1.ctl("failover", "VI_1")
            self.assertIn("BACKUP", r.stdout)
            first = wire.wait_for(lambda p: p.src_mac == n2.host.mac and p.is_garp(VIP),
                                  skew(90, 1, 2) + TOLERANCE + 1, "lvs2 GARP", after=t)
            zero = wire.packets(lambda p: p.src_mac == n1.host.mac and p.is_vrrp(VRID)
                                and p.vrrp.priority == 0 and p.ts >= t)
            self.assertTrue(zero, "failover sends a priority-0 advert")
            self.assertLessEqual(first.ts - zero[0].ts, skew(90, 1, 2) + TOLERANCE)
            # lvs1 yielded: it does not preempt the lower-priority master back.
            lab.hold_for(lambda: n2.host.has_address(VIP) and not n1.host.has_address(VIP),
                         master_down(100, 1, 2) + 1, "lvs2 keeps the VIP after failover")
            self.assertEqual(n1.state(), "BACKUP")
            self.assertEqual(n2.state(), "MASTER")
            change = lab.wait_until(lambda: [e for e in events() if not e.get("snapshot")], 2,
                                    "WatchState transition event")
            self.assertEqual((change[0].get("from"), change[0].get("to")), ("MASTER", "BACKUP"))
            self.assertIn("failover", change[0].get("reason", ""))
            self.assertEqual(n2.status()["VI_1"]["master_address"], "192.168.64.137")

            # Admin down on the master: priority 0, lvs1 takes over after its skew.
            r = n2.ctl("vrrp", "down", "VI_1")
            self.assertIn("STOPPED", r.stdout)
            lab.wait_until(lambda: n1.host.has_address(VIP) and not n2.host.has_address(VIP),
                           skew(100, 1, 2) + 1, "lvs1 master after lvs2 admin down")
            self.assertTrue(n2.status()["VI_1"]["admin_down"])
            n2.ctl("vrrp", "up", "VI_1")
            lab.wait_until(lambda: n2.state() == "BACKUP", 2, "lvs2 back as BACKUP")
            lab.hold_for(lambda: n1.host.has_address(VIP), 1.0, "lvs1 stays master")

            # Errors come back as canonical codes with a message.
            bad = n1.ctl("vrrp", "down", "NOPE", check=False)
            self.assertNotEqual(bad.returncode, 0)
            self.assertIn("NOPE", bad.stderr + bad.stdout)
            self.assertIn("NOT_FOUND", (bad.stderr + bad.stdout).upper().replace(" ", "_"))
            bad = n2.ctl("failover", "VI_1", check=False)
            self.assertNotEqual(bad.returncode, 0, "failover of a backup is refused")

    def test_reload_is_a_diff(self):
        with Lab("vrrpd-reload") as lab:
            n1, n2, wire = self.pair(lab)
            before = n1.transitions()
            t = time.time()
            n1.proc.signal(signal.SIGHUP)  # unchanged file
            lab.wait_until(lambda: "applied, 0 change(s)" in n1.proc.log(), 2,
                           "the unchanged reload applied")
            # A new instance, VI_1 untouched.
            n1.write(seed_config("master") + SECOND_INSTANCE)
            n1.proc.signal(signal.SIGHUP)
            lab.wait_until(lambda: "VI_2" in n1.status(), 3, "VI_2 running")
            lab.wait_until(lambda: n1.host.has_address(VIP2), master_down(100, 1, 2) + 1,
                           "VI_2 master (no peer)")
            self.assertEqual(n1.transitions(), before, "VI_1 kept its state across reloads")
            self.assertTrue(n1.host.has_address(VIP, label=VIP_LABEL))
            zero = wire.packets(lambda p: p.src_mac == n1.host.mac and p.is_vrrp(VRID)
                                and p.vrrp.priority == 0 and p.ts >= t)
            self.assertEqual(zero, [], "an unchanged instance never stepped down")
            # An invalid file: the Reload RPC fails with the error; nothing changes.
            # (a misspelt keyword is only a warning, as in keepalived: use a VRID that
            # cannot be.)
            n1.write(seed_config("master").replace("priority 100", "priority 100\n    virtual_router_id 999"))
            # (lvsctl reload also asks ipvsd, which is not running here: only
            # vrrpd's answer is looked at.)
            r = n1.ctl("reload", check=False)
            self.assertNotIn("vrrpd: reloaded", r.stdout)
            self.assertIn("999 is out of range 1-255", r.stdout + r.stderr)
            self.assertIn("VI_2", n1.status(), "a failed reload removed nothing")
            # Removing VI_2 by the Reload RPC removes its VIP; VI_1 still untouched.
            n1.write(seed_config("master"))
            self.assertIn("vrrpd: reloaded", n1.ctl("reload", check=False).stdout)
            lab.wait_until(lambda: not n1.host.has_address(VIP2), 2, "VI_2's VIP removed")
            self.assertNotIn("VI_2", n1.status())
            self.assertEqual(n1.transitions(), before)
            # A VIP added to the running master: in place, announced, state kept.
            vip3 = "192.168.64.102"
            line = f"{VIP}/32 dev ens160 label ens160:vip"
            n1.write(seed_config("master").replace(line, f"{line}\n        {vip3}/32 dev ens160"))
            dry = n1.ctl("reload", "--dry-run", check=False)
            self.assertIn("in place", dry.stdout)
            self.assertFalse(n1.host.has_address(vip3), "a dry run changes nothing")
            t = time.time()
            self.assertIn("vrrpd: reloaded", n1.ctl("reload", check=False).stdout)
            lab.wait_until(lambda: n1.host.has_address(vip3), 2, "the new VIP on the master")
            wire.wait_for(lambda p: p.src_mac == n1.host.mac and p.is_garp(vip3), 2,
                          "GARP for the new VIP", after=t)
            self.assertEqual(n1.transitions(), before, "VI_1 kept its state")
            self.assertTrue(n1.host.has_address(VIP, label=VIP_LABEL))

    def test_tracked_interface_down_is_fault(self):
        with Lab("vrrpd-fault") as lab:
            lvs1 = lab.add_host("lvs1", ["192.168.64.130/24"])
            # A second link to track (a veth pair inside lvs1: no dummy module here).
            lvs1.run(["ip", "link", "add", "uplink0", "type", "veth", "peer", "name", "uplink0p"])
            lvs1.run(["ip", "link", "set", "uplink0p", "up"])
            lvs1.run(["ip", "link", "set", "uplink0", "up"])
            conf = with_instance_lines(seed_config("master"),
                                       "    track_interface {\n        uplink0\n    }\n")
            lvs2 = lab.add_host("lvs2", ["192.168.64.137/24"])
            n1 = Node(lab, lvs1, conf)
            Node(lab, lvs2, seed_config("backup"))
            lab.wait_until(lambda: lvs1.has_address(VIP) and not lvs2.has_address(VIP),
                           master_down(100, 1, 2) + 2, "lvs1 master")
            lvs1.run(["ip", "link", "set", "uplink0", "down"])
            lab.wait_until(lambda: n1.state() == "FAULT", 2, "lvs1 FAULT")
            lab.wait_until(lambda: lvs2.has_address(VIP) and not lvs1.has_address(VIP),
                           skew(90, 1, 2) + 1, "lvs2 takes over from a FAULT master")
            lvs1.run(["ip", "link", "set", "uplink0", "up"])
            lab.wait_until(lambda: lvs1.has_address(VIP) and not lvs2.has_address(VIP),
                           master_down(100, 1, 2) + 2, "lvs1 preempts back after the fault")

    def test_track_script_weight_moves_the_master(self):
        """A failing track_script with weight -20 takes lvs1 from 100 to 80, below
        lvs2's 90: lvs2 preempts. When the script passes again lvs1 is back at
        100 and preempts in turn."""
        with Lab("vrrpd-track-script") as lab:
            flag = os.path.join(lab.logdir, "healthy")
            open(flag, "w").close()
            script = (f"vrrp_script chk {{\n    script \"/usr/bin/test -e {flag}\"\n"
                      "    interval 0.2\n    weight -20\n    fall 2\n    rise 2\n}\n")
            conf = script + with_instance_lines(seed_config("master"),
                                                "    track_script {\n        chk\n    }\n")
            n1, n2, _ = self.pair(lab, conf1=conf)
            self.assertEqual(int(n1.status()["VI_1"]["effective_priority"]), 100)
            os.unlink(flag)
            lab.wait_until(lambda: int(n1.status()["VI_1"]["effective_priority"]) == 80, 2,
                           "lvs1 at priority 80")
            lab.wait_until(lambda: n2.host.has_address(VIP) and not n1.host.has_address(VIP),
                           master_down(90, 1, 2) + 2, "lvs2 preempts the weakened master")
            open(flag, "w").close()
            lab.wait_until(lambda: n1.host.has_address(VIP) and not n2.host.has_address(VIP),
                           master_down(100, 1, 2) + 2, "lvs1 preempts back")
            self.assertEqual(int(n1.status()["VI_1"]["effective_priority"]), 100)

    def test_sync_group_moves_together(self):
        """VI_1 and VI_2 in one vrrp_sync_group; only VI_2 tracks uplink0. When
        it goes down, VI_2 enters FAULT and VI_1 follows, so both VIPs move to
        lvs2 together; when it comes back, both return."""
        def conf(router_id, prio, track, notify=""):
            group = ("vrrp_sync_group G {\n    group {\n        VI_1\n        VI_2\n    }\n"
                     + (f"    notify {notify}\n" if notify else "") + "}\n")
            base = seed_config("master").replace("priority 100", f"priority {prio}")
            second = SECOND_INSTANCE.replace("priority 100", f"priority {prio}")
            if track:
                second = second.replace("    advert_int 1\n",
                                        "    advert_int 1\n    track_interface {\n        uplink0\n    }\n", 1)
            return group + base.replace("LVS_MASTER", router_id) + second

        with Lab("vrrpd-sync-group") as lab:
            lvs1 = lab.add_host("lvs1", ["192.168.64.130/24"])
            lvs1.run(["ip", "link", "add", "uplink0", "type", "veth", "peer", "name", "uplink0p"])
            lvs1.run(["ip", "link", "set", "uplink0p", "up"])
            lvs1.run(["ip", "link", "set", "uplink0", "up"])
            lvs2 = lab.add_host("lvs2", ["192.168.64.137/24"])
            out = os.path.join(lab.logdir, "group-notify.out")
            script = os.path.join(lab.logdir, "group-notify.sh")
            with open(script, "w") as f:
                f.write(f'#!/bin/sh\necho "$*" >> {out}\n')
            os.chmod(script, 0o755)

            def notified():
                if not os.path.exists(out):
                    return []
                with open(out) as f:
                    return [line.strip() for line in f]
            n1 = Node(lab, lvs1, conf("LVS_MASTER", 100, True, notify=script))
            n2 = Node(lab, lvs2, conf("LVS_BACKUP", 90, False))

            def on(host, other):
                return (host.has_address(VIP) and host.has_address(VIP2)
                        and not other.has_address(VIP) and not other.has_address(VIP2))
            lab.wait_until(lambda: on(lvs1, lvs2), master_down(100, 1, 2) + 2, "both VIPs on lvs1")
            lvs1.run(["ip", "link", "set", "uplink0", "down"])
            lab.wait_until(lambda: on(lvs2, lvs1), skew(90, 1, 2) + 1.5, "both VIPs on lvs2")
            st = n1.status()
            self.assertEqual(st["VI_2"]["state"], "FAULT")
            self.assertEqual(st["VI_1"]["state"], "FAULT")
            self.assertIn("sync group", st["VI_1"]["last_transition_reason"])
            self.assertEqual(n2.status()["VI_1"]["sync_group"], "G")
            lab.wait_until(lambda: "GROUP G FAULT 0" in notified(), 2, "group notify FAULT")
            self.assertIn("GROUP G MASTER 0", notified())
            lvs1.run(["ip", "link", "set", "uplink0", "up"])
            lab.wait_until(lambda: on(lvs1, lvs2), master_down(100, 1, 2) + 2, "both VIPs back on lvs1")


if __name__ == "__main__":
    unittest.main(verbosity=2)
