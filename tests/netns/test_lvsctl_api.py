"""lvsctl api: any method of the daemons' APIs by name, against real daemons. A
director namespace runs vrrpd with the reference master config and checkd; ipvsd is
absent (it needs IPVS), which gives the "not running" case; checkd also listens with
mutual TLS, for the connection options. Requests go in as text
format (argument, stdin, @FILE) and JSON; replies and stream messages come out as
JSON lines with every field; bad usage exits 2 with a message naming the problem, a
daemon's refusal exits 1 with the gRPC code name."""
# ctest-timeout: 120
import json
import os
import re
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvsnet import Lab, expect  # noqa: E402
from test_mtls import make_ca, make_cert  # noqa: E402

BIN = os.environ.get("LVS_BIN", "build/bin")
SRC = os.environ.get("LVS_SOURCE_DIR", ".")
CONF = os.path.join(SRC, "tests/fixtures/configs/seed-master.conf")
LVS1 = "192.168.64.130"


def target(tid, port):
    return (f'targets {{ id: "{tid}" address: "{LVS1}" port: {port} delay_loop_ms: 1000 '
            f'checkers {{ tcp {{}} connect_timeout_ms: 1000 retry: 0 retry_set: true '
            f'warmup_ms: 1 }} }}\n')


def json_lines(r):
    return [json.loads(line) for line in r.stdout.splitlines()]


def discovery(api):
    r = api("--help")
    expect(r.returncode == 0 and r.stdout.startswith("usage: lvsctl api DAEMON")
           and "--describe" in r.stdout and "@FILE" in r.stdout, "api --help explains it", r.stdout)
    r = api("checkd")
    expect(r.returncode == 0 and r.stdout.startswith("checkd (lvs.v1.CheckerService):\n")
           and re.search(r"^  WatchHealth +WatchHealthRequest -> stream HealthEvent$", r.stdout,
                         re.M)
           and re.search(r"^  SetTargets +SetTargetsRequest -> SetTargetsResponse$", r.stdout,
                         re.M),
           "api checkd lists the methods with their types", r.stdout + r.stderr)
    r = api("checkd", "ProbeOnce", "--describe")
    rpc = "rpc ProbeOnce(.lvs.v1.ProbeOnceRequest) returns (.lvs.v1.ProbeOnceResponse);"
    expect(r.returncode == 0 and rpc in r.stdout and "message CheckTarget {" in r.stdout
           and "message Checker {" in r.stdout and "message CheckResult {" in r.stdout,
           "--describe: the method and every type its request and reply use", r.stdout + r.stderr)


def good_calls(lab, api, checks, targets, tls):
    """One JSON object a line, every field printed, defaults too."""
    r = api("vrrpd", "GetStatus")
    st = json_lines(r)
    expect(r.returncode == 0 and len(st) == 1 and st[0]["instances"][0]["name"] == "VI_1"
           and st[0]["instances"][0]["state"] == "MASTER", "api vrrpd GetStatus",
           r.stdout + r.stderr)
    r = api("checkd", "SetTargets", "-", input=target("web", 8080))
    zeros = {"added": 1, "removed": 0, "changed": 0, "unchanged": 0, "rejected": []}
    expect(r.returncode == 0 and json_lines(r) == [zeros],
           "SetTargets from stdin: the reply with its zero counts and empty list",
           r.stdout + r.stderr)
    with open(targets, "w") as f:
        f.write(target("web", 8080) + target("closed", 8081))
    r = api("checkd", "SetTargets", f"@{targets}")
    reply = json_lines(r)[0] if r.returncode == 0 else {}
    expect((reply.get("added"), reply.get("unchanged")) == (1, 1),
           "SetTargets from @FILE", r.stdout + r.stderr)
    c = lab.wait_until(lambda: (lambda c: c if c.get("closed", {}).get("consecutive_failures")
                                and c.get("web", {}).get("runs") else None)(checks()),
                       10, "both checked")
    expect(c["web"]["up"] is True and c["web"]["consecutive_failures"] == 0
           and c["closed"]["up"] is False,
           "ListChecks: defaults printed (consecutive_failures 0)", json.dumps(c))

    r = api("checkd", "WatchHealth", "--count", "2")
    events = json_lines(r)
    expect(r.returncode == 0 and len(events) == 2 and all(e["snapshot"] for e in events)
           and {e["id"]: e["up"] for e in events} == {"web": True, "closed": False},
           "WatchHealth --count 2: the snapshot, then done", r.stdout + r.stderr)
    t0 = time.monotonic()
    r = api("checkd", "WatchHealth", "--seconds", "1")
    took = time.monotonic() - t0
    expect(r.returncode == 0 and len(json_lines(r)) == 2 and took < 5,
           f"WatchHealth --seconds 1: exit 0 at its bound ({took:.1f} s)", r.stdout + r.stderr)
    r = api("vrrpd", "WatchState", "--count", "1")
    expect(r.returncode == 0 and json_lines(r)[0]["instance"] == "VI_1",
           "a stream of another daemon: WatchState --count 1", r.stdout + r.stderr)
    r = api("checkd", "ProbeOnce", 'target_id: "web"')
    expect(r.returncode == 0 and [x["ok"] for x in json_lines(r)[0]["results"]] == [True],
           "ProbeOnce in text format", r.stdout + r.stderr)
    r = api("checkd", "GetStats", '{"reset": true}')
    expect(r.returncode == 0 and json_lines(r)[0]["targets"] == 2, "a request in JSON",
           r.stdout + r.stderr)
    r = api("checkd", "ListChecks", *tls)
    expect(r.returncode == 0
           and {c["target_id"] for c in json_lines(r)[0]["checks"]} == {"web", "closed"},
           "over the mutual-TLS listener (--connect)", r.stdout + r.stderr)


