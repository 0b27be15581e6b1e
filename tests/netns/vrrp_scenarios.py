"""VRRP failover scenarios, parametrised by implementation.

Two directors, lvs1 (192.168.64.130) and lvs2 (192.168.64.137), and a client
(192.168.64.136) on one bridge, interface ens160 as in the reference
deployment. lvs1 runs `IMPL1` with the higher priority, lvs2 runs `IMPL2`.
Every scenario is a test method of `VrrpScenarios`; a test file binds the two
implementations:

    class KeepalivedPair(VrrpScenarios, unittest.TestCase):
        IMPL1 = KEEPALIVED
        IMPL2 = KEEPALIVED

Timing is measured on the wire: a capture on the bridge gives every advert,
gratuitous ARP and unsolicited NA a kernel timestamp on one clock. A failover
is the gap between the old master's last advert and the new master's first
announcement (GARP, or NA for IPv6); the bounds are the protocol's own:
Master_Down_Interval = 3 * advert_int + skew for a crash, skew alone after a
priority-0 advert, each plus TOLERANCE.
"""

import contextlib
import ipaddress
import os
import time
import types

from lvsnet import Lab

VIP = "192.168.64.100"
VIP_LABEL = "ens160:vip"
VIP6 = "fd00:64::100"
VRID = 51
TOLERANCE = 0.100  # seconds allowed on top of the protocol's own bound
EARLY_SLACK = 0.020  # a takeover this much before the bound is a timer bug
WIRE_FILTER = "ip proto 112 or ip6 proto 112 or arp or icmp6"
VRRP_MCAST = {4: "224.0.0.18", 6: "ff02::12"}

HOSTS = {
    "lvs1": ("192.168.64.130/24", "fd00:64::130/64"),
    "lvs2": ("192.168.64.137/24", "fd00:64::137/64"),
    "client": ("192.168.64.136/24", "fd00:64::136/64"),
}

