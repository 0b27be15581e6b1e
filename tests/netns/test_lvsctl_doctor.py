"""lvsctl doctor director on a director namespace with planted faults: vrrpd is
MASTER but its VIP was removed behind its back, the interface has multicast off, an
nftables rule drops VRRP, and (on this host) the kernel has no IPVS. Each is found with its fix; a config that
does not load is reported as such."""
# ctest-timeout: 120
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvsnet import Lab, expect  # noqa: E402

BIN = os.environ.get("LVS_BIN", "build/bin")
SRC = os.environ.get("LVS_SOURCE_DIR", ".")
CONF = os.path.join(SRC, "tests/fixtures/configs/seed-master.conf")



def main():
    ipvs_here = os.path.exists("/proc/net/ip_vs")
    with Lab("doctor") as lab:
        lvs1 = lab.add_host("lvs1", ["192.168.64.130/24"])
        run = lab.short_dir("run")
        vrrpd = lvs1.spawn([f"{BIN}/vrrpd", "--config", CONF, "--run-dir", run], name="vrrpd")
        vrrpd.required = True
        lab.wait_until(lambda: lvs1.has_address("192.168.64.100", label="ens160:vip"), 15, "lvs1 is MASTER")

        def doctor(conf=CONF):
            return lvs1.run([f"{BIN}/lvsctl", "doctor", "director", "--config", conf, "--run-dir", run],
                            check=False)

        r = doctor()
        healthy_findings = r.stdout.count("PROBLEM:")
        expect(healthy_findings == (0 if ipvs_here else 1), "a healthy director has no findings but IPVS",
               r.stdout)
        if not ipvs_here:
            expect("fix: modprobe ip_vs" in r.stdout, "a kernel without IPVS is found", r.stdout)

        lvs1.run(["ip", "addr", "del", "192.168.64.100/32", "dev", "ens160"])
        lvs1.run(["ip", "link", "set", "ens160", "multicast", "off"])
        r = doctor()
        expect(r.returncode == 1, "doctor exits 1 with problems", r.stdout)
        expect("VI_1 is MASTER but 192.168.64.100 is not on ens160" in r.stdout,
               "a MASTER without its VIP is found", r.stdout)
        expect("fix: ip link set ens160 multicast on" in r.stdout, "multicast off is found", r.stdout)
        expect(r.stdout.count("PROBLEM:") == healthy_findings + 2, "exactly the planted faults", r.stdout)

        # A firewall in the director's namespace that drops VRRP.
        lvs1.run(["nft", "add", "table", "inet", "filter"])
        lvs1.run(["nft", "add", "chain", "inet", "filter", "input",
                  "{ type filter hook input priority 0; policy accept; }"])
        lvs1.run(["nft", "add", "rule", "inet", "filter", "input", "ip", "protocol", "vrrp", "drop"])
        r = doctor()
        expect("a firewall rule drops VRRP (IP protocol 112): ip protocol vrrp drop" in r.stdout,
               "a firewall rule dropping VRRP is found", r.stdout)
        expect(r.stdout.count("PROBLEM:") == healthy_findings + 3, "and nothing else new", r.stdout)

        bad = os.path.join(lab.logdir, "bad.conf")
        with open(bad, "w") as f:
            f.write("vrrp_instance VI_1 {\n  priorty 100\n}\n")
        r = doctor(bad)
        expect(f"lvsctl config check {bad}" in r.stdout, "a config that does not load is reported", r.stdout)


if __name__ == "__main__":
    main()
