#!/usr/bin/python3
# ctest-timeout: 300
"""global_defs' process options, net_namespace and the startup/shutdown scripts,
read back from /proc, beside keepalived 2.2.7 on the same file.

Each daemon is started in the test's own namespace, not the host's: the file's
net_namespace must take it there. For the VRRP side, keepalived (its VRRP child,
found by the process name the file gives it) and vrrpd run the same file in turn
and must show the same: the namespace, nice value or SCHED_RR priority with its
RLIMIT_RTTIME, CPU affinity, locked memory, umask and name; the VIP in the
namespace; the startup script run in the namespace before the VIP is there, and
the shutdown script after it is gone.

For the checker side, checkd alone: keepalived's checker process cannot start
here (the host kernel has no IPVS), so its checker_* options are compared in the
lab VM instead (tests/lab/test_ipvs_globals.sh, ipvsd). checkd started without
--run-dir puts its socket in /run/lvs/<namespace>, where `lvsctl --instance`
finds it.
"""

import os
import shutil
import subprocess
import sys
import time
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvsnet import Lab  # noqa: E402
from vrrp_scenarios import KEEPALIVED, VRRPD  # noqa: E402

VIP = "192.168.64.100"


def stat_fields(pid):
    """/proc/PID/stat from field 3 (state) on: index = field number - 3."""
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()


