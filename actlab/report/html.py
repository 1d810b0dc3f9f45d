"""The static HTML report of a results database: `write_report(db, out_dir) -> out_dir/index.html`.

Everything is local: PNG figures next to the page, inline CSS, no scripts, nothing fetched from the network.
Tables written by other areas (``arith_*``, ``candidates*``, ``analysis_*``) get generic sections when present.
"""
from __future__ import annotations

import datetime as _dt
import math
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from actlab.bench import stats
from actlab.bench.claims import evaluate as evaluate_claims
from actlab.core.errors import ConfigError
from actlab.report import figures
from actlab.report.labels import label_tasks
from actlab.store.runs import RunStore

OWN_TABLES = {"suites", "runs", "suite_runs", "epochs", "sqlite_sequence"}
SECTIONS = (("arith_", "Arithmetic units"), ("candidates", "Activation search"), ("search_", "Activation search"),
            ("analysis_", "Analysis"))
CURVE_PREFERENCE = ("val_metric", "value", "val_acc", "val_loss", "train_loss", "loss")


def fmt(v: Any, digits: int = 4) -> str:
    """Short human form of a number for tables (NaN/None → '—')."""
    if v is None:
        return "—"
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, (bytes, bytearray, memoryview)):
        return f"<{len(v)} bytes>"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            return "—" if math.isnan(v) else ("∞" if v > 0 else "−∞")
        return f"{v:.{digits}g}"
    s = str(v)
    return s if len(s) <= 80 else s[:77] + "…"


def ci_text(lo: float, hi: float, n: int, clipped: bool = False) -> str:
    """An interval as the report and the terminal show it: ``[lo, hi]``, ``(n=1)`` for one seed (no spread to
    estimate: the same words as `actlab bench`'s table), ``—`` for none; ``†`` marks one cut at the metric's range."""
    if n == 0:
        return "—"
    if n < 2:
        return f"(n={n})"
    return f"[{fmt(lo)}, {fmt(hi)}]" + (" †" if clipped else "")


