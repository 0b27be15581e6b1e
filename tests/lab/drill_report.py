#!/usr/bin/python3
"""What the client saw during one drill, judged against the drill's allowance.

The client (lab_http_load rate) logs one line per request:
    <start> <end> ok <body>      or      <start> <end> fail <reason>
with CLOCK_REALTIME seconds. A drill is the interval [FROM, TO]; inside it, each
fault (--event T BOUND) allows failed requests that start in
[T - INFLIGHT, T + BOUND] (a request in flight when the fault hits may fail too).
Any other failure is a "late" one: a promise broken.

Prints one readable line, appends a JSON object to --json, exits 1 when a request
failed outside every allowance (or nothing at all was answered after the drill).

usage: drill_report.py LOG --summary --from T0 --to T1
       drill_report.py LOG --drill NAME --stack STACK --from T0 --to T1
                       [--event T BOUND_S LABEL]... [--figure KEY VALUE]...
                       [--require-zero KEY]... [--json FILE]
"""
import argparse
import json
import sys


def parse(path, t0, t1):
    reqs = []
    with open(path) as f:
        for line in f:
            parts = line.split(maxsplit=3)
            if len(parts) < 3 or parts[2] not in ("ok", "fail"):
                continue
            start, end = float(parts[0]), float(parts[1])
            if t0 <= start <= t1:
                reqs.append((start, end, parts[2] == "ok", parts[3].strip() if len(parts) > 3 else ""))
    return reqs


def longest_wait(oks):
    """The longest time the client went without an answer: between two consecutive
    answers as they arrived (at 50/s the steady value is 20 ms)."""
    ends = sorted(r[1] for r in oks)
    return max((cur - prev for prev, cur in zip(ends, ends[1:])), default=0.0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("log")
    ap.add_argument("--summary", action="store_true",
                    help="only print what the client saw in [FROM, TO], judge nothing")
    ap.add_argument("--drill")
    ap.add_argument("--stack")
    ap.add_argument("--from", dest="t0", type=float, required=True)
    ap.add_argument("--to", dest="t1", type=float, required=True)
    ap.add_argument("--event", nargs=3, action="append", default=[], metavar=("T", "BOUND_S", "LABEL"))
    ap.add_argument("--figure", nargs=2, action="append", default=[], metavar=("KEY", "VALUE"))
    ap.add_argument("--require-zero", action="append", default=[], metavar="KEY",
                    help="the drill held only if figure KEY is 0")
    ap.add_argument("--inflight", type=float, default=1.0,
                    help="requests started this long before a fault may fail too (the client's timeout)")
    ap.add_argument("--json")
    a = ap.parse_args()

    reqs = parse(a.log, a.t0, a.t1)
    if a.summary:
        print(f"{len(reqs)} requests, {sum(1 for r in reqs if not r[2])} failed, longest wait for an "
              f"answer {longest_wait([r for r in reqs if r[2]]) * 1000:.0f} ms")
        return 0
    if not a.drill or not a.stack:
        ap.error("--drill and --stack are required unless --summary")
    events = [(float(t), float(b), label) for t, b, label in a.event]
    oks = [r for r in reqs if r[2]]
    fails = [r for r in reqs if not r[2]]
    late = [r for r in fails if not any(t - a.inflight <= r[0] <= t + b for t, b, _ in events)]

    gap = longest_wait(oks)
    # The outage: from the first failed request's start to the last one's end.
    outage = (max(r[1] for r in fails) - fails[0][0]) if fails else 0.0
    served_by = {}
    for r in oks:
        served_by[r[3]] = served_by.get(r[3], 0) + 1

    figures = {}
    for k, v in a.figure:
        try:
            figures[k] = float(v)
        except ValueError:
            figures[k] = v
    nonzero = [k for k in a.require_zero if figures.get(k) != 0]
    held = (not late and not nonzero and bool(oks)
            and oks[-1][0] >= max([a.t0] + [t for t, _, _ in events]))
    result = {
        "stack": a.stack, "drill": a.drill, "requests": len(reqs), "failed": len(fails),
        "late_failures": len(late), "gap_ms": round(gap * 1000, 1),
        "outage_ms": round(outage * 1000, 1), "served_by": served_by,
        "events": [{"label": label, "at": t, "allowance_ms": round(b * 1000)} for t, b, label in events],
        "figures": figures, "held": held,
    }
    if a.json:
        with open(a.json, "a") as f:
            f.write(json.dumps(result) + "\n")

    extra = "".join(f", {k} {v}" for k, v in figures.items())
    print(f"  {a.drill}: {len(reqs)} requests, {len(fails)} failed ({len(late)} outside the allowance), "
          f"longest wait for an answer {gap * 1000:.0f} ms{extra}")
    for k in nonzero:
        print(f"    {k} should be 0")
    for r in late[:5]:
        print(f"    failed outside the allowance: started {r[0]:.3f} ({r[3]})")
    return 0 if held else 1


if __name__ == "__main__":
    sys.exit(main())
