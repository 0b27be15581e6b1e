"""Prometheus metrics from vrrpd and checkd on --metrics-listen (ipvsd's are
checked in the lab, where IPVS exists): a lone director with the reference
master config becomes MASTER, and its metrics say so; adverts sent count up;
process metrics are present; other paths get 404; a bad address stops the daemon
at start with a message."""
# ctest-timeout: 120
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvsnet import Lab, expect  # noqa: E402

BIN = os.environ.get("LVS_BIN", "build/bin")
SRC = os.environ.get("LVS_SOURCE_DIR", ".")
CONF = os.path.join(SRC, "tests/fixtures/configs/seed-master.conf")


def scrape(host, port, path="/metrics"):
    r = host.run(["curl", "-s", "-o", "-", "-w", "\n%{http_code}", "--max-time", "5",
                  f"http://127.0.0.1:{port}{path}"], check=False)
    body, _, code = r.stdout.rpartition("\n")
    return code, body


def sample(body, name_and_labels):
    for line in body.splitlines():
        if line.startswith(name_and_labels + " "):
            return float(line.split()[-1])
    return None



def main():
    with Lab("metrics") as lab:
        lvs1 = lab.add_host("lvs1", ["192.168.64.130/24"])
        run = os.path.join(lab.logdir, "run")
        vrrpd = lvs1.spawn([f"{BIN}/vrrpd", "--config", CONF, "--run-dir", run,
                            "--metrics-listen", "127.0.0.1:9101"], name="vrrpd")
        checkd = lvs1.spawn([f"{BIN}/checkd", "--run-dir", run, "--metrics-listen", "127.0.0.1:9103"],
                            name="checkd")
        vrrpd.required = checkd.required = True
        lab.wait_until(lambda: lvs1.has_address("192.168.64.100", label="ens160:vip"), 10, "lvs1 is MASTER")

        master = 'lvs_vrrp_state{instance="VI_1",state="MASTER"}'
        lab.wait_until(lambda: sample(scrape(lvs1, 9101)[1], master) == 1, 10, "vrrpd metrics say MASTER")
        code, body = scrape(lvs1, 9101)
        expect(code == "200", "GET /metrics is 200", code)
        expect(sample(body, 'lvs_vrrp_state{instance="VI_1",state="BACKUP"}') == 0, "BACKUP gauge is 0", body)
        expect(sample(body, 'lvs_vrrp_priority{instance="VI_1"}') == 100, "priority 100", body)
        # The seed's one warning (nb_get_retry) is counted, never silent.
        expect(sample(body, "lvs_config_warnings") == 1, "lvs_config_warnings is 1 (nb_get_retry)", body)
        sent = sample(body, 'lvs_vrrp_adverts_sent_total{instance="VI_1"}')
        lab.wait_until(lambda: sample(scrape(lvs1, 9101)[1], 'lvs_vrrp_adverts_sent_total{instance="VI_1"}') > sent,
                       5, "adverts sent count up")
        expect((sample(body, "process_resident_memory_bytes") or 0) > 0, "process RSS is reported", body)

        code, body = scrape(lvs1, 9103)
        expect(code == "200" and sample(body, "process_cpu_seconds_total") is not None,
               "checkd serves metrics too", body)
        code, _ = scrape(lvs1, 9101, "/")
        expect(code == "404", "other paths get 404", code)

        bad = lvs1.run([f"{BIN}/checkd", "--run-dir", os.path.join(lab.logdir, "run2"),
                        "--metrics-listen", "localhost:1"], check=False, timeout=20)
        expect(bad.returncode != 0 and "'localhost' is not an IP address" in bad.stderr,
               "a bad --metrics-listen stops checkd with a message", bad.stderr)


if __name__ == "__main__":
    main()
