#!/usr/bin/env python3
"""Fault-injection HTTP(S) server for the fetcher tests.

Listens on 127.0.0.1 only (ports chosen by the OS), prints one line
"READY <http_port> <https_port> <stalled_port> <ipv6_port> <cert_file> <h2_port>" and serves until its stdin closes
(the test process exits) or for at most --lifetime seconds.  Every slow case is
bounded in time and stops when the client goes away.

<h2_port> speaks HTTP/2 only (TLS with ALPN "h2", the python `h2` package); it is 0 when that package is
missing.  GET /h2-connections on the plain port tells how many connections it has accepted.
"""
import argparse
import gzip
import os
import select
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FEED = (b'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>T</title>'
        b'<link>http://example.org/</link><description>d</description>'
        b'<item><title>one</title><link>http://example.org/1</link></item></channel></rss>\n')
ETAG = '"v1"'
LAST_MODIFIED = 'Sat, 01 Nov 2025 10:00:00 GMT'
BOMB = None
BOMB_LOCK = threading.Lock()


def bomb():
    global BOMB
    with BOMB_LOCK:
        if BOMB is None:
            BOMB = gzip.compress(b'\0' * (50 * 1024 * 1024), compresslevel=9)
        return BOMB


def client_gone(sock, wait):
    """True when the peer closed (or reset) within `wait` seconds."""
    try:
        readable, _, _ = select.select([sock], [], [], wait)
        if readable:
            return sock.recv(1, socket.MSG_PEEK) == b''
    except OSError:
        return True
    return False


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'fault'
    sys_version = ''

    def log_message(self, *args):
        pass

    def send_body(self, status, body, ctype='application/rss+xml', extra=()):
        self.send_response(status)
        self.send_header('Content-Type', ctype)
        self.send_header('Content-Length', str(len(body)))
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, status, location):
        self.send_body(status, b'moved', 'text/plain', [('Location', location)])

    def do_GET(self):
        path = self.path.split('?', 1)[0]
        port = self.server.server_address[1]
        base = 'http://127.0.0.1:%d' % self.server.http_port
        if path == '/h2-connections':
            with H2_LOCK:
                count = H2_CONNECTIONS
            self.send_body(200, str(count).encode(), 'text/plain')
            return
        if path == '/feed':
            if self.headers.get('If-None-Match') == ETAG or self.headers.get('If-Modified-Since') == LAST_MODIFIED:
                self.send_response(304)
                self.send_header('ETag', ETAG)
                self.send_header('Content-Length', '0')
                self.end_headers()
                return
            self.send_body(200, FEED, extra=[('ETag', ETAG), ('Last-Modified', LAST_MODIFIED),
                                             ('Cache-Control', 'max-age=3600')])
        elif path == '/plain':
            self.send_body(200, FEED)
        elif path == '/echo':
            lines = ''.join('%s: %s\n' % (k.lower(), v) for k, v in self.headers.items())
            self.send_body(200, lines.encode(), 'text/plain')
        elif path == '/peer':
            self.send_body(200, str(self.client_address[1]).encode(), 'text/plain')
        elif path == '/gzipped':
            body = gzip.compress(FEED)
            self.send_body(200, body, extra=[('Content-Encoding', 'gzip')])
        elif path == '/r301':
            self.redirect(301, '/r308')
        elif path == '/r308':
            self.redirect(308, base + '/feed')
        elif path == '/r302':
            self.redirect(302, '/feed')
        elif path == '/r307':
            self.redirect(307, '/feed')
        elif path.startswith('/chain/'):
            n = int(path.rsplit('/', 1)[1])
            if n <= 0:
                self.send_body(200, FEED)
            else:
                self.redirect(301, '/chain/%d' % (n - 1))
        elif path == '/loop1':
            self.redirect(302, '/loop2')
        elif path == '/loop2':
            self.redirect(302, '/loop1')
        elif path == '/to-loopback2':
            self.redirect(302, 'http://127.0.0.2:%d/feed' % port)
        elif path == '/to-hex':
            self.redirect(302, 'http://0x7f000002:%d/feed' % port)
        elif path == '/to-ipv6':
            self.redirect(302, 'http://[::1]:%d/feed' % port)
        elif path == '/to-localhost':
            self.redirect(302, 'http://localhost:%d/feed' % port)
        elif path == '/to-file':
            self.redirect(302, 'file:///etc/passwd')
        elif path == '/to-http':
            self.redirect(301, base + '/feed')
        elif path == '/gone':
            self.send_body(410, b'gone', 'text/plain')
        elif path == '/busy-seconds':
            self.send_body(429, b'slow down', 'text/plain', [('Retry-After', '120')])
        elif path == '/busy-date':
            self.send_body(503, b'later', 'text/plain', [('Retry-After', formatdate(time.time() + 7200, usegmt=True))])
        elif path == '/error':
            self.send_body(500, b'oops', 'text/plain')
        elif path == '/html':
            self.send_body(200, b'<!DOCTYPE html><html><head><title>Not a feed</title></head><body>hi</body></html>',
                           'text/html; charset=utf-8')
        elif path == '/trickle':
            self.send_response(200)
            self.send_header('Content-Type', 'application/rss+xml')
            self.send_header('Content-Length', '100000')
            self.end_headers()
            self.wfile.flush()
            for _ in range(60):
                try:
                    self.wfile.write(b'<')
                    self.wfile.flush()
                except OSError:
                    return
                if client_gone(self.connection, 1.0):
                    return
            self.close_connection = True
        elif path == '/stall':
            for _ in range(60):
                if client_gone(self.connection, 1.0):
                    return
            self.close_connection = True
        elif path == '/chunked':
            self.send_response(200)
            self.send_header('Content-Type', 'application/rss+xml')
            self.send_header('Transfer-Encoding', 'chunked')
            self.end_headers()
            chunk = b'x' * 65536
            try:
                for _ in range(20 * 1024 * 1024 // len(chunk)):
                    self.wfile.write(b'%x\r\n%s\r\n' % (len(chunk), chunk))
                self.wfile.write(b'0\r\n\r\n')
            except OSError:
                self.close_connection = True
        elif path == '/bomb':
            try:
                self.send_body(200, bomb(), extra=[('Content-Encoding', 'gzip')])
            except OSError:
                self.close_connection = True
        elif path == '/bigheader':
            self.send_response(200)
            self.send_header('X-Big', 'a' * (100 * 1024))
            self.send_header('Content-Length', str(len(FEED)))
            self.end_headers()
            try:
                self.wfile.write(FEED)
            except OSError:
                self.close_connection = True
        elif path == '/reset':
            self.send_response(200)
            self.send_header('Content-Type', 'application/rss+xml')
            self.send_header('Content-Length', '100000')
            self.end_headers()
            self.wfile.write(b'<' * 1000)
            self.wfile.flush()
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b'\x01\x00\x00\x00\x00\x00\x00\x00')
            self.connection.close()
            self.close_connection = True
        elif path.startswith('/bench/'):
            self.send_body(200, FEED, extra=[('ETag', ETAG)])
        else:
            self.send_body(404, b'not found', 'text/plain')


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass  # clients that hang up on purpose (caps, timeouts) are the point of this server


