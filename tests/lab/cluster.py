"""cluster: the seed's cluster with lvs-ha or keepalived on its directors, a client
sending a steady stream of requests through the VIP, and the failure drills (used by
test_drills.py, test_conn_sync.py, test_passive.py, seed_story.py and bench/cluster).

Stacks:
  lvs-ha      checkd, ipvsd and vrrpd on each director, each its own "unit";
  keepalived  one keepalived on each director (its parent restarts its children).
  keepalived+retry  keepalived on a copy of the configs with `nb_get_retry` spelled
              `retry`: keepalived ignores nb_get_retry inside TCP_CHECK, lvs-ha takes it
              as retry, so this is keepalived on the check settings the seed's file
              states (bench/cluster compares both).
  lvs-ha+passive  lvs-ha on the seed's files with lvsha_passive_check in global_defs
              (keepalived would log it as unknown and run the rest).
Every unit runs under a supervisor that behaves like systemd's Restart=on-failure with
RestartSec=1s (the packaged units' setting): a clean exit ends it, a crash or a kill -9
brings the process back a second later.

A drill starts and ends with a steady cluster. In between it injects faults; each fault
declares how long requests may fail after it (Cluster.event), and drill_report.py
judges the client's log against those allowances, appending a row to drills.jsonl. The
drills wait for conditions, never for time: "lvs1 is master again" is read from the
VRRP daemon's own log (vrrpd's "-> MASTER", keepalived's "Entering MASTER STATE").
"""

import collections
import os
import re
import signal
import subprocess
import sys
import threading
import time

from lablib import lvsnet  # lablib puts tests/netns on the path
from lablib import HERE, OUT, VIP, expect, log, modules, nginx, stop

CONFIGS = os.path.join(HERE, "..", "fixtures", "configs")
DRILL_REPORT = os.path.join(HERE, "drill_report.py")
RUN = "/run/lab-cluster"
# Slack on top of each protocol bound: the VM is software-emulated and its speed varies
# with the host's load.
MARGIN = float(os.environ.get("CLUSTER_MARGIN", "3"))
# A request that gets no answer within this many seconds has failed (a browser waits
# longer; a SYN lost once is retransmitted after 1 s and still counts as ok).
CLIENT_TIMEOUT = 3
METRICS_PORT = {"vrrpd": 9101, "ipvsd": 9102, "checkd": 9103}

# The seed's protocol figures: advert_int 1 s, priorities 100 and 90.
MASTER_DOWN_LVS2 = 3.648  # 3 x 1 s + (256 - 90) / 256
MASTER_DOWN_LVS1 = 3.609  # 3 x 1 s + (256 - 100) / 256: lvs1 back preempts after it
SKEW_LVS2 = 0.648
# Real-server detection, from the seed's TCP_CHECK on rs1 (delay_loop 6, connect_timeout
# 3, retry 3, delay_before_retry 3): a refused connection fails at once, a silent host
# only after connect_timeout, on every attempt.
DETECT_REFUSED = 15  # 6 + 3 x 3
DETECT_SILENT = 27  # 6 + 4 x 3 + 3 x 3

BOTH_REALS = ["TCP 192.168.64.100:80 rr", "-> 192.168.64.138:80 Route 1",
              "-> 192.168.64.143:80 Route 1"]
ONLY_RS2 = ["TCP 192.168.64.100:80 rr", "-> 192.168.64.138:80 Route 1"]
DIRECTOR_DRILLS = ["vrrp-kill9", "vrrp-sigterm", "link-down", "split-brain", "ipvsd-kill9",
                   "checkd-kill9"]
REALSERVER_DRILLS = ["rs-web-stop", "rs-unplug"]
MASTER_RE = re.compile(r"-> MASTER:|Entering MASTER STATE")
SPLIT_BRAIN_RULE = """table inet drill {
  chain input { type filter hook input priority 0; ip protocol vrrp drop; }
}
"""


