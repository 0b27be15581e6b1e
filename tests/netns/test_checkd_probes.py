#!/usr/bin/python3
# ctest-timeout: 300
"""checkd against real servers in namespaces, driven through its gRPC API with
`lvsctl api checkd METHOD`.

Topology: lvs1 (192.168.64.130) runs checkd; rs1 (192.168.64.143) runs the
servers below. 192.168.64.200 is a blackhole: lvs1 has a permanent neighbour
entry for it pointing at a MAC nobody owns, so SYNs leave and nothing answers.

rs1 serves (tests/fixtures/probe_servers.py, and LISTENER below)
  :80   HTTP   /ok -> 200 "This is RS1\\n", /fail -> 500, /host -> "host=<Host header>"
  :443  HTTPS  the same, self-signed certificate; /sni -> "sni=<server name sent>"
  :81   accepts connections and never answers (stall)
  :82   nothing (refused)
  :90   a plain listener the tests kill (listener death)
"""

import collections
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvsnet import Lab, wait_until  # noqa: E402

BIN = os.environ.get("LVS_BIN", os.path.join(os.path.dirname(__file__), "../../build/bin"))
CHECKD = os.path.join(BIN, "checkd")
LVSCTL = os.path.join(BIN, "lvsctl")

LVS1 = "192.168.64.130"
RS1 = "192.168.64.143"
LVS1_6 = "fd00:64::130"
RS1_6 = "fd00:64::143"
BLACKHOLE = "192.168.64.200"
RS1_BODY = "This is RS1\n"
SERVERS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../fixtures/probe_servers.py")


LISTENER = r'''
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1])))
s.listen(64)
print("ready", flush=True)
while True:
    c, _ = s.accept()
    c.close()
'''


def md5(text):
    return hashlib.md5(text.encode()).hexdigest()


def http(path, digest=None, options=""):
    """An HTTP checker's text: one url, with `options` (protocol text) before it."""
    url = f'path: "{path}"' + (f' digest: "{digest}"' if digest else "")
    return f"http {{ {options + ' ' if options else ''}urls {{ {url} }} }}"


def target(tid, port, checker, address=RS1, delay_loop_ms=1000, alpha=False):
    """A CheckTarget in protobuf text format."""
    return (f'targets {{ id: "{tid}" address: "{address}" port: {port} '
            f'delay_loop_ms: {delay_loop_ms} alpha: {str(alpha).lower()} checkers {{ {checker} }} }}\n')


# Common checker settings: quick loop, no retries, first run at once.
FAST = "connect_timeout_ms: 1000 retry: 0 retry_set: true warmup_ms: 1"


Probe = collections.namedtuple("Probe", "id target health")


def probe(tid, port, checker, health, fast=FAST, **options):
    """A row of a table of cases: a target whose checker has the `fast` settings, and the
    health (up, reason prefix) it must reach (None: the test looks at it otherwise)."""
    return Probe(tid, target(tid, port, f"{checker} {fast}", **options), health)


class Checkd:
    """checkd on a host, and calls of its API."""

    def __init__(self, lab, host, tmp):
        self.host = host
        self.run_dir = os.path.join(tmp, "run")
        self.proc = host.spawn([CHECKD, "--run-dir", self.run_dir, "--config", "/nonexistent"],
                               name="checkd")
        self.proc.required = True
        lab.wait_until(lambda: os.path.exists(os.path.join(self.run_dir, "checkd.sock")), 10,
                       "checkd socket")
        self.tmp = tmp
        self._seq = 0

    def api(self, method, *args, check=True, input=None):
        return self.host.run([LVSCTL, "api", "--run-dir", self.run_dir, "checkd", method, *args],
                             check=check, input=input)

    def set(self, text, check=True):
        res = self.api("SetTargets", "-", input=text, check=check)
        return json.loads(res.stdout) if res.returncode == 0 else res

    def checks(self):
        return {c["target_id"]: c for c in json.loads(self.api("ListChecks").stdout)["checks"]}

    def health(self):
        """Current health by id, from a WatchHealth snapshot."""
        n = len(self.checks())
        if n == 0:
            return {}
        out = self.api("WatchHealth", "--count", str(n), "--seconds", "10").stdout
        return {e["id"]: e for e in map(json.loads, out.splitlines())}

    def watch(self):
        self._seq += 1
        return self.host.spawn([LVSCTL, "api", "--run-dir", self.run_dir, "checkd", "WatchHealth"],
                               name=f"watch{self._seq}")


