#!/usr/bin/python3
"""ipvsd against the kernel's IPVS table, in one boot: the seed director lvs1 runs
ipvsd and checkd from this build, the two real servers run httpd, and ipvsadm is the
independent reader.
  - ipvsd programs the seed's table, exactly as ipvsadm -Ln shows it;
  - a restart adopts the table without flushing it (counters survive);
  - `ipvsadm -C` is repaired within a resync period;
  - a real server whose httpd stops is removed, then restored; with
    inhibit_on_failure (after a SIGHUP reload) it stays at weight 0 instead;
  - with checkd gone the last weights are held; when it returns it gets the
    targets again;
  - bad SetOverride/Flush requests get INVALID_ARGUMENT and change nothing;
    a disable override takes a real out and survives a restart;
  - Flush empties ipvsd's services, Reload (dry run first) brings them back;
  - a drained real goes to weight 0, then out at its timeout;
  - the connection sync daemon is master or backup as vrrpd's instance is."""

import os
import re
import shutil
import signal
import stat

from lablib import (ADDR, OUT, VIP, answer_counts, expect_eq, ipvsadm, modules, reals,
                    scenario, stop, through_vip, web)

HEADER = """IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port Scheduler Flags
  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
TCP  192.168.64.100:80 rr"""
SEED_TABLE = HEADER + """
  -> 192.168.64.138:80            Route   1      0          0         
  -> 192.168.64.143:80            Route   1      0          0         """
BOTH = "192.168.64.138:80 Route 1\n192.168.64.143:80 Route 1"
RS2_INHIBITED = "192.168.64.138:80 Route 0\n192.168.64.143:80 Route 1"
SERVICE = f'service {{ address: "{VIP}" port: 80 }}'
RESYNC = 2


def real(addr):
    return f'real {{ address: "{addr}" port: 80 }}'


# Requests ipvsd must refuse, each with the first line ipvs_rpc prints for it.
BAD_REQUESTS = [
    ("SetOverride with a bad address: INVALID_ARGUMENT", "SetOverride",
     'service { address: "192.168.64.300" port: 80 } override: DISABLE',
     "INVALID_ARGUMENT service: '192.168.64.300' is not an IP address"),
    ("SetOverride with a drain timeout on DISABLE: INVALID_ARGUMENT", "SetOverride",
     f"{SERVICE} {real(ADDR['rs1'])} override: DISABLE drain_timeout_s: 5",
     "INVALID_ARGUMENT drain_timeout_s applies to DRAIN only"),
    ("SetOverride with an unknown override: INVALID_ARGUMENT", "SetOverride",
     f"{SERVICE} override: 9",
     "INVALID_ARGUMENT override 9 is not one of default, enable, disable, drain"),
    ("SetOverride on a real the service lacks: NOT_FOUND", "SetOverride",
     f"{SERVICE} {real('192.168.64.99')} override: DISABLE",
     "NOT_FOUND real server 192.168.64.99:80 is not part of TCP 192.168.64.100:80"),
    ("Flush without the confirmation word: INVALID_ARGUMENT", "Flush", 'confirm: "yes"',
     'INVALID_ARGUMENT Flush deletes every service ipvsd owns from the kernel; '
     'set confirm to "flush"'),
]


class Director:
    """lvs1 with checkd and ipvsd of this build, restartable, and ipvs_rpc."""

    def __init__(self, host, bin_dir, run):
        self.host, self.bin, self.run = host, bin_dir, run
        self.conf = os.path.join(run, "keepalived.conf")
        self.log_path = os.path.join(OUT, "ipvsd.log")
        open(self.log_path, "w").close()

    def start_checkd(self):
        self.checkd = self.host.spawn([f"{self.bin}/checkd", "--run-dir", self.run],
                                      name="checkd", log=os.path.join(OUT, "checkd.log"))

    def start_ipvsd(self):
        self.ipvsd = self.host.spawn(
            [f"{self.bin}/ipvsd", "--config", self.conf, "--run-dir", self.run,
             "--resync-interval", str(RESYNC), "--log-level", "debug"],
            name="ipvsd", log=self.log_path)

    def logged(self, text):
        with open(self.log_path, errors="replace") as f:
            return text in f.read()

    def log_count(self, text):
        with open(self.log_path, errors="replace") as f:
            return f.read().count(text)

    def rpc(self, method, request=""):
        """ipvs_rpc's output: "CODE message" on the first line, the response after."""
        return self.host.run([f"{self.bin}/ipvs_rpc", self.run, method, request], check=False,
                             timeout=150).stdout.rstrip("\n")

    def first_line(self, method, request=""):
        return self.rpc(method, request).split("\n")[0]

    def grep(self, method, request, pattern):
        """The first line of the response that matches pattern (as grep -m1 prints it)."""
        m = re.search(pattern, self.rpc(method, request), re.M)
        return m.group(0) if m else ""

    def table(self):
        return ipvsadm(self.host, "-Ln")

    def reals(self):
        return reals(self.host)