def file_text(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def pid_alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except (ProcessLookupError, TypeError):
        return False


class Unit:
    """One daemon under its supervisor (systemd's Restart=on-failure, RestartSec=1s),
    its output appended to $LAB_OUT/<host>-<daemon>.log."""

    def __init__(self, host, daemon, cmd):
        self.host, self.daemon, self.cmd = host, daemon, cmd
        self.name = f"{host.name}-{daemon}"
        self.log_path = os.path.join(OUT, f"{self.name}.log")
        self.proc = None
        self.stopping = False
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._supervise, name=self.name, daemon=True)

    def start(self):
        """systemctl start: returns once the daemon has been started."""
        self.thread.start()
        lvsnet.wait_until(lambda: self.proc is not None, 30, f"{self.name} started")

    def _supervise(self):
        while True:
            with self.lock:
                if self.stopping:
                    return
                try:
                    proc = self.host.spawn(self.cmd, name=self.daemon, log=self.log_path)
                except lvsnet.LabError:
                    return  # the lab has closed
                self.proc = proc
            rc = proc.popen.wait()
            if self.stopping or rc == 0:
                return
            status = 128 - rc if rc < 0 else rc  # as a shell reports a signal
            with open(self.log_path, "a") as f:
                f.write(f"supervisor: {self.name} exited with status {status}; "
                        "restarting in 1 s\n")
            time.sleep(1)

    def stop(self):
        """systemctl stop: SIGTERM and wait; not restarted."""
        with self.lock:
            self.stopping = True
            if self.proc is not None:
                self.proc.terminate()
        self.thread.join(30)
        if self.thread.is_alive():
            expect(False, f"{self.name} stopped (not within 30 s)")

    def running(self):
        return self.proc is not None and self.proc.alive()


class ClientLog:
    """The client's log (lab_http_load rate: "<start> <end> ok <body>" or "<start> <end>
    fail <reason>", CLOCK_REALTIME seconds), read as it grows."""

    def __init__(self, path):
        self.path = path
        self.offset = 0
        self.partial = ""
        self.last_start = 0.0  # the latest start of any request logged
        self.last_ok_start = 0.0  # ... of an answered one
        self.answered = collections.Counter()  # answers by body
        self.recent = collections.deque(maxlen=100)  # the last answers' last words

    def update(self):
        try:
            with open(self.path, errors="replace") as f:
                f.seek(self.offset)
                chunk = f.read()
                self.offset = f.tell()
        except FileNotFoundError:
            return self
        lines = (self.partial + chunk).split("\n")
        self.partial = lines.pop()
        for line in lines:
            parts = line.split(maxsplit=3)
            if len(parts) < 3 or parts[2] not in ("ok", "fail"):
                continue
            start = float(parts[0])
            self.last_start = max(self.last_start, start)
            if parts[2] == "ok":
                body = parts[3].strip() if len(parts) > 3 else ""
                self.last_ok_start = max(self.last_ok_start, start)
                self.answered[body] += 1
                self.recent.append(body.split()[-1] if body else "")
        return self

    def answered_since(self, t):
        """An answer to a request started after t."""
        return self.update().last_ok_start > t

    def done_until(self, t):
        """A request started after t has ended (those before it have, too)."""
        return self.update().last_start > t

    def warm(self, n):
        """Both real servers have answered n requests."""
        a = self.update().answered
        return a["This is RS1"] >= n and a["This is RS2"] >= n

    def last_answers(self, n):
        """The last words of the last n answers, e.g. ["RS1", "RS2"]."""
        return list(self.update().recent)[-n:]


