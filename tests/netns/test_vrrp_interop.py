#!/usr/bin/python3
# ctest-timeout: 1500
# ctest-run-serial
"""Interoperability: every VRRP scenario with vrrpd and Debian's keepalived as
peers, in both roles (v2 with PASS from the seed's configs, v3, IPv6, unicast)."""

import os
import sys
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vrrp_scenarios import KEEPALIVED, VRRPD, VrrpScenarios  # noqa: E402


class VrrpdMasterKeepalivedBackup(VrrpScenarios, unittest.TestCase):
    IMPL1 = VRRPD
    IMPL2 = KEEPALIVED


class KeepalivedMasterVrrpdBackup(VrrpScenarios, unittest.TestCase):
    IMPL1 = KEEPALIVED
    IMPL2 = VRRPD


if __name__ == "__main__":
    unittest.main(verbosity=2)
