#!/usr/bin/python3
# ctest-timeout: 300
# ctest-run-serial
"""use_vmac: the VIP lives on a macvlan carrying the VRRP virtual MAC
00:00:5e:00:01:33 (VRID 51), adverts and GARPs leave from it, and the client's
neighbour entry for the VIP is the virtual MAC -- so after a failover the
client reaches the new master without learning a new MAC. A stopping vrrpd
removes its macvlan and restores the base interface's arp_ignore."""

import os
import signal
import sys
import time
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvsnet import Lab  # noqa: E402
from vrrp_scenarios import TOLERANCE, VIP, VRID, master_down, seed_config, skew  # noqa: E402

BIN = os.environ.get("LVS_BIN", "")
VMAC = "00:00:5e:00:01:33"
VMAC_IF = "vrrp.51"


def vmac_config(role):
    conf = seed_config(role).replace("    virtual_router_id 51\n",
                                     "    virtual_router_id 51\n    use_vmac\n", 1)
    return conf.replace(f"{VIP}/32 dev ens160 label ens160:vip", f"{VIP}/32")


class VrrpdVmac(unittest.TestCase):
    def test_virtual_mac_survives_failover(self):
        with Lab("vrrpd-vmac") as lab:
            lvs1 = lab.add_host("lvs1", ["192.168.64.130/24"])
            lvs2 = lab.add_host("lvs2", ["192.168.64.137/24"])
            client = lab.add_host("client", ["192.168.64.136/24"])
            wire = lab.capture("ip proto 112 or arp", name="wire")
            procs = {}
            for host, role in ((lvs1, "master"), (lvs2, "backup")):
                conf = os.path.join(lab.logdir, f"{host.name}.conf")
                with open(conf, "w") as f:
                    f.write(vmac_config(role))
                p = host.spawn([os.path.join(BIN, "vrrpd"), "--config", conf, "--run-dir",
                                lab.short_dir(host.name), "--log-level", "debug"], name="vrrpd")
                p.required = True
                procs[host.name] = p
            lab.wait_until(lambda: lvs1.has_address(VIP, dev=VMAC_IF)
                           and not lvs2.has_address(VIP, dev=VMAC_IF), master_down(100, 1, 2) + 2,
                           "VIP on lvs1's macvlan")
            # The backup hears the master through its own macvlan of the same MAC.
            lab.hold_for(lambda: lvs1.has_address(VIP, dev=VMAC_IF)
                         and not lvs2.has_address(VIP, dev=VMAC_IF), 2.5,
                         "lvs1 sole master")
            for h in (lvs1, lvs2):
                link = h.run(["ip", "-o", "link", "show", VMAC_IF]).stdout
                self.assertIn(f"link/ether {VMAC}", link, h.name)
            self.assertEqual(lvs1.run(["sysctl", "-n", "net.ipv4.conf.ens160.arp_ignore"])
                             .stdout.strip(), "1")

            ad = wire.wait_for(lambda p: p.is_vrrp(VRID) and p.ts > 0, 2, "an advert")
            self.assertEqual(ad.src_mac, VMAC, "adverts leave from the virtual MAC")
            self.assertEqual(ad.ip.src, "192.168.64.130", "from the base's primary address")
            garp = wire.wait_for(lambda p: p.is_garp(VIP), 2, "GARP")
            self.assertEqual(garp.arp.sha, VMAC)

            def reach():
                client.run(["ping", "-n", "-c", "1", "-W", "1", VIP], check=False)
                return client.neighbour_mac(VIP) == VMAC
            lab.wait_until(reach, 5, "client reaching the VIP at the virtual MAC")

            t = time.time()
            procs["lvs1"].required = False
            procs["lvs1"].signal(signal.SIGTERM)
            first = wire.wait_for(lambda p: p.is_garp(VIP), skew(90, 1, 2) + TOLERANCE + 1,
                                  "lvs2's GARP", after=t)
            self.assertEqual(first.arp.sha, VMAC)
            procs["lvs1"].wait(5)
            lab.wait_until(lambda: lvs2.has_address(VIP, dev=VMAC_IF), 1, "VIP on lvs2's macvlan")
            self.assertNotEqual(lvs1.run(["ip", "link", "show", VMAC_IF], check=False).returncode,
                                0, "a stopped vrrpd removes its macvlan")
            self.assertEqual(lvs1.run(["sysctl", "-n", "net.ipv4.conf.ens160.arp_ignore"])
                             .stdout.strip(), "0", "arp_ignore restored")
            # The client's entry never changed: it keeps talking to the virtual MAC.
            self.assertEqual(client.neighbour_mac(VIP), VMAC)
            ok = client.run(["ping", "-n", "-c", "1", "-W", "1", VIP], check=False)
            self.assertEqual(ok.returncode, 0, "the new master answers at the same MAC")


if __name__ == "__main__":
    unittest.main(verbosity=2)
