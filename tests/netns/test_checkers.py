#!/usr/bin/python3
# ctest-timeout: 300
"""PING_CHECK, UDP_CHECK, DNS_CHECK, SMTP_CHECK and FILE_CHECK in checkd against
real servers in namespaces, each broken and repaired by the test.

Topology: lvs1 (192.168.64.130) runs checkd; rs1 (192.168.64.143) answers pings
(until the test sets icmp_echo_ignore_all) and runs the servers below.
192.168.64.200 has a permanent neighbour entry to a MAC nobody owns: nothing
there ever answers.

rs1 runs tests/fixtures/checker_servers.py (UDP echo on 7, DNS on 53, SMTP on
25 and 2525, HTTP on 8081, HTTPS asking for a client certificate on 8443); nothing
listens on udp/9 (ICMP port unreachable) or tcp/26.
"""

import functools
import json
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_checkd_probes  # noqa: E402
from test_checkd_probes import BLACKHOLE, RS1_6, CheckdLab, events, target  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../fixtures")
SERVERS = os.path.join(FIXTURES, "checker_servers.py")

FAST = "connect_timeout_ms: 500 retry: 0 retry_set: true warmup_ms: 1"
# A row of a table of cases: a target with these FAST settings and the health it must reach.
probe = functools.partial(test_checkd_probes.probe, fast=FAST)


