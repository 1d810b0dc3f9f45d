"""The Ray backend on a private 2-CPU cluster gives the same results as the in-process backend."""
import math
import operator
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("ray")
pytestmark = pytest.mark.ray

from actlab.bench.backends import get_backend  # noqa: E402


@pytest.fixture(scope="module")
def ray_backend():
    be = get_backend("ray", num_workers=2)
    yield be
    be.shutdown()


def test_ray_map_equals_local_map(ray_backend):
    items = [0.5, 2.0, 7.0, 11.0]
    assert ray_backend.map(math.log, items) == get_backend("local").map(math.log, items)


def test_ray_wait_returns_done_and_pending_partition(ray_backend):
    hs = [ray_backend.submit(operator.add, i, 1) for i in range(4)]
    done, pending = ray_backend.wait(hs, num_returns=2, timeout=60)
    assert len(done) >= 2 and len(done) + len(pending) == 4
    assert sorted(ray_backend.result(h) for h in hs) == [1, 2, 3, 4]


def test_ray_job_error_surfaces_as_the_original_exception_type(ray_backend):
    h = ray_backend.submit(math.sqrt, -1.0)
    with pytest.raises(ValueError):
        ray_backend.result(h)


def test_ray_progress_channel_carries_messages_from_tasks(ray_backend):
    ch = ray_backend.progress_channel()
    try:
        hs = [ray_backend.submit(ch.sink.put, ("run", i)) for i in range(4)]
        for h in hs:  # every put has returned (a timed wait can come back early on a loaded machine)
            ray_backend.result(h)
        assert sorted(m[1] for m in ch.drain()) == [0, 1, 2, 3]
        assert ch.drain() == []
    finally:
        ch.close()


def test_ray_progress_channel_lost_warns_once_and_jobs_go_on(ray_backend):
    import ray

    from actlab.bench.runner import _Forward

    ch = ray_backend.progress_channel()
    assert ray.get(ch.sink.actor.__ray_call__.remote(lambda self: ray.get_runtime_context().get_node_id())) == \
        ray.get_runtime_context().get_node_id()  # pinned to the caller's node
    fwd = _Forward(ch.sink, "run")
    fwd({"kind": "epoch"})
    assert ch.drain() == [("run", {"kind": "epoch"})]
    ray.kill(ch.sink.actor)
    with pytest.warns(RuntimeWarning, match="progress queue was lost"):
        assert ch.drain() == []
    assert ch.drain() == []  # once
    fwd({"kind": "epoch"})  # a job's forwarder gives up instead of failing its run
    assert fwd.sink is None
    ch.close()


def test_ray_keeps_token_auth_on_without_writing_a_token_in_home(ray_backend):
    assert os.environ.get("RAY_AUTH_MODE") == "token" and len(os.environ.get("RAY_AUTH_TOKEN", "")) >= 32
    assert not (Path.home() / ".ray" / "auth_token").exists()


def test_ray_instance_refuses_a_client_without_its_token(ray_backend):
    import ray

    gcs = ray.get_runtime_context().gcs_address
    assert gcs.startswith("127.0.0.1:")
    code = f"from ray._raylet import GcsClient; print('KEYS', GcsClient(address={gcs!r}).internal_kv_keys(b'', None))"

    def client(token):
        env = {k: v for k, v in os.environ.items() if k != "RAY_AUTH_TOKEN"}
        if token is None:
            env["RAY_AUTH_MODE"] = "disabled"  # a client that sends no token at all
        else:
            env["RAY_AUTH_TOKEN"] = token
        return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)

    ok = client(os.environ["RAY_AUTH_TOKEN"])  # the same client with the instance's token gets in
    assert ok.returncode == 0 and "KEYS" in ok.stdout, ok.stderr[-2000:]
    for token in ("not-the-token", None):
        r = client(token)
        assert r.returncode != 0 and "KEYS" not in r.stdout and "InvalidAuthToken" in r.stderr, (token, r.stderr[-2000:])


def test_search_candidates_on_ray_match_the_in_process_search(ray_backend):
    from actlab.search.runner import run_search

    kw = dict(space="swish", strategy="evolution", objective="target:silu", budget=8, seed=5, parallel=2,
              strategy_options={"population": 4, "sample": 2},
              space_options={"unary": ["x", "tanh", "sigmoid", "exp", "relu"], "binary": ["add", "mul", "max"]})
    on_ray = run_search(backend=ray_backend, **kw)
    local = run_search(**kw)
    key = [(r["idx"], r["genome"], r["status"], r["value"]) for r in local.rows]
    got = [(r["idx"], r["genome"], r["status"], r["value"]) for r in on_ray.rows]
    assert got == key, [(a, b, r["reason"], q["reason"]) for a, b, r, q in zip(got, key, on_ray.rows, local.rows)
                        if a != b]
    assert on_ray.evaluated == local.evaluated > 0
