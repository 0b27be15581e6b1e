#!/usr/bin/python3
"""One long-lived HTTP client for the lab: GETs URL every INTERVAL seconds and
appends one line per request to OUT: "<monotonic s> ok <body>" or
"<monotonic s> fail <reason>". A failed request is retried at once until it
succeeds, so the log also shows how long the service was unreachable.

A single process, because spawning one per request is slow under TCG.

usage: http_probe.py URL OUT [INTERVAL]
"""
import sys
import time
import urllib.request


def main():
    url, out = sys.argv[1], sys.argv[2]
    interval = float(sys.argv[3]) if len(sys.argv) > 3 else 0.2
    with open(out, "a", buffering=1) as log:
        while True:
            start = time.monotonic()
            try:
                with urllib.request.urlopen(url, timeout=1.0) as resp:
                    body = resp.read().decode(errors="replace").strip()
                log.write(f"{start:.3f} ok {body}\n")
            except Exception as e:  # every failure is a data point, not an exit
                log.write(f"{start:.3f} fail {type(e).__name__}: {e}\n")
                continue
            time.sleep(max(0.0, interval - (time.monotonic() - start)))


if __name__ == "__main__":
    main()
