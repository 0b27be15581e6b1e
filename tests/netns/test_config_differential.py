#!/usr/bin/python3
# ctest-timeout: 900
# ctest-run-serial
"""The same keepalived.conf under keepalived 2.2.7 and under vrrpd, in the same
topology, observed on the wire and on the interface: what the config layer
resolves (explicit zeros, excluded addresses, the initial state) must make vrrpd
do what keepalived does. Each case runs one director alone on lvs1 (it becomes
master), first keepalived, then vrrpd, and compares the two observations."""

import json
import os
import pwd
import shutil
import sys
import tempfile
import time
import types
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvsnet import Lab  # noqa: E402
from vrrp_scenarios import (HOSTS, KEEPALIVED, VIP, VIP_LABEL, VRID, VRRPD, WIRE_FILTER,  # noqa: E402
                            Director, vrrp_config)

EXCLUDED4 = "192.168.64.200"
EXCLUDED6 = "fd00:64::200"


def with_globals(conf, lines):
    return conf.replace("global_defs {\n", "global_defs {\n" + "".join(f"   {l}\n" for l in lines), 1)


def scratch_dir():
    """A temporary directory the daemons' script users can reach."""
    work = tempfile.mkdtemp(prefix="lvs-diff-")
    os.chmod(work, 0o755)
    return work


def write_script(path, body, mode=0o755):
    """A shell script at `path` that runs `body`; returns the path."""
    with open(path, "w") as f:
        f.write(f"#!/bin/sh\n{body}\n")
    os.chmod(path, mode)
    return path


def ruleset(host):
    """The host's nftables rule set as a sorted list of JSON objects without handles
    (so the order chains were made in, and their numbering, do not count)."""
    out = json.loads(host.run(["nft", "-j", "list", "ruleset"]).stdout)
    objects = []
    for o in out.get("nftables", []):
        if "metainfo" in o:
            continue
        for body in o.values():
            body.pop("handle", None)
        objects.append(json.dumps(o, sort_keys=True))
    return sorted(objects)


def connects(client, address, port=80):
    """Whether a TCP connection from `client` to address:port completes within 1 s."""
    r = client.run(["python3", "-c", "import socket, sys; "
                    f"socket.create_connection(({address!r}, {port}), timeout=1)"], check=False)
    return r.returncode == 0


