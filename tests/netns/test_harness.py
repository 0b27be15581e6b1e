#!/usr/bin/python3
# ctest-timeout: 120
"""Self-test of lvsnet: the bridge carries traffic, a cut stops it, a heal
restores it, captures decode what was sent, and nothing outlives the Lab."""

import os
import signal
import subprocess
import sys
import time
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvsnet import Lab, LabError, wait_until, _list_netns  # noqa: E402


def ping(src, dst_ip, wait_s=1):
    return src.run(["ping", "-n", "-c", "1", "-W", str(wait_s), dst_ip], check=False).returncode == 0


class HarnessTest(unittest.TestCase):
    def test_ping_cut_heal_cleanup(self):
        with Lab("harness-ping") as lab:
            a = lab.add_host("a", ["192.168.64.130/24", "fd00:64::130/64"])
            b = lab.add_host("b", ["192.168.64.137/24", "fd00:64::137/64"])
            names = [lab.switch_ns, a.ns, b.ns]
            self.assertTrue(set(names) <= set(_list_netns()))
            self.assertEqual(a.run(["ip", "-o", "link", "show", "ens160"]).returncode, 0)

            self.assertTrue(ping(a, b.ip), "a cannot ping b over the bridge")
            self.assertTrue(ping(b, a.ip), "b cannot ping a over the bridge")
            self.assertTrue(ping(a, b.ip6), "a cannot ping b over IPv6")
            self.assertEqual(b.neighbour_mac(a.ip), a.mac)

            a.down()
            self.assertFalse(ping(a, b.ip), "ping crossed a cut link")
            # The cut is at the switch: the host still sees its interface up.
            self.assertIn("LOWER_UP", a.run(["ip", "-o", "link", "show", "ens160"]).stdout)
            a.up()
            wait_until(lambda: ping(a, b.ip), 5, "ping after heal")

            a.if_down()
            self.assertFalse(ping(b, a.ip))
            a.if_up()
            wait_until(lambda: ping(b, a.ip), 5, "ping after interface up")
        left = set(names) & set(_list_netns())
        self.assertEqual(left, set(), f"namespaces left behind: {left}")

    def test_addresses_labels_and_capture(self):
        with Lab("harness-capture") as lab:
            a = lab.add_host("a", ["192.168.64.130/24"])
            b = lab.add_host("b", ["192.168.64.137/24"])
            cap = lab.capture("arp or icmp")
            a.add_address("192.168.64.100/32", label="ens160:vip")
            self.assertTrue(a.has_address("192.168.64.100", label="ens160:vip", prefixlen=32))
            self.assertFalse(a.has_address("192.168.64.100", label="ens160"))
            self.assertFalse(b.has_address("192.168.64.100"))
            t0 = time.time()
            a.run(["arping", "-U", "-c", "1", "-I", "ens160", "-s", "192.168.64.100",
                   "192.168.64.100"], check=False)
            garp = cap.wait_for(lambda p: p.is_garp("192.168.64.100"), 5, "GARP on the wire")
            self.assertEqual(garp.src_mac, a.mac)
            self.assertGreaterEqual(garp.ts, t0 - 0.5)
            self.assertLessEqual(garp.ts, time.time() + 0.5)

    def test_spawn_httpd_and_cleanup_of_processes(self):
        with Lab("harness-spawn") as lab:
            a = lab.add_host("a", ["192.168.64.143/24"])
            c = lab.add_host("client", ["192.168.64.136/24"])
            web = a.httpd("This is RS1\n")
            out = c.run(["curl", "-s", "--max-time", "3", "http://192.168.64.143/"]).stdout
            self.assertEqual(out, "This is RS1\n")
            sleeper = a.spawn(["sleep", "1000"], name="sleeper")
            self.assertTrue(sleeper.alive())
            pids = [web.pid, sleeper.pid]
        for pid in pids:
            with self.assertRaises(ProcessLookupError, msg=f"pid {pid} survived the lab"):
                os.kill(pid, 0)

    def test_cleanup_on_exception_and_sigterm(self):
        ns = None
        with self.assertRaises(LabError):
            with Lab("harness-exc") as lab:
                ns = lab.add_host("a", ["192.168.64.130/24"]).ns
                lab.add_host("a")  # duplicate: raises
        self.assertNotIn(ns, _list_netns())

        # A test process killed by SIGTERM still cleans up.
        child = subprocess.Popen(
            [sys.executable, "-c",
             "import sys, time; sys.path.insert(0, %r)\n"
             "from lvsnet import Lab\n"
             "with Lab('harness-sigterm') as lab:\n"
             "    h = lab.add_host('a', ['192.168.64.130/24'])\n"
             "    h.spawn(['sleep', '1000'])\n"
             "    print(h.ns, flush=True)\n"
             "    time.sleep(60)\n" % os.path.dirname(os.path.abspath(__file__))],
            stdout=subprocess.PIPE, text=True)
        child_ns = child.stdout.readline().strip()
        self.assertIn(child_ns, _list_netns())
        child.send_signal(signal.SIGTERM)
        child.wait(20)
        child.stdout.close()
        self.assertNotIn(child_ns, _list_netns())

    def test_required_process_exit_ends_waits(self):
        with Lab("harness-required") as lab:
            a = lab.add_host("a", ["192.168.64.130/24"])
            p = a.spawn(["sh", "-c", "echo bye; exit 3"], name="short")
            p.required = True
            t0 = time.monotonic()
            with self.assertRaisesRegex(AssertionError, r"short .* exited with status 3"):
                lab.wait_until(lambda: False, 10, "never")
            self.assertLess(time.monotonic() - t0, 5)

    def test_wait_until_deadline_message(self):
        t0 = time.monotonic()
        with self.assertRaisesRegex(TimeoutError, r"waiting for the impossible"):
            wait_until(lambda: False, 0.2, "the impossible")
        self.assertLess(time.monotonic() - t0, 1.0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
