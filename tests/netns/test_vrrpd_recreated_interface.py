#!/usr/bin/python3
# ctest-timeout: 300
"""An interface deleted and made again (same name, new ifindex) while vrrpd runs on
it: the instance is FAULT while it is gone, starts again on the new one, and the pair
ends with exactly one master — not two, as a stale socket made it. keepalived 2.2.7
recovers the same way (checked here too, as the reference)."""

import os
import sys
import time

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvsnet import Lab, expect  # noqa: E402
from vrrp_scenarios import KEEPALIVED, VIP, VRRPD, Director, seed_config  # noqa: E402


def scenario(impl):
    with Lab(f"recreated-interface-{impl.name}") as lab:
        lvs1 = lab.add_host("lvs1", ["192.168.64.130/24"])
        lvs2 = lab.add_host("lvs2", ["192.168.64.137/24"])
        d1 = Director(lvs1, impl, seed_config("master"))
        d2 = Director(lvs2, impl, seed_config("backup"))
        d1.start()
        try:
            lab.wait_until(lambda: lvs1.has_address(VIP), 10, f"{impl.name}: lvs1 MASTER")
            d2.start()
            lab.wait_until(lambda: lvs1.has_address(VIP) and not lvs2.has_address(VIP), 10,
                           f"{impl.name}: lvs1 alone holds the VIP")

            def gone():
                # While lvs1's interface is gone, lvs2 takes over.
                lab.wait_until(lambda: lvs2.has_address(VIP), 6, f"{impl.name}: lvs2 takes over")
            lvs1.recreate_link(between=gone)
            lab.wait_until(lambda: lvs1.has_address(VIP) and not lvs2.has_address(VIP), 15,
                           f"{impl.name}: lvs1 preempts again on the new interface")
            lab.hold_for(lambda: lvs1.has_address(VIP) and not lvs2.has_address(VIP), 3,
                         f"{impl.name}: one master only, lvs1")
            expect(True, f"{impl.name}: recovered from a re-created interface")
            lab.check()
        except BaseException:
            print(f"\nlogs: {lab.logdir}")
            for d in (d1, d2):
                print(f"--- {d.impl.name} on {d.host.name}:\n{d.log_tail()}")
            raise


def main():
    scenario(KEEPALIVED)
    scenario(VRRPD)


if __name__ == "__main__":
    main()
