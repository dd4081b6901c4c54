#!/usr/bin/env python3
"""A git-over-HTTP remote that wants credentials and accepts none (stdlib only).

Answers every request with 401 and `WWW-Authenticate: Basic realm="git"`, the way a
private repository on a forge answers a client without valid credentials. Prints one
line per request to stdout: `METHOD PATH auth=yes|no`, so tests can count how often
the client came back (it must give up, not loop).

Usage: git_auth_server.py --port PORT   (listens on 127.0.0.1 only)
"""
import argparse
import signal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "reconcile-git-auth/1"

    def log_message(self, format, *args):
        pass

    def refuse(self):
        authorised = "yes" if self.headers.get("Authorization") else "no"
        print(f"{self.command} {self.path} auth={authorised}", flush=True)
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        body = b"authentication required\n"
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Basic realm="git"')
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_HEAD = refuse


class Server(ThreadingHTTPServer):
    daemon_threads = True
    # The test holds the port with an SO_REUSEPORT socket until we are gone (TestSupport's
    # ReservedPort(forAServer:)), so no one else takes it first; binding takes the option too.
    allow_reuse_port = True

    def handle_error(self, request, client_address):
        # A client that gives up closes its keep-alive connection: not worth a traceback.
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    options = parser.parse_args()
    # A parent may start us with SIGTERM blocked (Foundation's Process on Linux passes
    # its thread's signal mask on): unblock it, so a test's stop() ends us at once.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    server = Server(("127.0.0.1", options.port), Handler)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
