#!/usr/bin/python3
# ctest-timeout: 300
# ctest-run-serial
"""keepalived's SMTP alerts from vrrpd, beside keepalived 2.2.7 on the same files.

Two directors with two instances in a sync group, global smtp_alert on, mail to
a sink (tests/fixtures/smtp_sink.py) on a third host. Each stack in turn: lvs1
(priority 100) starts and becomes master, lvs2 (90) starts as backup, lvs1 stops
and lvs2 takes over, lvs2 stops. Once both daemons have exited (so every mail
they were going to send has been accepted), the mails each host sent must be the
same under vrrpd as under keepalived: subjects, bodies, envelope and headers
(Date, and X-Mailer which says lvs-ha, aside). The order of the mails of one
transition (a group's and its instances') is not compared: keepalived's varies.

And a mail server that is not there holds nothing up: a lone vrrpd mailing an
address no host has becomes master in its usual time, and its metrics count the
mails that failed.

One difference on purpose: keepalived 2.2.7 queues its "Stopping" mails and exits
before sending them; vrrpd sends them (its mailer has 3 s at exit), so a director
that stops says so. They are asserted on their own.
"""

import json
import os
import sys
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvsnet import Lab  # noqa: E402
from vrrp_scenarios import KEEPALIVED, VRRPD, Director  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../fixtures")
SINK = ("192.168.64.25", 2525)
HOSTS = {"lvs1": "192.168.64.130", "lvs2": "192.168.64.137"}


def config(router_id, state, priority):
    instances = []
    for name, vrid, vip in (("VI_1", 51, "192.168.64.100"), ("VI_2", 52, "192.168.64.101")):
        instances.append(f"""vrrp_instance {name} {{
    state {state}
    interface ens160
    virtual_router_id {vrid}
    priority {priority}
    advert_int 1
    authentication {{
        auth_type PASS
        auth_pass 1111
    }}
    virtual_ipaddress {{
        {vip}/32 dev ens160
    }}
}}
""")
    return f"""global_defs {{
    router_id {router_id}
    notification_email {{
        ops@example.com
        oncall@example.com
    }}
    notification_email_from lvs@example.com
    smtp_server {SINK[0]} {SINK[1]}
    smtp_helo_name {router_id.lower()}.example.com
    smtp_connect_timeout 5
    smtp_alert
}}

vrrp_sync_group G {{
    group {{
        VI_1
        VI_2
    }}
}}

""" + "\n".join(instances)


