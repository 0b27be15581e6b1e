"""lvsnet: hosts in network namespaces on a bridge, for lvs-ha's netns test tier.

Python 3 standard library only. Must run as root on a kernel with network
namespaces, veth and bridge.

Topology
--------
A `Lab` owns one "switch" namespace holding a bridge (`br0`, STP off, multicast
snooping off, no uplink) and any number of hosts. Each host is its own
namespace with a loopback and one veth whose host-side name is configurable
(default ``ens160``, as in the reference deployment); the other end sits in the
switch namespace as a bridge port. Nothing is connected to the machine's own
namespace, so test traffic cannot leave the lab.

Namespace names are ``lvsnet-<pid>-<random>-<host>``: unique per run, so tests
run in parallel never collide. Every namespace and process a Lab makes is
removed when the ``with`` block ends, on success, on exceptions, and on
SIGTERM/SIGHUP (turned into an exception while a Lab is open). If a run was
SIGKILLed, the next Lab sweeps namespaces whose owning pid is gone.

API
---
    with Lab("my-test") as lab:                 # logs in lab.logdir
        a = lab.add_host("lvs1", ["192.168.64.130/24"])
        b = lab.add_host("lvs2", ["192.168.64.137/24"], ifname="ens160")
        a.run(["ping", "-c1", "-W1", "192.168.64.137"])   # CompletedProcess
        a.run("echo hi > /tmp/x", check=False)            # str => sh -c
        p = a.spawn(["sleep", "100"], name="sleeper")     # Proc, log file per proc
        p.alive(); p.signal(signal.SIGTERM); p.kill(); p.wait(5); p.log()
        p.required = True     # lab.wait_until/hold_for/capture waits fail at
                              # once if p exits (cleared by kill()/terminate())
        a.down(); a.up()      # cut / heal the host's cable at the switch port:
                              # the host's interface stays up (carrier on), the
                              # frames just go nowhere -- a split brain
        a.unplug(); a.plug()  # the switch port down / up: the host loses carrier
        a.if_down(); a.if_up()  # admin state of the host's own interface
        a.has_address("192.168.64.100", label="ens160:vip")
        a.addresses()         # [{'family','local','prefixlen','label','tentative'}]
        a.add_address("192.168.64.100/32", label="ens160:vip")  # IPv6: nodad
        a.mac; a.ip; a.ip6    # MAC of the interface, first IPv4 / IPv6 address
        a.neighbour_mac("192.168.64.100")  # MAC in a's neighbour table, or None
        a.link_local()        # non-tentative fe80:: address, or None
        a.sysctl("net.ipv4.ip_nonlocal_bind", 1)
        cap = lab.capture("vrrp or arp")         # tcpdump on the bridge (the wire)
        cap = a.capture("arp")                   # or on a host's interface
        cap.packets()         # [Packet] decoded from pcap, kernel timestamps
        cap.wait_for(lambda p: p.is_garp(vip), 5, "GARP", after=t0)  # first match
        run_dir = lab.short_dir("lvs1-run")      # short path for Unix sockets
        web = a.httpd("This is RS1\\n", port=80)  # busybox httpd serving one page
        wait_until(lambda: a.has_address(vip), 5, "VIP on lvs1")
        expect(cond, "what"); expect_eq("what", expected, actual)  # FAIL: and go on
        lab.expect_within(pred, 5, "what"); lab.expect_holds(pred, 2, "what")
                              # the waits as checks: FAIL: "what (not within 5 s)"
        hold_for(lambda: not b.has_address(vip), 2, "VIP absent on lvs2")
        lab.wait_until(...); lab.hold_for(...)   # the same, guarded by lab.check()

Packets (`Packet`): ``ts`` (float, CLOCK_REALTIME seconds, comparable with
``time.time()``), ``src_mac``, ``dst_mac``, ``ethertype`` and, when present,
``arp`` / ``ip`` / ``vrrp`` / ``icmp6`` namespaces (see `Packet` for fields),
plus ``is_garp(addr)``, ``is_unsolicited_na(addr)``, ``is_vrrp()``.

Logs: each Lab writes to ``$LVS_NETNS_LOGDIR/<name>-<time>-<pid>`` (default
base ``/tmp/lvsnet-logs``): one ``<host>.<proc>.log`` per spawned process,
``*.pcap`` per capture, and ``lab.log`` with every command the Lab ran.
"""

