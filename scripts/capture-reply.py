#!/usr/bin/env python3
"""Writes one Redis reply, byte for byte as the server sent it, to a file (test fixtures).

Usage: scripts/capture-reply.py [--resp3] HOST:PORT OUTPUT ARG...
  e.g. scripts/capture-reply.py --resp3 127.0.0.1:7600 shards-healthy.resp3 CLUSTER SHARDS

With --resp3 the connection first switches to RESP3 (HELLO 3), whose reply is discarded.
Python 3 standard library only.
"""
import socket
import sys


def encode(args):
    out = b"*%d\r\n" % len(args)
    for arg in args:
        data = arg.encode() if isinstance(arg, str) else arg
        out += b"$%d\r\n%s\r\n" % (len(data), data)
    return out


class Reader:
    """Reads exactly one RESP2/RESP3 value and keeps the raw bytes it consumed."""

    def __init__(self, sock):
        self.sock, self.buffer, self.raw = sock, b"", b""

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("connection closed mid-reply")
        self.buffer += chunk

    def _line(self):
        while b"\r\n" not in self.buffer:
            self._fill()
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        self.raw += line + b"\r\n"
        return line

    def _exact(self, n):
        while len(self.buffer) < n + 2:
            self._fill()
        data, self.buffer = self.buffer[:n], self.buffer[n + 2:]
        self.raw += data + b"\r\n"
        return data

    def value(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind in b"$!=":
            n = int(rest)
            return None if n < 0 else self._exact(n)
        if kind in b"*~>":
            n = int(rest)
            return None if n < 0 else [self.value() for _ in range(n)]
        if kind in b"%|":
            pairs = [(self.value(), self.value()) for _ in range(int(rest))]
            return self.value() if kind == b"|" else dict(pairs)
        return rest  # + - : _ # , (


def main():
    argv = sys.argv[1:]
    resp3 = argv[:1] == ["--resp3"]
    if resp3:
        argv = argv[1:]
    if len(argv) < 3:
        sys.exit(__doc__)
    host, port = argv[0].rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        reader = Reader(sock)
        if resp3:
            sock.sendall(encode(["HELLO", "3"]))
            reader.value()
            reader.raw = b""
        sock.sendall(encode(argv[2:]))
        reader.value()
        with open(argv[1], "wb") as f:
            f.write(reader.raw)


if __name__ == "__main__":
    main()
