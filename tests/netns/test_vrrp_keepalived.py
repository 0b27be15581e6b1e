#!/usr/bin/python3
# ctest-timeout: 900
# ctest-run-serial
"""Baseline: every VRRP scenario with Debian's keepalived on both directors.
Proves the scenarios themselves (configs, bounds, observations) are right."""

import os
import sys
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vrrp_scenarios import KEEPALIVED, VrrpScenarios  # noqa: E402


class KeepalivedPair(VrrpScenarios, unittest.TestCase):
    IMPL1 = KEEPALIVED
    IMPL2 = KEEPALIVED


if __name__ == "__main__":
    unittest.main(verbosity=2)
