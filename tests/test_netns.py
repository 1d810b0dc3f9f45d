"""The test session runs in a private network namespace holding only a working loopback interface."""
import socket

import pytest

from tests.netns import interfaces, refused


def test_session_namespace_has_only_loopback():
    if refused():
        pytest.skip(refused())
    assert interfaces() == ["lo"]


def test_loopback_is_up_in_the_session_namespace():
    with socket.socket() as srv:
        srv.bind(("127.0.0.1", 0))
        srv.listen(1)
        with socket.create_connection(srv.getsockname(), timeout=5) as c:
            conn, _ = srv.accept()
            c.sendall(b"ok")
            assert conn.recv(2) == b"ok"
            conn.close()