import atexit
import collections
import difflib
import ipaddress
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import struct
import subprocess
import threading
import time
import types

NS_PREFIX = "lvsnet-"
_NS_RE = re.compile(r"^lvsnet-(\d+)-[0-9a-f]+-")


class LabError(RuntimeError):
    """A lab command failed; the message carries the command and its output."""


class LabInterrupted(BaseException):
    """Raised in the main thread when the test process gets SIGTERM/SIGHUP."""


_failed_expectations = []
# True: a check that holds prints nothing (a script that tells its own story).
quiet = False


def expect(cond, what, detail=""):
    """One named check of a scripted test. It prints "ok: what" when it holds;
    when it fails it prints "FAIL: what" with `detail` and the script goes on, so
    one failure does not hide the rest. The Lab the script runs in then fails at
    its end, naming every check that failed (see failed_expectations())."""
    if cond:
        if not quiet:
            print(f"ok: {what}", flush=True)
        return True
    print(f"FAIL: {what}\n{detail}", flush=True)
    _failed_expectations.append(what)
    return False


def failed_expectations():
    """Raises AssertionError naming every expect() that failed so far."""
    if _failed_expectations:
        names = "\n  ".join(_failed_expectations)
        raise AssertionError(f"{len(_failed_expectations)} check(s) failed:\n  {names}")


def expect_eq(what, expected, actual):
    """expect() that two texts are equal; a failure shows them as a diff."""
    if expected == actual:
        return expect(True, what)
    diff = difflib.unified_diff(str(expected).splitlines(), str(actual).splitlines(),
                                "expected", "actual", lineterm="")
    return expect(False, what, "\n".join("    " + line for line in diff))


def expect_within(predicate, timeout, what, interval=0.2, guard=None):
    """expect() of wait_until: the condition comes true within `timeout` seconds.
    Returns its value, or None after printing "FAIL: what (not within N s)" (or why
    it can no longer come true) and going on, as every expect() does."""
    try:
        value = wait_until(predicate, timeout, what, interval, guard)
    except (TimeoutError, AssertionError) as e:
        expect(False, f"{what} (not within {timeout:g} s)", f"    {e}")
        return None
    expect(True, what)
    return value


def expect_holds(predicate, duration, what, interval=0.2, guard=None):
    """expect() of hold_for: the condition stays true for `duration` seconds."""
    try:
        hold_for(predicate, duration, what, interval, guard)
    except AssertionError as e:
        return expect(False, f"{what} (broke within {duration:g} s)", f"    {e}")
    return expect(True, what)


