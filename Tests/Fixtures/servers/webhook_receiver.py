#!/usr/bin/env python3
"""A real webhook receiver for reconcile's tests (stdlib only): notifications from
reconcile, alerts from Alertmanager.

Listens on 127.0.0.1 on a port the kernel chooses, and writes that port to --ready-file
once it accepts connections (so no other process can take the port between a test
choosing it and this server binding it). Every POST is appended as one JSON line to --log
({"path", "headers", "body"}), then answered with the status written in the file
--status-file (200 when the file is missing), so a test can make deliveries fail for a
while and recover. The word "hang" in that file makes the receiver read the request and
never answer (nor log it, since it was never accepted) until the client gives up: a
webhook that is up but stuck.
"""
import argparse
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace")
        options = self.server.options
        if self.answer() == "hang":
            # Wait until the client closes the connection; then answer nothing.
            while self.rfile.read(1):
                pass
            self.close_connection = True
            return
        with LOCK:
            with open(options.log, "a") as log:
                log.write(json.dumps({"path": self.path, "headers": dict(self.headers), "body": body}) + "\n")
        try:
            status = int(self.answer() or 200)
        except ValueError:
            status = 200
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def answer(self):
        """What --status-file says now: a status code, "hang", or "" when it is missing."""
        try:
            with open(self.server.options.status_file) as handle:
                return handle.read().strip()
        except OSError:
            return ""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ready-file", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--status-file", required=True)
    options = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.options = options
    # Written whole under a temporary name, then renamed: a reader sees no half a port.
    with open(options.ready_file + ".tmp", "w") as ready:
        ready.write(str(server.server_address[1]))
    os.rename(options.ready_file + ".tmp", options.ready_file)
    print("listening on port %d" % server.server_address[1], flush=True)
    server.serve_forever(poll_interval=0.1)


if __name__ == "__main__":
    sys.exit(main())