def _slug(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", s)[:80]


def _suites_text(suites: list[dict[str, Any]]) -> str:
    """"quick, custom ×3" (each invocation of `actlab bench` records one suite row), or "none"."""
    counts = Counter(s["name"] for s in suites)
    return ", ".join(f"{n} ×{c}" if c > 1 else n for n, c in counts.items()) or "none"


def _curve_series(store: RunStore, runs: list[dict[str, Any]]) -> dict[str, tuple[str, dict[str, list[list]]]]:
    """task -> (metric name, act -> per-seed lists of per-epoch values)."""
    cur = store.curves(r["id"] for r in runs)
    out: dict[str, tuple[str, dict[str, list[list]]]] = {}
    for task in sorted({r["task"] for r in runs}):
        rs = [r for r in runs if r["task"] == task]
        names = {n for r in rs for n in cur.get(r["id"], {})}
        metric = next((m for m in CURVE_PREFERENCE if m in names), sorted(names)[0] if names else None)
        if metric is None:
            continue
        by_act: dict[str, list[list]] = defaultdict(list)
        for r in rs:
            pts = cur.get(r["id"], {}).get(metric, [])
            by_act[r["act"]].append([math.nan if v is None else v for _, v in pts])
        out[task] = (metric, dict(by_act))
    return out


def _act_figures(acts: list[str], figdir: Path) -> dict[str, str]:
    from actlab.report.curves import plot_curves

    out = {}
    for a in acts:
        try:
            out[a] = plot_curves([a], figdir / f"act_{_slug(a)}.png", derivative=True, small=True).name
        except Exception:  # a layer-kind activation without a 1-D curve: shown without a figure
            continue
    return out


def _act_plugins(runs: list[dict[str, Any]], figs: dict[str, str]) -> dict[str, dict[str, Any]]:
    """act -> {plugin file, whether its curve was drawn, a note} for activations defined by plugins (the runs
    recorded the file in ``extra['act_origin']``); a plugin that is not loaded now cannot be drawn."""
    from actlab.core.errors import UnknownNameError
    from actlab.core.registry import get

    out: dict[str, dict[str, Any]] = {}
    for r in runs:
        file = (r.get("extra") or {}).get("act_origin")
        if not file or r["act"] in out:
            continue
        try:
            get(r["act"])
            loaded = True
        except UnknownNameError:
            loaded = False
        note = f"from plugin {file}" if loaded else \
            (f"from plugin {file}, which is not loaded: its curve could not be drawn "
             f"(write the report with `actlab --import {file} report ...`)")
        out[r["act"]] = {"file": file, "loaded": loaded, "drawn": r["act"] in figs, "note": note}
    return out


def _search_figures(db: Path, figdir: Path) -> list[str]:
    """The search area's own figures (Pareto front, progress) when the database holds a search; best effort."""
    try:
        from actlab.report.search_figures import plot_pareto, plot_progress
        from actlab.store.candidates import open_for_report

        _, rows = open_for_report(db)
        figs = [plot_pareto(rows, figdir / "search_pareto.png"), plot_progress(rows, figdir / "search_progress.png")]
    except Exception:  # another area's figure code must never break the benchmark report; the table still shows
        return []
    return [f"figures/{Path(f).name}" for f in figs if f is not None and Path(f).is_file()]


STRUCTURED = {"arith": {"arith_runs", "arith_seeds"}, "search": {"candidates", "search_meta"}}


def _extra_sections(store: RunStore, figdir: Path, shown: set[str] = frozenset()) -> list[dict[str, Any]]:
    """Generic table sections for results the report has no own section for (``shown``: the kinds of
    `report.sections` already drawn from this database)."""
    sections = []
    skip = set().union(*(STRUCTURED[k] for k in shown)) if shown else set()
    for t in store.tables():
        if t in OWN_TABLES or "checkpoint" in t or t in skip:  # checkpoints are binary resume state, not results
            continue
        title = next((title for p, title in SECTIONS if t.startswith(p)), "Other results")
        cols, rows, count = store.table_rows(t, limit=50)
        figs = _search_figures(store.path, figdir) if t == "candidates" else []
        sections.append({"title": title, "table": t, "columns": cols, "figures": figs,
                         "rows": [[fmt(v) for v in row] for row in rows], "count": count})
    order = {title: i for i, (_, title) in enumerate(SECTIONS)}
    return sorted(sections, key=lambda s: (order.get(s["title"], 99), s["table"]))


def _clip_note(sums: list[stats.Summary]) -> str | None:
    """The sentence that says intervals were cut at the metric's range, when any was."""
    from actlab.tasks.metrics import metric_range

    cut = sorted({s.metric for s in sums if s.clipped})
    if not cut:
        return None
    ranges = ", ".join(f"{m} in [{fmt(metric_range(m)[0])}, {fmt(metric_range(m)[1])}]" for m in cut)
    return (f"† interval cut at the metric's range ({ranges}): a t-interval over few seeds near a bound reaches "
            "values the metric cannot take")


def build_context(store: RunStore, out_dir: Path, suite_id: int | None = None, baseline: str = "relu",
                  tie_tol: float = 0.0, others: list[Path] = ()) -> dict[str, Any]:
    """Compute every statistic and draw every figure; return the template's context."""
    figdir = out_dir / "figures"
    runs = label_tasks(store.runs_with_baseline(suite_id, baseline))
    ok = [r for r in runs if r["status"] != "error"]
    sums = stats.summarize(ok)
    acts = sorted({s.act for s in sums})
    tasks = sorted({s.task for s in sums})
    cmap = figures.colors(acts)
    ranks = stats.mean_ranks(sums)
    by_ta = {(s.task, s.act): s for s in sums}
    paired = stats.paired_vs_baseline(ok, baseline=baseline, tie_tol=tie_tol)
    curves = _curve_series(store, ok)

    task_blocks = []
    for task in tasks:
        ts = [s for s in sums if s.task == task]
        bars = figures.task_bars(task, ts, figdir / f"bars_{_slug(task)}.png", cmap)
        cost_fig, front = figures.cost_quality(task, ts, figdir / f"cost_{_slug(task)}.png", cmap)
        lc = None
        if task in curves:
            metric, series = curves[task]
            label = f"validation {ts[0].metric}" if metric == "val_metric" else metric
            lc = figures.learning_curves(task, series, label, figdir / f"curves_{_slug(task)}.png", cmap).name
        rows = sorted(ts, key=lambda s: (-s.mean if s.higher_is_better else s.mean) if math.isfinite(s.mean)
                      else math.inf)
        task_blocks.append({
            "name": task, "metric": ts[0].metric, "higher_is_better": ts[0].higher_is_better,
            "bars": f"figures/{bars.name}", "cost": f"figures/{cost_fig.name}",
            "curves": f"figures/{lc}" if lc else None, "front": front,
            "clipped": _clip_note(ts),
            "rows": [{"act": s.act, "n": s.n, "div": s.n_diverged, "mean": fmt(s.mean),
                      "t": ci_text(s.t_lo, s.t_hi, s.n, s.clipped),
                      "boot": ci_text(s.boot_lo, s.boot_hi, s.n, s.clipped),
                      "rel": fmt(s.rel_step_time, 3), "step_ms": fmt(s.step_time * 1e3, 3),
                      "params": fmt(int(s.params)) if math.isfinite(s.params) else "—",
                      "mem": fmt(s.saved_mem / 2**20, 3) if s.saved_mem > 0 else "—",
                      "mflops": fmt(s.flops / 1e6, 3), "throughput": f"{s.throughput:,.0f}" if math.isfinite(s.throughput) else "—",
                      "device": s.device or "—",
                      "wall": fmt(s.wall_time, 3),
                      "pareto": s.act in front} for s in rows]})

    # "which activation, for which task, at what cost": the best mean per task, and the cheapest front member
    glance = []
    for b in task_blocks:
        best = b["rows"][0] if b["rows"] else None
        cheap = next((r for r in sorted(b["rows"], key=lambda r: float(r["rel"]) if r["rel"] != "—" else math.inf)
                      if r["pareto"]), None)
        if best is not None:
            glance.append({"task": b["name"], "metric": b["metric"], "best": best["act"], "mean": best["mean"],
                           "ci": best["t"], "rel": best["rel"], "cheap": cheap["act"] if cheap else "—",
                           "cheap_mean": cheap["mean"] if cheap else "—", "cheap_rel": cheap["rel"] if cheap else "—"})

    ranking = []
    for act, mr, nt in ranks:
        cells = []
        for task in tasks:
            s = by_ta.get((task, act))
            cells.append("—" if s is None else f"{fmt(s.mean)} {ci_text(s.t_lo, s.t_hi, s.n, s.clipped)}")
        rels = [by_ta[(t, act)].rel_step_time for t in tasks if (t, act) in by_ta]
        rels = [x for x in rels if math.isfinite(x)]
        ranking.append({"act": act, "mean_rank": f"{mr:.2f}", "n_tasks": nt, "cells": cells,
                        "rel": fmt(sum(rels) / len(rels), 3) if rels else "—",
                        "diverged": sum(by_ta[(t, act)].n_diverged for t in tasks if (t, act) in by_ta)})

    claims = [{"id": c.claim.id, "text": c.claim.text, "source": c.claim.source, "kind": c.claim.kind,
               "a": c.claim.a if isinstance(c.claim.a, str) else " / ".join(c.claim.a), "b": c.claim.b or "the bare task", "verdict": c.verdict, "counts": c.counts(),
               "cost": c.claim.cost,
               "rows": [{"task": t.task, "n": t.n, "mean": fmt(t.diff.mean), "lo": fmt(t.diff.lo),
                         "hi": fmt(t.diff.hi), "margin": fmt(t.margin, 3), "verdict": t.verdict,
                         "cost_ratio": fmt(t.cost_ratio, 3)}
                        for t in c.per_task]} for c in evaluate_claims(ok)]

    suites = store.suites()
    act_figs = _act_figures(acts, figdir)
    return {
        "generated": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "db": str(store.path), "suites": suites, "suites_text": _suites_text(suites), "n_runs": len(runs),
        "n_ok": sum(r["status"] == "ok" for r in runs), "n_diverged": sum(r["status"] == "diverged" for r in runs),
        "n_error": sum(r["status"] == "error" for r in runs),
        "errors": [{"task": r["task"], "act": r["act"], "seed": r["seed"], "error": (r["error"] or "")[:300]}
                   for r in runs if r["status"] == "error"][:30],
        "tasks": tasks, "acts": acts, "baseline": baseline, "ranking": ranking, "glance": glance, "task_blocks": task_blocks,
        "paired": [{"task": p.task, "act": p.act, "w": p.wins, "t": p.ties, "l": p.losses,
                    "diff": fmt(p.diff.mean), "ci": ci_text(p.diff.lo, p.diff.hi, p.diff.n)} for p in paired],
        "clipped": _clip_note(sums),
        "act_figs": {a: f"figures/{f}" for a, f in act_figs.items()},
        "act_plugins": _act_plugins(ok, act_figs),
        "claims": claims, **_area_sections(store, figdir, others),
    }


def _area_sections(store: RunStore, figdir: Path, others: list[Path]) -> dict[str, Any]:
    """Arithmetic and search sections from the bench database itself and from ``others``, and generic sections
    for any table left over."""
    from actlab.report.sections import arith_section, kinds, search_section

    arith, search = [], []
    own: set[str] = set()
    for db in [store.path, *others]:
        found = kinds(db) if Path(db).is_file() else set()
        a = arith_section(Path(db), figdir) if "arith" in found else None
        sr = search_section(Path(db), figdir) if "search" in found else None
        arith += [a] if a else []
        search += [sr] if sr else []
        if db == store.path:
            own = {k for k, sec in (("arith", a), ("search", sr)) if sec}
    return {"arith_sections": arith, "search_sections": search, "extra": _extra_sections(store, figdir, own)}


def render(context: dict[str, Any]) -> str:
    env = Environment(loader=PackageLoader("actlab.report", "templates"), autoescape=select_autoescape(["j2"]),
                      trim_blocks=True, lstrip_blocks=True)
    return env.get_template("index.html.j2").render(**context)


def _check_selection(store: RunStore, suite_id: int | None, baseline: str) -> None:
    """A --suite-id that does not exist, or a baseline that never ran, is a user error, not an empty page."""
    from actlab.core.errors import UnknownNameError

    if suite_id is not None:
        ids = [s["id"] for s in store.suites()]
        if suite_id not in ids:
            raise ConfigError(f"no suite with id {suite_id} in {store.path} (suite ids: "
                              f"{', '.join(map(str, ids)) or 'none'})")
    acts = store.acts()
    if acts and baseline not in acts:
        raise UnknownNameError("baseline activation", baseline, acts)


def write_report(db: str | Path | list[str | Path], out_dir: str | Path, suite_id: int | None = None,
                 baseline: str = "relu", tie_tol: float = 0.0) -> Path:
    """Write ``out_dir/index.html`` (and ``out_dir/figures/*.png``) for the results in ``db``: one database, or a
    list of them and folders of ``*.db`` files (each command has its own default: runs/bench.db, search.db,
    arith.db). Bench databases are merged; search and arithmetic databases get their own sections."""
    import tempfile

    from actlab.report.sections import expand, kinds
    from actlab.store.runs import merge_databases

    files = expand(db)
    out_dir = Path(out_dir)
    from actlab.bench.runner import check_writable

    check_writable(out_dir, "report directory", is_dir=True)
    bench = [f for f in files if "bench" in kinds(f)]
    if len(bench) > 1 and suite_id is not None:
        raise ConfigError("--suite-id names a suite of one database; give one bench database with it")
    with tempfile.TemporaryDirectory(prefix="actlab-report-") as tmp:
        main = merge_databases(bench, Path(tmp) / "merged.db") if len(bench) > 1 else (bench or files)[0]
        others = [f for f in files if f != main]  # their arithmetic and search results get sections
        with RunStore(main, create=False) as store:
            _check_selection(store, suite_id, baseline)
            ctx = build_context(store, out_dir, suite_id, baseline, tie_tol, others)
        if len(bench) > 1:
            ctx["db"] = ", ".join(map(str, bench))
    index = out_dir / "index.html"
    index.write_text(render(ctx), encoding="utf-8")
    return index