def wait_until(predicate, timeout, what, interval=0.01, guard=None):
    """Calls predicate until it returns a truthy value, which is returned.

    Raises TimeoutError naming `what`, the timeout and the last value (or
    exception) seen, once `timeout` seconds have passed. An AssertionError from
    the predicate, or from `guard` (called before each try), ends the wait at
    once: it means the condition can no longer come true."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        if guard is not None:
            guard()
        try:
            value = predicate()
            if value:
                return value
            last = value
        except AssertionError:
            raise
        except Exception as e:  # the condition may raise while not yet true
            last = e
        if time.monotonic() >= deadline:
            raise TimeoutError(
                f"timed out after {timeout:.3f}s waiting for {what} (last: {last!r})")
        time.sleep(interval)


def hold_for(predicate, duration, what, interval=0.02, guard=None):
    """Checks that predicate stays truthy for `duration` seconds; raises
    AssertionError naming `what` and the moment it stopped holding."""
    start = time.monotonic()
    while True:
        if guard is not None:
            guard()
        value = predicate()
        if not value:
            raise AssertionError(f"{what} stopped holding after "
                                 f"{time.monotonic() - start:.3f}s (value: {value!r})")
        if time.monotonic() - start >= duration:
            return value
        time.sleep(interval)


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _list_netns():
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True)
    return [line.split()[0] for line in out.stdout.splitlines() if line.strip()]


def _kill_netns_pids(ns):
    out = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True)
    for tok in out.stdout.split():
        try:
            os.kill(int(tok), signal.SIGKILL)
        except (ValueError, ProcessLookupError):
            pass


def _delete_netns(ns):
    _kill_netns_pids(ns)
    subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def sweep_stale_namespaces():
    """Removes lvsnet namespaces and short dirs whose owning test process no
    longer exists (a run killed with SIGKILL could not clean up itself)."""
    for ns in _list_netns():
        m = _NS_RE.match(ns)
        if m and not _pid_alive(int(m.group(1))):
            _delete_netns(ns)
    for d in os.listdir("/tmp"):
        m = re.match(r"^lvsnet-(\d+)-[0-9a-f]+$", d)
        if m and not _pid_alive(int(m.group(1))):
            shutil.rmtree(os.path.join("/tmp", d), ignore_errors=True)


class Proc:
    """A long-lived process in a namespace, in its own process group."""

    def __init__(self, popen, name, log_path, ns, graceful=False):
        self.popen = popen
        self.name = name
        self.log_path = log_path
        self.ns = ns
        self.graceful = graceful  # at lab close: SIGTERM first (tcpdump), else SIGKILL
        # While set, the process exiting fails the Lab's waits at once (Lab.check).
        self.required = False

    @property
    def pid(self):
        return self.popen.pid

    def alive(self):
        return self.popen.poll() is None

    def signal(self, sig):
        """Sends sig to the process itself (not its group)."""
        if self.alive():
            os.kill(self.pid, sig)

    def terminate(self):
        self.required = False
        self.signal(signal.SIGTERM)

    def kill(self):
        """SIGKILLs the whole process group at once (daemons that fork die too)."""
        self.required = False
        if self.alive():
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.popen.wait()

    def wait(self, timeout):
        """Waits for exit; returns the exit status, raises TimeoutError."""
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            raise TimeoutError(f"{self.name} (pid {self.pid}) still running after {timeout}s")

    def stop(self, grace=2.0):
        """SIGTERM, then SIGKILL of the group if still running after grace."""
        if self.alive():
            self.terminate()
            try:
                self.popen.wait(grace)
            except subprocess.TimeoutExpired:
                pass
        self.kill()

    def log_tail(self, lines=40):
        return "\n".join(self.log().splitlines()[-lines:])

    def log(self):
        try:
            with open(self.log_path, "r", errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def wait_log(self, pattern, timeout):
        """Waits until the log matches the regex `pattern`; returns the match."""
        rx = re.compile(pattern)
        return wait_until(lambda: rx.search(self.log()), timeout,
                          f"{self.name} log to match {pattern!r}")

    def __repr__(self):
        return f"Proc({self.name}, pid={self.pid}, ns={self.ns})"


def _mac_str(b):
    return ":".join(f"{x:02x}" for x in b)


class Packet:
    """One captured Ethernet frame, decoded as far as lvs-ha's tests need.

    arp:   op (1 request, 2 reply), sha, spa, tha, tpa
    ip:    version, src, dst, proto (next header), ttl (hop limit for IPv6)
    vrrp:  version, type, vrid, priority, count, auth_type (v2; None for v3),
           adver_int (seconds, float), checksum, addrs (list of str),
           auth_data (bytes, v2 only), raw (bytes of the VRRP message)
    icmp6: type, code, target (for NS/NA), flags (NA R/S/O bits as int)
    """

    def __init__(self, ts, data):
        self.ts = ts
        self.data = data
        self.dst_mac = _mac_str(data[0:6])
        self.src_mac = _mac_str(data[6:12])
        self.ethertype = struct.unpack("!H", data[12:14])[0] if len(data) >= 14 else None
        self.arp = self.ip = self.vrrp = self.icmp6 = None
        try:
            self._decode(data[14:])
        except (struct.error, IndexError, ValueError):
            pass  # a truncated frame keeps whatever layers decoded

    def _decode(self, p):
        if self.ethertype == 0x0806 and len(p) >= 28:
            self.arp = types.SimpleNamespace(
                op=struct.unpack("!H", p[6:8])[0], sha=_mac_str(p[8:14]),
                spa=str(ipaddress.IPv4Address(p[14:18])), tha=_mac_str(p[18:24]),
                tpa=str(ipaddress.IPv4Address(p[24:28])))
        elif self.ethertype == 0x0800 and len(p) >= 20:
            ihl = (p[0] & 0x0F) * 4
            total = struct.unpack("!H", p[2:4])[0]
            self.ip = types.SimpleNamespace(
                version=4, ttl=p[8], proto=p[9],
                src=str(ipaddress.IPv4Address(p[12:16])),
                dst=str(ipaddress.IPv4Address(p[16:20])))
            self._decode_l4(self.ip.proto, p[ihl:total], 4)
        elif self.ethertype == 0x86DD and len(p) >= 40:
            nh, hlim = p[6], p[7]
            self.ip = types.SimpleNamespace(
                version=6, ttl=hlim, proto=nh,
                src=str(ipaddress.IPv6Address(p[8:24])),
                dst=str(ipaddress.IPv6Address(p[24:40])))
            plen = struct.unpack("!H", p[4:6])[0]
            rest = p[40:40 + plen]
            while nh in (0, 43, 60) and len(rest) >= 8:  # skip extension headers
                nh, rest = rest[0], rest[(rest[1] + 1) * 8:]
            self.ip.proto = nh
            self._decode_l4(nh, rest, 6)

    def _decode_l4(self, proto, p, family):
        if proto == 112 and len(p) >= 8:
            version, vtype = p[0] >> 4, p[0] & 0x0F
            count = p[3]
            alen = 4 if family == 4 else 16
            addrs = []
            for i in range(count):
                chunk = p[8 + i * alen: 8 + (i + 1) * alen]
                if len(chunk) == alen:
                    addrs.append(str(ipaddress.ip_address(chunk)))
            if version == 2:
                auth_type, adver, auth_data = p[4], float(p[5]), p[8 + count * alen:8 + count * alen + 8]
            else:
                auth_type, auth_data = None, b""
                adver = (struct.unpack("!H", p[4:6])[0] & 0x0FFF) / 100.0
            self.vrrp = types.SimpleNamespace(
                version=version, type=vtype, vrid=p[1], priority=p[2], count=count,
                auth_type=auth_type, adver_int=adver,
                checksum=struct.unpack("!H", p[6:8])[0], addrs=addrs,
                auth_data=auth_data, raw=bytes(p))
        elif proto == 58 and len(p) >= 4:
            target = None
            flags = 0
            if p[0] in (135, 136) and len(p) >= 24:
                target = str(ipaddress.IPv6Address(p[8:24]))
                flags = p[4] >> 5
            self.icmp6 = types.SimpleNamespace(type=p[0], code=p[1], target=target, flags=flags)

    def is_vrrp(self, vrid=None):
        return self.vrrp is not None and (vrid is None or self.vrrp.vrid == vrid)

    def is_garp(self, addr=None):
        """A gratuitous ARP (request or reply) announcing addr (any if None)."""
        a = self.arp
        return a is not None and a.spa == a.tpa and (addr is None or a.spa == str(addr))

    def is_unsolicited_na(self, addr=None):
        """An unsolicited neighbour advertisement for addr (any if None)."""
        i = self.icmp6
        return (i is not None and i.type == 136 and not (i.flags & 0b010)
                and (addr is None or ipaddress.ip_address(i.target) == ipaddress.ip_address(addr)))

    def __repr__(self):
        what = "?"
        if self.vrrp:
            v = self.vrrp
            what = (f"VRRPv{v.version} {self.ip.src}>{self.ip.dst} vrid {v.vrid} "
                    f"prio {v.priority} int {v.adver_int} addrs {v.addrs}")
        elif self.arp:
            what = f"ARP op {self.arp.op} {self.arp.spa}@{self.arp.sha} -> {self.arp.tpa}"
        elif self.icmp6:
            what = f"ICMPv6 {self.icmp6.type} target {self.icmp6.target} {self.ip.src}>{self.ip.dst}"
        elif self.ip:
            what = f"IPv{self.ip.version} proto {self.ip.proto} {self.ip.src}>{self.ip.dst}"
        return f"<{self.ts:.6f} {self.src_mac} {what}>"


def read_pcap(path):
    """Decodes a (possibly still growing) pcap file into a list of Packet."""
    try:
        with open(path, "rb") as f:
            buf = f.read()
    except FileNotFoundError:
        return []
    if len(buf) < 24:
        return []
    magic = buf[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        endian = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = ">"
    else:
        raise LabError(f"{path}: not a pcap file")
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    linktype = struct.unpack(endian + "I", buf[20:24])[0]
    if linktype != 1:
        raise LabError(f"{path}: link type {linktype}, expected Ethernet")
    out = []
    off = 24
    while off + 16 <= len(buf):
        sec, frac, incl, _orig = struct.unpack(endian + "IIII", buf[off:off + 16])
        if off + 16 + incl > len(buf):
            break  # record still being written
        ts = sec + frac / (1e9 if nano else 1e6)
        out.append(Packet(ts, buf[off + 16:off + 16 + incl]))
        off += 16 + incl
    return out


class Capture:
    """tcpdump writing a pcap in a namespace; read it any time with packets()."""

    def __init__(self, lab, ns, iface, bpf, name):
        self.lab = lab
        self.path = os.path.join(lab.logdir, f"{name}.pcap")
        cmd = ["tcpdump", "-i", iface, "-n", "-U", "--immediate-mode", "-s", "512",
               "--time-stamp-precision=micro", "-w", self.path]
        if bpf:
            cmd += shlex.split(bpf)
        self.proc = lab._spawn(ns, cmd, name, graceful=True)
        wait_until(lambda: "listening on" in self.proc.log() or not self.proc.alive(), 10,
                   f"tcpdump {name} to start")
        if not self.proc.alive():
            raise LabError(f"tcpdump {name} failed: {self.proc.log()}")

    def packets(self, where=None):
        """All packets so far, optionally filtered by a predicate."""
        pkts = read_pcap(self.path)
        return [p for p in pkts if where is None or where(p)]

    def wait_for(self, where, timeout, what, after=None):
        """Waits for a packet matching `where` (and ts > after); returns the first."""
        def found():
            for p in self.packets():
                if (after is None or p.ts > after) and where(p):
                    return p
            return None
        return wait_until(found, timeout, what, interval=0.005, guard=self.lab.check)

    def stop(self):
        self.proc.stop(grace=2.0)


class Host:
    """A host: a namespace with lo and one veth port on the lab's bridge."""

    def __init__(self, lab, name, ns, ifname, port, mac):
        self.lab = lab
        self.name = name
        self.ns = ns
        self.ifname = ifname
        self.port = port  # the veth end in the switch namespace
        self.mac = mac
        self.addrs = []

    def _first_address(self, version):
        for a in self.addrs:
            iface = ipaddress.ip_interface(a)
            if iface.version == version:
                return str(iface.ip)
        return None

    @property
    def ip(self):
        """The host's first configured IPv4 address, without prefix length."""
        return self._first_address(4)

    @property
    def ip6(self):
        """The host's first configured IPv6 address, without prefix length."""
        return self._first_address(6)

    def run(self, cmd, check=True, timeout=30, input=None):
        """Runs cmd (list, or str for sh -c) in the namespace and waits for it."""
        return self.lab._run(self.ns, cmd, check=check, timeout=timeout, input=input)

    def spawn(self, cmd, name=None, env=None, log=None):
        """Starts a long-lived process; output goes to <logdir>/<host>.<name>.log,
        or appended to `log` (a path) when given."""
        if isinstance(cmd, str):
            cmd = ["sh", "-c", cmd]
        name = name or os.path.basename(cmd[0])
        return self.lab._spawn(self.ns, cmd, f"{self.name}.{name}", env=env, log_path=log)

    def add_address(self, addr, dev=None, label=None):
        dev = dev or self.ifname
        cmd = ["ip", "addr", "add", addr, "dev", dev]
        if ipaddress.ip_interface(addr).version == 6:
            cmd.append("nodad")
        elif label:
            cmd += ["label", label]
        self.run(cmd)

    def addresses(self, dev=None):
        """Addresses on dev (default the host interface) as dicts with family,
        local, prefixlen, label (IPv4 only)."""
        dev = dev or self.ifname
        out = self.run(["ip", "-j", "addr", "show", "dev", dev]).stdout
        res = []
        for link in json.loads(out or "[]"):
            for a in link.get("addr_info", []):
                res.append({"family": a.get("family"), "local": a.get("local"),
                            "prefixlen": a.get("prefixlen"), "label": a.get("label"),
                            "tentative": bool(a.get("tentative"))})
        return res

    def address(self, addr, dev=None):
        """The address entry for addr on dev, or None."""
        want = ipaddress.ip_address(addr.split("/")[0])
        for a in self.addresses(dev):
            if ipaddress.ip_address(a["local"]) == want:
                return a
        return None

    def has_address(self, addr, dev=None, label=None, prefixlen=None):
        a = self.address(addr, dev)
        if a is None:
            return False
        if label is not None and a["label"] != label:
            return False
        if prefixlen is not None and a["prefixlen"] != prefixlen:
            return False
        return True

    def link_local(self):
        """The interface's non-tentative IPv6 link-local address, or None."""
        for a in self.addresses():
            if a["family"] == "inet6" and a["local"].startswith("fe80:") and not a["tentative"]:
                return a["local"]
        return None

    def neighbour_mac(self, addr):
        """The MAC this host's neighbour table holds for addr, or None."""
        out = self.run(["ip", "-j", "neigh", "show", addr, "dev", self.ifname]).stdout
        for n in json.loads(out or "[]"):
            if n.get("lladdr") and "FAILED" not in n.get("state", []):
                return n["lladdr"]
        return None

    def sysctl(self, key, value):
        self.run(["sysctl", "-qw", f"{key}={value}"])

    def down(self):
        """Cuts the host's cable: its switch port leaves the bridge. The host's
        interface stays up with carrier, so daemons see a silent network."""
        self.lab._ip(["-n", self.lab.switch_ns, "link", "set", self.port, "nomaster"])

    def up(self):
        """Heals the cut made by down()."""
        self.lab._ip(["-n", self.lab.switch_ns, "link", "set", self.port, "master", "br0"])

    def unplug(self):
        """Pulls the host's cable: its switch port goes down, so the host's interface
        loses carrier (a dead machine as its peers see it)."""
        self.lab._ip(["-n", self.lab.switch_ns, "link", "set", self.port, "down"])

    def plug(self):
        """Puts back the cable unplug() pulled."""
        self.lab._ip(["-n", self.lab.switch_ns, "link", "set", self.port, "up"])

    def if_down(self):
        """Sets the host's own interface administratively down."""
        self.run(["ip", "link", "set", self.ifname, "down"])

    def if_up(self):
        self.run(["ip", "link", "set", self.ifname, "up"])

    def recreate_link(self, between=None):
        """Deletes the host's interface and makes it again, same name, MAC, bridge
        port and addresses (a new ifindex), as a NIC driver reload or a VM's vNIC
        hot-replace does; `between` runs while it is gone."""
        self.lab._ip(["-n", self.ns, "link", "del", self.ifname])
        if between:
            between()
        self.lab._ip(["-n", self.ns, "link", "add", self.ifname, "address", self.mac, "type",
                      "veth", "peer", "name", self.port, "netns", self.lab.switch_ns])
        self.lab._ip(["-n", self.lab.switch_ns, "link", "set", self.port, "master", "br0", "up"])
        self.lab._ip(["-n", self.ns, "link", "set", self.ifname, "up"])
        for a in self.addrs:
            self.add_address(a)

    def capture(self, bpf="", name=None):
        """Captures on this host's interface (what the host sees/sends)."""
        return Capture(self.lab, self.ns, self.ifname, bpf,
                       name or f"{self.name}.capture{next(self.lab._seq)}")

    def httpd(self, page, port=80, bind=None, name="httpd"):
        """busybox httpd serving `page` as /index.html; waits until it listens."""
        root = os.path.join(self.lab.logdir, f"{self.name}.{name}-www")
        os.makedirs(root, exist_ok=True)
        with open(os.path.join(root, "index.html"), "w") as f:
            f.write(page)
        listen = f"{bind}:{port}" if bind else str(port)
        proc = self.spawn(["busybox", "httpd", "-f", "-v", "-p", listen, "-h", root], name=name)

        def listening():
            if not proc.alive():
                raise LabError(f"httpd on {self.name} exited: {proc.log()}")
            out = self.run(["ss", "-Hltn", f"sport = :{port}"]).stdout
            return bool(out.strip())
        wait_until(listening, 10, f"httpd on {self.name} port {port}")
        return proc

    def __repr__(self):
        return f"Host({self.name}, ns={self.ns})"