class TableWatch:
    """Samples a namespace's IPVS table every 20 ms while a drill runs (through
    /proc/PID/net/ip_vs of a process there: no process started per sample, fast even in
    the emulated VM); every sample that differs from the first (the steady table) is a
    flap. The samples go to $LAB_OUT/table-watch.log."""

    def __init__(self, anchor_pid):
        self.path = f"/proc/{anchor_pid}/net/ip_vs"
        self.log_path = os.path.join(OUT, "table-watch.log")
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, name="table-watch", daemon=True)
        self.thread.start()

    def _sample(self):
        rows = []
        with open(self.path) as f:
            for line in f.read().splitlines():
                a = line.split()
                if a and a[0] in ("TCP", "UDP", "SCTP", "FWM"):
                    rows.append(" ".join(a[:3]))
                elif len(a) > 3 and a[0] == "->" and a[1] != "RemoteAddress:Port":
                    rows.append(" ".join(a[:4]))
        return " ".join(rows)

    def _run(self):
        steady = self._sample()
        with open(self.log_path, "w") as out:
            while not self.done.is_set():
                sample = self._sample()
                state = "same" if sample == steady else f"other {sample}"
                out.write(f"{time.time():.6f} {state}\n")
                self.done.wait(0.02)

    def stop(self):
        """Ends the sampling; returns (samples, flap lines)."""
        self.done.set()
        self.thread.join(10)
        lines = [x for x in file_text(self.log_path).splitlines() if x]
        return len(lines), [x for x in lines if " other" in x]


