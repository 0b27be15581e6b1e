#!/usr/bin/python3
# ctest-timeout: 300
"""A file that `lvsctl config check` accepts starts vrrpd even when an interface it
names does not exist yet: that instance is FAULT (in `lvsctl show vrrp`, with the
reason), the others run, and the instance starts when the interface appears."""

import json
import os
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvsnet import Lab, expect  # noqa: E402

BIN = os.environ.get("LVS_BIN", "build/bin")

CONF = """global_defs {
   router_id LATE
}
vrrp_instance ON_TIME {
    state MASTER
    interface ens160
    virtual_router_id 51
    priority 100
    advert_int 1
    virtual_ipaddress {
        192.168.64.100/32
    }
}
vrrp_instance LATE {
    state MASTER
    interface late0
    virtual_router_id 52
    priority 100
    advert_int 1
    virtual_ipaddress {
        10.9.9.100/32
    }
}
"""


def main():
    with Lab("vrrpd-late-interface") as lab:
        lvs1 = lab.add_host("lvs1", ["192.168.64.130/24"])
        run = lab.short_dir("run")
        conf = os.path.join(lab.logdir, "late.conf")
        with open(conf, "w") as f:
            f.write(CONF)
        check = lvs1.run([f"{BIN}/lvsctl", "config", "check", conf], check=False)
        expect(check.returncode == 0, "config check accepts the file", check.stderr)
        vrrpd = lvs1.spawn([f"{BIN}/vrrpd", "--config", conf, "--run-dir", run], name="vrrpd")
        vrrpd.required = True

        def instances():
            r = lvs1.run([f"{BIN}/lvsctl", "show", "vrrp", "--json", "--run-dir", run], check=False)
            if r.returncode != 0:
                return {}
            return {i["name"]: i for i in json.loads(r.stdout).get("instances", [])}

        lab.wait_until(lambda: lvs1.has_address("192.168.64.100"), 15, "ON_TIME becomes MASTER")
        late = instances().get("LATE", {})
        expect(late.get("state") == "FAULT" and "late0 does not exist" in late.get("last_transition_reason", ""),
               "LATE is FAULT, saying its interface does not exist", json.dumps(late))
        expect(vrrpd.alive(), "vrrpd runs on")

        # A veth pair inside lvs1 (this kernel has no dummy links): late0 and its peer.
        lvs1.run(["ip", "link", "add", "late0", "type", "veth", "peer", "name", "late0p"])
        lvs1.run(["ip", "addr", "add", "10.9.9.1/24", "dev", "late0"])
        lvs1.run(["ip", "link", "set", "late0p", "up"])
        lvs1.run(["ip", "link", "set", "late0", "up"])
        lab.wait_until(lambda: lvs1.has_address("10.9.9.100", dev="late0"), 15,
                       "LATE becomes MASTER on late0 once it exists")
        lab.wait_until(lambda: instances().get("LATE", {}).get("state") == "MASTER", 5,
                       "show vrrp says LATE is MASTER")
        expect(lvs1.has_address("192.168.64.100"), "ON_TIME kept its VIP meanwhile")

        # A reload is checked against the live system first: moving ON_TIME to an
        # interface that does not exist is refused whole, and nothing changes.
        with open(conf, "w") as f:
            f.write(CONF.replace("interface ens160", "interface nosuch1"))
        r = lvs1.run([f"{BIN}/lvsctl", "reload", "--run-dir", run], check=False)
        expect(r.returncode != 0 and "nosuch1 does not exist; nothing changed" in r.stdout + r.stderr,
               "a reload naming a missing interface is refused", r.stdout + r.stderr)
        expect(instances().get("ON_TIME", {}).get("state") == "MASTER" and lvs1.has_address("192.168.64.100"),
               "and ON_TIME still runs as before")
        lab.check()


if __name__ == "__main__":
    main()
