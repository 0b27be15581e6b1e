"""lvsctl against real daemons, human and JSON forms (golden output with the
moving parts masked): a director namespace runs vrrpd with the reference master
config and checkd; ipvsd is deliberately absent (it needs IPVS: the lab covers
it), which also proves that `status` reports a missing daemon in one line and
still shows the rest."""
# ctest-timeout: 120
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvsnet import Lab, expect  # noqa: E402

BIN = os.environ.get("LVS_BIN", "build/bin")
SRC = os.environ.get("LVS_SOURCE_DIR", ".")
CONF = os.path.join(SRC, "tests/fixtures/configs/seed-master.conf")

STATUS_GOLDEN = """\
daemons: vrrpd up, ipvsd DOWN, checkd up

INSTANCE     IFACE    VRID STATE       PRIO MASTER            SINCE  VIPS
VI_1         ens160     51 MASTER       100 192.168.64.130   <since>  192.168.64.100/32 dev ens160 label ens160:vip

config: 1 warning (lvsctl config check)

checks: 0, 0 down
"""

SHOW_VRRP_GOLDEN = """\
INSTANCE     IFACE    VRID STATE       PRIO MASTER            SINCE  VIPS
VI_1         ens160     51 MASTER       100 192.168.64.130   <since>  192.168.64.100/32 dev ens160 label ens160:vip
    adverts tx <n> rx <n>, garp tx <n>, transitions <n>
    last transition: <reason>
"""


def mask(text):
    text = re.sub(r" +\d+[smh](?=  )", "   <since>", text)
    text = re.sub(r"(tx|rx|transitions) \d+", r"\1 <n>", text)
    return re.sub(r"last transition: .*", "last transition: <reason>", text)



