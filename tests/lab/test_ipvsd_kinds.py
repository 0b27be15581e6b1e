#!/usr/bin/python3
"""Every kind of entry ipvsd's netlink client writes, checked against ipvsadm's own:
the same table is made by ipvsd from fixtures/ipvs-kinds.conf in one namespace and by
ipvsadm commands in another, and the two `ipvsadm -Ln`/`-Sn` listings must be
identical (TCP with persistence and a netmask, NAT with thresholds, UDP DR, SCTP TUN
with sh-port, fwmark, IPv6 with a weight-0 real). Then the client's errors: a
scheduler the kernel lacks is reported in words, and nothing else is touched."""

import os
import re
import shutil
import signal

from lablib import FIXTURES, OUT, expect, expect_eq, ipvsadm, modules, scenario

REFERENCE = [
    "-A -t 192.168.64.200:443 -s wlc -p 300 -M 255.255.255.0",
    "-a -t 192.168.64.200:443 -r 10.1.1.1:8443 -m -w 3 -x 100 -y 10",
    "-A -u 192.168.64.200:53 -s rr",
    "-a -u 192.168.64.200:53 -r 192.168.64.143:53 -g -w 2",
    "-A --sctp-service 192.168.64.200:9 -s sh -b sh-port",
    "-a --sctp-service 192.168.64.200:9 -r 192.168.64.138:9 -i -w 1",
    "-A -f 7 -s wrr",
    "-a -f 7 -r 192.168.64.143:0 -g -w 5",
    "-A -t [2001:db8::100]:80 -s lc",
    "-a -t [2001:db8::100]:80 -r [2001:db8::143]:80 -g -w 1",
    "-a -t [2001:db8::100]:80 -r [2001:db8::138]:80 -g -w 0",
]
REFUSAL = ("change service TCP [2001:db8::100]:80 (nq): "
           "scheduler 'nq' is not available in this kernel")


def body(lab, args):
    bin_dir = os.path.join(args[0], "bin")
    modules("dummy", "ip_vs_lc", "ip_vs_sh")
    # Two identical hosts; the reals' networks are on a dummy interface so DR and TUN
    # destinations are routable.
    kinds, ref = (lab.add_host(name, ["192.168.64.1/24", "2001:db8::1/64"], ifname="d0",
                               bridged=False) for name in ("kinds", "ref"))
    for line in REFERENCE:
        ipvsadm(ref, *line.split(), check=True)

    run = "/tmp/kinds"
    os.makedirs(run, exist_ok=True)
    conf = os.path.join(run, "keepalived.conf")
    shutil.copy(os.path.join(FIXTURES, "ipvs-kinds.conf"), conf)
    log_path = os.path.join(OUT, "ipvsd-kinds.log")
    ipvsd = kinds.spawn([f"{bin_dir}/ipvsd", "--config", conf, "--run-dir", run,
                         "--resync-interval", "2"], name="ipvsd", log=log_path)

    def same(*view):
        return ipvsadm(kinds, *view) == ipvsadm(ref, *view)
    lab.expect_within(lambda: same("-Ln"), 60, "ipvsd's table equals ipvsadm's (ipvsadm -Ln)")
    for view in (["-Sn"], ["-Ln", "--thresholds"], ["-Ln", "--persistent-conn"]):
        expect_eq(f"ipvsd's table equals ipvsadm's (ipvsadm {' '.join(view)})",
                  ipvsadm(ref, *view), ipvsadm(kinds, *view))

    # Someone else's service in the same table is never touched, through a resync.
    ipvsadm(kinds, "-A", "-t", "192.168.64.250:80", "-s", "rr", check=True)
    ipvsadm(kinds, "-e", "-f", "7", "-r", "192.168.64.143:0", "-g", "-w", "9", check=True)
    lab.expect_within(lambda: "Route   5" in ipvsadm(kinds, "-Ln", "-f", "7"), 20,
                      "a weight changed by hand is put back by the resync")
    expect_eq("the foreign service is left alone", "-A -t 192.168.64.250:80 -s rr",
              "\n".join(line for line in ipvsadm(kinds, "-Sn").splitlines()
                        if "192.168.64.250" in line))

    # A scheduler the kernel cannot load: a reload that says so, in words. (This
    # kernel has every scheduler as a module, so module loading is switched off.)
    with open("/proc/sys/kernel/modprobe", "w") as f:
        f.write("/bin/false\n")
    with open(conf) as f:
        text = f.read()
    with open(conf, "w") as f:
        f.write(re.sub(r"lb_algo lc\b", "lb_algo nq", text))
    ipvsd.signal(signal.SIGHUP)
    lab.expect_within(lambda: REFUSAL in ipvsd.log(), 30,
                      "the kernel's refusal is logged in words")

    def others(host, *skip):
        return "\n".join(line for line in ipvsadm(host, "-Sn").splitlines()
                         if not any(s in line for s in skip))
    expect_eq("the other services are unchanged", others(ref, "2001:db8::100"),
              others(kinds, "2001:db8::100", "192.168.64.250"))


scenario("ipvsd_kinds", body)
