#!/usr/bin/python3
"""keepalived's checkers, lvs-ha beside keepalived 2.2.7 on the same file in the same
boot: keepalived on lvs1, checkd + ipvsd on lvs2, both with fixtures/checkers.conf
(PING_CHECK, UDP_CHECK, DNS_CHECK, SMTP_CHECK, FILE_CHECK, HTTP_GET with a regex,
SSL_GET with the SSL block's client certificate, on one real server, rs1). Then rs1's
seven services are broken at once (pings ignored, the UDP echo silent, DNS SERVFAIL,
SMTP 554, the tracked file set to 1, the status page saying "down", HTTPS 503): each
stack must take rs1 out of each service's IPVS table, and lvs-ha no more than 1.5 s
after keepalived does; repaired, both put it back. The times are printed for the
record. Both mail each change (smtp_alert) to a sink on the client: the subjects must
be the same from both, and the bodies of the UP mails. The notify_down/notify_up hooks
of the PING_CHECK real server must run once each, as user nobody, under both stacks;
and both must write the same RS DOWN/UP lines to lvs_notify_fifo."""

import ipaddress
import json
import os
import pwd
import signal
import subprocess
import time

from lablib import lvsnet  # lablib puts tests/netns on the path
from lablib import FIXTURES, HERE, OUT, SideBySide, expect, expect_eq, log, modules, scenario

TESTS_FIXTURES = os.path.join(HERE, "..", "fixtures")
STATE = "/tmp/checkers"
# The services as ipvsadm -Ln names them, and each one's checker.
SERVICES = [("TCP 192.168.64.100:80", "PING_CHECK"), ("UDP 192.168.64.100:7", "UDP_CHECK"),
            ("UDP 192.168.64.100:53", "DNS_CHECK"), ("TCP 192.168.64.100:25", "SMTP_CHECK"),
            ("TCP 192.168.64.100:8080", "FILE_CHECK"),
            ("TCP 192.168.64.100:8081", "HTTP_GET-regex"),
            ("TCP 192.168.64.100:8443", "SSL_GET-client-cert")]
N = len(SERVICES)
RS1_HEX = "C0A8408F:"
FAULT_FILES = ("SILENT", "SERVFAIL", "SMTP_DOWN", "REGEX_DOWN", "TLS_DOWN")
PEERS = {"192.168.64.130": "keepalived", "192.168.64.137": "lvs-ha"}
STACK_HOSTS = (("lvs1", "keepalived"), ("lvs2", "lvs-ha"))


def hex_service(service):
    """ "TCP 192.168.64.100:80" as /proc/net/ip_vs spells it: "TCP C0A84064:0050"."""
    proto, addr = service.split(" ")
    host, port = addr.rsplit(":", 1)
    return f"{proto} {int(ipaddress.IPv4Address(host)):08X}:{int(port):04X}"


HEX_SERVICES = [hex_service(s) for s, _ in SERVICES]


def rs1_services(pid):
    """The services that have rs1 with a non-zero weight, read from the IPVS table of
    pid's namespace through /proc/PID/net/ip_vs: no process started, since under
    emulation a fork and exec costs a good part of a second, coarser than the 1.5 s
    the test compares."""
    with open(f"/proc/{pid}/net/ip_vs") as f:
        lines = f.read().splitlines()  # all at once: a seq_file read piecewise loses lines
    found, svc = set(), None
    for line in lines:
        f = line.split()
        if f and f[0] in ("TCP", "UDP"):
            svc = f"{f[0]} {f[1]}"
        elif (len(f) > 3 and f[0] == "->" and f[1].startswith(RS1_HEX) and f[3].isdigit()
              and int(f[3]) > 0):
            found.add(svc)
    return found


def watch(pids, want):
    """Polls both tables until every service of both stacks shows rs1 present (want
    True) or gone (False), for at most 90 s; returns when each first did, in seconds
    from now, by (host, service index)."""
    t0 = time.monotonic()
    seen = {}
    order = ["lvs1", "lvs2"]
    while len(seen) < 2 * N and time.monotonic() - t0 < 90:
        order.reverse()  # alternate which stack is read first, so neither is always later
        for name in order:
            present = rs1_services(pids[name])
            t = time.monotonic() - t0
            for i, hs in enumerate(HEX_SERVICES):
                if (name, i) not in seen and (hs in present) == want:
                    seen[(name, i)] = t
        time.sleep(0.05)
    return seen


def seconds(t):
    return "never" if t is None else f"{t:.2f}"


