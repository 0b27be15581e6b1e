#!/usr/bin/python3
"""bench/checks inside the lab VM: keepalived 2.2.7's checker process and checkd (with
ipvsd, which hands it the targets) on the same generated keepalived.conf, one after the
other in the same boot, each in a fresh namespace with a listen_farm of real listeners
on 127.1.0.1 ... Run by bench/checks/vs-keepalived.

    vm_scenario.py BUILD_DIR FARM_EXE WINDOW_S [BENCH_STACKS=...] [BENCH_LOG_LEVEL=...] CASE...

CASE is KIND:REALS:VSES; the VM does not inherit the caller's environment, so the two
settings come as words. One JSON line per stack and case goes to $LAB_OUT/checks.jsonl.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "tests", "lab"))
import lablib  # noqa: E402
from lvsnet import wait_until  # noqa: E402

OUT = os.environ.get("LAB_OUT", "/tmp/lab/out")
HZ = os.sysconf("SC_CLK_TCK")


def ip_of(i):
    n = 1 + i
    return f"127.1.{n // 256}.{n % 256}"


def conf(kind, reals, vses):
    """VSES virtual servers (ports 80...) with the same REALS real servers each,
    TCP_CHECK or HTTP_GET at delay_loop 1 s, keepalived's defaults."""
    check = "HTTP_GET { url { path / } }" if kind == "http" else "TCP_CHECK { }"
    lines = ["global_defs { router_id bench }"]
    for v in range(vses):
        lines += [f"virtual_server 10.0.0.1 {80 + v} {{", "  delay_loop 1", "  lb_algo rr",
                  "  lb_kind DR"]
        lines += [f"  real_server {ip_of(i)} 80 {{ {check} }}" for i in range(reals)]
        lines.append("}")
    return "\n".join(lines) + "\n"


def ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime (fields 14 and 15)


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS"):
                return round(int(line.split()[1]) / 1024, 1)
    return 0.0


class Farm:
    """The listen_farm: REALS listeners; "stats" and "reset" on its stdin."""

    def __init__(self, exe, ns, reals, http, log):
        self.log = log
        cmd = ["ip", "netns", "exec", ns, exe, str(reals), "127.1.0.1", "80"]
        self.proc = subprocess.Popen(cmd + (["--http"] if http else []), stdin=subprocess.PIPE,
                                     stdout=open(log, "w"), stderr=subprocess.STDOUT, text=True)
        wait_until(lambda: "ready" in open(log).read(), 60, "listen_farm ready")

    def say(self, word):
        self.proc.stdin.write(word + "\n")
        self.proc.stdin.flush()

    def stats(self):
        """(accepts, p50 ms, p99 ms) since the last reset."""
        self.say("stats")
        time.sleep(0.3)
        rows = [l.split() for l in open(self.log) if l.startswith("stats")]
        return (int(rows[-1][1]), rows[-1][2], rows[-1][3]) if rows else (0, "0", "0")

    def stop(self):
        self.proc.stdin.close()
        self.proc.terminate()
        self.proc.wait(10)


def spawn(ns, cmd, log):
    return subprocess.Popen(["ip", "netns", "exec", ns, *cmd], stdout=open(log, "w"),
                            stderr=subprocess.STDOUT)


