#!/usr/bin/python3
"""global_defs' IPVS options, lvs-ha beside keepalived 2.2.7 on the same file in the
same boot (fixtures/ipvs_globals.conf): keepalived on lvs1, ipvsd on lvs2, each
namespace its own IPVS table and timeouts, ipvsadm the reader.
  - lvs_timeouts: ipvsadm -L --timeout shows tcp 7200, tcpfin 110, udp 290;
  - lvs_flush: a service placed in the table before the start (nobody's) is gone,
    and the file's service is there;
  - lvs_sync_daemon with id, maxlen, port, ttl and group and no instance:
    ipvsadm -L --daemon shows the same master and backup daemons under both;
  - lb_kind TUN's options and persistence_engine sip: `ipvsadm -Ln --tun-info`
    is the same under both, and shows them;
  - ip_family inet6 on a fwmark service: the same IPv6 fwmark entry under both;
  - checker_priority, checker_cpu_affinity, checker_process_name: keepalived's
    checker process and ipvsd show the same name, nice value and CPUs in /proc;
  - ha_suspend: while the virtual address is on no interface of the director, its
    real server is not checked and keeps its state (in the table although nothing
    listens; out, once checked, although it listens again); with the address
    there, the checks decide, under both;
  - lvs_flush_on_stop: after a SIGTERM the table is empty."""

import os
import re

from lablib import (FIXTURES, OUT, SideBySide, expect, expect_eq, ipvsadm, log, modules,
                    scenario, stop)



