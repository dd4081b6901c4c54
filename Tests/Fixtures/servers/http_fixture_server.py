#!/usr/bin/env python3
"""A real HTTP server for reconcile's tests and benchmarks (stdlib only).

Listens on 127.0.0.1:PORT or on a unix socket, and answers a few fixed routes:
  /status/NNN           that status code
  /delay/MS             200 after MS milliseconds
  /gate/NAME/K          200; the first K requests at once, later ones only when the
                        file NAME exists in --gate-dir (waiting at most 120 s), so a
                        test decides when a request in flight may finish
  /bytes/N              N bytes of "x"
  /echo                 JSON: method, path, headers, body
  /redirect             302 to /status/200
  /api/health/          200 {"status": "ok"}
  /api/health/auth/     200 with "Authorization: Bearer TOKEN", else 401
  --serve PATH=FILE     200 with FILE's bytes at PATH (repeatable; e.g. a hostile
                        Caddy config at /config/)
  --reset-first N       the first N requests get no answer: their connection is reset
                        (as a server that closes while a request arrives)
Every request is appended as one JSON line to --log (method, path), so tests can
prove which requests reached the server (dry-run is read-only).
"""
import argparse
import json
import os
import socket
import socketserver
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOG_LOCK = threading.Lock()
IN_FLIGHT = [0]
RESETS_LEFT = [0]
GATE_ARRIVALS = {}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "reconcile-fixture/1"

    def log_message(self, format, *args):
        pass

    def record(self):
        """Logs the request with how many requests were in flight when it arrived
        (itself included), so tests can prove concurrency without timing anything."""
        with LOG_LOCK:
            IN_FLIGHT[0] += 1
            log = self.server.options.log
            if log:
                with open(log, "a") as handle:
                    entry = {"method": self.command, "path": self.path, "in_flight": IN_FLIGHT[0]}
                    handle.write(json.dumps(entry) + "\n")

    def reply(self, status, body=b"", content_type="text/plain", extra=None):
        # 1xx, 204 and 304 have no body (RFC 9110): a client ends such a response at its
        # headers, so body bytes sent anyway would be read as the start of the next
        # response on the reused connection ("Received HTTP/0.9").
        bodiless = status < 200 or status in (204, 304)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if not bodiless:
            self.send_header("Content-Length", str(len(body)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD" and not bodiless:
            self.wfile.write(body)

    def handle_any(self):
        self.record()
        with LOG_LOCK:
            reset = RESETS_LEFT[0] > 0
            RESETS_LEFT[0] -= 1 if reset else 0
        if reset:
            # SO_LINGER 0: close with RST, so the client reads "connection reset".
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            with LOG_LOCK:
                IN_FLIGHT[0] -= 1
            return
        try:
            self.respond()
        finally:
            with LOG_LOCK:
                IN_FLIGHT[0] -= 1

    def respond(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.server.options.delay_ms:
            time.sleep(self.server.options.delay_ms / 1000.0)
        path = self.path.split("?", 1)[0]
        served = self.server.options.served.get(path)
        if served:
            with open(served, "rb") as handle:
                return self.reply(200, handle.read(), "application/json")
        parts = [p for p in path.split("/") if p]
        if len(parts) == 2 and parts[0] == "status":
            status = int(parts[1])
            return self.reply(status, ("status %d\n" % status).encode())
        if len(parts) == 2 and parts[0] == "delay":
            time.sleep(int(parts[1]) / 1000.0)
            return self.reply(200, b"delayed\n")
        if len(parts) == 3 and parts[0] == "gate" and self.server.options.gate_dir:
            with LOG_LOCK:
                GATE_ARRIVALS[path] = GATE_ARRIVALS.get(path, 0) + 1
                held = GATE_ARRIVALS[path] > int(parts[2])
            gate = os.path.join(self.server.options.gate_dir, os.path.basename(parts[1]))
            deadline = time.monotonic() + 120
            while held and not os.path.exists(gate) and time.monotonic() < deadline:
                time.sleep(0.01)
            return self.reply(200, b"gate open\n")
        if len(parts) == 2 and parts[0] == "bytes":
            return self.reply(200, b"x" * int(parts[1]))
        if path == "/echo":
            document = {
                "method": self.command,
                "path": self.path,
                "headers": {k: v for k, v in self.headers.items()},
                "body": body.decode("utf-8", "replace"),
            }
            return self.reply(200, json.dumps(document).encode(), "application/json")
        if path == "/redirect":
            return self.reply(302, b"", extra={"Location": "/status/200"})
        if path == "/api/health/":
            return self.reply(200, b'{"status": "ok"}', "application/json")
        if path == "/api/health/auth/":
            token = self.server.options.token
            if token and self.headers.get("Authorization") == "Bearer " + token:
                return self.reply(200, b'{"status": "ok", "user": "monitor"}', "application/json")
            return self.reply(401, b'{"detail": "Authentication credentials were not provided."}',
                              "application/json", {"WWW-Authenticate": "Bearer"})
        return self.reply(404, b"not found\n")

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = handle_any


class UnixHTTPServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    request_queue_size = 512

    def get_request(self):
        request, _ = super().get_request()
        return request, ("unix", 0)


class TCPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512
    # The test holds the port with an SO_REUSEPORT socket until we are gone (TestSupport's
    # ReservedPort(forAServer:)), so no one else takes it first; binding takes the option too.
    allow_reuse_port = True


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int)
    parser.add_argument("--unix")
    parser.add_argument("--log")
    parser.add_argument("--token", default=os.environ.get("FIXTURE_TOKEN"))
    parser.add_argument("--delay-ms", type=int, default=0)
    parser.add_argument("--serve", action="append", default=[])
    parser.add_argument("--gate-dir")
    parser.add_argument("--reset-first", type=int, default=0)
    options = parser.parse_args()
    RESETS_LEFT[0] = options.reset_first
    options.served = dict(item.split("=", 1) for item in options.serve)
    if options.unix:
        if os.path.exists(options.unix):
            os.unlink(options.unix)
        server = UnixHTTPServer(options.unix, Handler)
    else:
        server = TCPServer(("127.0.0.1", options.port), Handler)
    server.options = options
    print("listening", flush=True)
    try:
        server.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
