"""Check the published claims of `actlab.bench.claims` against a results database; write FIDELITY.md's section.

    python benchmarks/claims.py --db runs/standard.db [--suite standard] [--no-write]
    python benchmarks/claims.py --db runs/standard.db --suite standard --run-kan   # + the KAN claim, full budget
    python benchmarks/claims.py --db runs/fidelity.db --run

The block is computed from one suite of the database (``--suite``; by default the latest one recorded): its
runs only, and it says which activations, tasks, seeds and budget that suite covers and which of its runs are
missing (a suite stopped early or still running). ``--run`` first runs the `fidelity` suite below into ``--db``
(resumable): a reduced stand-in for ``--suite standard`` sized for the 2-core VM — the three activations the
claims name, with each task's short ("small") budget and 5 seeds, plus `digits_kan` for the KAN claim.
"""
from __future__ import annotations

import time
from pathlib import Path

from digits_kan import register_digits_kan
import harness
from harness import write_block

ROOT = Path(__file__).resolve().parents[1]
FIDELITY_SUITE = {
    "name": "fidelity",
    "acts": ["relu", "silu", "gelu"],
    "tasks": ["digits_mlp", "digits_cnn", "mnist1d_cnn", "spirals", "charlm", "digits_kan"],
    "seeds": 5,
    "budget": {"small": True},
}
# the KAN-vs-MLP pairing at the standard suite's full budgets: every standard activation as the MLP's activation
# and as the KAN's residual base function (digits_mlp runs already in the db are reused, not rerun)
KAN_SUITE = {
    "name": "standard-kan",
    "acts": ["relu", "leaky_relu", "elu", "selu", "gelu", "silu", "mish", "tanh", "crrelu", "smelu"],
    "tasks": ["digits_mlp", "digits_kan"],
    "seeds": 5,
}


def fmt(x: float) -> str:
    return f"{x:+.4f}" if abs(x) < 1e6 else f"{x:+.3g}"


def pick_suite(suites: list[dict], name: str | None) -> dict:
    """The latest suite called ``name`` (or the latest of all); its config says what it planned."""
    import json

    chosen = [s for s in suites if name is None or s["name"] == name]
    if not chosen:
        have = sorted({s["name"] for s in suites}) or ["none"]
        raise SystemExit(f"--suite {name!r}: no such suite in the database (suites there: {', '.join(have)})")
    s = dict(chosen[-1])
    if isinstance(s["config"], str):
        s["config"] = json.loads(s["config"])
    return s


def coverage(cfg: dict, runs: list[dict]) -> tuple[str, int, int]:
    """(sentence on missing runs, runs finished, runs planned) of a suite's config against its recorded runs."""
    done = {(r["task"], r["act"], r["seed"]) for r in runs if r["status"] in ("ok", "diverged")}
    planned = [(t, a, s) for t in cfg["tasks"] for a in cfg["acts"] for s in cfg["seeds"]]
    missing: dict[str, int] = {}
    for t, a, s in planned:
        if (t, a, s) not in done:
            missing[t] = missing.get(t, 0) + 1
    n_done = len(planned) - sum(missing.values())
    if not missing:
        return f"all {len(planned)} planned runs finished", n_done, len(planned)
    per = ", ".join(f"{t} {n}" for t, n in missing.items())
    return (f"{n_done} of {len(planned)} planned runs finished; **missing {sum(missing.values())}** ({per}) — "
            "verdicts below use the finished runs only", n_done, len(planned))


def budget_text(cfg: dict) -> str:
    b = dict(cfg.get("budget") or {})
    small = b.pop("small", False)
    text = "each task's short `small` budget" if small else "each task's default (full) budget"
    return text + (f" with overrides {b}" if b else "") + (f", per-task overrides {cfg['task_budget']}"
                                                           if cfg.get("task_budget") else "")


def header(db: Path, suite: dict, runs: list[dict]) -> str:
    cfg = suite["config"]
    seeds = sorted(cfg["seeds"])
    span = f"{seeds[0]}–{seeds[-1]}" if seeds == list(range(seeds[0], seeds[-1] + 1)) else ", ".join(map(str, seeds))
    when = time.strftime("%Y-%m-%d", time.gmtime(max((r["created"] for r in runs), default=time.time())))
    cov, _, _ = coverage(cfg, runs)
    how = ("`python benchmarks/claims.py --run`" if suite["name"] == "fidelity"
           else f"`actlab bench --suite {suite['name']}`" if suite["name"] in ("quick", "standard")
           else f"suite `{suite['name']}`")
    text = (f"Measured {when} by {how}, read from `{db.relative_to(ROOT) if db.is_relative_to(ROOT) else db}` "
            f"(suite `{suite['name']}`: {', '.join(cfg['acts'])} on {', '.join(cfg['tasks'])}; "
            f"seeds {span}; {budget_text(cfg)}; one worker, one thread). Coverage: {cov}; training time summed "
            f"over its runs {sum(r['wall_time'] or 0 for r in runs) / 60:.0f} min.")
    if suite["name"] == "fidelity":
        text += " This is a reduced stand-in for `--suite standard`."
    return text