class Cluster:
    """The seed's cluster in a SeedLab: up(), client_start(), drill(NAME)."""

    def __init__(self, lab, build, stack="lvs-ha", enforce=True):
        self.lab = lab
        self.bin = os.path.join(build, "bin")
        self.label = stack  # the name results are filed under
        # False: a drill whose promise did not hold is only reported (bench/cluster,
        # which also runs keepalived through the drills), not a failed check.
        self.enforce = enforce
        self.conf = {"lvs1": os.path.join(CONFIGS, "seed-master.conf"),
                     "lvs2": os.path.join(CONFIGS, "seed-backup.conf")}
        self.stack = {"keepalived+retry": "keepalived", "lvs-ha+passive": "lvs-ha"}.get(stack,
                                                                                      stack)
        if stack == "keepalived+retry":
            self._rewrite_confs(lambda t: re.sub(r"\bnb_get_retry\b", "retry", t))
        elif stack == "lvs-ha+passive":
            # FIN_WAIT entries kept 10 s instead of 120: the emulated VM reads a table of
            # thousands of closed connections slowly, and the sampling slows down to match.
            self._rewrite_confs(lambda t: re.sub(
                r"^global_defs \{",
                "global_defs {\n    lvsha_passive_check\n    lvs_timeouts tcpfin 10", t,
                count=1, flags=re.M))
        self.client_log_path = os.path.join(OUT, "client.log")
        self.client_log = ClientLog(self.client_log_path)
        self.results = os.path.join(OUT, "drills.jsonl")
        self.hosts = {}
        self.units = {}
        self.web = {}
        self.last_event = time.time()
        self.events, self.figures, self.require = [], [], []
        self.measured = "?"

    def _rewrite_confs(self, edit):
        os.makedirs("/tmp/cluster-conf", exist_ok=True)
        for h, path in self.conf.items():
            self.conf[h] = f"/tmp/cluster-conf/{h}.conf"
            with open(self.conf[h], "w") as f:
                f.write(edit(file_text(path)))

    # --- units -------------------------------------------------------------------

    def unit_names(self):
        """The units of one director: what kill -9 of "the VRRP daemon", "the IPVS
        daemon" and "the checker" means there."""
        return ["keepalived"] if self.stack == "keepalived" else ["checkd", "ipvsd", "vrrpd"]

    def vrrp_unit(self):
        """The unit that owns VRRP (stopping it is the seed's "systemctl stop
        keepalived")."""
        return "keepalived" if self.stack == "keepalived" else "vrrpd"

    def _command(self, host, daemon):
        if daemon == "keepalived":
            run = f"{RUN}/{host}"
            os.makedirs(run, exist_ok=True)
            return ["keepalived", "-n", "-l", "-D", "-f", self.conf[host],
                    "-p", f"{run}/keepalived.pid", "-r", f"{run}/vrrp.pid",
                    "-c", f"{run}/checkers.pid"]
        return [f"{self.bin}/{daemon}", "--config", self.conf[host], "--run-dir",
                f"/run/lvs-{host}", "--metrics-listen", f"127.0.0.1:{METRICS_PORT[daemon]}"]

    def start(self, host, daemon):
        unit = Unit(self.hosts[host], daemon, self._command(host, daemon))
        self.units[(host, daemon)] = unit
        unit.start()

    def stop(self, host, daemon):
        unit = self.units.pop((host, daemon), None)
        if unit:
            unit.stop()

    def pid(self, host, role):
        """The pid that does role (vrrp, ipvs, check) on host now."""
        if self.stack == "keepalived":
            which = "vrrp" if role == "vrrp" else "checkers"
            return int(file_text(f"{RUN}/{host}/{which}.pid"))
        return self.units[(host, f"{role}d")].proc.pid

    def unit_replaced(self, host, role, old_pid):
        """The role's process is a new one, and alive."""
        try:
            pid = self.pid(host, role)
        except (ValueError, KeyError):
            return False
        return pid != old_pid and pid_alive(pid)

    def director_start(self, host):
        for d in self.unit_names():
            self.start(host, d)

    def units_running(self):
        return all(self.units.get((h, d)) and self.units[(h, d)].running()
                   for h in ("lvs1", "lvs2") for d in self.unit_names())

    # --- the cluster -------------------------------------------------------------

    def has_vip(self, host):
        return self.hosts[host].has_address(VIP, prefixlen=32)

    def only_has_vip(self, host):
        other = "lvs2" if host == "lvs1" else "lvs1"
        return self.has_vip(host) and not self.has_vip(other)

    def table(self, host):
        """host's IPVS table without counters, one entry a line."""
        out = self.hosts[host].run(["ipvsadm", "-Ln"], check=False).stdout
        return [" ".join(line.split()[:4]) for line in out.splitlines()[3:]]

    def table_is(self, host, want):
        return lambda: self.table(host) == want

    def tables_full(self):
        return self.table("lvs1") == BOTH_REALS and self.table("lvs2") == BOTH_REALS

    def no_drill_rules(self):
        return not any(self.hosts[h].run(["nft", "list", "tables"], check=False).stdout.strip()
                       for h in ("lvs1", "lvs2"))

    def web_start(self, host):
        """The real server's web server, nginx, saying "This is RS1" on rs1 (it also
        keeps connections alive, which test_conn_sync needs)."""
        self.web[host] = nginx(self.hosts[host], f"This is RS{host[2:]}")

    def web_stop(self, host):
        stop(self.web.pop(host))

    def lvsctl(self, host, *args, timeout=90):
        return self.hosts[host].run([f"{self.bin}/lvsctl", *args], check=False, timeout=timeout)

    def doctor(self, host):
        return self.lvsctl(host, "doctor", "director", "--config", self.conf[host], "--run-dir",
                           f"/run/lvs-{host}")

    def up(self):
        """The seed's network, both real servers set up for DR by `lvsctl realserver up`
        with a web server each, both directors running the stack; returns once the
        cluster is steady."""
        os.makedirs(RUN, exist_ok=True)
        modules()
        self.hosts = self.lab.seed_network()
        for rs in ("rs1", "rs2"):
            out = self.hosts[rs].run([f"{self.bin}/lvsctl", "realserver", "up", "--vip", VIP],
                                     timeout=90)
            with open(os.path.join(OUT, f"{rs}-realserver.log"), "a") as f:
                f.write(out.stdout)
            self.web_start(rs)
        # The anchor: a process in lvs1's namespace whose /proc shows its IPVS table.
        self.anchor = self.hosts["lvs1"].spawn(["sleep", "1000000"], name="anchor")
        # What lvsctl doctor director asks of a director: without it a real server taken
        # out of the table keeps costing requests (see README, "Running it").
        if self.stack == "lvs-ha":
            problem = "PROBLEM: net.ipv4.vs.expire_nodest_conn is 0"
            self.lab.expect_within(
                lambda: (lambda r: r.returncode == 1 and problem in r.stdout)(self.doctor("lvs1")),
                10, "lvsctl doctor director reports the kernel's default expire_nodest_conn=0")
        for h in ("lvs1", "lvs2"):
            self.hosts[h].sysctl("net.ipv4.vs.expire_nodest_conn", 1)
        log(f"starting {self.stack} on both directors with the seed's keepalived.conf files")
        self.directors_up("the cluster is up")
        if self.stack == "lvs-ha":
            def doctor_clean():
                r = self.doctor("lvs1")
                with open(os.path.join(OUT, "lvs1-doctor.txt"), "w") as f:
                    f.write(r.stdout + r.stderr)
                return r.returncode == 0
            self.lab.expect_within(doctor_clean, 30,
                                   "lvsctl doctor director finds no problem on lvs1")

    def directors_up(self, what):
        """lvs1 first, so it is master before lvs2 starts (two directors started in the
        same instant may both reach Master_Down); then steady."""
        self.director_start("lvs1")
        self.lab.expect_within(lambda: self.has_vip("lvs1"), 60, "lvs1 holds the VIP")
        self.director_start("lvs2")
        return self.steady(what)

    def steady(self, what):
        """Exactly one master (lvs1, the higher priority, holds the VIP and lvs2 does
        not), both tables complete, every unit running, no drill left behind."""
        w = self.lab.expect_within
        return bool(w(lambda: self.only_has_vip("lvs1"), 60, f"{what}: lvs1 alone holds the VIP")
                    and w(self.tables_full, 60,
                          f"{what}: both directors' tables list both real servers")
                    and w(self.units_running, 10, f"{what}: every unit runs")
                    and w(self.no_drill_rules, 10, f"{what}: no drill rule is left"))

    def client_start(self, rate=50):
        """The client's steady stream of requests through the VIP."""
        self.client = self.hosts["client"].spawn(
            [f"{self.bin}/lab_http_load", "rate", "--target", f"{VIP}:80", "--rate", str(rate),
             "--timeout-ms", str(CLIENT_TIMEOUT * 1000), "--out", self.client_log_path],
            name="client", log=os.path.join(OUT, "client.err"))
        self.answered_after(time.time(), 60, "the client is answered through the VIP")
        # A cluster in service has had traffic before anything fails: the drills start
        # once each real server has answered 30 requests (lvsha_passive_check learns the
        # clients' handshake time from its first 20 connections per real, and judges
        # against 3 s until then).
        self.lab.expect_within(lambda: self.client_log.warm(30), 60,
                               "each real server has answered 30 requests")

    def answered_after(self, t, timeout, what):
        return self.lab.expect_within(lambda: self.client_log.answered_since(t), timeout, what)

    def client_done(self, t1):
        """Requests started before t1 end within their timeout; then the log is complete."""
        return self.lab.expect_within(
            lambda: self.client_log.done_until(t1 + CLIENT_TIMEOUT + 0.2), 30,
            "the client's requests up to the drill's end have finished")

    # --- drills ------------------------------------------------------------------

    def event(self, allowance, label):
        """A fault (or a repair) happens now (call it just before acting); requests
        that start within `allowance` seconds after it may fail, and so may those in
        flight when it happens (drill_report.py's --inflight)."""
        self.last_event = time.time()
        self.events.append((self.last_event, allowance, label))
        log(f"  {label} (requests may fail for {allowance:g} s)")

    def figure(self, key, value):
        self.figures.append((key, value))

    def measure(self, key, timeout, what, predicate):
        """expect_within, and the time from the last event to success as figure key
        (ms), also left in self.measured ("?" on failure)."""
        self.measured = "?"
        if not self.lab.expect_within(predicate, timeout, what):
            return False
        self.measured = round((time.time() - self.last_event) * 1000)
        self.figure(key, self.measured)
        return True

    def masters_logged(self, host):
        log_path = os.path.join(OUT, f"{host}-{self.vrrp_unit()}.log")
        return sum(1 for line in file_text(log_path).splitlines() if MASTER_RE.search(line))

    def report(self, drill, t0, t1, stack=None, require=()):
        """drill_report.py over [t0, t1] with this drill's events and figures; its line
        printed, its row appended to drills.jsonl; True if the promise held."""
        cmd = [sys.executable, DRILL_REPORT, self.client_log_path, "--drill", drill,
               "--inflight", str(CLIENT_TIMEOUT), "--stack", stack or self.label,
               "--from", f"{t0:.6f}", "--to", f"{t1:.6f}"]
        for t, allowance, label in self.events:
            cmd += ["--event", f"{t:.6f}", f"{allowance:g}", label]
        for key, value in self.figures:
            cmd += ["--figure", key, str(value)]
        for key in require:
            cmd += ["--require-zero", key]
        sys.stdout.flush()
        return subprocess.run(cmd + ["--json", self.results]).returncode == 0

    def drill(self, name):
        """Runs drill_NAME between two steady states and judges it."""
        failures_before = len(lvsnet._failed_expectations)
        self.events, self.figures, self.require = [], [], []
        log(f"drill {name} ({self.stack})")
        t0 = time.time()
        self.last_event = t0
        # A failed wait inside the drill does not end the run: it is counted and the
        # drill goes on to its end, and to its report.
        if not getattr(self, "drill_" + name.replace("-", "_"))():
            expect(False, f"{name}: the drill's last step failed")
        self.steady(f"after {name}")
        t1 = time.time()
        self.client_done(t1)
        if self.report(name, t0, t1, require=self.require):
            expect(True, f"{name}: the service held (failures only inside the allowance)")
        else:
            expect(False, f"{name}: the promise did not hold")
        if not self.enforce:
            del lvsnet._failed_expectations[failures_before:]

    def drill_vrrp_kill9(self):
        """The master's VRRP daemon is killed; its supervisor restarts it a second later."""
        m = self.masters_logged("lvs1")
        pid = self.pid("lvs1", "vrrp")
        self.event(MASTER_DOWN_LVS2 + MARGIN, "kill -9 of lvs1's VRRP daemon")
        os.kill(pid, signal.SIGKILL)
        self.lab.expect_within(lambda: self.unit_replaced("lvs1", "vrrp", pid), 30,
                               "lvs1's VRRP daemon was restarted")
        return self.measure("master_again_ms", 60, "lvs1 is master again",
                            lambda: self.masters_logged("lvs1") > m)

    def drill_vrrp_sigterm(self):
        """The seed's own test: the master's VRRP service is stopped, later started."""
        unit = self.vrrp_unit()
        self.event(SKEW_LVS2 + MARGIN, f"lvs1's {unit} stopped (SIGTERM)")
        self.stop("lvs1", unit)
        self.measure("takeover_ms", 30, "lvs2 alone holds the VIP",
                     lambda: self.only_has_vip("lvs2"))
        self.answered_after(time.time(), 30, "the client is answered through lvs2")
        m = self.masters_logged("lvs1")
        self.event(MASTER_DOWN_LVS1 + MARGIN,
                   f"lvs1's {unit} started again: it preempts (100 > 90)")
        self.start("lvs1", unit)
        return self.measure("preempt_ms", 60, "lvs1 is master again",
                            lambda: self.masters_logged("lvs1") > m)

    def drill_link_down(self):
        """The master's interface goes down, then comes back."""
        lvs1 = self.hosts["lvs1"]
        self.event(MASTER_DOWN_LVS2 + MARGIN, "lvs1's ens160 down")
        lvs1.if_down()
        self.measure("takeover_ms", 30, "lvs2 holds the VIP", lambda: self.has_vip("lvs2"))
        self.answered_after(time.time(), 30, "the client is answered through lvs2")
        m = self.masters_logged("lvs1")
        self.event(MASTER_DOWN_LVS1 + MARGIN, "lvs1's ens160 up again: it preempts")
        lvs1.if_up()
        return self.measure("preempt_ms", 60, "lvs1 is master again",
                            lambda: self.masters_logged("lvs1") > m)

    def drill_split_brain(self):
        """VRRP is dropped on the way into the backup: it stops hearing the master and
        claims the VIP too (split brain); then the rule goes."""
        lvs2 = self.hosts["lvs2"]
        self.event(MARGIN, "VRRP dropped on lvs2's input")
        lvs2.run(["nft", "-f", "-"], input=SPLIT_BRAIN_RULE)
        self.measure("split_ms", 30, "lvs2 claims the VIP too (split brain)",
                     lambda: self.has_vip("lvs2"))
        self.answered_after(time.time(), 30, "the client is answered during the split brain")
        self.event(MARGIN, "the rule removed: the split brain heals")
        lvs2.run(["nft", "delete", "table", "inet", "drill"])
        return self.measure("heal_ms", 60, "exactly one master again: lvs1",
                            lambda: self.only_has_vip("lvs1"))

    def _drill_kill_role(self, role):
        """kill -9 of the daemon that does role (ipvs or check) on the master; the
        supervisor restarts it. No request may fail and the table must never change."""
        watch = TableWatch(self.anchor.pid)
        pid = self.pid("lvs1", role)
        activations = self.checker_activations("lvs1")
        self.event(0, f"kill -9 of lvs1's {role} daemon")
        os.kill(pid, signal.SIGKILL)
        self.lab.expect_within(lambda: self.unit_replaced("lvs1", role, pid), 30,
                               "it was restarted")
        self.converged("lvs1", activations)
        samples, flaps = watch.stop()
        self.figure("table_samples", samples)
        self.figure("table_flaps", len(flaps))
        self.require.append("table_flaps")
        for line in flaps[:3]:
            print(f"    flap: {line}", flush=True)
        return True

    def drill_ipvsd_kill9(self):
        return self._drill_kill_role("ipvs")

    def drill_checkd_kill9(self):
        return self._drill_kill_role("check")

    def checker_activations(self, host):
        return file_text(os.path.join(OUT, f"{host}-keepalived.log")).count(
            "Activating healthchecker")

    def converged(self, host, activations):
        """The restarted daemons have the checks' verdicts again: lvsctl shows both reals
        UP (lvs-ha); keepalived's checker has activated its checks once more since the
        kill."""
        if self.stack == "keepalived":
            return self.lab.expect_within(
                lambda: self.checker_activations(host) > activations, 60,
                "keepalived's new checker activated its checks")

        def both_up():
            out = self.lvsctl(host, "show", "services", "--run-dir", f"/run/lvs-{host}").stdout
            rows = [r.split() for r in out.splitlines()]
            return [f"{r[1]} {r[6]}" for r in rows if len(r) > 6 and r[0] == "->"
                    and r[1][:1].isdigit()] == ["192.168.64.138:80 UP", "192.168.64.143:80 UP"]
        return self.lab.expect_within(both_up, 60, "ipvsd and checkd agree again: both reals UP")

    def drill_rs_web_stop(self):
        """rs1's web server stops (connections refused), later starts again."""
        self.event(DETECT_REFUSED + MARGIN, "rs1's web server stopped")
        self.web_stop("rs1")
        self.measure("detection_ms", 60, "lvs1 took rs1 out of rotation",
                     self.table_is("lvs1", ONLY_RS2))
        self.lab.expect_within(self.table_is("lvs2", ONLY_RS2), 60, "lvs2 took rs1 out too")
        self.answered_after(time.time(), 30, "the client is answered by rs2")
        self.event(MARGIN, "rs1's web server started again")
        self.web_start("rs1")
        return self.measure("return_ms", 60, "rs1 is back in rotation",
                            self.table_is("lvs1", BOTH_REALS))

    def drill_rs_unplug(self):
        """rs1's cable is pulled (its switch port goes down: probes time out), then put
        back."""
        rs1 = self.hosts["rs1"]
        self.event(DETECT_SILENT + MARGIN, "rs1 unplugged")
        rs1.unplug()
        self.measure("detection_ms", 90, "lvs1 took rs1 out of rotation",
                     self.table_is("lvs1", ONLY_RS2))
        self.lab.expect_within(self.table_is("lvs2", ONLY_RS2), 60, "lvs2 took rs1 out too")
        self.answered_after(time.time(), 30, "the client is answered by rs2")
        self.event(MARGIN, "rs1 plugged in again")
        rs1.plug()
        return self.measure("return_ms", 60, "rs1 is back in rotation",
                            self.table_is("lvs1", BOTH_REALS))