def source_dir():
    return os.environ.get("LVS_SOURCE_DIR") or os.path.abspath(
        os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def seed_config(role):
    """The seed's config for role "master" or "backup": the reference deployment's
    keepalived.conf, as tests/fixtures/configs/seed-{role}.conf holds it."""
    with open(os.path.join(source_dir(), "tests", "fixtures", "configs", f"seed-{role}.conf")) as f:
        return f.read()


def vrrp_config(router_id, state, priority, advert_int=1, version=2, auth_pass="1111",
                vips=(f"{VIP}/32 dev ens160 label {VIP_LABEL}",), nopreempt=False,
                unicast_src=None, unicast_peers=()):
    """A one-instance keepalived.conf in the seed's shape with the given variations."""
    g = [f"   router_id {router_id}"]
    if version == 3:
        g.append("   vrrp_version 3")
    i = [f"    state {state}", "    interface ens160", f"    virtual_router_id {VRID}",
         f"    priority {priority}", f"    advert_int {advert_int:g}"]
    if nopreempt:
        i.append("    nopreempt")
    if auth_pass and version == 2:
        i += ["    authentication {", "        auth_type PASS",
              f"        auth_pass {auth_pass}", "    }"]
    if unicast_src:
        i.append(f"    unicast_src_ip {unicast_src}")
        i += ["    unicast_peer {"] + [f"        {p}" for p in unicast_peers] + ["    }"]
    i += ["    virtual_ipaddress {"] + [f"        {v}" for v in vips] + ["    }"]
    return ("global_defs {\n" + "\n".join(g) + "\n}\n\nvrrp_instance VI_1 {\n"
            + "\n".join(i) + "\n}\n")


def skew(priority, advert_int, version):
    """RFC 3768/5798 Skew_Time (v3 scales with the advert interval)."""
    return (256 - priority) / 256 * (advert_int if version == 3 else 1.0)


def master_down(priority, advert_int, version):
    return 3 * advert_int + skew(priority, advert_int, version)


class Implementation:
    """How to start one VRRP implementation with a keepalived.conf."""
    name = "?"

    def command(self, conf, run_dir):
        raise NotImplementedError


class Keepalived(Implementation):
    name = "keepalived"

    def command(self, conf, run_dir):
        return ["keepalived", "-P", "-n", "-l", "-D", "-f", conf,
                "-p", os.path.join(run_dir, "keepalived.pid"),
                "-r", os.path.join(run_dir, "vrrp.pid")]


class Vrrpd(Implementation):
    name = "vrrpd"

    def command(self, conf, run_dir):
        binary = os.path.join(os.environ.get("LVS_BIN", ""), "vrrpd")
        if not os.access(binary, os.X_OK):
            raise AssertionError(f"vrrpd not found at {binary!r}: set LVS_BIN to the "
                                 "build's bin directory (ctest does)")
        return [binary, "--config", conf, "--run-dir", run_dir, "--log-level",
                os.environ.get("LVS_VRRPD_LOG_LEVEL", "debug")]


KEEPALIVED = Keepalived()
VRRPD = Vrrpd()


class Director:
    """One VRRP implementation on one host; restartable."""

    def __init__(self, host, impl, conf_text):
        self.host = host
        self.impl = impl
        self.proc = None
        self.starts = 0
        self.conf = os.path.join(host.lab.logdir, f"{host.name}.keepalived.conf")
        with open(self.conf, "w") as f:
            f.write(conf_text)

    def start(self):
        self.starts += 1
        run_dir = self.host.lab.short_dir(f"{self.host.name}.run{self.starts}")
        self.proc = self.host.spawn(self.impl.command(self.conf, run_dir),
                                    name=f"{self.impl.name}{self.starts}")
        self.proc.required = True
        return self.proc

    def kill9(self):
        """SIGKILL of the daemon and any child, at once: a crash."""
        self.proc.kill()

    def terminate(self, timeout=10):
        self.proc.terminate()
        self.proc.wait(timeout)

    def log_tail(self, lines=40):
        return self.proc.log_tail(lines) if self.proc else ""


def announces(pkt, vip):
    """GARP for an IPv4 VIP, unsolicited NA for an IPv6 one."""
    if ipaddress.ip_address(vip).version == 6:
        return pkt.is_unsolicited_na(vip)
    return pkt.is_garp(vip)


class VrrpScenarios:
    """Mixin for unittest.TestCase; set IMPL1 (lvs1, priority 100) and IMPL2."""
    IMPL1 = KEEPALIVED
    IMPL2 = KEEPALIVED

    # setup

    @contextlib.contextmanager
    def pair(self, conf1, conf2, ipv6=False, start=(True, True)):
        name = f"{type(self).__name__}.{self._testMethodName}"
        with Lab(name) as lab:
            hosts = {}
            for h, (a4, a6) in HOSTS.items():
                hosts[h] = lab.add_host(h, [a4, a6] if ipv6 else [a4])
            if ipv6:
                for h in hosts.values():
                    lab.wait_until(h.link_local, 10, f"IPv6 link-local on {h.name}")
            s = types.SimpleNamespace(lab=lab, wire=lab.capture(WIRE_FILTER, name="wire"),
                                      **hosts)
            s.d1 = Director(s.lvs1, self.IMPL1, conf1)
            s.d2 = Director(s.lvs2, self.IMPL2, conf2)
            if start[0]:
                s.d1.start()
            if start[1]:
                s.d2.start()
            try:
                yield s
                lab.check()
            except BaseException:
                print(f"\nlogs: {lab.logdir}")
                for d in (s.d1, s.d2):
                    print(f"--- {d.impl.name} on {d.host.name}, last lines:\n{d.log_tail()}")
                raise

    # observations

    def adverts(self, s, host, after=0.0, before=float("inf")):
        return s.wire.packets(lambda p: p.is_vrrp(VRID) and p.src_mac == host.mac
                              and after < p.ts < before)

    def wait_master(self, s, master, other, vip, timeout, label=None, after=0.0):
        """Waits until `master` holds the VIP, `other` does not, and master's
        announcement (GARP/NA) after `after` is on the wire; returns it."""
        s.lab.wait_until(lambda: master.has_address(vip, label=label)
                         and not other.has_address(vip), timeout, f"{vip} on {master.name} only")
        return s.wire.wait_for(lambda p: p.src_mac == master.mac and announces(p, vip),
                               TOLERANCE + 1.0, f"announcement of {vip} by {master.name}",
                               after=after)

    def assert_sole_master(self, s, master, other, vip, advert_int, label=None):
        """For two advert intervals: VIP only on master, adverts only from it."""
        t0 = time.time()
        s.lab.hold_for(lambda: master.has_address(vip, label=label)
                       and not other.has_address(vip), 2 * advert_int + 0.2,
                       f"{vip} on {master.name} only")
        self.assertEqual(self.adverts(s, other, after=t0), [],
                         f"{other.name} advertised while {master.name} is master")
        self.assertGreaterEqual(len(self.adverts(s, master, after=t0)), 2,
                                f"{master.name} is not advertising")

    def assert_client_reaches(self, s, master, vip):
        """The client gets answers from the VIP, and its neighbour entry for the
        VIP points at the master."""
        c = s.client

        def reached():
            ok = c.run(["ping", "-n", "-c", "1", "-W", "1", vip], check=False).returncode == 0
            return ok and c.neighbour_mac(vip) == master.mac
        s.lab.wait_until(reached, 5, f"client to reach {vip} at {master.name} ({master.mac})")

    def measure_failover(self, s, old, new, vip, after, bound, what):
        """Gap from old's last advert to new's first announcement after `after`.

        A conforming backup cannot be faster than the protocol's bound (its
        timer starts when that advert arrives), nor much slower: asserts
        bound - EARLY_SLACK <= gap <= bound + TOLERANCE; returns (gap, last advert)."""
        first = s.wire.wait_for(lambda p: p.src_mac == new.mac and announces(p, vip),
                                bound + TOLERANCE + 3.0, f"announcement of {vip} by {new.name}",
                                after=after)
        old_adverts = self.adverts(s, old, before=first.ts)
        self.assertTrue(old_adverts, f"no advert from {old.name} before the failover")
        last = old_adverts[-1]
        gap = first.ts - last.ts
        print(f"{what}: {old.name} last advert -> {new.name} first announcement "
              f"{gap * 1000:.1f} ms (bound {bound * 1000:.1f} + {TOLERANCE * 1000:.0f} ms)")
        self.assertLessEqual(gap, bound + TOLERANCE,
                             f"{what}: failover took {gap:.3f}s, bound {bound:.3f}s + {TOLERANCE}s")
        self.assertGreaterEqual(gap, bound - EARLY_SLACK,
                                f"{what}: {new.name} took over after {gap:.3f}s, before the "
                                f"protocol's {bound:.3f}s")
        return gap, last

    def check_advert(self, pkt, version, priority, advert_int, vip, unicast_dst=None,
                     auth=b"1111"):
        v = pkt.vrrp
        family = ipaddress.ip_address(vip).version
        self.assertEqual((v.version, v.type, v.vrid, v.priority), (version, 1, VRID, priority),
                         f"advert header {pkt}")
        self.assertAlmostEqual(v.adver_int, advert_int, places=3)
        self.assertEqual([ipaddress.ip_address(a) for a in v.addrs],
                         [ipaddress.ip_address(vip)])
        self.assertEqual(pkt.ip.dst, unicast_dst or VRRP_MCAST[family])
        if unicast_dst is None:
            self.assertEqual(pkt.ip.ttl, 255, "adverts go out with TTL/hop limit 255")
        if family == 6:
            self.assertTrue(pkt.ip.src.startswith("fe80:"), "IPv6 adverts come from link-local")
        if version == 2:
            self.assertEqual(v.auth_type, 1 if auth else 0)
            if auth:
                self.assertEqual(v.auth_data, auth.ljust(8, b"\0"))

    def elect(self, s, vip=VIP, label=VIP_LABEL, prio1=100, advert_int=1, version=2):
        """Waits for lvs1 to be the sole master; returns its first announcement."""
        bound = master_down(prio1, advert_int, version) + 2.0
        garp = self.wait_master(s, s.lvs1, s.lvs2, vip, bound, label=label)
        self.assert_sole_master(s, s.lvs1, s.lvs2, vip, advert_int, label=label)
        return garp

    # scenarios

    def test_election_seed(self):
        """The seed's configs: lvs1 master, VIP with its label only there, GARPs,
        adverts as keepalived sends them (v2, PASS 1111, 1 s), client reaches it."""
        with self.pair(seed_config("master"), seed_config("backup")) as s:
            garp = self.elect(s)
            self.assertEqual(garp.arp.sha, s.lvs1.mac)
            ad = self.adverts(s, s.lvs1)[-1]
            self.check_advert(ad, 2, 100, 1, VIP)
            self.assertEqual(s.lvs1.address(VIP)["prefixlen"], 32)
            self.assert_client_reaches(s, s.lvs1, VIP)

    def test_kill9_failover(self):
        """Master crashes: backup holds the VIP within Master_Down + tolerance."""
        with self.pair(seed_config("master"), seed_config("backup")) as s:
            self.elect(s)
            t = time.time()
            s.d1.kill9()
            self.measure_failover(s, s.lvs1, s.lvs2, VIP, t, master_down(90, 1, 2), "kill -9")
            s.lab.wait_until(lambda: s.lvs2.has_address(VIP, label=VIP_LABEL), 1, "VIP on lvs2")
            self.assert_client_reaches(s, s.lvs2, VIP)

    def test_sigterm_failover(self):
        """Master stops: it sends priority 0 and drops the VIP; backup takes over
        after its skew time."""
        with self.pair(seed_config("master"), seed_config("backup")) as s:
            self.elect(s)
            t = time.time()
            s.d1.terminate()
            _, last = self.measure_failover(s, s.lvs1, s.lvs2, VIP, t, skew(90, 1, 2), "SIGTERM")
            self.assertEqual(last.vrrp.priority, 0, "a stopping master's last advert has priority 0")
            s.lab.wait_until(lambda: not s.lvs1.has_address(VIP), 1, "lvs1 to release the VIP")
            self.assert_sole_master(s, s.lvs2, s.lvs1, VIP, 1, label=VIP_LABEL)
            self.assert_client_reaches(s, s.lvs2, VIP)

    def test_preemption_back(self):
        """Crashed master restarts: it drops its stale VIP while backup, then
        preempts the lower-priority master, which releases the VIP."""
        with self.pair(seed_config("master"), seed_config("backup")) as s:
            self.elect(s)
            s.d1.kill9()
            s.lab.wait_until(lambda: s.lvs2.has_address(VIP), master_down(90, 1, 2) + 2,
                             "VIP on lvs2")
            self.assertTrue(s.lvs1.has_address(VIP), "a crashed master leaves its VIP behind")
            t = time.time()
            s.d1.start()
            s.lab.wait_until(lambda: not s.lvs1.has_address(VIP), 2.0,
                       "restarted lvs1 to remove its stale VIP before it is master again")
            self.wait_master(s, s.lvs1, s.lvs2, VIP, master_down(100, 1, 2) + 2,
                             label=VIP_LABEL, after=t)
            self.assert_sole_master(s, s.lvs1, s.lvs2, VIP, 1, label=VIP_LABEL)
            self.assert_client_reaches(s, s.lvs1, VIP)

    def test_nopreempt(self):
        """Both BACKUP with nopreempt: a higher priority arriving later stays
        backup; it takes over only when the master fails."""
        conf1 = vrrp_config("LVS_MASTER", "BACKUP", 100, nopreempt=True)
        conf2 = vrrp_config("LVS_BACKUP", "BACKUP", 90, nopreempt=True)
        with self.pair(conf1, conf2, start=(False, True)) as s:
            self.wait_master(s, s.lvs2, s.lvs1, VIP, master_down(90, 1, 2) + 2, label=VIP_LABEL)
            t = time.time()
            s.d1.start()
            s.lab.hold_for(lambda: s.lvs2.has_address(VIP) and not s.lvs1.has_address(VIP),
                     master_down(100, 1, 2) + 2.0, "VIP staying on lvs2 (nopreempt)")
            self.assertEqual(self.adverts(s, s.lvs1, after=t), [],
                             "nopreempt backup with higher priority advertised")
            t = time.time()
            s.d2.kill9()
            self.measure_failover(s, s.lvs2, s.lvs1, VIP, t, master_down(100, 1, 2),
                                  "kill -9 (nopreempt)")

    def test_unicast(self):
        """unicast_peer: adverts go to the peer's address; election and failover
        work as with multicast."""
        conf1 = vrrp_config("LVS_MASTER", "MASTER", 100, unicast_src="192.168.64.130",
                            unicast_peers=["192.168.64.137"])
        conf2 = vrrp_config("LVS_BACKUP", "BACKUP", 90, unicast_src="192.168.64.137",
                            unicast_peers=["192.168.64.130"])
        with self.pair(conf1, conf2) as s:
            self.elect(s)
            ad = self.adverts(s, s.lvs1)[-1]
            self.check_advert(ad, 2, 100, 1, VIP, unicast_dst="192.168.64.137")
            self.assertEqual(ad.ip.src, "192.168.64.130")
            t = time.time()
            s.d1.kill9()
            self.measure_failover(s, s.lvs1, s.lvs2, VIP, t, master_down(90, 1, 2),
                                  "kill -9 (unicast)")
            ad = s.wire.wait_for(lambda p: p.is_vrrp(VRID) and p.src_mac == s.lvs2.mac,
                                 2, "lvs2 advert", after=t)
            self.check_advert(ad, 2, 90, 1, VIP, unicast_dst="192.168.64.130")

    def test_v3_fast(self):
        """VRRPv3 at advert_int 0.1: crash within 3*0.1 + skew, stop within skew,
        preemption back."""
        conf1 = vrrp_config("LVS_MASTER", "MASTER", 100, advert_int=0.1, version=3)
        conf2 = vrrp_config("LVS_BACKUP", "BACKUP", 90, advert_int=0.1, version=3)
        with self.pair(conf1, conf2) as s:
            self.elect(s, advert_int=0.1, version=3)
            self.check_advert(self.adverts(s, s.lvs1)[-1], 3, 100, 0.1, VIP)
            t = time.time()
            s.d1.kill9()
            self.measure_failover(s, s.lvs1, s.lvs2, VIP, t, master_down(90, 0.1, 3),
                                  "v3 0.1 kill -9")
            t = time.time()
            s.d1.start()
            self.wait_master(s, s.lvs1, s.lvs2, VIP, master_down(100, 0.1, 3) + 2,
                             label=VIP_LABEL, after=t)
            self.assert_sole_master(s, s.lvs1, s.lvs2, VIP, 0.1, label=VIP_LABEL)
            t = time.time()
            s.d1.terminate()
            _, last = self.measure_failover(s, s.lvs1, s.lvs2, VIP, t, skew(90, 0.1, 3),
                                            "v3 0.1 SIGTERM")
            self.assertEqual(last.vrrp.priority, 0)

    def test_ipv6(self):
        """VRRPv3 over IPv6: adverts from link-local to ff02::12, unsolicited NA
        for the VIP, failover on crash."""
        vips = (f"{VIP6}/64 dev ens160",)
        conf1 = vrrp_config("LVS_MASTER", "MASTER", 100, version=3, vips=vips)
        conf2 = vrrp_config("LVS_BACKUP", "BACKUP", 90, version=3, vips=vips)
        with self.pair(conf1, conf2, ipv6=True) as s:
            na = self.elect(s, vip=VIP6, label=None, version=3)
            self.assertEqual(na.ip.dst, "ff02::1")
            self.check_advert(self.adverts(s, s.lvs1)[-1], 3, 100, 1, VIP6)
            self.assert_client_reaches(s, s.lvs1, VIP6)
            t = time.time()
            s.d1.kill9()
            self.measure_failover(s, s.lvs1, s.lvs2, VIP6, t, master_down(90, 1, 3),
                                  "IPv6 kill -9")
            self.assert_client_reaches(s, s.lvs2, VIP6)

    def test_split_brain_heal(self):
        """lvs1's cable is cut: both become master. After the heal, within one
        advert interval, lvs2 steps down and lvs1 re-asserts with a GARP, so the
        client (which followed lvs2 during the cut) comes back to lvs1."""
        with self.pair(seed_config("master"), seed_config("backup")) as s:
            self.elect(s)
            own = s.lvs1.capture("ip proto 112", name="lvs1-own")
            s.lvs1.down()
            s.lab.wait_until(lambda: s.lvs2.has_address(VIP), master_down(90, 1, 2) + 2,
                       "VIP on lvs2 during the cut")
            self.assertTrue(s.lvs1.has_address(VIP), "lvs1 alone should still be master")
            self.assert_client_reaches(s, s.lvs2, VIP)
            # Heal just after one of lvs1's adverts, so that lvs2 (whose adverts
            # run Skew_Time behind lvs1's) speaks first: lvs1 then hears a lower
            # priority and must re-assert.
            t_seen = time.time()
            own.wait_for(lambda p: p.is_vrrp(VRID), 2, "an advert from lvs1 while cut", after=t_seen)
            s.lvs1.up()
            t_heal = time.time()
            deadline = t_heal + 1.0 + TOLERANCE
            garp = s.wire.wait_for(lambda p: p.src_mac == s.lvs1.mac and p.is_garp(VIP),
                                   deadline - time.time() + 0.5, "GARP from lvs1 after heal",
                                   after=t_heal)
            self.assertLessEqual(garp.ts, deadline,
                                 f"lvs1 re-asserted {garp.ts - t_heal:.3f}s after heal")
            s.lab.wait_until(lambda: not s.lvs2.has_address(VIP),
                             max(deadline - time.time(), 0) + 0.2,
                             "lvs2 to release the VIP after heal")
            late = self.adverts(s, s.lvs2, after=deadline)
            self.assertEqual(late, [], "lvs2 still advertising one interval after heal")
            print(f"split brain healed: lvs1 GARP {1000 * (garp.ts - t_heal):.1f} ms after heal")
            self.assert_sole_master(s, s.lvs1, s.lvs2, VIP, 1, label=VIP_LABEL)
            self.assert_client_reaches(s, s.lvs1, VIP)
