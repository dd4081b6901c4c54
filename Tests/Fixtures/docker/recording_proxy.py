#!/usr/bin/env python3
"""A unix-socket proxy in front of a Docker-compatible API socket that records every
HTTP request line passing through it (one "METHOD TARGET" per line in --log), so a
test can prove what left the process under test: in dry-run, nothing but GETs.

Every request line in the client-to-engine byte stream is recorded, keep-alive or not;
a line inside a request body that happens to look like a request line is recorded too,
which can only make the proof stricter.

With --meddle PATH it also plays someone else changing the service at the worst
moment: before it forwards each request that is not a GET, it PATCHes PATH upstream with
a new JSON string ("changed meanwhile 1", 2, ...), so the change it forwards was always
planned from an older state (for Caddy: its If-Match ETag no longer matches).

Usage: recording_proxy.py --listen PROXY.sock --upstream ENGINE.sock --log requests.log [--meddle PATH]
"""
import argparse
import os
import re
import signal
import socket
import sys
import threading

REQUEST_LINE = re.compile(rb"^([A-Z]+) (\S+) HTTP/1\.[01]\r?$")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--listen", required=True)
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--meddle")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))

    log_lock = threading.Lock()
    log = open(args.log, "ab", buffering=0)

    def record(method, target):
        with log_lock:
            log.write(method + b" " + target + b"\n")

    meddled = [0]

    def meddle():
        with log_lock:
            meddled[0] += 1
            body = ('"changed meanwhile %d"' % meddled[0]).encode()
        request = (
            b"PATCH " + args.meddle.encode() + b" HTTP/1.1\r\nHost:\r\nContent-Type: application/json\r\n"
            + b"Content-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body
        )
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as upstream:
            upstream.connect(args.upstream)
            upstream.sendall(request)
            answer = b""
            while True:
                chunk = upstream.recv(65536)
                if not chunk:
                    break
                answer += chunk
        if not answer.startswith(b"HTTP/1.1 200"):
            sys.stderr.write("meddling failed: %r\n" % answer[:200])

    def pump(source, sink, scan):
        pending = b""
        try:
            while True:
                chunk = source.recv(65536)
                if not chunk:
                    break
                if scan:
                    pending += chunk
                    *lines, pending = pending.split(b"\n")
                    for line in lines:
                        match = REQUEST_LINE.match(line)
                        if match:
                            record(match.group(1), match.group(2))
                            if args.meddle and match.group(1) != b"GET":
                                meddle()
                    pending = pending[-8192:]
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def serve(client):
        upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            upstream.connect(args.upstream)
        except OSError:
            client.close()
            return
        threading.Thread(target=pump, args=(upstream, client, False), daemon=True).start()
        pump(client, upstream, True)

    if os.path.exists(args.listen):
        os.unlink(args.listen)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(args.listen)
    server.listen(64)
    print("listening", flush=True)
    while True:
        client, _ = server.accept()
        threading.Thread(target=serve, args=(client,), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
