#!/usr/bin/python3
# ctest-timeout: 300
"""vrrpd under bad VRRP packets on the wire.

Two vrrpd with the seed's configs elect lvs1 master. A third host on the bridge
then injects packets that would make lvs1 step down (priority 254) if they were
believed: bad checksum, TTL 64, truncated, wrong PASS password, unknown VRID,
VRRPv3 to the v2 instance, a non-advert type, and random bytes. Nothing may
change: lvs1 stays master with the VIP, lvs2 stays backup, both keep running,
and each kind of packet is counted under its reason (GetStatus via lvsctl) and
logged. Finally one well-formed priority-254 advert from the same host does
make lvs1 step down: the injection path itself works, so the silence before
it was vrrpd refusing the packets, not packets that never arrived."""

import json
import os
import random
import struct
import sys
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvsnet import Lab  # noqa: E402
from vrrp_scenarios import VIP, VIP_LABEL, master_down, seed_config  # noqa: E402

BIN = os.environ.get("LVS_BIN", "")
INJECTOR = "192.168.64.136"

# Runs inside the injector's namespace: sends each hex-encoded IPv4 datagram
# (header included) on ens160 through an IP_HDRINCL raw socket.
SEND = r"""
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"ens160")
for line in sys.stdin:
    d = bytes.fromhex(line.strip())
    s.sendto(d, (socket.inet_ntoa(d[16:20]), 0))
"""


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def vrrp_v2(vrid=51, prio=254, password=b"1111", naddr=None, addrs=(VIP,), version=2,
            vtype=1, checksum_delta=0):
    body = b"".join(bytes(int(x) for x in a.split(".")) for a in addrs)
    n = len(addrs) if naddr is None else naddr
    head = bytes([version << 4 | vtype, vrid, prio, n, 1, 1, 0, 0])
    msg = head + body + password.ljust(8, b"\0")
    c = (csum(msg) + checksum_delta) & 0xFFFF
    return msg[:6] + struct.pack("!H", c) + msg[8:]


def ipv4(payload, ttl=255, src=INJECTOR, dst="224.0.0.18"):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0xC0, 20 + len(payload), 0, 0, ttl, 112, 0,
                    bytes(int(x) for x in src.split(".")), bytes(int(x) for x in dst.split(".")))
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload


def field(msg, name):
    """A map field of lvsctl's JSON, whichever naming the printer uses."""
    camel = name.split("_")[0] + "".join(w.title() for w in name.split("_")[1:])
    return msg.get(name, msg.get(camel, {}))


class VrrpdBadPackets(unittest.TestCase):
    def vrrp_status(self, host, run_dir):
        out = host.run([os.path.join(BIN, "lvsctl"), "show", "vrrp", "--json",
                        "--run-dir", run_dir]).stdout
        return json.loads(out)

    def test_bad_packets_are_counted_and_change_nothing(self):
        with Lab("vrrpd-bad-packets") as lab:
            lvs1 = lab.add_host("lvs1", ["192.168.64.130/24"])
            lvs2 = lab.add_host("lvs2", ["192.168.64.137/24"])
            inj = lab.add_host("injector", [INJECTOR + "/24"])
            procs, run_dirs = {}, {}
            for host, role in ((lvs1, "master"), (lvs2, "backup")):
                conf = os.path.join(lab.logdir, f"{host.name}.conf")
                with open(conf, "w") as f:
                    f.write(seed_config(role))
                run_dirs[host.name] = lab.short_dir(host.name)
                p = host.spawn([os.path.join(BIN, "vrrpd"), "--config", conf, "--run-dir",
                                run_dirs[host.name], "--log-level", "debug"], name="vrrpd")
                p.required = True
                procs[host.name] = p
            lab.wait_until(lambda: lvs1.has_address(VIP, label=VIP_LABEL)
                           and not lvs2.has_address(VIP), master_down(100, 1, 2) + 2,
                           "lvs1 to be master")

            rng = random.Random(3768)
            kinds = {
                "bad_checksum": [ipv4(vrrp_v2(checksum_delta=1))] * 5,
                "bad_ttl": [ipv4(vrrp_v2(), ttl=64)] * 5,
                "truncated": [ipv4(vrrp_v2(naddr=3))] * 5,
                "auth_mismatch": [ipv4(vrrp_v2(password=b"2222"))] * 5,
                "unknown_vrid": [ipv4(vrrp_v2(vrid=52))] * 5,
                "bad_version": [ipv4(vrrp_v2(version=3))] * 5,
                "bad_type": [ipv4(vrrp_v2(vtype=2))] * 5,
            }
            noise = [ipv4(bytes(rng.randrange(256) for _ in range(rng.randrange(0, 60))))
                     for _ in range(300)]
            datagrams = [d for ds in kinds.values() for d in ds] + noise
            inj.run(["python3", "-c", SEND], input="".join(d.hex() + "\n" for d in datagrams))

            # Nothing changes for well over Master_Down.
            lab.hold_for(lambda: lvs1.has_address(VIP, label=VIP_LABEL)
                         and not lvs2.has_address(VIP), 4.0, "lvs1 master, lvs2 backup")

            st = {h: self.vrrp_status(host, run_dirs[h])
                  for h, host in (("lvs1", lvs1), ("lvs2", lvs2))}
            for h, status in st.items():
                inst = status["instances"][0]
                self.assertEqual(inst["state"], "MASTER" if h == "lvs1" else "BACKUP", h)
                counted = {k: int(n) for k, n in field(inst["counters"], "rx_errors").items()}
                for iface in status.get("interfaces", []):
                    for reason, n in field(iface, "rx_errors").items():
                        counted[reason] = counted.get(reason, 0) + int(n)
                for reason in kinds:
                    self.assertGreaterEqual(int(counted.get(reason, 0)), 5,
                                            f"{h}: {reason} not counted: {counted}")
                self.assertGreaterEqual(sum(int(n) for n in counted.values()),
                                        len(datagrams) - 10,
                                        f"{h}: random datagrams not all counted: {counted}")
                log = procs[h].log()
                for reason in kinds:
                    self.assertIn(f": {reason}", log, f"{h}: no log line for {reason}")

            # Positive control: a well-formed priority-254 advert from the same host,
            # repeated, is believed and lvs1 steps down.
            inj.run(["python3", "-c", SEND], input=ipv4(vrrp_v2()).hex() + "\n")
            lab.wait_until(lambda: not lvs1.has_address(VIP), 1.0,
                           "lvs1 to step down for a valid higher-priority advert")
            for p in procs.values():
                self.assertTrue(p.alive())


if __name__ == "__main__":
    unittest.main(verbosity=2)
