"""Run by test_ray_binding.py inside a network namespace that has a non-loopback interface and a default route.

Starts `actlab bench --backend ray` as a child process and samples this namespace's socket tables
(/proc/net/{tcp,tcp6,udp,udp6} list every socket of the namespace, whichever process owns it) until it exits.
Prints one JSON object: the CLI's exit code and output tail, the address the default route would use, and every
socket seen as [table, state, local address, remote address].
"""
from __future__ import annotations

import json
import socket
import struct
import subprocess
import sys
import threading
import time


def _addr(field: str) -> tuple[str, int]:
    ip, port = field.split(":")
    raw = bytes.fromhex(ip)
    if len(raw) == 4:
        return socket.inet_ntop(socket.AF_INET, raw[::-1]), int(port, 16)
    return socket.inet_ntop(socket.AF_INET6, b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))), int(port, 16)


def sample() -> set[tuple[str, str, tuple[str, int], tuple[str, int]]]:
    seen = set()
    for table in ("tcp", "tcp6", "udp", "udp6"):
        with open(f"/proc/net/{table}") as f:
            for line in f.read().splitlines()[1:]:
                p = line.split()
                seen.add((table, p[3], _addr(p[1]), _addr(p[2])))
    return seen


def route_address() -> str:
    """The source address the kernel picks for an outside destination (a UDP connect sends nothing)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect(("192.0.2.1", 9))  # TEST-NET-1: documentation range, never routed anywhere real
        return s.getsockname()[0]


def main(argv: list[str]) -> None:
    seen: set = set()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    done = threading.Event()

    def loop():
        while not done.is_set():
            seen.update(sample())
            time.sleep(0.02)

    t = threading.Thread(target=loop, daemon=True)
    t.start()
    t0 = time.monotonic()
    out, _ = proc.communicate(timeout=400)
    elapsed = time.monotonic() - t0
    done.set()
    t.join()
    print(json.dumps({"rc": proc.returncode, "out": out[-3000:], "route_address": route_address(), "seconds": elapsed,
                      "sockets": sorted(seen)}))


if __name__ == "__main__":
    main(sys.argv[1:])