def run(cfg: dict, db: Path) -> None:
    """Run (or resume) one suite config into ``db``."""
    from actlab.bench.config import make_config
    from actlab.bench.runner import run_suite

    t0 = time.perf_counter()
    res = run_suite(make_config(cfg), db,
                    on_event=lambda k, **i: print(k, i.get("spec", ""), flush=True) if k == "run_end" else None)
    print(f"{cfg['name']}: {len(res.executed)} runs in {time.perf_counter() - t0:.0f} s, {len(res.skipped)} skipped")


def main() -> None:
    ap = harness.parser(__doc__, repeats=None)
    ap.add_argument("--db", type=Path, default=ROOT / "runs" / "fidelity.db")
    ap.add_argument("--suite", default=None, help="suite name in the db (default: the latest suite recorded)")
    ap.add_argument("--run", action="store_true", help="first run the fidelity suite into --db")
    ap.add_argument("--run-kan", action="store_true",
                    help="first run the standard-kan suite (digits_mlp vs digits_kan, full budget) into --db and "
                         "add its runs to the evaluated suite's")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()

    from actlab.bench.claims import evaluate
    from actlab.store.runs import RunStore

    register_digits_kan()
    if args.run:
        run(FIDELITY_SUITE, args.db)
        args.suite = args.suite or "fidelity"
    if args.run_kan:
        run(KAN_SUITE, args.db)
    if not args.db.is_file():
        raise SystemExit(f"--db {str(args.db)!r} does not exist")
    with RunStore(args.db, create=False) as s:
        suites = s.suites()
        suite = pick_suite(suites, args.suite)
        runs = s.runs(suite["id"])
        extra = pick_suite(suites, KAN_SUITE["name"]) if args.run_kan else None
        extra_runs = s.runs(extra["id"]) if extra else []
    text = header(args.db.resolve(), suite, runs)
    if extra:
        text += " Rows on `digits_kan` (and its `digits_mlp` twins) — " + header(args.db.resolve(), extra, extra_runs)
        seen = {r["key"] for r in runs}
        runs = list(runs) + [r for r in extra_runs if r["key"] not in seen]
    results = evaluate(runs)
    lines = [text + " Difference = first arm − second arm, positive = first arm "
             "better (for perplexity the sign is flipped), paired by seed, with its 95% t-interval; margin = 1% of "
             "the second arm's mean. Verdicts: `ge` agrees when the CI lies above −margin; `approx` agrees when "
             "it lies inside ±margin.",
             "", "| claim (source) | task | seeds | difference [95% CI] | margin | our verdict |", "|---|---|---|---|---|---|"]
    for c in results:
        head = f"{c.claim.text} ({c.claim.source.split(',')[0]})"
        if not c.per_task:
            lines.append(f"| {head} | — | — | — | — | not measured by this suite |")
        for i, t in enumerate(c.per_task):
            lines.append(f"| {head if i == 0 else ''} | {t.task} | {t.n} | {fmt(t.diff.mean)} "
                         f"[{fmt(t.diff.lo)}, {fmt(t.diff.hi)}] | {t.margin:.3g} | {t.verdict} |")
        if c.per_task:
            counts = ", ".join(f"{k} {v}" for k, v in sorted(c.counts().items()))
            lines.append(f"| | **overall** | | | | **{c.verdict}** ({counts}) |")
    short = (suite["config"].get("budget") or {}).get("small", False)
    lines += ["", "Reading: " + ("these are short budgets (a few epochs) on small nets; " if short else
                                 "full default budgets, but small nets and data sets; ")
              + "Ramachandran et al. trained much deeper models to convergence, so *disagrees* here means *not "
              "reproduced at this scale*, not a refutation."]
    if any(c.claim.arm == "task" and c.per_task for c in results):
        lines[-1] += (" KAN vs MLP: `digits_kan` (registered by `benchmarks/digits_kan.py`) is digits_mlp with a "
                      "B-spline KAN [64, 12, 10] (8,880 parameters against the MLP's 8,970) whose residual base "
                      "function is the activation under test; both get the same budget and learning rate, which Yu "
                      "et al. tuned per model, so the comparison is fair in parameters but not in tuning.")
    else:
        lines[-1] += (" The KAN-vs-MLP claim needs the `digits_kan` task, which this suite does not include; "
                      "`python benchmarks/claims.py --db runs/fidelity.db --run --no-write` measures it on short "
                      "budgets.")
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        path = ROOT / "FIDELITY.md"
        write_block(path, "claims", text, "## Standard suite vs published claims")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
