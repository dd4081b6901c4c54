"""A real TLS server for the tls-expiry checker's tests: completes TLS handshakes on
127.0.0.1:PORT with the certificate and key given, and closes each connection."""
import socket
import ssl
import sys

certificate, key, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(certificate, key)
# reuse_port: the test holds the port (TestSupport's ReservedPort(forAServer:)) until we are gone.
listener = socket.create_server(("127.0.0.1", port), reuse_port=True)
while True:
    connection, _ = listener.accept()
    try:
        with context.wrap_socket(connection, server_side=True):
            pass
    except (OSError, ssl.SSLError):
        connection.close()