def body(lab, args):
    modules()
    h = lab.seed_topology()
    lvs1, client = h["lvs1"], h["client"]
    web(h["rs1"], "This is RS1")
    rs2 = web(h["rs2"], "This is RS2")
    lvs1.add_address(f"{VIP}/32", label="ens160:vip")
    run = "/tmp/lvs1"
    os.makedirs(run, exist_ok=True)
    top = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    lv = Director(lvs1, os.path.join(args[0], "bin"), run)
    shutil.copy(os.path.join(top, "tests/fixtures/configs/seed-master.conf"), lv.conf)
    lv.start_checkd()

    def reals_are(want):
        return lambda: lv.reals() == want

    # 1. The seed's table, exactly.
    lv.start_ipvsd()
    if not lab.expect_within(lambda: lv.table() == SEED_TABLE, 60,
                             "ipvsd programs the seed's table (ipvsadm -Ln)"):
        print(lv.table())
    lab.expect_within(lambda: lv.logged("TCP 192.168.64.100:80 -> 192.168.64.138:80 is up"), 30,
                      "checkd reports both reals up")
    expect_eq("the client reaches both real servers through the VIP",
              "2 This is RS1\n2 This is RS2",
              answer_counts(through_vip(client, 4)))

    # 2. Restart: adopt without flush. A flushed and re-created service would count
    # from zero again.
    def service_conns():
        return "\n".join(r.split()[2] for r in ipvsadm(lvs1, "-Ln", "--stats").splitlines()
                         if r.startswith("TCP"))
    lab.expect_within(lambda: service_conns() == "4", 20, "the service counted the 4 connections")
    # Text format indents a service's own stats by four spaces, its reals' by six.
    # ListServices shows the table as of ipvsd's last resync (it does not dump the
    # kernel for each listing): the counters arrive within a resync period.
    lab.expect_within(
        lambda: re.findall(r"^ *connections: .*$", lv.rpc("ListServices"), re.M)
        == ["      connections: 2", "      connections: 2", "    connections: 4"],
        RESYNC * 3,
        "ListServices reads the same counters from the kernel (64-bit stats), as of a resync")
    stop(lv.ipvsd)
    expect_eq("the kernel keeps the table while ipvsd is gone", BOTH, lv.reals())
    lv.start_ipvsd()
    lab.expect_within(lambda: lv.logged("converged on start with 0 operations"), 60,
                      "the restarted ipvsd adopts the table with no operation")
    expect_eq("counters survive the restart (no flush)", "4", service_conns())

    # 3. Drift: someone flushes the table by hand.
    ipvsadm(lvs1, "-C", check=True)
    lab.expect_within(reals_are(BOTH), RESYNC * 8,
                      "ipvsadm -C is repaired within a few resync periods")
    lab.expect_within(lambda: lv.logged("repaired drift"), 10, "the repair is logged as drift")

    # 4. A real server fails: removed, then back when it recovers.
    stop(rs2)
    lab.expect_within(reals_are("192.168.64.143:80 Route 1"), 90,
                      "rs2 is removed when its httpd stops")
    rs2 = web(h["rs2"], "This is RS2")
    lab.expect_within(reals_are(BOTH), 90, "rs2 returns when httpd is back")

    # 5. inhibit_on_failure, by a SIGHUP reload: the failed real stays at weight 0.
    with open(lv.conf) as f:
        text = f.read()
    with open(lv.conf, "w") as f:
        f.write(re.sub(r"^([ \t]*)weight 1", r"\1weight 1\n\1inhibit_on_failure", text,
                       flags=re.M))
    lv.ipvsd.signal(signal.SIGHUP)
    lab.expect_within(lambda: lv.logged(f"reloaded {lv.conf}"), 30, "SIGHUP reloads the config")
    stop(rs2)
    lab.expect_within(reals_are(RS2_INHIBITED), 90,
                      "with inhibit_on_failure the failed rs2 stays at weight 0")
    rs2 = web(h["rs2"], "This is RS2")
    lab.expect_within(reals_are(BOTH), 90, "rs2 is back at weight 1")

    # 6. Fail static: with checkd gone a failing real is not acted on (ipvsd holds the
    # last weights); when checkd returns it gets the targets again and the failure is
    # seen.
    stop(lv.checkd)
    lab.expect_within(lambda: lv.logged("checkd unreachable"), 30, "ipvsd notices checkd is gone")
    expect_eq("ListServices says the weights are held",
              'status: "1 services, 2 reals in rotation; checkd unreachable: weights held '
              '(fail static)"', lv.grep("ListServices", "", r"^status.*$"))
    stop(rs2)
    in_sync = "resync: the kernel table is in sync"
    synced = lv.log_count(in_sync)
    lab.expect_within(lambda: lv.log_count(in_sync) >= synced + 2, 30,
                      "two resyncs pass without checkd")
    expect_eq("the failed rs2 keeps its last weight meanwhile", BOTH, lv.reals())
    lv.start_checkd()
    lab.expect_within(lambda: lv.logged("sent 2 targets to checkd: 2 added"), 60,
                      "checkd back: ipvsd sends it the targets again")
    lab.expect_within(reals_are(RS2_INHIBITED), 90,
                      "and rs2's failure is acted on (inhibited: weight 0)")
    rs2 = web(h["rs2"], "This is RS2")
    lab.expect_within(reals_are(BOTH), 90, "rs2 is back at weight 1")

    # 7. Bad requests: INVALID_ARGUMENT, and nothing changes.
    for what, method, request, answer in BAD_REQUESTS:
        expect_eq(what, answer, lv.first_line(method, request))
    expect_eq("after the bad requests the table is unchanged", BOTH, lv.reals())

    # 8. Disable an override; it survives a restart; default brings the real back.
    # A WatchTable stream sees the snapshot, then the change.
    watch_path = os.path.join(run, "watch.txt")
    lvs1.spawn(["sh", "-c", f'exec "$0" "$@" >{watch_path}', f"{lv.bin}/ipvs_rpc", run,
                "WatchTable", "2"], name="watch")

    def watched():
        with open(watch_path) as f:
            return f.read().splitlines()
    lab.expect_within(lambda: any("snapshot: true" in e for e in watched()), 30,
                      "WatchTable starts with a snapshot")
    rs1_override = f"{SERVICE} {real(ADDR['rs1'])} override:"
    expect_eq("SetOverride DISABLE on rs1 is accepted", "OK ",
              lv.first_line("SetOverride", f"{rs1_override} DISABLE"))
    lab.expect_within(reals_are("192.168.64.138:80 Route 1"), 30,
                      "the disabled rs1 leaves the table")
    lab.expect_within(lambda: len(watched()) >= 2, 30, "WatchTable then reports the change")
    last = watched()[-1] if watched() else ""
    expect_eq("... as an override event without rs1 in the kernel", "1",
              str(int('reason: "override"' in last)))
    rs1_entries = re.findall(r'reals \{ key \{ address: "192\.168\.64\.143" port: 80 \}[^}]*', last)
    expect_eq("... rs1 shown DISABLE and out of the kernel", "1",
              str(sum("in_kernel" not in e and "override: DISABLE" in e for e in rs1_entries)))
    stop(lv.ipvsd)
    lv.start_ipvsd()
    sock = os.path.join(run, "ipvsd.sock")
    lab.expect_within(lambda: stat.S_ISSOCK(os.stat(sock).st_mode), 60, "ipvsd restarted")
    expect_eq("after a restart the override is still in force", "override: DISABLE",
              lv.grep("GetService", f'key {{ address: "{VIP}" port: 80 }}', r"override: DISABLE"))
    expect_eq("and rs1 is still out of the table", "192.168.64.138:80 Route 1", lv.reals())
    expect_eq("SetOverride default on rs1 is accepted", "OK ",
              lv.first_line("SetOverride", f"{rs1_override} OVERRIDE_UNSPECIFIED"))
    lab.expect_within(reals_are(BOTH), 30, "default brings rs1 back")

    # 9. Flush, then Reload (a dry run first says what it would do).
    expect_eq("Flush removes ipvsd's one service", "OK \nservices_removed: 1",
              lv.rpc("Flush", 'confirm: "flush"'))
    expect_eq("the kernel table is empty", HEADER,
              "\n".join(lv.table().split("\n")[:3]) + "\nTCP  192.168.64.100:80 rr")
    expect_eq("... really empty", "3", str(len(lv.table().split("\n"))))
    expect_eq("Reload dry run lists the changes it would make",
              'changes: "add service TCP 192.168.64.100:80 (rr)"',
              lv.grep("Reload", "dry_run: true", r"^changes.*$"))
    expect_eq("a dry run changes nothing", "3", str(len(lv.table().split("\n"))))
    expect_eq("Reload applies", "applied: true", lv.grep("Reload", "", r"^applied.*$"))
    lab.expect_within(reals_are(BOTH), 30, "after Reload the table is back")

    # 10. A config with an error is refused whole (a misspelt keyword would only be a
    # warning, as in keepalived; a keepalived fork's FNAT cannot be run at all).
    good = os.path.join(run, "good.conf")
    shutil.copy(lv.conf, good)
    with open(lv.conf, "a") as f:
        f.write("virtual_server 192.168.64.101 80 { lb_algo rr\n  lb_kind FNAT\n"
                "  real_server 192.168.64.143 80 { weight 1 } }\n")
    expect_eq("Reload of a broken config: INVALID_ARGUMENT", "INVALID_ARGUMENT",
              lv.first_line("Reload").split(" ")[0])
    expect_eq("and nothing of it was applied", BOTH, lv.reals())
    shutil.copy(good, lv.conf)

    # 11. Drain: a real with a live connection goes to weight 0, and leaves the table
    # when its drain timeout passes.
    client.spawn(["sh", "-c", f"sleep 120 | busybox nc {VIP} 80"], name="held")

    def busy_real():
        for r in lv.table().splitlines():
            f = r.split()
            if len(f) > 4 and f[0] == "->" and f[1].startswith("192") and int(f[4]) >= 1:
                return f[1]
        return None
    busy = lab.expect_within(busy_real, 30, "a client holds a connection to one real server")
    busy = busy or f"{ADDR['rs1']}:80"
    idle = [r.split()[0] for r in lv.reals().splitlines() if r.split()[0] != busy]
    busy_override = f"{SERVICE} {real(busy.rsplit(':', 1)[0])} override:"
    expect_eq("SetOverride DRAIN is accepted", "OK ",
              lv.first_line("SetOverride", f"{busy_override} DRAIN drain_timeout_s: 6"))
    lab.expect_within(lambda: f"{busy} Route 0" in lv.reals().splitlines(), 30,
                      "the draining real is at weight 0 while its connection lives")
    lab.expect_within(reals_are("\n".join(f"{i} Route 1" for i in idle)), 60,
                      "the drained real leaves the table after its timeout")
    lv.rpc("SetOverride", f"{busy_override} OVERRIDE_UNSPECIFIED")
    lab.expect_within(reals_are(BOTH), 30, "default after the drain brings it back")

    # 12. Connection sync follows vrrpd: backup until vrrpd says MASTER, backup again
    # when the instance is taken down.
    with open(lv.conf) as f:
        text = f.read()
    with open(lv.conf, "w") as f:
        f.write(re.sub(r"^([ \t]*)router_id LVS_MASTER",
                       r"\g<0>\n\1lvs_sync_daemon ens160 VI_1", text, flags=re.M))
    expect_eq("Reload with lvs_sync_daemon applies", "applied: true",
              lv.grep("Reload", "", r"^applied.*$"))

    def sync_is(role):
        return lambda: re.search(rf"^{role} sync daemon \(mcast=ens160, syncid=51",
                                 ipvsadm(lvs1, "-L", "--daemon"), re.M)
    lab.expect_within(sync_is("backup"), 30, "without vrrpd the sync daemon runs as backup")
    lvs1.run(["ip", "addr", "del", f"{VIP}/32", "dev", "ens160"])
    lvs1.spawn([f"{lv.bin}/vrrpd", "--config", lv.conf, "--run-dir", run], name="vrrpd",
               log=os.path.join(OUT, "vrrpd.log"))
    lab.expect_within(sync_is("master"), 60,
                      "vrrpd becomes MASTER: the sync daemon becomes master")
    expect_eq("and only one sync daemon runs", "1",
              str(len(ipvsadm(lvs1, "-L", "--daemon").splitlines())))
    # A one-shot call in the emulated VM: allow for a slow first connect.
    lvs1.run([f"{lv.bin}/lvsctl", "vrrp", "down", "VI_1", "--run-dir", run, "--timeout", "30"],
             timeout=90)
    lab.expect_within(sync_is("backup"), 60,
                      "the instance taken down: the sync daemon is backup again")


scenario("ipvsd", body)
