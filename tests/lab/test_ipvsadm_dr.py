#!/usr/bin/python3
"""The lab VM's own acceptance: the seed's LVS-DR service made with ipvsadm in a
director namespace is read back exactly, and the client reaches both real servers
through the VIP in round robin."""


from lablib import (ADDR, VIP, answer_counts, expect_eq, ipvsadm, modules, scenario,
                    through_vip, web)

EXPECTED = """IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port Scheduler Flags
  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
TCP  192.168.64.100:80 rr
  -> 192.168.64.138:80            Route   1      0          0         
  -> 192.168.64.143:80            Route   1      0          0         """


def body(lab, _args):
    modules()
    h = lab.seed_topology()
    lvs1, client = h["lvs1"], h["client"]
    web(h["rs1"], "This is RS1")
    web(h["rs2"], "This is RS2")

    lvs1.add_address(f"{VIP}/32", label="ens160:vip")
    ipvsadm(lvs1, "-A", "-t", f"{VIP}:80", "-s", "rr", check=True)
    for rs in ("rs1", "rs2"):
        ipvsadm(lvs1, "-a", "-t", f"{VIP}:80", "-r", f"{ADDR[rs]}:80", "-g", "-w", "1", check=True)

    expect_eq("ipvsadm -Ln shows the seed's DR service", EXPECTED, ipvsadm(lvs1, "-Ln"))
    expect_eq("the table is per namespace: lvs2 has none", "", ipvsadm(h["lvs2"], "-Sn"))

    for rs in ("rs1", "rs2"):
        lab.expect_within(
            lambda: client.run(["curl", "-s", "--max-time", "5", f"http://{ADDR[rs]}/"],
                               check=False, timeout=10).returncode == 0,
            60, f"{rs} serves on its own address")

    # Four requests through the VIP: round robin over two reals gives each two.
    expect_eq("the VIP is served by both real servers in turn", "2 This is RS1\n2 This is RS2",
              answer_counts(through_vip(client, 4)))

    # This kernel folds its per-CPU counters into the totals every 2 s (the rate
    # estimator's timer), so the totals are waited for.
    def conns():
        rows = [line.split() for line in ipvsadm(lvs1, "-Ln", "--stats").splitlines()]
        return [(r[1], r[2]) for r in rows if len(r) > 2 and r[0] == "->"
                and r[1].startswith("192")]
    want = [(f"{ADDR['rs2']}:80", "2"), (f"{ADDR['rs1']}:80", "2")]
    if not lab.expect_within(lambda: conns() == want, 20,
                             "each real server counted two connections"):
        print(f"    {conns()}")

    ipvsadm(lvs1, "-d", "-t", f"{VIP}:80", "-r", f"{ADDR['rs1']}:80")
    expect_eq("with rs1 removed only rs2 answers", "This is RS2",
              "\n".join(sorted(set(through_vip(client, 2)))))


scenario("ipvsadm_dr", body)