class Server6(Server):
    address_family = socket.AF_INET6


def make_cert(folder):
    cert = os.path.join(folder, 'cert.pem')
    key = os.path.join(folder, 'key.pem')
    subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert,
                    '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return cert, key


def stalled_listener():
    """A port whose accept queue is full and never drained, so a client's connect hangs (SYNs are dropped)."""
    listener = socket.socket()
    listener.bind(('127.0.0.1', 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(3):
        filler = socket.socket()
        filler.setblocking(False)
        try:
            filler.connect(('127.0.0.1', port))
        except BlockingIOError:
            pass
        fillers.append(filler)
    time.sleep(0.1)
    return listener, fillers


H2_CONNECTIONS = 0
H2_LOCK = threading.Lock()


def serve_h2_connection(raw, context):
    """One HTTP/2 connection: every GET is answered with FEED on its own stream."""
    import h2.config
    import h2.connection
    import h2.events
    try:
        sock = context.wrap_socket(raw, server_side=True)
    except (ssl.SSLError, OSError):
        raw.close()
        return
    try:
        if sock.selected_alpn_protocol() != 'h2':
            return
        conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=False))
        conn.initiate_connection()
        sock.sendall(conn.data_to_send())
        while True:
            data = sock.recv(65535)
            if not data:
                return
            for event in conn.receive_data(data):
                if isinstance(event, h2.events.RequestReceived):
                    conn.send_headers(event.stream_id, [(':status', '200'), ('content-type', 'application/rss+xml'),
                                                        ('content-length', str(len(FEED)))])
                    conn.send_data(event.stream_id, FEED, end_stream=True)
                elif isinstance(event, h2.events.ConnectionTerminated):
                    return
            pending = conn.data_to_send()
            if pending:
                sock.sendall(pending)
    except Exception:
        pass  # a client that goes away mid-connection ends it
    finally:
        sock.close()


def h2_listener(cert, key):
    """Returns the port of an HTTP/2-over-TLS listener, or 0 when the h2 package is not installed."""
    global H2_CONNECTIONS
    try:
        import h2.connection  # noqa: F401
    except ImportError:
        return 0
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.set_alpn_protocols(['h2'])
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(('127.0.0.1', 0))
    listener.listen(64)

    def accept_forever():
        global H2_CONNECTIONS
        while True:
            raw, _ = listener.accept()
            with H2_LOCK:
                H2_CONNECTIONS += 1
            threading.Thread(target=serve_h2_connection, args=(raw, context), daemon=True).start()
    threading.Thread(target=accept_forever, daemon=True).start()
    return listener.getsockname()[1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--lifetime', type=float, default=600)
    args = parser.parse_args()
    http = Server(('127.0.0.1', 0), Handler)
    https = Server(('127.0.0.1', 0), Handler)
    http6 = Server6(('::1', 0), Handler)
    http.http_port = https.http_port = http6.http_port = http.server_address[1]
    folder = tempfile.mkdtemp(prefix='tributary-fault-')
    cert, key = make_cert(folder)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    https.socket = context.wrap_socket(https.socket, server_side=True)
    for server in (http, https, http6):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    stalled, fillers = stalled_listener()
    h2_port = h2_listener(cert, key)
    print('READY %d %d %d %d %s %d' % (http.server_address[1], https.server_address[1], stalled.getsockname()[1],
                                        http6.server_address[1], cert, h2_port), flush=True)

    def watch_stdin():
        try:
            sys.stdin.read()
        finally:
            os._exit(0)
    threading.Thread(target=watch_stdin, daemon=True).start()
    time.sleep(args.lifetime)
    os._exit(0)


if __name__ == '__main__':
    main()
