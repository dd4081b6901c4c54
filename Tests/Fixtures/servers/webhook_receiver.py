#!/usr/bin/env python3
"""A real webhook receiver for reconcile's tests (stdlib only): notifications from
reconcile, alerts from Alertmanager.

Listens on 127.0.0.1:PORT. Every POST is appended as one JSON line to --log
({"path", "headers", "body"}), then answered with the status written in the file
--status-file (200 when the file is missing), so a test can make deliveries fail for a
while and recover.
"""
import argparse
import json
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
        with LOCK:
            with open(options.log, "a") as log:
                log.write(json.dumps({"path": self.path, "headers": dict(self.headers), "body": body}) + "\n")
        try:
            with open(options.status_file) as handle:
                status = int(handle.read().strip() or 200)
        except (OSError, ValueError):
            status = 200
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--status-file", required=True)
    options = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", options.port), Handler)
    server.daemon_threads = True
    server.options = options
    print("listening", flush=True)
    server.serve_forever(poll_interval=0.1)


if __name__ == "__main__":
    sys.exit(main())