class Lab:
    """Context manager owning a switch namespace with a bridge, and hosts on it."""

    def __init__(self, name="lab", logdir=None):
        self.name = re.sub(r"[^A-Za-z0-9_.-]", "_", name)
        self.run_id = f"{os.getpid()}-{secrets.token_hex(3)}"
        base = os.environ.get("LVS_NETNS_LOGDIR", "/tmp/lvsnet-logs")
        self.logdir = logdir or os.path.join(
            base, f"{self.name}-{time.strftime('%Y%m%dT%H%M%S')}-{self.run_id}")
        self.switch_ns = f"{NS_PREFIX}{self.run_id}-switch"
        self.hosts = collections.OrderedDict()
        self._namespaces = []
        self._procs = []
        self._seq = iter(range(1, 1 << 30))
        self._old_handlers = {}
        self._short_root = None
        self._closed = False
        self._lock = threading.Lock()

    # lifecycle

    def __enter__(self):
        os.makedirs(self.logdir, exist_ok=True)
        self._install_signal_handlers()
        atexit.register(self.close)
        try:
            sweep_stale_namespaces()
            self._add_netns(self.switch_ns)
            self._ip(["-n", self.switch_ns, "link", "set", "lo", "up"])
            self._ip(["-n", self.switch_ns, "link", "add", "br0", "type", "bridge",
                      "stp_state", "0", "forward_delay", "0", "mcast_snooping", "0"])
            self._ip(["-n", self.switch_ns, "link", "set", "br0", "up"])
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, exc_type, *_):
        self.close()
        if exc_type is None:
            failed_expectations()
        return False

    def close(self):
        """Kills every process and deletes every namespace this Lab made."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        for p in reversed(self._procs):
            try:
                if p.graceful:
                    p.stop(grace=1.0)
                else:
                    p.kill()
            except Exception:
                pass
        for ns in reversed(self._namespaces):
            _delete_netns(ns)
        if self._short_root:
            shutil.rmtree(self._short_root, ignore_errors=True)
        self._restore_signal_handlers()
        try:
            atexit.unregister(self.close)
        except Exception:
            pass

    def _install_signal_handlers(self):
        if threading.current_thread() is not threading.main_thread():
            return

        def handler(signum, frame):
            raise LabInterrupted(f"signal {signum}")
        for sig in (signal.SIGTERM, signal.SIGHUP):
            self._old_handlers[sig] = signal.signal(sig, handler)

    def _restore_signal_handlers(self):
        if threading.current_thread() is not threading.main_thread():
            return
        for sig, old in self._old_handlers.items():
            signal.signal(sig, old)
        self._old_handlers.clear()

    # building

    def add_host(self, name, addrs=(), ifname="ens160", mac=None, sysctls=None, bridged=True):
        """Adds a host namespace with one veth `ifname` on the bridge.

        addrs: list like ["192.168.64.130/24", "fd00:64::130/64"] (IPv6 without
        DAD). sysctls: dict applied in the namespace before the link goes up.
        bridged=False: a host off the switch whose `ifname` is a dummy interface
        (addresses that route somewhere, and no traffic)."""
        if name in self.hosts:
            raise LabError(f"host {name} exists")
        idx = len(self.hosts) + 1
        ns = f"{NS_PREFIX}{self.run_id}-{name}"
        port = f"p{idx}"
        mac = mac or f"02:6c:76:73:{idx >> 8:02x}:{idx & 0xff:02x}"
        self._add_netns(ns)
        host = Host(self, name, ns, ifname, port, mac)
        self._ip(["-n", ns, "link", "set", "lo", "up"])
        if bridged:
            self._ip(["-n", ns, "link", "add", ifname, "address", mac, "type", "veth",
                      "peer", "name", port, "netns", self.switch_ns])
            self._ip(["-n", self.switch_ns, "link", "set", port, "master", "br0", "up"])
        else:
            self._ip(["-n", ns, "link", "add", ifname, "address", mac, "type", "dummy"])
        for key, value in (sysctls or {}).items():
            host.sysctl(key, value)
        self._ip(["-n", ns, "link", "set", ifname, "up"])
        for a in addrs:
            host.add_address(a)
            host.addrs.append(a)
        self.hosts[name] = host
        return host

    def spawn_outside(self, cmd, name):
        """Starts a long-lived process in the test's own namespace, not a host's:
        for a daemon that enters a namespace itself (net_namespace). It is still
        stopped when the Lab closes."""
        return self._spawn(None, cmd, name)

    def short_dir(self, name):
        """A fresh directory with a short path (/tmp/lvsnet-<run>/<name>), for
        Unix sockets (108-byte path limit) such as a daemon's --run-dir.
        Removed when the Lab closes; logs belong in logdir instead."""
        if self._short_root is None:
            self._short_root = f"/tmp/{NS_PREFIX}{self.run_id}"
            os.makedirs(self._short_root, exist_ok=True)
        path = os.path.join(self._short_root, name)
        os.makedirs(path)
        return path

    def check(self):
        """Raises AssertionError if a process marked `required` has exited."""
        for p in self._procs:
            if p.required and not p.alive():
                raise AssertionError(f"{p.name} (pid {p.pid}) exited with status "
                                     f"{p.popen.returncode}; log tail:\n{p.log_tail()}")

    def wait_until(self, predicate, timeout, what, interval=0.01):
        """wait_until that fails at once when a required process has exited."""
        return wait_until(predicate, timeout, what, interval, guard=self.check)

    def hold_for(self, predicate, duration, what, interval=0.02):
        return hold_for(predicate, duration, what, interval, guard=self.check)

    def expect_within(self, predicate, timeout, what, interval=0.2):
        return expect_within(predicate, timeout, what, interval, guard=self.check)

    def expect_holds(self, predicate, duration, what, interval=0.2):
        return expect_holds(predicate, duration, what, interval, guard=self.check)

    def capture(self, bpf="", name=None):
        """Captures on the bridge: every frame on the wire, one clock."""
        return Capture(self, self.switch_ns, "br0", bpf, name or f"wire{next(self._seq)}")

    # plumbing

    def _log(self, line):
        with open(os.path.join(self.logdir, "lab.log"), "a") as f:
            f.write(f"{time.time():.6f} {line}\n")

    def _add_netns(self, ns):
        self._ip(["netns", "add", ns])
        self._namespaces.append(ns)

    def _ip(self, args):
        return self._run(None, ["ip"] + args)

    def _run(self, ns, cmd, check=True, timeout=30, input=None):
        if isinstance(cmd, str):
            cmd = ["sh", "-c", cmd]
        full = (["ip", "netns", "exec", ns] if ns else []) + list(cmd)
        self._log(shlex.join(full))
        try:
            res = subprocess.run(full, capture_output=True, text=True, timeout=timeout,
                                 input=input)
        except subprocess.TimeoutExpired as e:
            raise LabError(f"timed out after {timeout}s: {shlex.join(full)}") from e
        if check and res.returncode != 0:
            raise LabError(f"exit {res.returncode}: {shlex.join(full)}\n"
                           f"stdout: {res.stdout.strip()}\nstderr: {res.stderr.strip()}")
        return res

    def _spawn(self, ns, cmd, name, env=None, graceful=False, log_path=None):
        if self._closed:
            raise LabError("lab is closed")
        log_path = log_path or os.path.join(self.logdir, f"{name}.log")
        full = (["ip", "netns", "exec", ns] if ns else []) + list(cmd)
        self._log(f"spawn {shlex.join(full)} > {log_path}")
        run_env = dict(os.environ)
        run_env.update(env or {})
        with open(log_path, "ab") as log:
            popen = subprocess.Popen(full, stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True,
                                     env=run_env)
        proc = Proc(popen, name, log_path, ns, graceful)
        self._procs.append(proc)
        return proc

    def __repr__(self):
        return f"Lab({self.name}, {list(self.hosts)})"