def report(seen, label, missing, within=None):
    """Each checker's time under both stacks, printed for the record; a stack that never
    got there did not `missing`; within: the most lvs-ha may lag keepalived (s)."""
    for i, (_, name) in enumerate(SERVICES):
        times = {stack: seen.get((host, i)) for host, stack in STACK_HOSTS}
        ka, lh = times["keepalived"], times["lvs-ha"]
        log(f"{label} {name}: keepalived {seconds(ka)} s, lvs-ha {seconds(lh)} s")
        for stack, t in times.items():
            if t is None:
                expect(False, f"{stack} did not {missing} for {name}")
        if within is None or ka is None or lh is None:
            continue
        if lh - ka <= within:
            expect(True, f"{name}: lvs-ha has rs1 {label} within {within:g} s of keepalived")
        else:
            expect(False, f"{name}: lvs-ha {seconds(lh)} s vs keepalived {seconds(ka)} s to "
                   f"{label} rs1")


def want_subjects():
    want = set()
    for proto, port in (("tcp", 80), ("udp", 7), ("udp", 53), ("tcp", 25), ("tcp", 8081),
                        ("tcp", 8443)):
        for state in ("DOWN", "UP"):
            want.add(f"[checkers] Realserver [192.168.64.143]:{proto}:{port} of virtual server "
                     f"[192.168.64.100]:{proto}:{port} - {state}")
    return want


def mails_by_stack(path):
    got = {name: {} for name in PEERS.values()}
    try:
        with open(path) as f:
            records = [json.loads(line) for line in f if line.strip()]
    except FileNotFoundError:
        records = []
    for r in records:
        got[PEERS[r["peer"]]].setdefault(r["headers"]["Subject"], []).append(r["body"])
    return got


def mails_agree(path):
    """Prints each stack's mails; True if both sent the expected subjects, and the same
    UP bodies."""
    got, want, ok = mails_by_stack(path), want_subjects(), True
    for name, m in got.items():
        for subject in sorted(m):
            print(f"mail from {name}: {subject}: {m[subject][0][0]}")
        if set(m) != want:
            print(f"FAIL: {name}'s subjects: missing {sorted(want - set(m))}, "
                  f"unexpected {sorted(set(m) - want)}")
            ok = False
    for subject in sorted(s for s in want if s.endswith(" - UP")):
        ka, lh = got["keepalived"].get(subject), got["lvs-ha"].get(subject)
        if ka and lh and ka[0] != lh[0]:
            print(f"FAIL: {subject}: keepalived said {ka[0]}, lvs-ha {lh[0]}")
            ok = False
    return ok


def prepare_state(conf):
    """rs1's state files, the test certificates, the hook, and lvs-ha's copy of the
    file (its lvs_notify_fifo differs in that path alone, so that the two streams can
    be told apart); returns that copy's path."""
    os.makedirs(STATE, exist_ok=True)
    with open(f"{STATE}/rs1-state", "w") as f:
        f.write("0\n")
    subprocess.run([os.path.join(TESTS_FIXTURES, "make_test_certs.sh"), f"{STATE}/tls"],
                   check=True, capture_output=True)
    # The hook tells the stacks apart by the director's address.
    os.makedirs(f"{STATE}/hooks", exist_ok=True)
    os.chmod(f"{STATE}/hooks", 0o1777)
    with open(f"{STATE}/hook.sh", "w") as f:
        f.write("#!/bin/sh\n"
                "addr=$(ip -o -4 addr show dev ens160 | awk '{ print $4; exit }')\n"
                'echo "$1 $(id -u) ${addr%/*}" >>/tmp/checkers/hooks/calls\n')
    os.chmod(f"{STATE}/hook.sh", 0o755)
    lh_conf = "/tmp/checkers-lvs-ha.conf"
    with open(conf) as f:
        text = f.read()
    with open(lh_conf, "w") as f:
        f.write(text.replace("/tmp/checkers/lvs.fifo", "/tmp/checkers/lvs-ha.fifo"))
    return lh_conf


def set_faults(rs1, broken):
    rs1.sysctl("net.ipv4.icmp_echo_ignore_all", int(broken))
    for name in FAULT_FILES:
        path = f"{STATE}/{name}"
        if broken:
            open(path, "w").close()
        elif os.path.exists(path):
            os.remove(path)
    with open(f"{STATE}/rs1-state", "w") as f:
        f.write("1\n" if broken else "0\n")


def lines_of(path):
    try:
        with open(path, errors="replace") as f:
            return f.read().splitlines()
    except FileNotFoundError:
        return []