def measure(bin_dir, farm_exe, window, stack, kind, reals, vses):
    """One stack on one case: a JSON row."""
    ns, tmp = "bench", tempfile.mkdtemp()
    subprocess.run(["ip", "netns", "add", ns], check=True)
    subprocess.run(["ip", "-n", ns, "link", "set", "lo", "up"], check=True)
    config = os.path.join(tmp, "keepalived.conf")
    with open(config, "w") as f:
        f.write(conf(kind, reals, vses))
    farm = Farm(farm_exe, ns, reals, kind == "http", os.path.join(tmp, "farm.out"))
    procs, aux = [], None
    if stack == "keepalived":
        procs.append(spawn(ns, ["keepalived", "-n", "-C", "-f", config, "-p",
                                f"{tmp}/ka.pid", "-c", f"{tmp}/checkers.pid"], f"{tmp}/ka.log"))
        wait_until(lambda: os.path.getsize(f"{tmp}/checkers.pid") > 0
                   if os.path.exists(f"{tmp}/checkers.pid") else False, 60,
                   "keepalived's checker started")
        pid = int(open(f"{tmp}/checkers.pid").read())
    else:
        run = os.path.join(tmp, "run")
        os.mkdir(run, 0o755)
        checkd = spawn(ns, [f"{bin_dir}/checkd", "--run-dir", run, "--log-level", "warn"],
                       f"{tmp}/checkd.log")
        procs.append(checkd)
        pid = checkd.pid
        wait_until(lambda: os.path.exists(f"{run}/checkd.sock"), 60, "checkd listening")
        ipvsd = spawn(ns, [f"{bin_dir}/ipvsd", "--config", config, "--run-dir", run, "--log-level",
                           os.environ.get("BENCH_LOG_LEVEL", "warn")], f"{tmp}/ipvsd.log")
        procs.insert(0, ipvsd)
        aux = ipvsd.pid
    # `ip netns exec` execs its command, so these pids are the daemons'.
    # Steady state: three full rounds of probes seen by the listeners.
    per_round = reals if stack == "lvs-ha" else reals * vses  # lvs-ha: a probe per real
    deadline = time.monotonic() + 120
    while farm.stats()[0] < 3 * per_round and time.monotonic() < deadline:
        pass
    farm.say("reset")
    t0, c0 = time.monotonic(), ticks(pid)
    a0 = ticks(aux) if aux else 0
    time.sleep(window)  # the measurement window itself
    t1, c1 = time.monotonic(), ticks(pid)
    a1 = ticks(aux) if aux else 0
    accepts, p50, p99 = farm.stats()
    row = {"stack": stack, "kind": kind, "reals": reals, "virtual_servers": vses,
           "cores": round((c1 - c0) / HZ / (t1 - t0), 3), "rss_mb": rss_mb(pid),
           "probes_per_s": round(accepts / (t1 - t0), 1), "period_p50_ms": float(p50),
           "period_p99_ms": float(p99),
           "ipvsd_cores": round((a1 - a0) / HZ / (t1 - t0), 3) if aux else 0}
    print(json.dumps(row), flush=True)
    with open(os.path.join(OUT, "checks.jsonl"), "a") as f:
        f.write(json.dumps(row) + "\n")
    for p in procs:
        p.terminate()
        p.wait(30)
    farm.stop()
    subprocess.run(["ip", "netns", "del", ns], check=True)
    keep = os.path.join(OUT, f"{stack}-{kind}-{reals}-{vses}")  # the daemons' logs stay
    os.makedirs(keep, exist_ok=True)
    for name in os.listdir(tmp):
        if name.endswith(".log"):
            shutil.copy(os.path.join(tmp, name), keep)
    shutil.rmtree(tmp)


def main():
    if os.environ.get("LAB_IN_VM") != "1":
        sys.exit("vm_scenario.py runs inside the lab VM (tests/lab/run-in-vm)")
    build, farm_exe, window, *rest = sys.argv[1:]
    while rest and rest[0].startswith("BENCH_") and "=" in rest[0]:
        key, value = rest.pop(0).split("=", 1)
        os.environ[key] = value
    os.makedirs(OUT, exist_ok=True)
    open(os.path.join(OUT, "checks.jsonl"), "w").close()
    lablib.modules()
    import resource
    resource.setrlimit(resource.RLIMIT_NOFILE, (65536, 65536))  # a listener per real server
    for case in rest:
        kind, reals, vses = case.split(":")
        for stack in os.environ.get("BENCH_STACKS", "keepalived lvs-ha").split():
            lablib.log(f"case {kind} {reals} reals x {vses} virtual servers: {stack}")
            measure(os.path.join(build, "bin"), farm_exe, int(window), stack, kind, int(reals),
                    int(vses))


if __name__ == "__main__":
    main()