def mails(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def by_host(records):
    """Per host, each mail as what must match: envelope, headers, body."""
    out = {name: [] for name in HOSTS}
    for r in records:
        host = next(n for n, a in HOSTS.items() if a == r["peer"])
        h = r["headers"]
        out[host].append((r["helo"], r["from"], tuple(r["rcpt"]), h.get("From"), h.get("To"),
                          h.get("Subject"), tuple(r["body"])))
    return out


def subjects(records, host):
    return [m[5] for m in by_host(records)[host]]


class MailAlerts(unittest.TestCase):
    def run_pair(self, impl):
        with Lab(f"mail-{impl.name}") as lab:
            mail = lab.add_host("mail", [f"{SINK[0]}/24"])
            lvs1 = lab.add_host("lvs1", [f"{HOSTS['lvs1']}/24"])
            lvs2 = lab.add_host("lvs2", [f"{HOSTS['lvs2']}/24"])
            out = os.path.join(lab.logdir, "mails.jsonl")
            sink = mail.spawn([sys.executable, os.path.join(FIXTURES, "smtp_sink.py"), SINK[0], str(SINK[1]), out],
                              name="smtp")
            sink.required = True
            sink.wait_log("ready", 10)
            d1 = Director(lvs1, impl, config("LVS_A", "MASTER", 100))
            d2 = Director(lvs2, impl, config("LVS_B", "BACKUP", 90))

            def took_over(host, name, rid):
                lab.wait_until(lambda: host.has_address("192.168.64.100") and host.has_address("192.168.64.101"),
                               15, f"{impl.name}: both VIPs on {name}")
                lab.wait_until(lambda: f"[{rid}] VRRP Group G - Entering MASTER state" in subjects(mails(out), name),
                               15, f"{impl.name}: {name}'s group mailed MASTER")

            d1.start()
            took_over(lvs1, "lvs1", "LVS_A")
            d2.start()
            lab.wait_until(lambda: "[LVS_B] VRRP Instance VI_2 - Entering BACKUP state" in subjects(mails(out), "lvs2"),
                           15, f"{impl.name}: lvs2's VI_2 mailed BACKUP")
            d1.terminate()
            took_over(lvs2, "lvs2", "LVS_B")
            d2.terminate()
            return mails(out)

    def test_vrrpd_mails_what_keepalived_mails(self):
        expected = by_host(self.run_pair(KEEPALIVED))
        got = by_host(self.run_pair(VRRPD))
        for host in HOSTS:
            print(f"{host}: keepalived {[m[5] for m in expected[host]]}")
            print(f"{host}: vrrpd      {[m[5] for m in got[host]]}")
        # Under both: envelope and headers as configured.
        for records in (expected, got):
            for host, rid in (("lvs1", "lvs_a"), ("lvs2", "lvs_b")):
                self.assertTrue(records[host], f"{host} sent no mail")
                for helo, sender, rcpt, frm, to, _, _ in records[host]:
                    self.assertEqual(helo, f"{rid}.example.com")
                    self.assertEqual(sender, "<lvs@example.com>")
                    self.assertEqual(rcpt, ("<ops@example.com>", "<oncall@example.com>"))
                    self.assertEqual(frm, "lvs@example.com")
                    self.assertEqual(to, "ops@example.com, oncall@example.com")
        stopping = lambda m: m[5].endswith(" - Stopping")  # noqa: E731
        for host, rid in (("lvs1", "LVS_A"), ("lvs2", "LVS_B")):
            self.assertFalse([m for m in expected[host] if stopping(m)],
                             "keepalived delivered a Stopping mail: the difference the README names is gone")
            self.assertEqual(sorted(m[5] for m in got[host] if stopping(m)),
                             [f"[{rid}] VRRP Group G - Stopping", f"[{rid}] VRRP Instance VI_1 - Stopping",
                              f"[{rid}] VRRP Instance VI_2 - Stopping"])
            self.assertEqual(sorted(m for m in got[host] if not stopping(m)), sorted(expected[host]),
                             f"{host}: vrrpd's mails differ from keepalived's")

    def test_an_absent_mail_server_holds_nothing_up(self):
        with Lab("mail-absent") as lab:
            lvs1 = lab.add_host("lvs1", [f"{HOSTS['lvs1']}/24"])
            conf = os.path.join(lab.logdir, "absent.conf")
            with open(conf, "w") as f:
                f.write(config("LVS_A", "BACKUP", 100).replace(f"smtp_server {SINK[0]} {SINK[1]}",
                                                               "smtp_server 192.168.64.99 25"))
            d = lvs1.spawn(VRRPD.command(conf, lab.short_dir("run")) + ["--metrics-listen", "127.0.0.1:9101"],
                           name="vrrpd")
            d.required = True
            # Master_Down for priority 100 at 1 s adverts is 3.6 s; the mails
            # (BACKUP, then MASTER) wait behind a connect that cannot succeed.
            lab.wait_until(lambda: lvs1.has_address("192.168.64.100") and lvs1.has_address("192.168.64.101"),
                           4.6, "both VIPs on lvs1 within Master_Down + 1 s")

            def counter(name):
                r = lvs1.run(["curl", "-s", "--max-time", "5", "http://127.0.0.1:9101/metrics"], check=False)
                for line in r.stdout.splitlines():
                    if line.startswith(name + " "):
                        return float(line.split()[-1])
                return None
            lab.wait_until(lambda: (counter("lvs_mail_failed_total") or 0) >= 1, 30,
                           "lvs_mail_failed_total counts the mail the absent server did not take")
            self.assertEqual(counter("lvs_mail_sent_total"), 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