def proc_view(pid):
    """pid's name, nice value (stat field 19) and CPUs, as /proc shows them."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(") ", 1)[1].split()
    with open(f"/proc/{pid}/comm") as f:
        comm = f.read().strip()
    with open(f"/proc/{pid}/status") as f:
        cpus = re.search(r"^Cpus_allowed_list:\s*(\S+)", f.read(), re.M).group(1)
    return f"{comm} nice {fields[16]} cpus {cpus}"


def body(lab, args):
    conf = os.path.join(FIXTURES, "ipvs_globals.conf")
    modules("ip_vs_pe_sip")
    h = lab.seed_network()
    lvs1, lvs2, rs1 = h["lvs1"], h["lvs2"], h["rs1"]
    for d in (lvs1, lvs2):
        ipvsadm(d, "-A", "-t", "10.9.9.9:80", "-s", "rr", check=True)
        ipvsadm(d, "--set", "900", "120", "300", check=True)

    stacks = SideBySide(args[0], lvs1, conf, lvs2, conf)
    named = ((lvs1, "keepalived"), (lvs2, "lvs-ha"))

    def has_vs(d):
        return (re.search(r"^TCP  192\.168\.64\.100:80", ipvsadm(d, "-Ln"), re.M)
                and len(re.findall(r"->.*Tunnel", ipvsadm(d, "-Ln", "-u",
                                                          "192.168.64.100:5060"))) == 2)
    lab.expect_within(lambda: has_vs(lvs1), 60, "keepalived programmed the file's services")
    lab.expect_within(lambda: has_vs(lvs2), 60, "ipvsd programmed the file's services")

    ka_checker = stacks.ka_pid("checkers")
    log(f"keepalived's checker process: {proc_view(ka_checker)}")
    expect_eq("checker_* options: keepalived's checker process as the file says",
              "lvsha_lvs nice 6 cpus 0", proc_view(ka_checker))
    expect_eq("checker_* options: ipvsd as keepalived's checker process",
              proc_view(ka_checker), proc_view(stacks.ipvsd.pid))

    def fwm_of(d):
        return ipvsadm(d, "-Ln", "-f", "7", "-6")
    log(f"keepalived: {fwm_of(lvs1)}")
    expect_eq("ip_family inet6: the fwmark service is keepalived's", fwm_of(lvs1), fwm_of(lvs2))
    expect(re.search(r"^FWM +7 IPv6 rr", fwm_of(lvs2), re.M),
           "lvs-ha: FWM 7 is an IPv6 service")

    ka_tun, lh_tun = (ipvsadm(d, "-Ln", "--tun-info", "-u", "192.168.64.100:5060")
                      for d in (lvs1, lvs2))
    log(f"keepalived: {ka_tun}")
    log(f"lvs-ha: {lh_tun}")
    expect_eq("the tunnel service is keepalived's (ipvsadm -Ln --tun-info)", ka_tun, lh_tun)
    for want in ("pe sip", r"192.168.64.143:5060 +Tunnel +gue:6080:\+c ",
                 r"192.168.64.138:5060 +Tunnel +gre:\+c "):
        expect(re.search(want, lh_tun), f"lvs-ha: the listing has '{want}'")

    for d, stack in named:
        timeouts = ipvsadm(d, "-L", "--timeout")
        log(f"{stack}: {timeouts}")
        expect_eq(f"{stack}: lvs_timeouts", "Timeout (tcp tcpfin udp): 7200 110 290", timeouts)
        expect("10.9.9.9:80" not in ipvsadm(d, "-Ln"),
               f"{stack}: lvs_flush removed the service nobody configured")

    def daemons_of(d):
        return "\n".join(sorted(ipvsadm(d, "-L", "--daemon").splitlines()))
    for d, stack, who in ((lvs1, "keepalived", "keepalived"), (lvs2, "lvs-ha", "ipvsd")):
        lab.expect_within(lambda: daemons_of(d).count("sync daemon") == 2, 30,
                          f"{who} started its sync daemons")
    ka_daemons, lh_daemons = daemons_of(lvs1), daemons_of(lvs2)
    log(f"keepalived: {ka_daemons}")
    log(f"lvs-ha: {lh_daemons}")
    expect_eq("the sync daemons are keepalived's", ka_daemons, lh_daemons)
    for word in ("syncid=9", "maxlen=1400", "group=239.1.2.3", "port=8850", "ttl=3"):
        expect(sum(word in line for line in lh_daemons.splitlines()) == 2,
               f"lvs-ha: both sync daemons have {word}")

    # ha_suspend, each phase under both stacks at once.
    def both_real(n):
        return all(ipvsadm(d, "-Ln", "-t", "192.168.64.200:8081").count("192.168.64.143:8081")
                   == n for d in (lvs1, lvs2))

    def vip_200(op):
        for d in (lvs1, lvs2):
            d.run(["ip", "addr", op, "192.168.64.200/32", "dev", "lo"])
    lab.expect_within(lambda: both_real(1), 30,
                      "ha_suspend: the unchecked real server is in both tables")
    # Four delay_loops with nothing listening: a check would have removed it.
    lab.expect_holds(lambda: both_real(1), 4,
                     "ha_suspend: no check while the address is absent (the real stays, both)")
    vip_200("add")
    lab.expect_within(lambda: both_real(0), 20,
                      "ha_suspend: with the address here, the failing check removes the real "
                      "(both)")
    vip_200("del")
    listener = rs1.spawn(["busybox", "httpd", "-f", "-p", "192.168.64.143:8081", "-h", "/tmp"],
                         name="httpd-8081", log=os.path.join(OUT, "rs1-8081.log"))
    lab.expect_within(
        lambda: lvs2.run(["bash", "-c", "exec 3<>/dev/tcp/192.168.64.143/8081"],
                         check=False).returncode == 0,
        10, "ha_suspend: rs1 listens on 8081")
    lab.expect_holds(lambda: both_real(0), 4,
                     "ha_suspend: suspended again, the real stays out although it listens "
                     "(both)")
    vip_200("add")
    lab.expect_within(lambda: both_real(1), 20,
                      "ha_suspend: the address back, the check brings the real back (both)")
    listener.kill()

    stop(stacks.ka, "keepalived")
    stop(stacks.ipvsd, "ipvsd")
    stop(stacks.checkd, "checkd")
    for d, stack in named:
        left = len(re.findall(r"^(TCP|UDP) ", ipvsadm(d, "-Ln"), re.M))
        expect_eq(f"{stack}: services left after stop with lvs_flush_on_stop", "0", str(left))


scenario("ipvs_globals", body)
