#!/usr/bin/env python3
"""PUTs KEYS 64-byte values through an HTTP server: preload.py PORT PUT_PATH KEYS.
Pipelined in batches on one connection; fails on any answer other than 2xx."""
import socket, sys
port, put_path, keys = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
value = b"v" * 64
s = socket.create_connection(("127.0.0.1", port))
f = s.makefile("rb")
for start in range(0, keys, 500):
    batch = range(start, min(keys, start + 500))
    s.sendall(b"".join(b"PUT " + (put_path % i).encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Length: 64\r\n\r\n" + value for i in batch))
    for i in batch:
        status = f.readline().split()[1]
        length = 0
        while True:
            line = f.readline()
            if line in (b"\r\n", b""):
                break
            name, _, rest = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(rest)
        f.read(length)
        if not status.startswith(b"2"):
            sys.exit(f"preload: PUT {put_path % i} answered {status.decode()}")
print(f"preloaded {keys} keys")
