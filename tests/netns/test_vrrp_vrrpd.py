#!/usr/bin/python3
# ctest-timeout: 900
# ctest-run-serial
"""Every VRRP scenario with lvs-ha's vrrpd on both directors."""

import os
import sys
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vrrp_scenarios import VRRPD, VrrpScenarios  # noqa: E402


class VrrpdPair(VrrpScenarios, unittest.TestCase):
    IMPL1 = VRRPD
    IMPL2 = VRRPD


if __name__ == "__main__":
    unittest.main(verbosity=2)
