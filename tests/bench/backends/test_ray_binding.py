"""The private Ray instance stays on loopback even where the default route goes through another interface.

The test builds a network namespace of its own (inside the session's private one) with a veth pair holding a
documentation-range address (198.51.100.1/24) and a default route through it, as a real machine has, runs a small
`actlab bench --backend ray` suite there and checks every socket that existed meanwhile: each listening socket is
on 127.0.0.1 and each connection has loopback at both ends (Ray's cloud-metadata probes and DNS lookups included).
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("ray")
pytestmark = pytest.mark.ray

VETH_ADDR = "198.51.100.1"
LISTEN = "0A"
LOOPBACK = {"127.0.0.1", "::1", "::ffff:127.0.0.1"}
SETUP = (f"set -e; ip link set lo up; ip link add alv0 type veth peer name alv1; "
         f"ip addr add {VETH_ADDR}/24 dev alv0; ip link set alv0 up; ip link set alv1 up; "
         f"ip route add default via 198.51.100.2 dev alv0; exec \"$@\"")


def _run_suite_in_routed_namespace(tmp_path: Path) -> dict:
    if not (shutil.which("unshare") and shutil.which("ip")):
        pytest.skip("needs unshare (util-linux) and ip (iproute2) to build the routed namespace")
    bench = [sys.executable, "-m", "actlab", "bench", "--acts", "relu,tanh", "--tasks", "xor", "--seeds", "1", "--backend", "ray",
             "--workers", "2", "--db", str(tmp_path / "b.db")]
    probe = Path(__file__).with_name("ray_binding_probe.py")
    cmd = ["unshare", "-n", "sh", "-c", SETUP, "sh", sys.executable, str(probe), *bench]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=480, cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def routed_run(tmp_path_factory):
    return _run_suite_in_routed_namespace(tmp_path_factory.mktemp("routed"))


def test_the_namespace_routes_outside_traffic_through_the_veth_address(routed_run):
    # otherwise the test would prove nothing: Ray would find no address but loopback anyway
    assert routed_run["route_address"] == VETH_ADDR


def test_the_ray_suite_completes_in_the_routed_namespace(routed_run):
    assert routed_run["rc"] == 0, routed_run["out"]
    listening = [s for s in routed_run["sockets"] if s[1] == LISTEN and s[0].startswith("tcp")]
    assert len(listening) >= 4, routed_run["sockets"]  # GCS, raylet, object manager, workers, driver


def test_every_listening_socket_is_on_loopback(routed_run):
    wrong = [s for s in routed_run["sockets"] if s[1] == LISTEN and s[2][0] not in LOOPBACK]
    assert not wrong, wrong


def test_no_socket_uses_the_interface_address_or_leaves_loopback(routed_run):
    wrong = [s for s in routed_run["sockets"] if s[1] != LISTEN
             and not (s[2][0] in LOOPBACK and (s[3][0] in LOOPBACK or s[3] in (["0.0.0.0", 0], ["::", 0])))]
    assert not wrong, wrong
    assert not [s for s in routed_run["sockets"] if VETH_ADDR in (s[2][0], s[3][0])]