class SameFileSameOutcome(unittest.TestCase):

    def observe(self, impl, conf, settle, expect_addresses=()):
        """Runs `impl` with `conf` on lvs1 alone; returns what the wire and lvs1's
        interface showed in the `settle` seconds after it first announced the VIP."""
        name = f"{type(self).__name__}.{self._testMethodName}.{impl.name}"
        with Lab(name) as lab:
            lvs1 = lab.add_host("lvs1", [HOSTS["lvs1"][0], HOSTS["lvs1"][1]])
            lab.add_host("client", [HOSTS["client"][0]])
            wire = lab.capture(WIRE_FILTER, name="wire")
            d = Director(lvs1, impl, conf)
            started = time.time()
            d.start()
            try:
                first = wire.wait_for(lambda p: p.src_mac == lvs1.mac and p.is_garp(VIP), 10,
                                      f"{impl.name}: a gratuitous ARP for {VIP}")
                lab.wait_until(lambda: all(lvs1.has_address(a) for a in (VIP,) + expect_addresses),
                               5, f"{impl.name}: {(VIP,) + expect_addresses} on lvs1")
                addresses_as_master = sorted(a["local"] for a in lvs1.addresses())
                wire.wait_for(lambda p: p.src_mac == lvs1.mac and p.is_vrrp(VRID)
                              and p.ts > first.ts + settle, settle + 3,
                              f"{impl.name}: an advert {settle} s after the first GARP")
                adverts = [p for p in wire.packets()
                           if p.src_mac == lvs1.mac and p.is_vrrp(VRID) and p.vrrp.priority > 0]
                garps = [p for p in wire.packets()
                         if p.src_mac == lvs1.mac and p.is_garp(VIP)
                         and first.ts <= p.ts <= first.ts + settle]
                lab.check()
                return types.SimpleNamespace(
                    start_to_first_advert=adverts[0].ts - started,
                    advert_addrs=sorted({tuple(p.vrrp.addrs) for p in adverts}),
                    garps=len(garps), addresses=addresses_as_master)
            except BaseException:
                print(f"\nlogs: {lab.logdir}\n--- {impl.name} last lines:\n{d.log_tail()}")
                raise

    def both(self, conf, settle, expect_addresses=()):
        k = self.observe(KEEPALIVED, conf, settle, expect_addresses)
        v = self.observe(VRRPD, conf, settle, expect_addresses)
        print(f"{self._testMethodName}: keepalived {vars(k)}\n    vrrpd {vars(v)}")
        return k, v

    def test_garp_master_delay_0_means_one_burst(self):
        # keepalived: one burst of vrrp_garp_master_repeat (5) GARPs and no second
        # burst; without the 0 (default 5 s) there would be ten in 7 s.
        conf = with_globals(vrrp_config("LVS_DEVEL", "MASTER", 100), ["vrrp_garp_master_delay 0"])
        k, v = self.both(conf, settle=7.0)
        self.assertEqual(k.garps, 5, "keepalived's own count (the reference) changed")
        self.assertEqual(v.garps, k.garps, "vrrpd's GARP count differs from keepalived's")

    def test_default_garp_master_delay_gives_a_second_burst(self):
        # The control case: the same file without the 0 gives the second burst.
        conf = vrrp_config("LVS_DEVEL", "MASTER", 100)
        k, v = self.both(conf, settle=7.0)
        self.assertEqual(k.garps, 10)
        self.assertEqual(v.garps, k.garps)

    def test_virtual_ipaddress_excluded_is_added_and_not_advertised(self):
        base = vrrp_config("LVS_DEVEL", "MASTER", 100).rstrip()
        assert base.endswith("}")  # the instance's closing brace
        conf = (base[:-1] + f"    virtual_ipaddress_excluded {{\n        {EXCLUDED4}/32\n"
                f"        {EXCLUDED6}/64\n    }}\n}}\n")
        k, v = self.both(conf, settle=2.0, expect_addresses=(EXCLUDED4, EXCLUDED6))
        self.assertEqual(v.addresses, k.addresses)
        self.assertEqual(k.advert_addrs, [(VIP,)], "keepalived's adverts (the reference) changed")
        self.assertEqual(v.advert_addrs, k.advert_addrs)

    def test_state_master_and_backup_at_start(self):
        # Measured with keepalived 2.2.7 alone on the link: with state MASTER as with
        # BACKUP, its first advert comes after Master_Down_Interval (3 s + skew 0.61 s
        # at priority 100); vrrpd must take the same time, within 0.5 s.
        for state in ("MASTER", "BACKUP"):
            conf = vrrp_config("LVS_DEVEL", state, 100)
            k, v = self.both(conf, settle=1.0)
            self.assertGreater(k.start_to_first_advert, 3.0, f"keepalived, state {state}")
            self.assertLess(abs(k.start_to_first_advert - v.start_to_first_advert), 0.5,
                            f"state {state}: start-to-first-advert differs")

    def test_down_timer_adverts_sets_master_down(self):
        # down_timer_adverts 5: Master_Down_Interval is 5 x 1 s + skew (0.61 s) under
        # keepalived; vrrpd's first advert must come as late, within 0.5 s.
        conf = vrrp_config("LVS_DEVEL", "BACKUP", 100).replace(
            "    virtual_ipaddress {", "    down_timer_adverts 5\n    virtual_ipaddress {", 1)
        k, v = self.both(conf, settle=1.0)
        self.assertGreater(k.start_to_first_advert, 5.0, "keepalived's reference changed")
        self.assertLess(abs(k.start_to_first_advert - v.start_to_first_advert), 0.5)

    def script_case(self, mode, script_user_line, security):
        """A vrrp_script (weight 0, tracked) that appends its uid to a file; returns
        what each implementation left in the file once master (None: never ran)."""
        results = {}
        for impl in (KEEPALIVED, VRRPD):
            work = scratch_dir()
            try:
                outdir = os.path.join(work, "out")
                os.mkdir(outdir)
                os.chmod(outdir, 0o777)
                out = os.path.join(outdir, "uid")
                script = write_script(os.path.join(work, "check.sh"), f"id -u >> {out}\nexit 0", mode)
                g = ["enable_script_security"] if security else []
                conf = with_globals(vrrp_config("LVS_DEVEL", "MASTER", 100), g)
                # Before the instance: keepalived resolves track_script while reading it.
                conf = conf.replace("vrrp_instance VI_1 {", f"vrrp_script chk {{\n    script \"{script}\"\n"
                                    f"    interval 1\n{script_user_line}}}\n\nvrrp_instance VI_1 {{", 1)
                conf = conf.replace("    virtual_ipaddress {", "    track_script {\n        chk\n    }\n"
                                    "    virtual_ipaddress {", 1)
                self.observe(impl, conf, settle=2.0)
                results[impl.name] = None
                if os.path.exists(out):
                    with open(out) as f:
                        results[impl.name] = f.read().split()
            finally:
                shutil.rmtree(work, ignore_errors=True)
        print(f"{self._testMethodName}: {results}")
        return results

    def test_vrrp_script_user(self):
        r = self.script_case(0o755, "    user nobody\n", security=False)
        nobody = str(pwd.getpwnam("nobody").pw_uid)
        self.assertTrue(r["keepalived"] and set(r["keepalived"]) == {nobody},
                        f"keepalived's script ran as {r['keepalived']} (the reference)")
        self.assertEqual(set(r["vrrpd"] or []), {nobody})

    def test_enable_script_security_refuses_a_writable_root_script(self):
        # Run as root (script_user root), a script anyone may rewrite is disabled by
        # both; the instance no longer tracks it and becomes master all the same.
        r = self.script_case(0o777, "", security=True)
        self.assertIsNone(r["keepalived"], "keepalived ran the insecure script (the reference)")
        self.assertIsNone(r["vrrpd"], "vrrpd ran the insecure script")

    def test_no_accept_drops_the_vips_traffic_with_keepalived_rules(self):
        # A non-owner without accept mode drops traffic to and from its VIPs while it
        # is master (RFC 5798 6.4.3). keepalived 2.2.7 does it with nftables tables
        # "keepalived" (ip and ip6; link-local VIPs keyed by interface); vrrpd must
        # install the same rule set, drop the same connections and delete the tables
        # when it stops.
        base = vrrp_config("LVS_DEVEL", "MASTER", 100).rstrip()
        conf = (base[:-1] + f"    no_accept\n    virtual_ipaddress_excluded {{\n"
                f"        {EXCLUDED6}/64\n        fe80::200/64\n    }}\n}}\n")
        seen = {}
        for impl in (KEEPALIVED, VRRPD):
            with Lab(f"{type(self).__name__}.{self._testMethodName}.{impl.name}") as lab:
                lvs1 = lab.add_host("lvs1", [HOSTS["lvs1"][0], HOSTS["lvs1"][1]])
                client = lab.add_host("client", [HOSTS["client"][0], HOSTS["client"][1]])
                lvs1.httpd("lvs1\n")  # on every address, VIPs included
                d = Director(lvs1, impl, conf)
                d.start()
                try:
                    lab.wait_until(lambda: lvs1.has_address(VIP) and lvs1.has_address(EXCLUDED6)
                                   and len(ruleset(lvs1)) > 0, 10,
                                   f"{impl.name}: VIPs and drop rules on lvs1")
                    own4, own6 = HOSTS["lvs1"][0].split("/")[0], HOSTS["lvs1"][1].split("/")[0]
                    seen[impl.name] = types.SimpleNamespace(
                        rules=ruleset(lvs1),
                        reach={a: connects(client, a) for a in (VIP, EXCLUDED6, own4, own6)})
                    d.terminate()
                    lab.wait_until(lambda: not ruleset(lvs1), 5,
                                   f"{impl.name}: its nftables tables deleted at exit")
                    lab.check()
                except BaseException:
                    print(f"\nlogs: {lab.logdir}\n--- {impl.name} last lines:\n{d.log_tail()}")
                    raise
        k, v = seen["keepalived"], seen["vrrpd"]
        print(f"{self._testMethodName}: keepalived {k.reach}\n    vrrpd {v.reach}")
        self.assertEqual(k.reach, {VIP: False, EXCLUDED6: False, HOSTS["lvs1"][0].split("/")[0]: True,
                                   HOSTS["lvs1"][1].split("/")[0]: True},
                         "keepalived's reachability (the reference) changed")
        self.assertEqual(v.reach, k.reach)
        self.assertEqual(v.rules, k.rules, "vrrpd's nftables rule set differs from keepalived's")

    def test_tables_left_by_a_killed_vrrpd_are_cleared_at_start(self):
        # vrrpd only, on purpose: keepalived 2.2.7 killed with -9 leaves its tables,
        # and a restart whose config needs no rules keeps dropping the VIPs' traffic.
        # vrrpd clears its table name at start.
        no_accept = vrrp_config("LVS_DEVEL", "MASTER", 100).replace(
            "    virtual_ipaddress {", "    no_accept\n    virtual_ipaddress {", 1)
        with Lab(f"{type(self).__name__}.{self._testMethodName}") as lab:
            lvs1 = lab.add_host("lvs1", [HOSTS["lvs1"][0]])
            d = Director(lvs1, VRRPD, no_accept)
            d.start()
            try:
                lab.wait_until(lambda: lvs1.has_address(VIP) and ruleset(lvs1), 10,
                               "vrrpd: VIP and drop rules on lvs1")
                d.kill9()
                d.proc.wait(5)
                self.assertTrue(ruleset(lvs1), "the tables should outlive vrrpd killed with -9")
                with open(d.conf, "w") as f:
                    f.write(vrrp_config("LVS_DEVEL", "MASTER", 100))  # accept mode
                d.start()
                lab.wait_until(lambda: not ruleset(lvs1), 5, "vrrpd: the left-over tables cleared")
                lab.check()
            except BaseException:
                print(f"\nlogs: {lab.logdir}\n--- vrrpd last lines:\n{d.log_tail()}")
                raise

    def notified_states(self, conf_for, steps):
        """Runs each implementation with conf_for(work_dir) (a generic `notify` script
        appends each state to work_dir/states); after it is first master, performs
        each step (action(host, work_dir), state the instance must reach, seconds it
        must then stay there). Returns each implementation's list of states."""
        result = {}
        for impl in (KEEPALIVED, VRRPD):
            work = scratch_dir()
            states = os.path.join(work, "states")
            notify = write_script(os.path.join(work, "notify.sh"), f'echo "$3" >> {states}')

            def last():
                if not os.path.exists(states):
                    return None
                with open(states) as f:
                    lines = f.read().split()
                return lines[-1] if lines else None
            with Lab(f"{type(self).__name__}.{self._testMethodName}.{impl.name}") as lab:
                lvs1 = lab.add_host("lvs1", [HOSTS["lvs1"][0]])
                conf = conf_for(work).replace("    virtual_ipaddress {",
                                              f"    notify {notify}\n    virtual_ipaddress {{", 1)
                d = Director(lvs1, impl, conf)
                try:
                    for action, _, _ in steps[:1]:
                        action(lvs1, work)  # the state before the daemon starts
                    d.start()
                    for i, (action, state, hold) in enumerate(steps):
                        if i > 0:
                            action(lvs1, work)
                        lab.wait_until(lambda: last() == state, 10,
                                       f"{impl.name}, step {i}: notify {state} (last {last()})")
                        if hold:
                            lab.hold_for(lambda: last() == state, hold,
                                         f"{impl.name}, step {i}: staying {state}")
                    lab.check()
                    with open(states) as f:
                        result[impl.name] = f.read().split()
                except BaseException:
                    print(f"\nlogs: {lab.logdir}\n--- {impl.name} last lines:\n{d.log_tail()}")
                    raise
                finally:
                    shutil.rmtree(work, ignore_errors=True)
        print(f"{self._testMethodName}: {result}")
        self.assertEqual(result["vrrpd"], result["keepalived"])
        return result

    def test_dont_track_primary_keeps_master_through_its_interface_going_down(self):
        def nothing(host, work):
            pass
        steps = [(nothing, "MASTER", 0), (lambda h, w: h.if_down(), "MASTER", 2.0),
                 (lambda h, w: h.if_up(), "MASTER", 1.0)]
        tracked = self.notified_states(
            lambda w: vrrp_config("LVS_DEVEL", "MASTER", 100), [steps[0],
            (lambda h, w: h.if_down(), "FAULT", 0), (lambda h, w: h.if_up(), "MASTER", 0)])
        self.assertIn("FAULT", tracked["keepalived"], "keepalived's reference changed")
        kept = self.notified_states(
            lambda w: vrrp_config("LVS_DEVEL", "MASTER", 100).replace(
                "    virtual_ipaddress {", "    dont_track_primary\n    virtual_ipaddress {", 1),
            steps)
        self.assertNotIn("FAULT", kept["keepalived"], "keepalived's reference changed")

    def test_reverse_track_interface(self):
        # weight 0 and reverse: the instance is FAULT while `extra` is up.
        def make(host, work):  # a veth whose peer is up: `extra` has carrier when up
            host.run(["ip", "link", "add", "extra", "type", "veth", "peer", "name", "extra-peer"])
            host.run(["ip", "link", "set", "extra-peer", "up"])
        conf = vrrp_config("LVS_DEVEL", "MASTER", 100).replace(
            "    virtual_ipaddress {", "    track_interface {\n        extra weight 0 reverse\n    }\n"
            "    virtual_ipaddress {", 1)
        self.notified_states(lambda w: conf, [
            (make, "MASTER", 0),
            (lambda h, w: h.run(["ip", "link", "set", "extra", "up"]), "FAULT", 1.0),
            (lambda h, w: h.run(["ip", "link", "set", "extra", "down"]), "MASTER", 0)])

    def test_reverse_track_script(self):
        # A reversed script fails when it succeeds: FAULT while the flag file exists.
        def conf(work):
            flag = os.path.join(work, "flag")
            return vrrp_config("LVS_DEVEL", "MASTER", 100).replace(
                "vrrp_instance VI_1 {", f"vrrp_script chk {{\n    script \"/usr/bin/test -e {flag}\"\n"
                "    interval 1\n    weight 0 reverse\n}\n\nvrrp_instance VI_1 {", 1).replace(
                "    virtual_ipaddress {", "    track_script {\n        chk\n    }\n"
                "    virtual_ipaddress {", 1)

        def touch(host, work):
            with open(os.path.join(work, "flag"), "w"):
                pass
        self.notified_states(conf, [
            (lambda h, w: None, "MASTER", 0), (touch, "FAULT", 1.0),
            (lambda h, w: os.unlink(os.path.join(w, "flag")), "MASTER", 0)])

    def test_init_fail_start_is_not_announced(self):
        # init_fail: the script counts as failed until its first success. keepalived
        # starts the instance in a FAULT it does not announce (no notify), then
        # announces BACKUP on the first success; vrrpd must notify the same.
        def conf(work):
            flag = os.path.join(work, "flag")
            with open(flag, "w"):
                pass
            return vrrp_config("LVS_DEVEL", "MASTER", 100).replace(
                "vrrp_instance VI_1 {", f"vrrp_script chk {{\n    script \"/bin/sh -c 'sleep 1; test -e {flag}'\"\n"
                "    interval 2\n    timeout 3\n    init_fail\n}\n\nvrrp_instance VI_1 {", 1).replace(
                "    virtual_ipaddress {", "    track_script {\n        chk\n    }\n"
                "    virtual_ipaddress {", 1)
        r = self.notified_states(conf, [(lambda h, w: None, "MASTER", 0)])
        self.assertEqual(r["keepalived"], ["BACKUP", "MASTER"], "keepalived's reference changed")

    def test_adverts_with_another_vip_list_are_ignored(self):
        # keepalived drops an advert whose VIP list is not the instance's (count or
        # an address): two directors configured with different lists never hear
        # each other, and both become master. vrrpd must do the same (the dropped
        # adverts are counted, not obeyed).
        extra = f"{VIP[:-3]}101/32 dev ens160"
        conf1 = vrrp_config("LVS_DEVEL", "MASTER", 100)
        conf2 = vrrp_config("LVS_BACKUP", "BACKUP", 90,
                            vips=(f"{VIP}/32 dev ens160 label {VIP_LABEL}", extra))
        masters = {}
        for impl in (KEEPALIVED, VRRPD):
            with Lab(f"{type(self).__name__}.{self._testMethodName}.{impl.name}") as lab:
                lvs1 = lab.add_host("lvs1", [HOSTS["lvs1"][0]])
                lvs2 = lab.add_host("lvs2", [HOSTS["lvs2"][0]])
                d1, d2 = Director(lvs1, impl, conf1), Director(lvs2, impl, conf2)
                d1.start()
                d2.start()
                try:
                    both = lambda: lvs1.has_address(VIP) and lvs2.has_address(VIP)  # noqa: E731
                    lab.wait_until(both, 10, f"{impl.name}: both directors hold {VIP}")
                    lab.hold_for(both, 3.0, f"{impl.name}: both stay master")
                    masters[impl.name] = True
                    lab.check()
                except BaseException:
                    print(f"\nlogs: {lab.logdir}\n--- {impl.name} lvs1:\n{d1.log_tail()}"
                          f"\n--- lvs2:\n{d2.log_tail()}")
                    raise
        self.assertEqual(masters, {"keepalived": True, "vrrpd": True})

    def test_promote_secondaries_is_set_while_running(self):
        # keepalived sets net.ipv4.conf.IF.promote_secondaries while the instance
        # runs and puts the 0 back when it stops; so must vrrpd.
        conf = vrrp_config("LVS_DEVEL", "MASTER", 100).replace(
            "    virtual_ipaddress {", "    promote_secondaries\n    virtual_ipaddress {", 1)
        seen = {}
        for impl in (KEEPALIVED, VRRPD):
            with Lab(f"{type(self).__name__}.{self._testMethodName}.{impl.name}") as lab:
                lvs1 = lab.add_host("lvs1", [HOSTS["lvs1"][0]])
                key = "net.ipv4.conf.ens160.promote_secondaries"
                value = lambda: lvs1.run(["sysctl", "-n", key]).stdout.strip()  # noqa: E731
                before = value()
                d = Director(lvs1, impl, conf)
                d.start()
                try:
                    lab.wait_until(lambda: lvs1.has_address(VIP), 10, f"{impl.name}: {VIP} on lvs1")
                    running = value()
                    d.terminate()
                    lab.wait_until(lambda: value() == before, 5, f"{impl.name}: {key} back to {before}")
                    seen[impl.name] = (before, running)
                    lab.check()
                except BaseException:
                    print(f"\nlogs: {lab.logdir}\n--- {impl.name} last lines:\n{d.log_tail()}")
                    raise
        print(f"{self._testMethodName}: {seen}")
        self.assertEqual(seen["keepalived"], ("0", "1"), "keepalived's reference changed")
        self.assertEqual(seen["vrrpd"], seen["keepalived"])

    def test_track_file_weight_0_faults_on_a_non_zero_number(self):
        # A maintenance file: while it holds a non-zero number the instance is FAULT
        # (weight 0), and back when it holds 0 again, rewritten or renamed over.
        def conf(work):
            path = os.path.join(work, "maint")
            with open(path, "w") as f:
                f.write("0\n")
            return vrrp_config("LVS_DEVEL", "MASTER", 100).replace(
                "vrrp_instance VI_1 {", f"track_file maint {{\n    file {path}\n    weight 0\n}}\n\n"
                "vrrp_instance VI_1 {", 1).replace(
                "    virtual_ipaddress {", "    track_file {\n        maint\n    }\n"
                "    virtual_ipaddress {", 1)

        def write(value):
            def act(host, work):
                tmp = os.path.join(work, "maint.new")
                with open(tmp, "w") as f:
                    f.write(f"{value}\n")
                os.rename(tmp, os.path.join(work, "maint"))  # as an editor or a deploy does
            return act
        self.notified_states(conf, [(lambda h, w: None, "MASTER", 0), (write(1), "FAULT", 1.0),
                                    (write(0), "MASTER", 0)])

    def test_vrrp_notify_fifo_lines(self):
        # vrrp_notify_fifo: one line per state change (INSTANCE "VI_1" MASTER 100),
        # STOP at exit; the FIFO made by the test is read as the daemon writes it.
        lines = {}
        for impl in (KEEPALIVED, VRRPD):
            work = tempfile.mkdtemp(prefix="lvs-diff-")
            fifo = os.path.join(work, "vrrp.fifo")
            os.mkfifo(fifo)
            reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
            got = b""
            try:
                conf = with_globals(vrrp_config("LVS_DEVEL", "MASTER", 100), [f"vrrp_notify_fifo {fifo}"])
                with Lab(f"{type(self).__name__}.{self._testMethodName}.{impl.name}") as lab:
                    lvs1 = lab.add_host("lvs1", [HOSTS["lvs1"][0]])
                    d = Director(lvs1, impl, conf)
                    d.start()

                    def read_until(text):
                        nonlocal got
                        try:
                            got += os.read(reader, 4096)
                        except BlockingIOError:
                            pass
                        return text in got
                    try:
                        lab.wait_until(lambda: read_until(b" MASTER "), 10, f"{impl.name}: a MASTER line")
                        d.terminate()
                        lab.wait_until(lambda: read_until(b" STOP "), 5, f"{impl.name}: a STOP line")
                        lab.check()
                    except BaseException:
                        print(f"\nlogs: {lab.logdir}\n--- {impl.name}:\n{d.log_tail()}\nfifo: {got!r}")
                        raise
                lines[impl.name] = got.decode().splitlines()
            finally:
                os.close(reader)
                shutil.rmtree(work, ignore_errors=True)
        print(f"{self._testMethodName}: {lines}")
        self.assertEqual(lines["keepalived"][-2:], ['INSTANCE "VI_1" MASTER 100', 'INSTANCE "VI_1" STOP 100'],
                         "keepalived's reference changed")
        self.assertEqual(lines["vrrpd"], lines["keepalived"])

    def test_notify_master_rx_lower_pri_runs_on_a_lower_priority(self):
        # A master hearing a lower priority (priority 50, from the client's address,
        # crafted as test_vrrpd_bad_packets does) runs notify_master_rx_lower_pri.
        from test_vrrpd_bad_packets import SEND, ipv4, vrrp_v2
        ran = {}
        for impl in (KEEPALIVED, VRRPD):
            work = scratch_dir()
            out = os.path.join(work, "ran")
            script = write_script(os.path.join(work, "lower.sh"), f'echo "$#" >> {out}')
            conf = vrrp_config("LVS_DEVEL", "MASTER", 100).replace(
                "    virtual_ipaddress {", f"    notify_master_rx_lower_pri {script}\n    virtual_ipaddress {{", 1)
            try:
                with Lab(f"{type(self).__name__}.{self._testMethodName}.{impl.name}") as lab:
                    lvs1 = lab.add_host("lvs1", [HOSTS["lvs1"][0]])
                    client = lab.add_host("client", [HOSTS["client"][0]])
                    d = Director(lvs1, impl, conf)
                    d.start()
                    try:
                        lab.wait_until(lambda: lvs1.has_address(VIP), 10, f"{impl.name}: {VIP} on lvs1")
                        client.run(["python3", "-c", SEND], input=ipv4(vrrp_v2(prio=50)).hex() + "\n")
                        lab.wait_until(lambda: os.path.exists(out), 5,
                                       f"{impl.name}: notify_master_rx_lower_pri ran")
                        self.assertTrue(lvs1.has_address(VIP), f"{impl.name}: still master")
                        lab.check()
                    except BaseException:
                        print(f"\nlogs: {lab.logdir}\n--- {impl.name}:\n{d.log_tail()}")
                        raise
                with open(out) as f:
                    ran[impl.name] = f.read().split()
            finally:
                shutil.rmtree(work, ignore_errors=True)
        print(f"{self._testMethodName}: {ran}")
        self.assertEqual(ran["keepalived"], ["0"], "keepalived's reference changed (no arguments)")
        self.assertEqual(ran["vrrpd"], ran["keepalived"])

    def test_a_vip_removed_by_hand_is_put_back(self):
        # keepalived 2.2.7 watches its addresses and restores a VIP deleted from a
        # master; vrrpd must too, about as fast.
        conf = vrrp_config("LVS_DEVEL", "MASTER", 100)
        back_after = {}
        for impl in (KEEPALIVED, VRRPD):
            with Lab(f"{type(self).__name__}.{self._testMethodName}.{impl.name}") as lab:
                lvs1 = lab.add_host("lvs1", [HOSTS["lvs1"][0]])
                d = Director(lvs1, impl, conf)
                d.start()
                try:
                    lab.wait_until(lambda: lvs1.has_address(VIP), 10, f"{impl.name}: {VIP} on lvs1")
                    lvs1.run(["ip", "addr", "del", f"{VIP}/32", "dev", "ens160"])
                    removed = time.time()
                    lab.wait_until(lambda: lvs1.has_address(VIP), 5,
                                   f"{impl.name}: {VIP} put back after ip addr del")
                    back_after[impl.name] = time.time() - removed
                    lab.check()
                except BaseException:
                    print(f"\nlogs: {lab.logdir}\n--- {impl.name} last lines:\n{d.log_tail()}")
                    raise
        print(f"{self._testMethodName}: {back_after}")
        self.assertLess(back_after["vrrpd"], back_after["keepalived"] + 1.0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
