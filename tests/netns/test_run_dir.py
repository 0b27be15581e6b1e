#!/usr/bin/python3
# ctest-timeout: 120
"""The run dir holds the sockets everyone trusts: a daemon refuses one others may
write to, lvsctl will not talk through it, and two daemons of a kind started at the
same instant on one run dir do not both come up."""

import os
import socket
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvsnet import Lab, expect  # noqa: E402

BIN = os.environ.get("LVS_BIN", "build/bin")
SRC = os.environ.get("LVS_SOURCE_DIR", ".")
CONF = os.path.join(SRC, "tests/fixtures/configs/seed-master.conf")


def main():
    with Lab("run-dir") as lab:
        lvs1 = lab.add_host("lvs1", ["192.168.64.130/24"])

        lax = lab.short_dir("lax")
        os.chmod(lax, 0o777)
        p = lvs1.spawn([f"{BIN}/checkd", "--run-dir", lax], name="checkd-lax")
        p.wait(10)
        expect(p.popen.returncode != 0 and "writable by others (mode 0777)" in p.log(),
               "checkd refuses a run dir others may write to", p.log())
        # An impostor's socket there (anyone could have made it): lvsctl does not use it.
        impostor = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        impostor.bind(os.path.join(lax, "checkd.sock"))
        impostor.listen(1)
        os.chown(os.path.join(lax, "checkd.sock"), 65534, 65534)
        r = lvs1.run([f"{BIN}/lvsctl", "show", "checks", "--run-dir", lax], check=False)
        expect(r.returncode != 0 and "writable by others" in r.stderr,
               "lvsctl will not use a socket in a run dir others may write to", r.stderr)
        os.chmod(lax, 0o755)
        r = lvs1.run([f"{BIN}/lvsctl", "show", "checks", "--run-dir", lax], check=False)
        expect(r.returncode != 0 and "belongs to uid 65534" in r.stderr,
               "nor a socket that is not root's or the caller's", r.stderr)
        impostor.close()

        run = lab.short_dir("run")
        # Two vrrpd at once on one run dir: one runs, the other says who holds it.
        a = lvs1.spawn([f"{BIN}/vrrpd", "--config", CONF, "--run-dir", run], name="vrrpd-a")
        b = lvs1.spawn([f"{BIN}/vrrpd", "--config", CONF, "--run-dir", run], name="vrrpd-b")
        lab.wait_until(lambda: not (a.alive() and b.alive()), 10, "one of the two vrrpd to give up")
        loser, winner = (a, b) if not a.alive() else (b, a)
        expect(winner.alive(), "the other runs on")
        expect("another vrrpd (pid" in loser.log() or "another vrrpd is serving" in loser.log(),
               "the second says another vrrpd holds the run dir", loser.log())
        lab.wait_until(lambda: lvs1.has_address("192.168.64.100"), 10, "the one left becomes MASTER")
        expect(winner.alive(), "and keeps running")
        winner.terminate()
        winner.wait(10)
        lab.check()


if __name__ == "__main__":
    main()
