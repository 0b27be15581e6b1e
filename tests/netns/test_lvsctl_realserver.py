"""lvsctl realserver and doctor realserver, on a real server in its own namespace.

- doctor on a deliberately broken real server finds every planted fault, each
  with the command that fixes it, and exits 1;
- realserver up applies the DR setup (VIP on lo /32, ARP suppressed, rp_filter
  off), twice without harm; doctor then finds nothing and exits 0;
- with that setup the real server does not answer ARP for the VIP, while the
  director (VIP on ens160) does;
- realserver down reverses it.
"""
# ctest-timeout: 120
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvsnet import Lab, expect  # noqa: E402

LVSCTL = os.path.join(os.environ.get("LVS_BIN", "build/bin"), "lvsctl")
VIP = "192.168.64.100"


def lvsctl(host, *args):
    return host.run([LVSCTL, *args], check=False)



def main():
    with Lab("lvsctl-realserver") as lab:
        rs = lab.add_host("rs1", ["192.168.64.143/24"])
        director = lab.add_host("lvs1", ["192.168.64.130/24"])
        client = lab.add_host("client", ["192.168.64.136/24"])

        # Plant faults: VIP on lo with a /24, rp_filter strict, arp_ignore off.
        rs.run(["ip", "addr", "add", f"{VIP}/24", "dev", "lo"])
        rs.sysctl("net.ipv4.conf.all.rp_filter", "1")
        rs.sysctl("net.ipv4.conf.all.arp_ignore", "0")
        rs.sysctl("net.ipv4.conf.lo.arp_ignore", "0")
        # The rest set explicitly: a new namespace may inherit the machine's values.
        rs.sysctl("net.ipv4.conf.lo.arp_announce", "0")
        rs.sysctl("net.ipv4.conf.all.arp_announce", "0")
        rs.sysctl("net.ipv4.conf.lo.rp_filter", "0")

        r = lvsctl(rs, "doctor", "realserver", "--vip", VIP)
        out = r.stdout
        expect(r.returncode == 1, "doctor exits 1 on a broken real server", out + r.stderr)
        for fix in [
            f"ip addr del {VIP}/24 dev lo && ip addr add {VIP}/32 dev lo",
            "sysctl -w net.ipv4.conf.lo.arp_ignore=1",
            "sysctl -w net.ipv4.conf.lo.arp_announce=2",
            "sysctl -w net.ipv4.conf.all.arp_ignore=1",
            "sysctl -w net.ipv4.conf.all.arp_announce=2",
            "sysctl -w net.ipv4.conf.all.rp_filter=0",
        ]:
            expect(f"fix: {fix}" in out, f"doctor finds the fault fixed by '{fix}'", out)
        expect(out.count("PROBLEM:") == 6, "exactly the six planted faults", out)

        for attempt in (1, 2):
            r = lvsctl(rs, "realserver", "up", "--vip", VIP)
            expect(r.returncode == 0, f"realserver up succeeds (run {attempt})", r.stdout + r.stderr)
        expect(rs.has_address(VIP, dev="lo", prefixlen=32), "the VIP is on lo as /32")
        expect(not rs.has_address(VIP, dev="lo", prefixlen=24), "the /24 is gone")
        r = lvsctl(rs, "doctor", "realserver", "--vip", VIP)
        expect(r.returncode == 0 and "no problems found" in r.stdout, "doctor is satisfied after up",
               r.stdout + r.stderr)

        # ARP: only the director answers for the VIP.
        director.add_address(f"{VIP}/32", dev="ens160")
        arping = client.run(["arping", "-c", "3", "-w", "3", "-I", "ens160", VIP], check=False)
        expect(director.mac.lower() in arping.stdout.lower(), "the director answers ARP for the VIP", arping.stdout)
        expect(rs.mac.lower() not in arping.stdout.lower(), "the real server stays silent", arping.stdout)

        r = lvsctl(rs, "realserver", "down", "--vip", VIP)
        expect(r.returncode == 0, "realserver down succeeds", r.stdout + r.stderr)
        expect(not rs.has_address(VIP, dev="lo"), "the VIP left lo")
        arp_ignore = rs.run(["cat", "/proc/sys/net/ipv4/conf/lo/arp_ignore"]).stdout.strip()
        expect(arp_ignore == "0", "arp_ignore restored to the kernel default")
        r = lvsctl(rs, "doctor", "realserver", "--vip", VIP)
        expect(r.returncode == 1, "doctor complains again after down", r.stdout)


if __name__ == "__main__":
    main()
