"""A small results database built from synthetic run records (no training), plus another area's table."""
from __future__ import annotations

import math

import numpy as np
import pytest

from actlab.store.db import connect
from actlab.store.runs import RunStore

ACTS = ("relu", "gelu", "silu", "tanh")
TASKS = {"digits_mlp": (True, "accuracy", 0.90), "fit_toy": (False, "rmse", 0.10)}


def make_db(path):
    """3 seeds × 4 activations × 2 tasks; tanh diverges once on fit_toy; `arith_results` and a binary
    `arith_checkpoints` table (resume state, not results) exist."""
    rng = np.random.default_rng(0)
    with RunStore(path) as s:
        s.add_suite("synthetic", {"acts": list(ACTS)})
        for task, (hib, metric, base) in TASKS.items():
            for seed in range(3):
                for i, act in enumerate(ACTS):
                    div = task == "fit_toy" and act == "tanh" and seed == 2
                    v = base + (0.01 * i if hib else -0.005 * i) + rng.normal(0, 0.003)
                    curve = [v * (1 - 0.5 ** (e + 1)) for e in range(5)]
                    s.record_run(task, act, seed, {}, {
                        "metric": metric, "value": math.nan if div else v, "higher_is_better": hib,
                        "diverged": div, "wall_time": 1.0, "step_time": 1e-3 * (1 + 0.2 * i),
                        "params": 1000, "peak_mem": 1e6, "curve": curve[:2] if div else curve,
                        "train_curve": [1.0 / (e + 1) for e in range(5)],
                        "flops": 1.5e6 * (1 + i), "throughput": 4321.0, "device": "cpu", "device_name": "TestCPU"})
        s.update_relative_step_times("relu")
    con = connect(path, "CREATE TABLE IF NOT EXISTS arith_results (unit TEXT, op TEXT, success REAL);"
                        "CREATE TABLE IF NOT EXISTS arith_checkpoints (run_id INTEGER, state BLOB);")
    with con:
        con.executemany("INSERT INTO arith_results VALUES (?, ?, ?)", [("nau", "add", 1.0), ("nmu", "mul", 0.9)])
        con.execute("INSERT INTO arith_checkpoints VALUES (1, ?)", (b"\x00" * 64,))
    con.close()
    return path


@pytest.fixture(scope="session")
def results_db(tmp_path_factory):
    return make_db(tmp_path_factory.mktemp("db") / "results.db")


@pytest.fixture(scope="session")
def report_index(results_db, tmp_path_factory):
    """One report shared by the HTML and browser tests: drawing the figures takes seconds on the shared VM."""
    from actlab.report.html import write_report

    return write_report(results_db, tmp_path_factory.mktemp("report") / "rep")