def bad_usage(api, checks, targets):
    """Exit 2, saying what is wrong; nothing reaches the daemon."""
    r = api("checkd", "ListCheck")
    expect(r.returncode == 2 and not r.stdout
           and "checkd has no method 'ListCheck': did you mean ListChecks?" in r.stderr,
           "an unknown method: exit 2, with the likely one", r.stderr)
    r = api("lvsd", "ListChecks")
    expect(r.returncode == 2
           and "'lvsd' is not a daemon: expected vrrpd, ipvsd or checkd" in r.stderr,
           "an unknown daemon: exit 2", r.stderr)
    r = api("checkd", "ProbeOnce", 'target_idd: "web"')
    expect(r.returncode == 2
           and re.search(r'request:1:\d+: Message type "lvs\.v1\.ProbeOnceRequest" '
                         r'has no field named "target_idd"', r.stderr)
           and "REQUEST is a lvs.v1.ProbeOnceRequest in protobuf text format" in r.stderr,
           "a request with an unknown field: exit 2, the parser's error with its place", r.stderr)
    with open(targets, "w") as f:
        f.write(target("web", 8080) + 'targets { id: "x" port: "eighty" }\n')
    r = api("checkd", "SetTargets", f"@{targets}")
    expect(r.returncode == 2 and re.search(rf"{re.escape(targets)}:2:\d+: .*eighty", r.stderr),
           "a bad request file: its path and line", r.stderr)
    r = api("checkd", "GetStats", '{"reset": "maybe"}')
    expect(r.returncode == 2 and "request: " in r.stderr, "bad JSON: exit 2", r.stderr)
    r = api("checkd", "ListChecks", "--count", "1")
    expect(r.returncode == 2 and "ListChecks is a single call" in r.stderr,
           "--count on a call that is not a stream: exit 2", r.stderr)
    expect(checks().keys() == {"web", "closed"}, "nothing bad reached checkd")


def refusals(api, run):
    """The daemon refuses, or is not there: exit 1 with the gRPC code name."""
    r = api("checkd", "ProbeOnce", 'target_id: "nope"')
    expect(r.returncode == 1 and not r.stdout
           and r.stderr.startswith("lvsctl: checkd: NOT_FOUND: "),
           "checkd refuses an unknown target: NOT_FOUND, exit 1", r.stderr)
    r = api("vrrpd", "SetAdminState", 'instance: "VI_9" up: false')
    expect(r.returncode == 1
           and r.stderr.strip() == "lvsctl: vrrpd: NOT_FOUND: no vrrp_instance VI_9",
           "vrrpd refuses an unknown instance: NOT_FOUND, exit 1", r.stderr)
    r = api("checkd", "SetTargets", "-", input=target("web", 8080) * 2)
    expect(r.returncode == 1 and "INVALID_ARGUMENT" in r.stderr and "more than once" in r.stderr,
           "a malformed set: INVALID_ARGUMENT, exit 1", r.stderr)
    r = api("ipvsd", "ListServices")
    expect(r.returncode == 1 and "lvsctl: ipvsd: UNAVAILABLE: " in r.stderr
           and f"is ipvsd running? (socket {run}/ipvsd.sock)" in r.stderr,
           "a daemon not running: UNAVAILABLE, exit 1", r.stderr)


def main():
    with tempfile.TemporaryDirectory() as pki, Lab("lvsctl-api") as lab:
        make_ca(pki, "ca")
        make_cert(pki, "ca", "server", san="IP:127.0.0.1")
        make_cert(pki, "ca", "client")
        listen = ["--listen", "127.0.0.1:9443", "--tls-cert", f"{pki}/server.pem",
                  "--tls-key", f"{pki}/server.key", "--tls-ca", f"{pki}/ca.pem"]
        connect = ["--connect", "127.0.0.1:9443", "--tls-cert", f"{pki}/client.pem",
                   "--tls-key", f"{pki}/client.key", "--tls-ca", f"{pki}/ca.pem"]
        lvs1 = lab.add_host("lvs1", [f"{LVS1}/24"])
        run = lab.short_dir("run")
        for d, args in (("vrrpd", ["--config", CONF]), ("checkd", listen)):
            p = lvs1.spawn([f"{BIN}/{d}", "--run-dir", run, *args], name=d)
            p.required = True
        lab.wait_until(lambda: lvs1.has_address("192.168.64.100", label="ens160:vip"), 15,
                       "lvs1 is MASTER")
        lvs1.httpd("hello\n", port=8080)

        def api(*args, input=None):
            return lvs1.run([f"{BIN}/lvsctl", "api", *args, "--run-dir", run], check=False,
                            input=input)

        def checks():
            r = api("checkd", "ListChecks")
            if r.returncode != 0:
                return {}
            return {c["target_id"]: c for c in json_lines(r)[0]["checks"]}

        targets = os.path.join(lab.logdir, "targets.txt")
        discovery(api)
        good_calls(lab, api, checks, targets, connect)
        bad_usage(api, checks, targets)
        refusals(api, run)


if __name__ == "__main__":
    main()
