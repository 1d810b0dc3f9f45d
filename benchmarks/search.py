"""Search benchmarks: throughput (candidates/hour on the digits proxy, 1 vs 2 workers, local vs Ray) and
fidelity (a stored evolution's finalists vs ReLU and SiLU on fresh seeds, with 95% confidence intervals).

    .venv/bin/python benchmarks/search.py throughput --n 12 --reps 2
    .venv/bin/python benchmarks/search.py fidelity --db runs/search/digits_evo.db --top 3 --seeds 1,2,3,4,5

Each command rewrites only the search section of BENCHMARKS.md / FIDELITY.md.
"""
from __future__ import annotations

import math
import os
import platform
import statistics
import time
from pathlib import Path

import harness
import torch
from harness import write_block

ROOT = Path(__file__).resolve().parents[1]


def write_section(path: Path, header: str, body: str) -> None:
    write_block(path, "search", body, header)


def throughput(n: int, reps: int, task: str) -> str:
    load0 = os.getloadavg()[0]
    from actlab.bench.backends import get_backend
    from actlab.search.evaluate import warm_up
    from actlab.search.runner import run_search

    configs = [("local", 1), ("local", 2), ("ray", 1), ("ray", 2)]
    rates: dict[tuple[str, int], list[float]] = {c: [] for c in configs}
    trained: dict[tuple[str, int], list[int]] = {c: [] for c in configs}
    for rep in range(reps):  # interleaved: every config once per repeat, same candidates (seed = rep)
        for name, w in configs:
            be = get_backend(name, w)
            try:
                be.map(warm_up, [task] * w * 2)
                t0 = time.perf_counter()  # timed by hand: the search's result is needed too
                res = run_search("swish", "random", task, budget=n, seed=100 + rep, backend=be, parallel=w)
                wall = time.perf_counter() - t0
            finally:
                be.shutdown()
            rates[(name, w)].append(n / wall * 3600)
            trained[(name, w)].append(sum(r.status == "done" for r in res.rows))
            print(f"rep {rep} {name} x{w}: {n} candidates in {wall:.1f}s -> {n / wall * 3600:.0f}/h", flush=True)
    base = {name: rates[(name, 1)] for name in ("local", "ray")}
    # (load0 is read before the first repeat)
    lines = [f"Random search in the full Swish space on `{task}` (default budget: 15 epochs, MLP 64-64), {n} "
             f"candidates per run (rejected ones included; {statistics.median(trained[('local', 1)]):.0f} of {n} "
             f"passed the filters and trained), {reps} interleaved repeats; {platform.processor() or 'CPU'}, "
             f"torch {torch.__version__}, 1 thread per worker; 1-minute load average {load0:.1f} before the run "
             f"and {os.getloadavg()[0]:.1f} after it (other jobs on the 2 cores depress the 2-worker speed-up).",
             "", "| backend | workers | candidates/hour (median [min–max]) | × same backend with 1 worker |",
             "|---|---|---|---|"]
    for name, w in configs:
        r = rates[(name, w)]
        lines.append(f"| {name} | {w} | {harness.cell(r, '{:.0f}')} | "
                     f"{harness.cell(harness.ratios(r, base[name]), '{:.2f}', suffix='×')} |")
    return "\n".join(lines)


def _ci(xs: list[float]) -> tuple[float, float]:
    from scipy import stats

    m = statistics.mean(xs)
    if len(xs) < 2:
        return m, float("nan")
    h = stats.t.ppf(0.975, len(xs) - 1) * statistics.stdev(xs) / math.sqrt(len(xs))
    return m, h


def fidelity(db: str, top: int, seeds: list[int], task: str, workers: int) -> str:
    from actlab.bench.backends import get_backend
    from actlab.search.evaluate import retrain
    from actlab.search.runner import load_search, top_rows

    space, settings, rows = load_search(db)
    finalists = top_rows(rows, top)
    entries = [("relu", None, "relu"), ("silu", None, "silu")] + \
        [(f"#{r.idx} {r.canonical}", space.name, r.genome) for r in finalists]
    jobs = [(label, sp, cand, s) for label, sp, cand in entries for s in seeds]
    be = get_backend("local", workers)
    try:
        handles = [be.submit(retrain, sp, settings["space"] if sp else None, cand, task, s)
                   for _, sp, cand, s in jobs]
        results = [be.result(h) for h in handles]
    finally:
        be.shutdown()
    by: dict[str, dict[int, float]] = {}
    for (label, _, _, s), res in zip(jobs, results):
        by.setdefault(label, {})[s] = res["value"]
    n_ok = sum(r.status == "done" for r in rows)
    rej = sum(r.status in ("rejected", "failed") for r in rows)
    search_val = {f"#{r.idx} {r.canonical}": r.value for r in finalists}
    lines = [f"Aging evolution (P={settings['strategy'].get('population')}, S={settings['strategy'].get('sample')}) "
             f"in the Swish space on `{task}`, search seed {settings['seed']}, {len(rows)} candidates "
             f"({n_ok} trained, {rej} rejected by the filters or the 30-step quality gate, the rest duplicates). "
             f"Finalists = top {top} by search accuracy (training seed 0), re-trained on fresh seeds "
             f"{','.join(map(str, seeds))}; mean test accuracy with 95% t-interval, and the paired difference to "
             f"ReLU (same seeds).", "",
             "| activation | search acc (seed 0) | acc, mean ± 95% CI | Δ vs ReLU, mean ± 95% CI | Δ vs SiLU |",
             "|---|---|---|---|---|"]
    for label, _, _ in entries:
        vals = [by[label][s] for s in seeds]
        m, h = _ci(vals)
        d_relu = _ci([by[label][s] - by["relu"][s] for s in seeds])
        d_silu = _ci([by[label][s] - by["silu"][s] for s in seeds])
        sv = f"{search_val[label]:.4f}" if label in search_val else "–"
        lines.append(f"| `{label}` | {sv} | {m:.4f} ± {h:.4f} | {d_relu[0]:+.4f} ± {d_relu[1]:.4f} | "
                     f"{d_silu[0]:+.4f} ± {d_silu[1]:.4f} |")
    return "\n".join(lines)


def main() -> None:
    ap = harness.parser(__doc__, repeats=None)  # throughput takes its own --reps
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("throughput")
    t.add_argument("--n", type=int, default=12)
    t.add_argument("--reps", type=int, default=2)
    t.add_argument("--task", default="digits")
    f = sub.add_parser("fidelity")
    f.add_argument("--db", required=True)
    f.add_argument("--top", type=int, default=3)
    f.add_argument("--seeds", default="1,2,3,4,5")
    f.add_argument("--task", default="digits")
    f.add_argument("--workers", type=int, default=2)
    f.add_argument("--extra", default="", help="a note appended to the section")
    a = ap.parse_args()
    if a.cmd == "throughput":
        body = throughput(a.n, a.reps, a.task)
        write_section(ROOT / "BENCHMARKS.md", "## Search (benchmarks/search.py)", body)
    else:
        body = fidelity(a.db, a.top, [int(s) for s in a.seeds.split(",")], a.task, a.workers)
        if a.extra:
            body += "\n\n" + a.extra
        write_section(ROOT / "FIDELITY.md", "## Activation search", body)
    print(body)


if __name__ == "__main__":
    main()