def body(lab, args):
    build = args[0]
    modules()
    h = lab.seed_network()
    conf = os.path.join(FIXTURES, "checkers.conf")
    lh_conf = prepare_state(conf)
    for who in ("lvs", "lvs-ha"):
        os.mkfifo(f"{STATE}/{who}.fifo")
        lab.spawn_outside(["sh", "-c", f"cat {STATE}/{who}.fifo >{STATE}/{who}.lines"],
                          f"fifo-{who}")

    servers = h["rs1"].spawn(["python3", os.path.join(TESTS_FIXTURES, "checker_servers.py"),
                              STATE], name="servers", log=os.path.join(OUT, "servers.log"))
    lab.expect_within(lambda: "ready" in servers.log(), 60, "rs1's servers listen")
    mails = os.path.join(OUT, "mails.jsonl")
    sink = h["client"].spawn(["python3", os.path.join(TESTS_FIXTURES, "smtp_sink.py"),
                              "192.168.64.136", "2525", mails], name="smtp",
                             log=os.path.join(OUT, "smtp.log"))
    lab.expect_within(lambda: "ready" in sink.log(), 60, "the mail sink listens")

    stacks = SideBySide(build, h["lvs1"], conf, h["lvs2"], lh_conf)
    pids = {"lvs1": stacks.ka.pid, "lvs2": stacks.ipvsd.pid}

    def all_in(name):
        return len(rs1_services(pids[name]) & set(HEX_SERVICES)) == N
    lab.expect_within(lambda: all_in("lvs1"), 120, f"keepalived has rs1 in all {N} services")
    lab.expect_within(lambda: all_in("lvs2"), 120, f"lvs-ha has rs1 in all {N} services")

    # Both in their steady state before the fault: every checker has succeeded once.
    # (At start keepalived takes a checker down on its first failure, and so does
    # checkd; after a success both retry first. A fault during start-up would compare
    # start-up, not checking.) keepalived tells through its data dump (SIGUSR1).
    dump = "/tmp/keepalived_check.data"

    def ka_steady():
        if os.path.exists(dump):
            os.remove(dump)
        os.kill(stacks.ka_pid(), signal.SIGUSR1)
        try:
            lvsnet.wait_until(lambda: os.path.exists(dump) and os.path.getsize(dump) > 0, 10,
                              "keepalived's data dump", interval=0.2)
        except TimeoutError:
            return False
        with open(dump, errors="replace") as f:
            data = f.read()
        # FILE_CHECK has no retries to show.
        return (data.count("Has run = yes") >= N
                and data.count("Retries iterations = 0") >= N - 1)

    def lh_steady():
        res = subprocess.run([f"{build}/bin/lvsctl", "api", "--run-dir", "/tmp/lvsha",
                              "--timeout", "30", "checkd", "ListChecks"],
                             capture_output=True, text=True, timeout=60)
        checks = json.loads(res.stdout)["checks"]
        return len(checks) == N and all(int(c.get("runs", 0)) >= 1 and c.get("up")
                                        and not c.get("consecutive_failures") for c in checks)
    lab.expect_within(ka_steady, 60, f"keepalived's {N} checkers have each succeeded")
    lab.expect_within(lh_steady, 60, f"checkd's {N} checkers have each succeeded")

    log(f"breaking rs1's {N} services")
    set_faults(h["rs1"], True)
    report(watch(pids, False), "out", "take rs1 out", within=1.5)

    log("repairing them")
    set_faults(h["rs1"], False)
    report(watch(pids, True), "back", "put rs1 back")

    nobody = pwd.getpwnam("nobody").pw_uid
    calls = f"{STATE}/hooks/calls"
    lab.expect_within(
        lambda: all(lines_of(calls).count(f"up {nobody} {who}") == 1 for who in PEERS), 30,
        "notify_down then notify_up ran once each as nobody under both stacks")
    for who in PEERS:
        expect_eq(f"hooks run by {who}", f"down {nobody},up {nobody}",
                  ",".join(" ".join(c.split()[:2]) for c in lines_of(calls)
                           if c.endswith(f" {who}")))
    for state_word in ("DOWN", "UP"):
        for svc in ("tcp:80", "udp:7", "udp:53", "tcp:25", "tcp:8080", "tcp:8081", "tcp:8443"):
            line = f"RS [192.168.64.143]:{svc} [192.168.64.100]:{svc} {state_word}"
            if not lab.expect_within(
                    lambda: all(line in lines_of(f"{STATE}/{w}.lines") for w in ("lvs", "lvs-ha")),
                    30, f"lvs_notify_fifo: '{line}' from both stacks"):
                for w in ("lvs", "lvs-ha"):
                    print(f"    ==> {w}.lines <==")
                    for x in lines_of(f"{STATE}/{w}.lines"):
                        print(f"    {x}")
    lab.expect_within(
        lambda: all(want_subjects() <= set(m) for m in mails_by_stack(mails).values()), 60,
        "both stacks mailed every real server's DOWN and UP")
    expect(mails_agree(mails), "the same mails from both stacks")

    if lvsnet._failed_expectations:
        for name in ("ipvsd.log", "keepalived.log"):
            print(f"    ==> {name} <==")
            for x in lines_of(os.path.join(OUT, name))[-30:]:
                print(f"    {x}")


scenario("checkers", body)
