"""lablib: what the lab VM's scenarios share, on top of tests/netns/lvsnet.py.

The seed deployment as network namespaces on one bridge (lvsnet.Lab): every host has
an interface named ens160 with the seed's address; nothing has an uplink (the VM has
no NIC either). Logs go to $LAB_OUT, which run-in-vm writes back to the host.

    def body(lab, build):                 # lab: a SeedLab, build: the build directory
        hosts = lab.seed_topology()       # lvs1, lvs2, rs1, rs2, client (DR reals)
        web(hosts["rs1"], "This is RS1")
        expect_eq("what", expected, actual)
        lab.expect_within(predicate, 60, "what")
    scenario("name", body)                # checks we are in the VM, runs, exits
"""

import collections
import os
import subprocess
import sys
import traceback

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "netns"))

import lvsnet  # noqa: E402
from lvsnet import expect, expect_eq, expect_holds, expect_within  # noqa: E402,F401

VIP = "192.168.64.100"
ADDR = {
    "lvs1": "192.168.64.130", "lvs2": "192.168.64.137",
    "rs1": "192.168.64.143", "rs2": "192.168.64.138",
    "client": "192.168.64.136",
}
HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "fixtures")
OUT = os.environ.get("LAB_OUT", "/tmp/lab/out")


def uptime():
    with open("/proc/uptime") as f:
        return f.read().split()[0]


def log(msg):
    """A line of the scenario's story, stamped with the VM's uptime."""
    print(f"[{uptime()}] {msg}", flush=True)


def modules(*extra):
    for m in ("veth", "bridge", "ip_vs", "ip_vs_rr", "ip_vs_wrr", "ip_vs_wlc", "ip_vs_sh") + extra:
        subprocess.run(["modprobe", m], check=True)


def sh(cmd, check=False, timeout=60):
    """A command in the VM's own namespace (str: sh -c); its stdout."""
    if isinstance(cmd, str):
        cmd = ["sh", "-c", cmd]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if check and res.returncode != 0:
        raise lvsnet.LabError(f"exit {res.returncode}: {cmd}\n{res.stderr.strip()}")
    return res.stdout


class SeedLab(lvsnet.Lab):
    """A lvsnet.Lab logging into $LAB_OUT, with the seed's hosts."""

    def __init__(self, name):
        os.makedirs(OUT, exist_ok=True)
        super().__init__(name, logdir=OUT)

    def seed_network(self):
        """The switch and the seed's five hosts (the directors forward)."""
        hosts = {}
        for name, addr in ADDR.items():
            sysctls = {"net.ipv4.ip_forward": 1} if name.startswith("lvs") else None
            hosts[name] = self.add_host(name, [f"{addr}/24"], sysctls=sysctls)
        return hosts

    def seed_topology(self):
        """seed_network, and both real servers set up for DR by hand (VIP on lo, ARP
        suppressed as the seed's section 2.2 says)."""
        hosts = self.seed_network()
        for name in ("rs1", "rs2"):
            rs = hosts[name]
            rs.run(["ip", "addr", "add", f"{VIP}/32", "dev", "lo"])
            for key, value in (("conf.lo.arp_ignore", 1), ("conf.lo.arp_announce", 2),
                               ("conf.all.arp_ignore", 1), ("conf.all.arp_announce", 2),
                               ("conf.all.rp_filter", 0), ("conf.lo.rp_filter", 0)):
                rs.sysctl(f"net.ipv4.{key}", value)
        return hosts


def ipvsadm(host, *args, check=False):
    """ipvsadm's output in host's namespace (stderr too: a listing that fails says why);
    check=True: a command that fails stops the scenario (its setup)."""
    res = host.run(["ipvsadm", *args], check=check)
    return (res.stdout + res.stderr).rstrip("\n")


def reals(host, *service):
    """The real servers in host's IPVS table as "address forward weight" lines (the
    connection counts left out: traffic leaves InActConn behind)."""
    rows = [line.split() for line in ipvsadm(host, "-Ln", *service).splitlines()]
    return "\n".join(" ".join(r[1:4]) for r in rows
                     if len(r) > 3 and r[0] == "->" and r[1].startswith("192"))


KA_RUN, LH_RUN = "/tmp/ka", "/tmp/lvsha"


