#!/usr/bin/python3
"""A web server that keeps connections open (HTTP/1.1 keep-alive), for the tests
that hold long-lived connections through the VIP; busybox httpd closes each one.

usage: keepalive_web.py PORT TEXT
"""
import http.server
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    body = b""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):  # one line per request would flood the log at 50/s
        pass


class Server(http.server.ThreadingHTTPServer):
    request_queue_size = 128  # the default 5 refuses a burst of new connections


def main():
    Handler.body = (sys.argv[2] + "\n").encode()
    Server(("", int(sys.argv[1])), Handler).serve_forever()


if __name__ == "__main__":
    main()
