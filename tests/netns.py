"""Private network namespaces for tests: the test process (and whatever it starts, Ray included) sees only a
loopback interface, so nothing a test starts can listen on or talk to any other address.

`enter_private_netns()` moves the calling thread (pytest's main thread, before any test runs) into a new network
namespace with `lo` up. It needs Linux and CAP_SYS_ADMIN (root, as on the development machines and in CI); where it
cannot, it returns the reason and the tests that start servers skip with it instead of using the host network.
"""
from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import socket
import struct
import sys

CLONE_NEWNET = 0x40000000
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
MARK = "ACTLAB_TEST_NETNS"  # set once this process is inside its private namespace (children inherit both)
_refused: list[str | None] = []  # the outcome of the first call in this process


def refused() -> str | None:
    """Why this process is not in a private namespace (None when it is, or before `enter_private_netns`)."""
    return _refused[0] if _refused else None


def interfaces() -> list[str]:
    """Network interfaces visible in this process's namespace."""
    return sorted(name for _, name in socket.if_nameindex())


def _set_up(ifname: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        req = struct.pack("16sH", ifname.encode(), 0)
        flags = struct.unpack("16sH", fcntl.ioctl(s, SIOCGIFFLAGS, req)[:18])[1]
        fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sH", ifname.encode(), flags | IFF_UP))


def enter_private_netns() -> str | None:
    """Enter a fresh network namespace holding only `lo` (brought up). None on success, else why not."""
    if not _refused:
        _refused.append(_enter())
    return _refused[0]


def _enter() -> str | None:
    if os.environ.get(MARK) == str(os.getpid()) or (os.environ.get(MARK) and interfaces() == ["lo"]):
        return None  # already inside one (a nested pytest started by a test inherits it)
    if not sys.platform.startswith("linux"):
        return "private network namespaces need Linux"
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        why = "needs root or CAP_SYS_ADMIN" if err in (errno.EPERM, errno.EACCES) else os.strerror(err)
        return f"cannot create a private network namespace (unshare(CLONE_NEWNET): {why})"
    _set_up("lo")
    os.environ[MARK] = str(os.getpid())
    return None
