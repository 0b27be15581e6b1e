#!/usr/bin/python3
"""Long-lived HTTP client for bench/failover: opens a connection to ADDR:PORT
every INTERVAL seconds without waiting for earlier ones (each may live for
TIMEOUT), and prints "<unix time> <body>" whenever the body of a completed
answer differs from the previous answer's, so the first answer from a new
director is timestamped to within INTERVAL."""

import selectors
import socket
import sys
import time


def main():
    addr, port = sys.argv[1], int(sys.argv[2])
    interval = float(sys.argv[3]) if len(sys.argv) > 3 else 0.005
    timeout = float(sys.argv[4]) if len(sys.argv) > 4 else 0.3
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    request = f"GET / HTTP/1.0\r\nHost: {addr}\r\n\r\n".encode()
    sel = selectors.DefaultSelector()
    live = {}  # socket -> [deadline, response bytes]
    last = None
    next_start = time.monotonic()

    def close(s):
        sel.unregister(s)
        del live[s]
        s.close()

    while True:
        now = time.monotonic()
        if now >= next_start and len(live) < 128:
            s = socket.socket(family, socket.SOCK_STREAM)
            s.setblocking(False)
            s.connect_ex((addr, port))
            live[s] = [now + timeout, b""]
            sel.register(s, selectors.EVENT_WRITE)
            next_start = now + interval
        for key, mask in sel.select(max(0.0, min(next_start - now, interval))):
            s = key.fileobj
            if mask & selectors.EVENT_WRITE:
                if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                    close(s)
                    continue
                try:
                    s.send(request)
                except OSError:
                    close(s)
                    continue
                sel.modify(s, selectors.EVENT_READ)
                continue
            try:
                data = s.recv(4096)
            except OSError:
                close(s)
                continue
            if data:
                live[s][1] += data
                continue
            response = live[s][1]
            close(s)
            head, _, body = response.partition(b"\r\n\r\n")
            if head.startswith(b"HTTP/1.") and b" 200 " in head.split(b"\r\n")[0]:
                answer = body.decode(errors="replace").strip()
                if answer != last:
                    print(f"{time.time():.6f} {answer}", flush=True)
                    last = answer
        now = time.monotonic()
        for s in [s for s, st in live.items() if now > st[0]]:
            close(s)


if __name__ == "__main__":
    main()
