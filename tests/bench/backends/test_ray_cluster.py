"""actlab joins an existing Ray cluster: two Ray nodes started with `ray start` on 127.0.0.1 (the commands of
docs/cluster.md), inside the test session's private network namespace.

Runs spread over both nodes with the results of the in-process backend; a bad address fails fast; a node with
another actlab is refused; a node whose raylet is killed mid-suite loses nothing and duplicates nothing.
"""
from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

pytest.importorskip("ray")
pytestmark = [pytest.mark.ray, pytest.mark.cluster]

from actlab.bench.config import make_config  # noqa: E402
from actlab.bench.runner import run_suite  # noqa: E402
from actlab.store.runs import RunStore  # noqa: E402

RAY = [sys.executable, "-m", "ray.scripts.scripts"]  # the `ray` command of this very environment


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LoopbackCluster:
    """`ray start --head` and `ray start --address` on 127.0.0.1, each in its own session so it can be killed."""

    def __init__(self, tmp: str):
        self.tmp = tmp
        self.port = _free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.env = {**os.environ, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32),
                    "RAY_USAGE_STATS_ENABLED": "0",
                    # notice a dead node within seconds (Ray's defaults take tens of seconds)
                    "RAY_health_check_period_ms": "500", "RAY_health_check_failure_threshold": "4"}
        self.nodes: list[subprocess.Popen] = []

    def start(self, *args: str, env: dict | None = None) -> subprocess.Popen:
        p = subprocess.Popen([*RAY, "start", "--block", "--node-ip-address=127.0.0.1", "--num-cpus=1",
                              "--disable-usage-stats", *args], env=env or self.env, start_new_session=True,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.nodes.append(p)
        return p

    def head(self) -> None:
        self.start("--head", f"--port={self.port}", "--include-dashboard=false", f"--temp-dir={self.tmp}")

    def worker(self, env: dict | None = None) -> subprocess.Popen:
        return self.start(f"--address={self.address}", env=env)

    def alive(self) -> int:
        code = ("import ray; ray.init(address=%r, log_to_driver=False); "
                "print('ALIVE', sum(n['Alive'] for n in ray.nodes()))" % self.address)
        r = subprocess.run([sys.executable, "-c", code], env=self.env, capture_output=True, text=True, timeout=120)
        return int(r.stdout.split("ALIVE")[1]) if "ALIVE" in r.stdout else -1

    def wait_alive(self, n: int, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while (got := self.alive()) != n:
            assert time.monotonic() < deadline, f"expected {n} alive Ray nodes, have {got}"
            time.sleep(1)

    @staticmethod
    def raylet_of(node: subprocess.Popen) -> int:
        """The pid of the raylet that `ray start` started in ``node``'s session."""
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[3]) == node.pid and cmd.endswith(b"raylet/raylet"):
                return int(pid)
        raise AssertionError("no raylet in the node's session")

    def stop(self) -> None:
        for p in self.nodes:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait()


@pytest.fixture(scope="module")
def cluster():
    tmp = tempfile.mkdtemp(prefix="alc", dir="/tmp")  # Unix socket paths must stay short
    c = LoopbackCluster(tmp)
    try:
        c.head()
        c.wait_alive(1)
        c.worker()
        c.wait_alive(2)
        yield c
    finally:
        c.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def _bench(cluster, db, *extra, suite=("--acts", "relu,tanh", "--tasks", "xor", "--seeds", "2"), timeout=300):
    cmd = [sys.executable, "-m", "actlab", "bench", *suite, "--db", str(db), "--ray-address", cluster.address,
           "--workers", "2", *extra]
    # run from the test's folder: Ray puts the driver's sys.path (its working directory first) in front of each
    # worker's, which would hide what a node itself has installed
    return subprocess.run(cmd, env=cluster.env, capture_output=True, text=True, timeout=timeout, cwd=db.parent)


def _rows(db):
    with RunStore(db) as s:
        return s.runs(latest=False)  # every stored row: a duplicate would show


def test_runs_spread_over_both_nodes_with_in_process_results(cluster, tmp_path):
    r = _bench(cluster, tmp_path / "c.db")
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    rows = _rows(tmp_path / "c.db")
    assert len(rows) == 4 and all(row["status"] == "ok" for row in rows)
    nodes = {row["extra"]["node"]["node_id"] for row in rows}
    assert len(nodes) == 2, nodes  # two 1-CPU nodes, two runs in flight: both nodes worked
    run_suite(make_config({"acts": ["relu", "tanh"], "tasks": ["xor"], "seeds": [0, 1]}), tmp_path / "here.db")
    here = {row["key"]: row["value"] for row in _rows(tmp_path / "here.db")}
    assert {row["key"]: row["value"] for row in rows} == here


def test_a_bad_address_fails_fast_with_exit_2(tmp_path):
    t0 = time.monotonic()
    r = subprocess.run([sys.executable, "-m", "actlab", "bench", "--acts", "relu", "--tasks", "xor", "--seeds", "1",
                        "--db", str(tmp_path / "x.db"), "--ray-address", "127.0.0.1:1"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and time.monotonic() - t0 < 60, r.stdout[-2000:] + r.stderr[-2000:]
    assert "cannot reach the Ray cluster at 127.0.0.1:1" in r.stdout + r.stderr
    assert "Traceback" not in r.stdout + r.stderr


def test_a_node_with_another_actlab_is_refused(cluster, tmp_path):
    fake = tmp_path / "other" / "actlab"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("__version__ = '0.0.0-other'\n")
    node = cluster.worker(env={**cluster.env, "PYTHONPATH": str(fake.parent)})
    try:
        cluster.wait_alive(3)
        r = _bench(cluster, tmp_path / "v.db")
        assert r.returncode == 2, r.stdout[-2000:] + r.stderr[-2000:]
        out = " ".join((r.stdout + r.stderr).split())
        assert "another actlab" in out and "0.0.0-other" in out, out[-2000:]
        assert not (tmp_path / "v.db").exists() or _rows(tmp_path / "v.db") == []
    finally:
        os.killpg(node.pid, signal.SIGTERM)
        node.wait()
        cluster.nodes.remove(node)
    cluster.wait_alive(2)


def test_arith_jobs_on_the_cluster_store_what_in_process_training_stores(cluster, tmp_path):
    from tests.arith.test_arith_backend import KW, assert_same, stored

    from actlab.arith.run import run

    args = ["--ops", KW["ops"], "--units", KW["units"], "--seeds", str(KW["seeds"]), "--seed-batch",
            str(KW["seed_batch"]), "--iterations", str(KW["iterations"]), "--eval-every", str(KW["eval_every"]),
            "--eval-size", str(KW["eval_size"])]
    r = subprocess.run([sys.executable, "-m", "actlab", "arith", *args, "--db", str(tmp_path / "a.db"),
                        "--ray-address", cluster.address, "--workers", "2"],
                       env=cluster.env, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    run(db=tmp_path / "here.db", **KW)
    assert_same(stored(tmp_path / "here.db"), stored(tmp_path / "a.db"))


def test_search_on_the_cluster_finds_what_the_in_process_search_finds(cluster, tmp_path):
    import sqlite3

    args = ["search", "--space", "swish", "--strategy", "random", "--task", "target:silu", "--budget", "8",
            "--seed", "3", "--grammar", "unary: x, tanh, sigmoid, exp; binary: add, mul, max"]

    def candidates(db):
        con = sqlite3.connect(db)
        try:
            return con.execute("SELECT idx, genome, status, value FROM candidates ORDER BY idx").fetchall()
        finally:
            con.close()

    here = subprocess.run([sys.executable, "-m", "actlab", *args, "--db", str(tmp_path / "here.db"), "--workers",
                           "2", "--backend", "local"], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    there = subprocess.run([sys.executable, "-m", "actlab", *args, "--db", str(tmp_path / "there.db"), "--workers",
                            "2", "--ray-address", cluster.address], env=cluster.env, capture_output=True, text=True,
                           timeout=300, cwd=tmp_path)
    assert here.returncode == 0 and there.returncode == 0, (here.stdout[-1500:], there.stdout[-1500:] +
                                                            there.stderr[-1500:])
    got = candidates(tmp_path / "there.db")
    assert len(got) == 8 and got == candidates(tmp_path / "here.db")


def test_a_data_dir_missing_on_the_nodes_is_refused_naming_them(cluster, tmp_path):
    code = ("import ray, actlab\n"
            "from actlab.bench.backends.ray_cluster import check_nodes\n"
            f"ray.init(address={cluster.address!r}, log_to_driver=False)\n"
            f"print('OK', len(check_nodes(ray, actlab.__version__, [{str(tmp_path)!r}])))\n"
            "try:\n"
            f"    check_nodes(ray, actlab.__version__, [{str(tmp_path / 'nowhere')!r}])\n"
            "except Exception as e:\n"
            "    print('REFUSED', type(e).__name__, e)\n")
    r = subprocess.run([sys.executable, "-c", code], env=cluster.env, capture_output=True, text=True, timeout=300,
                       cwd=tmp_path)
    assert "OK 2" in r.stdout, r.stdout[-2000:] + r.stderr[-2000:]
    line = next(ln for ln in r.stdout.splitlines() if ln.startswith("REFUSED"))
    assert "ConfigError" in line and "nowhere" in line and line.count("127.0.0.1") == 2, line


def test_killing_a_node_mid_suite_loses_and_duplicates_nothing(cluster, tmp_path):
    suite = tmp_path / "s.yaml"
    suite.write_text("acts: [relu, tanh, gelu]\ntasks: [digits_mlp]\nseeds: [0, 1]\n"
                     "budget: {epochs: 4, batch_size: 64}\n")
    db = tmp_path / "k.db"
    cmd = [sys.executable, "-m", "actlab", "bench", "--suite", str(suite), "--db", str(db), "--ray-address",
           cluster.address, "--workers", "2"]
    proc = subprocess.Popen(cmd, env=cluster.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            cwd=tmp_path)
    victim = cluster.nodes[1]
    deadline = time.monotonic() + 240
    while not (db.exists() and _rows(db)):  # the first run is recorded: both nodes are busy with the next ones
        assert proc.poll() is None and time.monotonic() < deadline, proc.stdout.read()[-3000:]
        time.sleep(0.2)
    os.kill(cluster.raylet_of(victim), signal.SIGKILL)
    out, _ = proc.communicate(timeout=400)
    assert proc.returncode == 0, out[-3000:]
    assert "progress queue was lost" not in out  # the queue lives on the driver's node, not on the killed one
    rows = _rows(db)
    assert len(rows) == 6 and len({r["key"] for r in rows}) == 6, [(r["act"], r["seed"]) for r in rows]
    assert all(r["status"] == "ok" for r in rows), [(r["act"], r["seed"], r["status"], r["error"]) for r in rows]