class SideBySide:
    """keepalived on one director and checkd + ipvsd of this build on the other, each
    on its file (often the same one): `ka`, `checkd`, `ipvsd` are their Procs, the run
    directories KA_RUN and LH_RUN, the logs keepalived.log, checkd.log, ipvsd.log."""

    def __init__(self, build, ka_host, ka_conf, lh_host, lh_conf):
        bin_dir = os.path.join(build, "bin")
        for d in (KA_RUN, LH_RUN):
            os.makedirs(d, exist_ok=True)
        self.ka = ka_host.spawn(
            ["keepalived", "-n", "-l", "-D", "-C", "-f", ka_conf, "-p", f"{KA_RUN}/keepalived.pid",
             "-c", f"{KA_RUN}/checkers.pid"], name="keepalived",
            log=os.path.join(OUT, "keepalived.log"))
        self.checkd = lh_host.spawn([f"{bin_dir}/checkd", "--run-dir", LH_RUN], name="checkd",
                                    log=os.path.join(OUT, "checkd.log"))
        self.ipvsd = lh_host.spawn([f"{bin_dir}/ipvsd", "--config", lh_conf, "--run-dir", LH_RUN],
                                   name="ipvsd", log=os.path.join(OUT, "ipvsd.log"))

    def ka_pid(self, which="keepalived"):
        """The pid keepalived wrote for its parent (keepalived) or checker process."""
        with open(f"{KA_RUN}/{'checkers' if which == 'checkers' else 'keepalived'}.pid") as f:
            return int(f.read())


def stop(proc, what=None):
    """SIGTERM and wait for the exit (a deadline: a stop that hangs is a failure)."""
    proc.terminate()
    try:
        proc.wait(120)
    except TimeoutError as e:
        expect(False, f"{what or proc.name} stops on SIGTERM", f"    {e}")


def through_vip(client, n):
    """The answers to n requests through the VIP, each on a new connection."""
    return [client.run(["curl", "-s", "--max-time", "10", f"http://{VIP}/"], check=False,
                       timeout=15).stdout.strip() for _ in range(n)]


def answer_counts(answers):
    """Answers counted, one "COUNT ANSWER" line each, as `sort | uniq -c` shows them."""
    return "\n".join(f"{n} {a}" for a, n in sorted(collections.Counter(answers).items()))


def web(host, text, port=80, name="httpd"):
    """busybox httpd on host serving text (one line); returns once it listens."""
    return host.httpd(text + "\n", port=port, name=name)


def nginx(host, text, name="nginx"):
    """nginx on port 80 serving text, in the foreground, with every path it writes under
    a fresh directory (the VM's root is read-only)."""
    d = os.path.join("/tmp", f"nginx-{host.name}-{name}")
    os.makedirs(os.path.join(d, "www"), exist_ok=True)
    os.chmod(d, 0o755)
    with open(os.path.join(d, "www", "index.html"), "w") as f:
        f.write(text + "\n")
    temps = "\n".join(f"  {k}_temp_path {d}/{k};"
                      for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    with open(os.path.join(d, "nginx.conf"), "w") as f:
        f.write(f"""daemon off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  keepalive_requests 1000000;  # long-lived test connections are never closed by nginx
{temps}
  server {{ listen 80 backlog=1024; root {d}/www; }}
}}
""")
    return host.spawn(["nginx", "-e", f"{d}/error.log", "-c", f"{d}/nginx.conf"], name=name)


def scenario(name, body):
    """Runs body(lab, argv) in a SeedLab inside the VM; exits 0 when every check held,
    else 1 naming the failed ones (an unexpected error is shown and fails too)."""
    if os.environ.get("LAB_IN_VM") != "1":
        print(f"this scenario runs inside the lab VM: tests/lab/run-in-vm {sys.argv[0]}",
              file=sys.stderr)
        sys.exit(2)
    crashed = False
    try:
        with SeedLab(name) as lab:
            body(lab, sys.argv[1:])
    except AssertionError:
        pass  # the failed checks, named below
    except Exception:  # the scenario stopped short: say where, then what had failed
        traceback.print_exc()
        crashed = True
    failed = lvsnet._failed_expectations
    if failed:
        log(f"{len(failed)} check(s) failed:")
        for what in failed:
            print(f"  {what}", flush=True)
    if failed or crashed:
        sys.exit(1)
    log("all checks passed")