def status(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            out[key] = value.strip()
    return out


def rttime_limit(pid):
    with open(f"/proc/{pid}/limits") as f:
        for line in f:
            if line.startswith("Max realtime timeout"):
                return tuple(line.split()[3:5])
    return None


def observe(pid):
    """What the file's options can change about a process, as /proc shows it."""
    f = stat_fields(pid)
    st = status(pid)
    with open(f"/proc/{pid}/comm") as c:
        comm = c.read().strip()
    return {
        "comm": comm,
        "netns": os.stat(f"/proc/{pid}/ns/net").st_ino,
        "nice": int(f[16]),
        "rt_priority": int(f[37]),
        "policy": int(f[38]),  # 0 SCHED_OTHER, 2 SCHED_RR
        "cpus": st["Cpus_allowed_list"],
        "locked": int(st["VmLck"].split()[0]) > 0,
        "umask": st["Umask"],
        "rttime": rttime_limit(pid),
    }


def pid_of(comm):
    r = subprocess.run(["pgrep", "-x", comm], capture_output=True, text=True)
    pids = r.stdout.split()
    return int(pids[0]) if len(pids) == 1 else None


MARKER = """#!/bin/sh
# $1: what ran. Records the namespace and the addresses it saw.
{ echo "$1 $(readlink /proc/self/ns/net) umask $(umask)"; ip -o addr show; } >> "$(dirname "$0")/marker.$1"
"""


def config(ns, iface, marker, options):
    return f"""net_namespace {ns}
global_defs {{
    router_id LVS_A
    startup_script "{marker} startup"
    shutdown_script "{marker} shutdown"
{options}
}}
vrrp_instance VI_1 {{
    state MASTER
    interface {iface}
    virtual_router_id 51
    priority 100
    advert_int 1
    virtual_ipaddress {{
        {VIP}/32
    }}
}}
"""


class ProcessOptions(unittest.TestCase):
    def run_vrrp(self, impl, options, name):
        """Runs impl on the file outside the host's namespace; returns what /proc
        shows of its VRRP process and what the scripts saw."""
        with Lab(f"proc-{impl.name}") as lab:
            lvs1 = lab.add_host("lvs1", ["192.168.64.130/24"])
            scripts = lab.short_dir("scripts")
            os.chmod(scripts, 0o755)
            marker = os.path.join(scripts, "marker.sh")
            with open(marker, "w") as f:
                f.write(MARKER)
            os.chmod(marker, 0o755)
            conf = os.path.join(lab.logdir, "process.conf")
            with open(conf, "w") as f:
                f.write(config(lvs1.ns, lvs1.ifname, marker, options))
            proc = lab.spawn_outside(impl.command(conf, lab.short_dir("run")), impl.name)
            proc.required = True
            lab.wait_until(lambda: lvs1.has_address(VIP), 15, f"{impl.name}: the VIP in {lvs1.ns}")
            lab.wait_until(lambda: pid_of(name) is not None, 5, f"{impl.name}: one process named {name}")
            seen = observe(pid_of(name))
            proc.terminate()
            proc.wait(15)
            with open(os.path.join(scripts, "marker.startup")) as f:
                startup = f.read()
            lab.wait_until(lambda: os.path.exists(os.path.join(scripts, "marker.shutdown")), 10,
                           f"{impl.name}: the shutdown script ran")
            with open(os.path.join(scripts, "marker.shutdown")) as f:
                shutdown = f.read()
            ns_ino = os.stat(f"/run/netns/{lvs1.ns}").st_ino
            self.assertEqual(seen["netns"], ns_ino, f"{impl.name}: not in the file's namespace")
            for what, text in (("startup", startup), ("shutdown", shutdown)):
                self.assertIn(f"net:[{ns_ino}]", text.splitlines()[0], f"{impl.name}: {what} script's namespace")
                self.assertNotIn(VIP, text, f"{impl.name}: the {what} script saw the VIP")
            del seen["netns"]
            # The scripts' umask: keepalived's 0177 unless the file sets one.
            seen["script_umask"] = startup.split()[3]
            return seen

    def compare(self, options, name, want):
        ka = self.run_vrrp(KEEPALIVED, options, name)
        ours = self.run_vrrp(VRRPD, options, name)
        if "umask" not in options:
            # keepalived's own process takes 0177 when the file sets no umask;
            # lvs-ha's daemons keep the one they were started with (systemd's), and
            # only the scripts they start get 0177 (compared as script_umask).
            self.assertEqual(ka["umask"], "0177", "keepalived's default umask moved")
            del ka["umask"], ours["umask"]
        print(f"keepalived: {ka}\nvrrpd:      {ours}")
        for key, value in want.items():
            self.assertEqual(ka[key], value, f"keepalived's {key}: the reference moved")
        self.assertEqual(ours, ka)

    def test_nice_affinity_no_swap_umask_name(self):
        self.compare("""    vrrp_priority -5
    vrrp_no_swap
    vrrp_cpu_affinity 0
    vrrp_process_name lvsha_vrrp
    umask 027""", "lvsha_vrrp", {"nice": -5, "policy": 0, "cpus": "0", "locked": True, "umask": "0027", "script_umask": "0027"})

    def test_realtime_priority_and_its_limit(self):
        self.compare("""    vrrp_rt_priority 30
    vrrp_rlimit_rttime 20000
    vrrp_priority 5
    process_names""", "keepalived_vrrp",
                     {"policy": 2, "rt_priority": 30, "nice": 0, "rttime": ("10000", "20000"), "script_umask": "0177"})

    def test_checkd_options_and_lvsctl_instance(self):
        with Lab("proc-checkd") as lab:
            lvs1 = lab.add_host("lvs1", ["192.168.64.130/24"])
            conf = os.path.join(lab.logdir, "checkd.conf")
            with open(conf, "w") as f:
                f.write(f"""net_namespace {lvs1.ns}
global_defs {{
    checker_priority 7
    checker_cpu_affinity 0
    checker_process_name lvsha_check
    umask 077
    vrrp_priority -5
}}
""")
            run_dir = f"/run/lvs/{lvs1.ns}"
            self.addCleanup(shutil.rmtree, run_dir, True)
            binary = os.path.join(os.environ.get("LVS_BIN", ""), "checkd")
            proc = lab.spawn_outside([binary, "--config", conf], "checkd")
            proc.required = True
            lab.wait_until(lambda: os.path.exists(f"{run_dir}/checkd.sock"), 10, "checkd's socket in " + run_dir)
            seen = observe(proc.pid)
            print(f"checkd: {seen}")
            self.assertEqual(seen["netns"], os.stat(f"/run/netns/{lvs1.ns}").st_ino)
            self.assertEqual((seen["comm"], seen["nice"], seen["cpus"], seen["umask"]), ("lvsha_check", 7, "0", "0077"))
            lvsctl = os.path.join(os.environ.get("LVS_BIN", ""), "lvsctl")
            deadline = time.monotonic() + 10
            while True:
                r = subprocess.run([lvsctl, "show", "checks", "--instance", lvs1.ns], capture_output=True, text=True)
                if r.returncode == 0 or time.monotonic() > deadline:
                    break
                time.sleep(0.1)
            self.assertEqual(r.returncode, 0, f"lvsctl show checks --instance {lvs1.ns}: {r.stdout}{r.stderr}")
            proc.terminate()
            proc.wait(10)


if __name__ == "__main__":
    unittest.main(verbosity=2)