def events(proc):
    out = []
    for line in proc.log().splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            pass
    return out


class CheckdLab(unittest.TestCase):
    """The topology above in a lab of its own for a whole test class: lvs1 running
    checkd, rs1 running what the class's start_servers starts there."""

    LAB = None  # the lab's name

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix=f"{cls.LAB}-test-")
        os.chmod(cls.tmp, 0o755)  # the misc user "nobody" must reach its scripts
        cls.lab = Lab(cls.LAB)
        cls.lab.__enter__()
        try:
            cls.lvs1 = cls.lab.add_host("lvs1", [f"{LVS1}/24", f"{LVS1_6}/64"])
            cls.rs1 = cls.lab.add_host("rs1", [f"{RS1}/24", f"{RS1_6}/64"])
            cls.lvs1.run(["ip", "neigh", "add", BLACKHOLE, "lladdr", "02:00:00:00:de:ad",
                          "dev", "ens160", "nud", "permanent"])
            cls.start_servers()
            cls.checkd = Checkd(cls.lab, cls.lvs1, cls.tmp)
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.lab.__exit__(None, None, None)
        shutil.rmtree(cls.tmp, ignore_errors=True)


class CheckdTest(CheckdLab):
    LAB = "checkd-probes"

    @classmethod
    def start_servers(cls):
        lab, tmp = cls.lab, cls.tmp
        cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=rs1.test", "-keyout", key, "-out", cert],
                       check=True, capture_output=True)
        cls.listener_py = os.path.join(tmp, "listener.py")
        with open(cls.listener_py, "w") as f:
            f.write(LISTENER)
        web = cls.rs1.spawn(["python3", SERVERS, RS1_BODY, cert, key], name="servers")
        web.required = True
        lab.wait_until(lambda: "ready" in web.log(), 10, "servers on rs1")
        # The hanging script's sleep runs from a copy in our temp dir, so the test
        # can find exactly its own processes (the PID namespace is shared).
        cls.hang_sleep = os.path.join(tmp, "hang-sleep")
        shutil.copy("/bin/sleep", cls.hang_sleep)
        cls.scripts = {}
        # clean-fds: exits 0 only when it inherited nothing but stdin/out/err (the
        # listing itself takes fd 3).
        clean_fds = ("exec python3 -c 'import os, sys; "
                     "sys.exit(0 if max(map(int, os.listdir(\"/proc/self/fd\"))) <= 3 else 1)'")
        for name, body in {"exit0": "exit 0", "exit1": "exit 1", "exit7": "exit 7",
                           "hang": f"exec {cls.hang_sleep} 300", "clean-fds": clean_fds,
                           "is-nobody": '[ "$(id -un)" = nobody ]'}.items():
            path = os.path.join(tmp, f"{name}.sh")
            with open(path, "w") as f:
                f.write(f"#!/bin/sh\n{body}\n")
            os.chmod(path, 0o755)
            cls.scripts[name] = path

    def wait_health(self, expected, timeout=15):
        """Waits until every id in `expected` has (up, reason-prefix) as given."""
        def matches():
            h = self.checkd.health()
            bad = {i: (h.get(i, {}).get("up"), h.get(i, {}).get("reason"))
                   for i, (up, reason) in expected.items()
                   if i not in h or h[i]["up"] != up or not h[i]["reason"].startswith(reason)}
            return h if not bad else None
        try:
            return self.lab.wait_until(matches, timeout, "expected health")
        except TimeoutError:
            h = self.checkd.health()
            diff = {i: (h.get(i), want) for i, want in expected.items()
                    if i not in h or (h[i]["up"], h[i]["reason"][:len(want[1])]) != want}
            self.fail(f"health not as expected after {timeout}s: {json.dumps(diff, indent=1)}")

    def test_probes_against_real_servers(self):
        s = self.scripts
        cases = [
            probe("tcp-open", 80, "tcp {}", (True, "connected")),
            probe("tcp-refused", 82, "tcp {}", (False, "connection refused")),
            probe("tcp-blackhole", 80, "tcp {}", (False, "no answer in 1 s"), address=BLACKHOLE),
            probe("tcp-stall", 81, "tcp {}", (True, "connected")),
            probe("http-200", 80, http("/ok"), (True, "HTTP 200")),
            probe("http-500", 80, http("/fail"), (False, "HTTP 500")),
            probe("http-500-accepted", 80,
                  'http { urls { path: "/fail" status_codes { low: 500 high: 599 } } }',
                  (True, "HTTP 500")),
            probe("http-digest", 80, http("/ok", md5(RS1_BODY)), (True, "HTTP 200")),
            probe("http-digest-wrong", 80, http("/ok", md5("other")), (False, "digest mismatch")),
            probe("http-two-urls", 80, 'http { urls { path: "/ok" } urls { path: "/fail" } }',
                  (False, "HTTP 500 (/fail)")),
            probe("http-vhost", 80, http("/host", md5("host=www.rs1.test"), 'virtualhost: "www.rs1.test"'),
                  (True, "HTTP 200")),
            probe("http-stall", 81, http("/ok"), (False, "no answer in 1 s")),
            probe("http-refused", 82, http("/ok"), (False, "connection refused")),
            probe("https-noverify", 443, http("/ok", md5(RS1_BODY), "ssl: true"), (True, "HTTP 200")),
            probe("https-verify", 443, http("/ok", options="ssl: true verify_peer: true"),
                  (False, "TLS certificate not trusted")),
            probe("https-sni", 443, http("/sni", md5("sni=www.rs1.test"), 'ssl: true sni: "www.rs1.test"'),
                  (True, "HTTP 200")),
            probe("https-no-sni", 443, http("/sni", md5("sni=None"), "ssl: true"), (True, "HTTP 200")),
            probe("misc-0", 0, f'misc {{ path: "{s["exit0"]}" }}', (True, "exit status 0")),
            probe("misc-1", 0, f'misc {{ path: "{s["exit1"]}" }}', (False, "exit status 1")),
            probe("misc-7", 0, f'misc {{ path: "{s["exit7"]}" }}', (False, "exit status 7")),
            probe("misc-7-dynamic", 0, f'misc {{ path: "{s["exit7"]}" dynamic: true }}',
                  (True, "exit status 7")),
            probe("misc-user", 0, f'misc {{ path: "{s["is-nobody"]}" user: "nobody" }}',
                  (True, "exit status 0")),
            probe("misc-root", 0, f'misc {{ path: "{s["is-nobody"]}" }}', (False, "exit status 1")),
            probe("misc-clean-fds", 0, f'misc {{ path: "{s["clean-fds"]}" }}',
                  (True, "exit status 0")),
            probe("misc-hang", 0, f'misc {{ path: "{s["hang"]}" timeout_ms: 1000 }}',
                  (False, "script timed out (no answer in 1 s)"), delay_loop_ms=3000),
            probe("alpha-open", 80, "tcp {}", (True, "connected"), alpha=True),
            probe("v6-tcp-open", 80, "tcp {}", (True, "connected"), address=RS1_6),
            probe("v6-tcp-refused", 82, "tcp {}", (False, "connection refused"), address=RS1_6),
            probe("v6-http", 80, http("/ok", md5(RS1_BODY)), (True, "HTTP 200"), address=RS1_6),
            probe("bindto", 80, f'tcp {{}} bindto: "{LVS1}" bind_port: 40123', (True, "connected")),
            # Looked at below: its check fails locally.
            probe("bindto-foreign", 80, 'tcp {} bindto: "192.168.64.77"', None),
        ]
        resp = self.checkd.set("".join(case.target for case in cases))
        self.assertEqual(resp["added"], 31, resp)
        self.assertEqual(resp["rejected"], [], resp)
        h = self.wait_health({case.id: case.health for case in cases if case.health})
        self.assertEqual(h["misc-7-dynamic"]["weight"], 5)
        self.assertEqual(h["misc-0"]["weight"], -1)

        # ListChecks: last result, latency, consecutive failures.
        checks = self.checkd.checks()
        self.assertEqual(checks["tcp-refused"]["kind"], "TCP_CHECK")
        self.assertGreaterEqual(checks["tcp-refused"]["consecutive_failures"], 1)
        self.assertEqual(checks["tcp-open"]["consecutive_failures"], 0)
        self.assertGreaterEqual(checks["tcp-blackhole"]["last"]["latency_us"], 900_000)
        self.assertLess(checks["tcp-open"]["last"]["latency_us"], 500_000)
        self.assertEqual(checks["https-sni"]["kind"], "SSL_GET")
        # Binding to an address this host does not have is checkd's problem, not
        # the server's: a local error, counted neither way (the target stays up).
        self.assertTrue(checks["bindto-foreign"]["last"]["reason"].startswith("local error:"),
                        checks["bindto-foreign"])
        self.assertTrue(checks["bindto-foreign"]["up"])

        # The hanging script is killed past its timeout (SIGTERM, SIGKILL 2 s
        # later): no sleep from it outlives a few cycles.
        def no_stale_hang():
            runs = int(self.checkd.checks()["misc-hang"]["runs"])
            out = self.lvs1.run(["pgrep", "-c", "-f", self.hang_sleep], check=False).stdout.strip()
            return runs >= 2 and int(out or 0) <= 1
        self.lab.wait_until(no_stale_hang, 15, "hung scripts killed")

        # ProbeOnce runs now and reports without changing state.
        once = json.loads(self.checkd.api("ProbeOnce", 'target_id: "http-500"').stdout)
        self.assertEqual([(r["ok"], r["reason"]) for r in once["results"]], [(False, "HTTP 500")])
        res = self.checkd.api("ProbeOnce", 'target_id: "no-such-target"', check=False)
        self.assertEqual(res.returncode, 1)
        self.assertIn("NOT_FOUND", res.stderr)

    def test_retries_delay_the_verdict(self):
        # retry 2, delay_before_retry 400 ms: down after three refused connects,
        # about 0.8 s after the first; never before.
        watch = self.checkd.watch()
        self.lab.wait_until(lambda: sum(e["snapshot"] for e in events(watch)) == len(self.checkd.checks()),
                            5, "watch snapshot")
        t0 = time.time()
        self.checkd.set(target("retry-2", 82, "tcp {} connect_timeout_ms: 1000 retry: 2 "
                               "delay_before_retry_ms: 400 warmup_ms: 1", delay_loop_ms=5000))
        down = self.lab.wait_until(
            lambda: next((e for e in events(watch) if e["id"] == "retry-2" and not e["up"]), None),
            10, "retry-2 down")
        elapsed = int(down["at_unix_ms"]) / 1000 - t0
        self.assertGreaterEqual(elapsed, 0.75, down)
        self.assertLess(elapsed, 2.0, down)
        self.assertEqual(down["reason"], "connection refused")
        c = self.checkd.checks()["retry-2"]
        self.assertEqual(c["consecutive_failures"], 3)
        self.assertEqual(int(c["runs"]), 3)
        watch.kill()

    def test_set_targets_is_idempotent_and_rejects_bad_targets(self):
        good = (target("keep-a", 80, f"tcp {{}} {FAST}") +
                target("keep-b", 82, f"tcp {{}} {FAST}"))
        self.checkd.set(good)
        self.wait_health({"keep-a": (True, "connected"), "keep-b": (False, "connection refused")})
        runs_before = int(self.checkd.checks()["keep-a"]["runs"])
        watch = self.checkd.watch()
        self.lab.wait_until(lambda: sum(e["snapshot"] for e in events(watch)) == 2, 5, "snapshot")
        snap = events(watch)
        self.assertTrue(all(e["snapshot"] for e in snap))
        self.assertEqual({e["id"]: e["up"] for e in snap}, {"keep-a": True, "keep-b": False})
        self.assertTrue(all(e["checked"] for e in snap))

        # The same set again: nothing added, removed or changed; state and
        # schedule carry on (runs keep counting up), no event.
        resp = self.checkd.set(good)
        self.assertEqual((resp["added"], resp["removed"], resp["changed"], resp["unchanged"]),
                         (0, 0, 0, 2), resp)
        self.lab.wait_until(lambda: int(self.checkd.checks()["keep-a"]["runs"]) > runs_before, 5,
                            "keep-a keeps running")
        self.assertEqual(len(events(watch)), 2, events(watch))

        # Bad targets are rejected with a reason; the valid rest is applied.
        bad = good + "".join([
            target("bad-addr", 80, "tcp {}", address="192.168.64.999"),
            target("bad-port", 70000, "tcp {}"),
            target("bad-url", 80, 'http { urls { path: "no-slash" } }'),
            target("bad-digest", 80, 'http { urls { path: "/" digest: "xyz" } }'),
            target("bad-user", 0, 'misc { path: "/bin/true" user: "no-such-user-here" }'),
            target("new-c", 80, f"tcp {{}} {FAST}"),
        ])
        resp = self.checkd.set(bad)
        rejected = {r["id"]: r["message"] for r in resp["rejected"]}
        self.assertEqual(set(rejected), {"bad-addr", "bad-port", "bad-url", "bad-digest", "bad-user"})
        self.assertIn("not an IPv4 or IPv6 address", rejected["bad-addr"])
        self.assertIn("out of range", rejected["bad-port"])
        self.assertIn("must start with /", rejected["bad-url"])
        self.assertIn("32 hex digits", rejected["bad-digest"])
        self.assertIn("does not exist", rejected["bad-user"])
        self.assertEqual((resp["added"], resp["unchanged"]), (1, 2), resp)
        self.wait_health({"new-c": (True, "connected"), "keep-a": (True, "connected")})

        # A malformed request (duplicate ids) is INVALID_ARGUMENT and changes nothing.
        res = self.checkd.set(good + target("keep-a", 81, "tcp {}"), check=False)
        self.assertEqual(res.returncode, 1)
        self.assertIn("INVALID_ARGUMENT", res.stderr)
        self.assertIn("more than once", res.stderr)
        self.assertIn("new-c", self.checkd.checks())

        # A changed target restarts from its health (no flap); a dropped one is
        # announced as removed.
        resp = self.checkd.set(target("keep-a", 80, "tcp {} connect_timeout_ms: 2000 retry: 0 "
                                      "retry_set: true warmup_ms: 1"))
        self.assertEqual((resp["changed"], resp["removed"]), (1, 2), resp)
        self.lab.wait_until(lambda: {e["id"] for e in events(watch) if e.get("removed")} ==
                            {"keep-b", "new-c"}, 5, "removal events")
        self.lab.wait_until(lambda: any(e["id"] == "keep-a" and e["checked"] and not e["snapshot"]
                                        for e in events(watch)), 5, "keep-a checked again")
        self.assertFalse([e for e in events(watch) if e["id"] == "keep-a" and not e["up"]],
                         "a changed but healthy target flapped")
        watch.kill()

    def test_listener_death_reaches_watchers(self):
        listener = self.rs1.spawn(["python3", self.listener_py, "90"], name="listener90")
        self.lab.wait_until(lambda: "ready" in listener.log(), 10, "listener on rs1:90")
        self.checkd.set(target("dies", 90, "tcp {} connect_timeout_ms: 1000 retry: 1 "
                               "delay_before_retry_ms: 200 warmup_ms: 1"))
        self.wait_health({"dies": (True, "connected")})
        watch = self.checkd.watch()
        self.lab.wait_until(lambda: len(events(watch)) >= 1, 5, "snapshot")
        t_kill = time.time()
        listener.kill()
        down = self.lab.wait_until(
            lambda: next((e for e in events(watch) if not e["snapshot"] and not e["up"]), None),
            10, "down event")
        seen = time.time()
        # Detection: at most one delay_loop until the next check, plus one retry.
        self.assertLess(int(down["at_unix_ms"]) / 1000 - t_kill, 1.0 + 0.2 + 0.5, down)
        self.assertEqual(down["reason"], "connection refused")
        # Delivery to the watcher follows the verdict closely (the client polls
        # its log here, so allow for that too).
        self.assertLess(seen - int(down["at_unix_ms"]) / 1000, 0.5)
        watch.kill()


if __name__ == "__main__":
    unittest.main(verbosity=2)
