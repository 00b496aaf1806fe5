#!/usr/bin/env python3
"""Dumps a running redis-server's own command table (`COMMAND` and `COMMAND DOCS`) as JSON.

Usage: scripts/dump-command-table.py HOST:PORT OUTPUT.json
  e.g. scripts/dump-command-table.py 127.0.0.1:7000 CommandData/redis-7.0.15.json

The output is the input of the Swift generator (`swift run RedisCommandGenerator`, see the
README's "Command table" section). It is the server's data unchanged, in RESP3 form (so key
specs and docs are maps), with two conveniences that lose nothing: each `COMMAND` entry's
positional array becomes an object with the field names of the `COMMAND` documentation, and
commands are sorted by name so that dumping the same server twice gives the same file.

Python 3 standard library only: the dumper must work before the Swift package builds (it
feeds a file the `Redis` target compiles).
"""
import json
import socket
import sys


def encode(args):
    out = b"*%d\r\n" % len(args)
    for arg in args:
        data = arg.encode()
        out += b"$%d\r\n%s\r\n" % (len(data), data)
    return out


class Reader:
    """A minimal RESP2/RESP3 reader: strings, numbers, arrays, sets, maps."""

    def __init__(self, sock):
        self.sock, self.buffer = sock, b""

    def _fill(self):
        chunk = self.sock.recv(1 << 16)
        if not chunk:
            raise EOFError("the server closed the connection mid-reply")
        self.buffer += chunk

    def _line(self):
        while b"\r\n" not in self.buffer:
            self._fill()
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self.buffer) < n + 2:
            self._fill()
        data, self.buffer = self.buffer[:n], self.buffer[n + 2:]
        return data

    def value(self):
        line = self._line()
        kind, rest = line[:1], line[1:].decode()
        if kind in (b"-", b"!"):
            text = self._exact(int(rest)).decode() if kind == b"!" else rest
            raise RuntimeError("server error: " + text)
        if kind in (b"+", b"("):
            return rest
        if kind == b":":
            return int(rest)
        if kind == b"_":
            return None
        if kind == b"#":
            return rest == "t"
        if kind in (b"$", b"="):
            n = int(rest)
            return None if n < 0 else self._exact(n).decode()
        if kind in (b"*", b"~", b">"):
            n = int(rest)
            return None if n < 0 else [self.value() for _ in range(n)]
        if kind == b"%":
            return {self.value(): self.value() for _ in range(int(rest))}
        raise RuntimeError("unexpected RESP type %r" % kind)


FIELDS = ["name", "arity", "flags", "first_key", "last_key", "step",
          "acl_categories", "tips", "key_specs", "subcommands"]


def named(entry):
    command = dict(zip(FIELDS, entry))
    command["subcommands"] = sorted((named(s) for s in command.get("subcommands") or []),
                                    key=lambda c: c["name"])
    return command


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    host, port = sys.argv[1].rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        reader = Reader(sock)

        def ask(*args):
            sock.sendall(encode(list(args)))
            return reader.value()

        hello = ask("HELLO", "3")
        commands = sorted((named(e) for e in ask("COMMAND")), key=lambda c: c["name"])
        docs = ask("COMMAND", "DOCS")
    data = {
        "server": {"name": hello.get("server"), "version": hello.get("version")},
        "commands": commands,
        "docs": docs,
    }
    with open(sys.argv[2], "w") as f:
        json.dump(data, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