def main():
    with Lab("lvsctl") as lab:
        lvs1 = lab.add_host("lvs1", ["192.168.64.130/24"])
        run = lab.short_dir("run")
        for d, args in (("vrrpd", ["--config", CONF]), ("checkd", [])):
            p = lvs1.spawn([f"{BIN}/{d}", "--run-dir", run, *args], name=d)
            p.required = True
        lab.wait_until(lambda: lvs1.has_address("192.168.64.100", label="ens160:vip"), 15, "lvs1 is MASTER")

        def lvsctl(*args):
            return lvs1.run([f"{BIN}/lvsctl", *args, "--run-dir", run], check=False)

        r = lvsctl("status")
        expect(r.returncode == 1, "status exits 1 when a daemon is missing", r.stderr)
        expect(mask(r.stdout) == STATUS_GOLDEN, "status matches its golden form", mask(r.stdout))
        expect(r.stderr.strip() == f"ipvsd is not running: {run}/ipvsd.sock does not exist",
               "the missing daemon is one clear line", r.stderr)

        r = lvsctl("show", "vrrp")
        expect(r.returncode == 0 and mask(r.stdout) == SHOW_VRRP_GOLDEN, "show vrrp matches its golden form",
               mask(r.stdout) + r.stderr)

        # The common options before the command mean the same as after it.
        r = lvs1.run([f"{BIN}/lvsctl", "--run-dir", run, "--json", "show", "vrrp"], check=False)
        expect(r.returncode == 0 and json.loads(r.stdout)["instances"][0]["name"] == "VI_1",
               "lvsctl --run-dir DIR --json show vrrp: the options before the command", r.stdout + r.stderr)
        r = lvs1.run([f"{BIN}/lvsctl", "--run-dir"], check=False)
        expect(r.returncode == 2 and "usage" in r.stderr, "lvsctl --run-dir without a value or a command: usage",
               r.stderr)
        # A socket this user may not open is "permission denied", not "does not exist".
        r = lvs1.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                      f"{BIN}/lvsctl", "show", "vrrp", "--run-dir", run], check=False)
        expect(r.returncode == 1 and "permission denied" in r.stderr and "does not exist" not in r.stderr,
               "a user who may not open the socket is told permission denied", r.stderr)

        r = lvsctl("show", "vrrp", "--json")
        st = json.loads(r.stdout)
        inst = st["instances"][0]
        expect(st["router_id"] == "LVS_MASTER" and inst["name"] == "VI_1" and inst["state"] == "MASTER"
               and inst["virtual_router_id"] == 51 and inst["effective_priority"] == 100
               and inst["master_address"] == "192.168.64.130", "show vrrp --json carries the model", r.stdout)

        r = lvsctl("status", "--json")
        st = json.loads(r.stdout)
        expect(st["ipvsd"] is None and st["vrrpd"]["instances"][0]["state"] == "MASTER"
               and st["checkd"] is not None, "status --json: one object, the missing daemon null", r.stdout)

        watch = lvs1.spawn([f"{BIN}/lvsctl", "watch", "--run-dir", run], name="watch")
        lab.wait_until(lambda: "vrrp VI_1" in watch.log(), 10, "watch prints the snapshot")
        r = lvsctl("vrrp", "down", "VI_1")
        expect(r.returncode == 0 and r.stdout == "VI_1: STOPPED\n", "vrrp down", r.stdout + r.stderr)
        lab.wait_until(lambda: not lvs1.has_address("192.168.64.100"), 5, "admin down releases the VIP")
        lab.wait_until(lambda: re.search(r"^\d\d:\d\d:\d\d\.\d{3} vrrp VI_1 MASTER -> STOPPED: admin down$",
                                         watch.log(), re.M), 5, "watch shows the transition with a timestamp")
        r = lvsctl("vrrp", "up", "VI_1")
        expect(r.returncode == 0, "vrrp up", r.stderr)
        lab.wait_until(lambda: lvs1.has_address("192.168.64.100"), 10, "back to MASTER")
        watch.kill()

        r = lvsctl("vrrp", "down", "VI_9")
        expect(r.returncode == 1 and r.stderr.strip() == "lvsctl: vrrpd: NOT_FOUND: no vrrp_instance VI_9",
               "an unknown instance is NOT_FOUND, exit 1", r.stderr)
        r = lvsctl("vrrp", "sideways", "VI_1")
        expect(r.returncode == 2, "bad usage exits 2", r.stderr)
        # probe: checkd's verdict on an address typed on the command line.
        lvs1.httpd("hello\n", port=8080)
        r = lvsctl("probe", "tcp", "192.168.64.130:8080")
        expect(r.returncode == 0 and re.fullmatch(r"up in [0-9.]+ ms: connected\n", r.stdout), "probe tcp: up",
               r.stdout + r.stderr)
        r = lvsctl("probe", "tcp", "192.168.64.130:8081")
        expect(r.returncode == 1 and "DOWN" in r.stdout and "connection refused" in r.stdout,
               "probe tcp on a closed port: DOWN, connection refused", r.stdout + r.stderr)
        r = lvsctl("probe", "http", "192.168.64.130:8080", "--status", "200")
        expect(r.returncode == 0 and r.stdout.startswith("up in"), "probe http: 200 is up", r.stdout + r.stderr)
        r = lvsctl("probe", "http", "192.168.64.130:8080", "--status", "204")
        expect(r.returncode == 1 and "HTTP 200" in r.stdout, "probe http expecting 204: DOWN, says HTTP 200",
               r.stdout + r.stderr)
        r = lvsctl("probe", "tcp", "192.168.64.300:80")
        expect(r.returncode == 2 and "not an IP address" in r.stderr, "probe of a bad address: usage", r.stderr)
        r = lvsctl("probe", "--target", "nope")
        expect(r.returncode == 1 and "NOT_FOUND" in r.stderr, "probe of an unknown target: NOT_FOUND", r.stderr)
        # A probe is never a remote shell: an ad-hoc MISC_CHECK is refused (checkd runs
        # without --allow-probe-scripts), and the marker file is never written.
        marker = os.path.join(lab.logdir, "probe-ran")
        r = lvsctl("probe", "misc", "192.168.64.130:8080", "--script", f"/usr/bin/touch {marker}")
        expect(r.returncode == 1 and "PERMISSION_DENIED" in r.stderr and "--allow-probe-scripts" in r.stderr
               and not os.path.exists(marker), "probe misc: PERMISSION_DENIED, nothing run", r.stderr)
        # CR/LF in a virtualhost would inject request headers: refused before any probe.
        r = lvsctl("probe", "http", "192.168.64.130:8080", "--virtualhost", "a\r\nX-Injected: 1")
        expect(r.returncode == 1 and "INVALID_ARGUMENT" in r.stderr and "control characters" in r.stderr,
               "probe with CR/LF in the virtualhost: INVALID_ARGUMENT", r.stderr)

        r = lvsctl("drain", "192.168.64.143")
        expect(r.returncode == 1 and "ipvsd is not running" in r.stderr, "drain without ipvsd says so", r.stderr)


if __name__ == "__main__":
    main()