class CheckersTest(CheckdLab):
    LAB = "checkers"

    @classmethod
    def start_servers(cls):
        cls.state = os.path.join(cls.tmp, "state")
        os.mkdir(cls.state)
        cls.tls = os.path.join(cls.state, "tls")
        subprocess.run([os.path.join(FIXTURES, "make_test_certs.sh"), cls.tls], check=True)
        web = cls.rs1.spawn(["python3", SERVERS, cls.state], name="servers")
        web.required = True
        cls.lab.wait_until(lambda: "ready" in web.log(), 10, "servers on rs1")

    def flag(self, on, *names):
        """Sets (or clears) each of the servers' flag files `names`."""
        for name in names:
            path = os.path.join(self.state, name)
            if on:
                open(path, "w").close()
            elif os.path.exists(path):
                os.remove(path)

    def break_servers(self, broken):
        """Breaks (or repairs) rs1's ping, UDP echo, DNS and SMTP server at once."""
        self.rs1.sysctl("net.ipv4.icmp_echo_ignore_all", "1" if broken else "0")
        self.flag(broken, "SILENT", "SERVFAIL", "SMTP_DOWN")

    def wait_health(self, expected, timeout=10):
        """Every id in `expected` reaches (up, reason prefix); returns the health map."""
        def matches():
            h = self.checkd.health()
            ok = all(i in h and h[i]["up"] == up and h[i]["reason"].startswith(reason)
                     for i, (up, reason) in expected.items())
            return h if ok else None
        try:
            return self.lab.wait_until(matches, timeout, "expected health")
        except TimeoutError:
            h = self.checkd.health()
            self.fail("health not as expected: " + json.dumps(
                {i: (h.get(i, {}).get("up"), h.get(i, {}).get("reason"), want) for i, want in expected.items()},
                indent=1))

    def test_ping_udp_dns_smtp_break_and_repair(self):
        cases = [
            probe("ping", 0, "ping {}", (True, "echo reply"), delay_loop_ms=300),
            probe("ping6", 0, "ping {}", (True, "echo reply"), address=RS1_6, delay_loop_ms=300),
            probe("ping-blackhole", 0, "ping {}", (False, "no answer in 500 ms"), address=BLACKHOLE),
            probe("udp-echo", 7, 'udp { payload: "lvs-ha" require_reply: true reply: "lvs" }',
                  (True, "UDP reply matches"), delay_loop_ms=300),
            probe("udp-echo-any", 7, "udp { }", (True, "UDP reply of"), delay_loop_ms=300),
            probe("udp-wrong-reply", 7, 'udp { payload: "lvs-ha" require_reply: true reply: "xyz" }',
                  (False, "UDP reply differs")),
            probe("udp-unreachable", 9, "udp { }", (False, "connection refused")),
            probe("udp6-echo", 7, 'udp { payload: "v6" require_reply: true }',
                  (True, "UDP reply of 2 bytes"), address=RS1_6),
            probe("dns-a", 53, 'dns { type: DNS_A name: "example.com" }', (True, "NOERROR, 1 A record"),
                  delay_loop_ms=300),
            probe("dns-nodata", 53, 'dns { type: DNS_MX name: "example.com" }',
                  (True, "NOERROR, no MX record")),
            probe("dns-nxdomain", 53, 'dns { type: DNS_A name: "nowhere.test" }',
                  (False, "DNS answered NXDOMAIN")),
            probe("dns6", 53, 'dns { type: DNS_A name: "example.com" }', (True, "NOERROR, 1 A record"),
                  address=RS1_6),
            probe("smtp", 25, 'smtp { helo_name: "lvs1.test" }', (True, "SMTP 220, HELO 250"),
                  delay_loop_ms=300),
            probe("smtp-554", 2525, "smtp { }", (False, "SMTP banner 554")),
            probe("smtp-refused", 26, "smtp { }", (False, "connection refused")),
            probe("smtp6", 25, "smtp { }", (True, "SMTP 220, HELO 250"), address=RS1_6),
        ]
        resp = self.checkd.set("".join(case.target for case in cases))
        self.assertEqual(resp["rejected"], [], resp)
        self.assertEqual(resp["added"], 16, resp)
        self.wait_health({case.id: case.health for case in cases})
        kinds = {i: c["kind"] for i, c in self.checkd.checks().items()}
        self.assertEqual((kinds["ping"], kinds["udp-echo"], kinds["dns-a"], kinds["smtp"]),
                         ("PING_CHECK", "UDP_CHECK", "DNS_CHECK", "SMTP_CHECK"))

        # Break each server, see each checker go down, repair, see it come back.
        self.break_servers(True)
        self.wait_health({
            "smtp": (False, "SMTP banner 554"),
            "ping": (False, "no answer in 500 ms"),
            "ping6": (True, "echo reply"),  # ICMPv6 echo is not covered by that sysctl
            "udp-echo": (False, "no answer in 500 ms"),
            # Without require_reply, silence is no failure (keepalived's rule).
            "udp-echo-any": (True, "no ICMP unreachable"),
            "dns-a": (False, "DNS answered SERVFAIL"),
        })
        self.break_servers(False)
        self.wait_health({
            "smtp": (True, "SMTP 220, HELO 250"),
            "ping": (True, "echo reply"),
            "udp-echo": (True, "UDP reply matches"),
            "dns-a": (True, "NOERROR, 1 A record"),
        })

    def test_fwmark_and_bind_if_steer_the_probe(self):
        # Marked packets go by table 7, where everything is unreachable: a probe with
        # fwmark 7 must fail as the VIP's marked traffic would, the same probe
        # without the mark succeeds. bind_if lo cannot reach rs1 at all.
        self.lvs1.run(["ip", "rule", "add", "fwmark", "7", "table", "7"])
        self.lvs1.run(["ip", "route", "add", "unreachable", "default", "table", "7"])
        try:
            cases = [
                probe("tcp-marked", 25, "tcp {} fwmark: 7", (False, "host unreachable"),
                      delay_loop_ms=300),
                probe("tcp-unmarked", 25, "tcp {}", (True, "connected"), delay_loop_ms=300),
                probe("smtp-marked", 25, "smtp {} fwmark: 7", (False, "host unreachable"),
                      delay_loop_ms=300),
                probe("udp-marked", 7, "udp { require_reply: true } fwmark: 7",
                      (False, "host unreachable"), delay_loop_ms=300),
                probe("tcp-bind-if", 25, 'tcp {} bind_if: "ens160"', (True, "connected"),
                      delay_loop_ms=300),
                probe("tcp-bind-lo", 25, 'tcp {} bind_if: "lo"', (False, ""), delay_loop_ms=300),
            ]
            self.checkd.set("".join(case.target for case in cases))
            self.wait_health({case.id: case.health for case in cases})
        finally:
            self.lvs1.run(["ip", "rule", "del", "fwmark", "7", "table", "7"])

    def tls_files(self, cert="client", ca="ca.pem"):
        d = self.tls
        return (f'tls {{ ca_file: "{d}/{ca}" certificate_file: "{d}/{cert}.pem" key_file: "{d}/{cert}.key" '
                f'key_password: "secret" }}')

    def test_http_regex_and_ssl_client_certificate(self):
        self.flag(False, "REGEX_DOWN", "TLS_DOWN")
        url = 'urls { path: "/status" regex: "state: (up|ok)" }'
        self.checkd.set("".join([
            target("regex", 8081, f"http {{ {url} }} {FAST}", delay_loop_ms=300),
            target("regex-window", 8081,
                   f'http {{ urls {{ path: "/status" regex: "state" regex_min_offset: 12 }} }} {FAST}'),
            target("regex-no-match", 8081,
                   f'http {{ urls {{ path: "/status" regex: "STATE: DOWN" regex_options: 8 regex_no_match: true }} }} '
                   f"{FAST}", delay_loop_ms=300),
            target("ssl-regex", 8443, f'http {{ ssl: true urls {{ path: "/status" regex: "^ok$" regex_options: 1024 }} '
                                      f"{self.tls_files()} }} {FAST}", delay_loop_ms=300),
            target("ssl-no-cert", 8443, f'http {{ ssl: true urls {{ path: "/status" }} }} {FAST}'),
            target("ssl-stranger-cert", 8443,
                   f'http {{ ssl: true urls {{ path: "/status" }} {self.tls_files(cert="stranger")} }} {FAST}'),
            target("ssl-wrong-ca", 8443,
                   f'http {{ ssl: true urls {{ path: "/status" }} {self.tls_files(ca="stranger.pem")} }} {FAST}'),
        ]))
        self.wait_health({
            "regex": (True, "HTTP 200, regex matched"),
            # "state" starts at offset 10 of the body: a window from 12 misses it.
            "regex-window": (False, "the body does not match regex 'state'"),
            "regex-no-match": (True, "HTTP 200, regex not matched"),  # caseless (8) would match "state: down"
            "ssl-regex": (True, "HTTP 200, regex matched"),  # multiline (1024): ^ok$ is a line
            "ssl-no-cert": (False, ""),
            "ssl-stranger-cert": (False, ""),
            "ssl-wrong-ca": (False, "TLS certificate not trusted"),
        })
        reasons = {i: h["reason"] for i, h in self.checkd.health().items()}
        # The server's own words, through a TLS alert (a stranger's certificate is
        # refused too, above, but the server may close before its alert is read).
        self.assertIn("certificate required", reasons["ssl-no-cert"])
        self.flag(True, "REGEX_DOWN", "TLS_DOWN")
        self.wait_health({
            "regex": (False, "the body does not match regex 'state: (up|ok)'"),
            "regex-no-match": (False, "the body matches regex 'STATE: DOWN' (regex_no_match)"),
            "ssl-regex": (False, "HTTP 503"),
        })
        self.flag(False, "REGEX_DOWN", "TLS_DOWN")
        self.wait_health({"regex": (True, "HTTP 200"), "regex-no-match": (True, "HTTP 200"),
                          "ssl-regex": (True, "HTTP 200")})

    def test_file_check_follows_the_file_at_once(self):
        path = os.path.join(self.tmp, "rs1-state")
        with open(path, "w") as f:
            f.write("0\n")
        # delay_loop 60 s: only inotify can make it quick.
        self.checkd.set(
            target("file", 80, f'file {{ path: "{path}" weight: 0 }} retry: 0 retry_set: true',
                   delay_loop_ms=60000) +
            target("file-weighted", 80,
                   f'file {{ path: "{path}" weight: 10 base_weight: 5 }} retry: 0 retry_set: true',
                   delay_loop_ms=60000) +
            target("file-created", 80,
                   f'file {{ path: "{path}.new" weight: 0 reverse: true init_file: true init_value: 1 }} '
                   f'retry: 0 retry_set: true', delay_loop_ms=60000))
        h = self.wait_health({"file": (True, "tracked file holds 0"),
                              "file-weighted": (True, "tracked file holds 0"),
                              "file-created": (True, "tracked file holds 1")})
        self.assertEqual(h["file-weighted"]["weight"], 5)
        # init_file made the missing file, with its value.
        with open(path + ".new") as f:
            self.assertEqual(f.read(), "1\n")

        watch = self.checkd.watch()
        self.lab.wait_until(lambda: sum(e["snapshot"] for e in events(watch)) >= 3, 5, "snapshot")
        t0 = time.time()
        with open(path, "w") as f:
            f.write("3\n")
        down = self.lab.wait_until(
            lambda: next((e for e in events(watch) if e["id"] == "file" and not e["snapshot"] and not e["up"]),
                         None), 5, "file down")
        self.assertLess(int(down["at_unix_ms"]) / 1000 - t0, 1.0, down)
        h = self.wait_health({"file": (False, "tracked file holds 3"),
                              "file-weighted": (True, "tracked file holds 3")})
        self.assertEqual(h["file-weighted"]["weight"], 35)
        # Replaced by rename (as editors and `mv` do) and then deleted: both seen.
        tmp_path = path + ".tmp"
        with open(tmp_path, "w") as f:
            f.write("0\n")
        os.rename(tmp_path, path)
        self.wait_health({"file": (True, "tracked file holds 0")}, timeout=3)
        os.remove(path + ".new")
        self.wait_health({"file-created": (False, "tracked file holds 0")}, timeout=3)
        watch.kill()


if __name__ == "__main__":
    unittest.main(verbosity=2)
