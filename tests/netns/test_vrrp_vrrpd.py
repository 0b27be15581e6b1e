#!/usr/bin/python3
# ctest-timeout: 900
# ctest-run-serial
"""Every VRRP scenario with lvs-ha's vrrpd on both directors."""

import os
import sys
import time
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vrrp_scenarios import (VIP, VIP_LABEL, VRRPD, VrrpScenarios, master_down,  # noqa: E402
                            seed_config)


class VrrpdPair(VrrpScenarios, unittest.TestCase):
    IMPL1 = VRRPD
    IMPL2 = VRRPD

    def test_restart_keeps_left_over_vip_until_another_master(self):
        """vrrpd only (keepalived drops the VIP at start): a master's vrrpd killed
        and restarted at once, as systemd does, keeps the VIP it left until it hears
        another master, so at no moment does neither director hold it; then it is
        master again, alone."""
        with self.pair(seed_config("master"), seed_config("backup")) as s:
            self.elect(s)
            s.d1.kill9()
            s.d1.proc.wait(5)
            t = time.time()
            s.d1.start()
            # Read lvs1, lvs2, then lvs1 again: a handover between two reads (the new
            # holder adds the VIP before the old one drops it) is then always seen by one
            # of them, while a real gap (nobody holds it) still reads False three times.
            def held():
                return (s.lvs1.has_address(VIP) or s.lvs2.has_address(VIP)
                        or s.lvs1.has_address(VIP))
            s.lab.hold_for(held, master_down(100, 1, 2) + 1.0, "the VIP on one director or the other")
            self.wait_master(s, s.lvs1, s.lvs2, VIP, master_down(100, 1, 2) + 2,
                             label=VIP_LABEL, after=t)
            self.assert_sole_master(s, s.lvs1, s.lvs2, VIP, 1, label=VIP_LABEL)


if __name__ == "__main__":
    unittest.main(verbosity=2)
