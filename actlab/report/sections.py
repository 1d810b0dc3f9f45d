"""Report sections for the other areas' databases, shown as their CLI commands show them: the arithmetic success
table (Wilson intervals, `actlab arith`) with its figure, and a search's best candidates (`actlab search-report`)
with its figures — instead of raw table dumps. Also which databases a list of ``--db`` (or a runs folder) holds."""
from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from actlab.core.errors import ConfigError
from actlab.store.db import connect

KINDS = {"bench": {"runs"}, "search": {"candidates", "search_meta"}, "arith": {"arith_runs", "arith_seeds"}}


def expand(dbs: list[str | Path] | str | Path) -> list[Path]:
    """The database files named by ``dbs``: files as given, folders as the ``*.db`` files inside them."""
    items = [dbs] if isinstance(dbs, (str, Path)) else list(dbs)
    out: list[Path] = []
    for item in map(Path, items):
        if item.is_dir():
            found = sorted(item.glob("*.db"))
            if not found:
                raise ConfigError(f"folder {str(item)!r} holds no .db files")
            out += found
        elif item.is_file():
            out.append(item)
        else:
            raise ConfigError(f"database {str(item)!r} does not exist (run `actlab bench --db {item}` first)")
    return list(dict.fromkeys(out))


def kinds(db: Path) -> set[str]:
    """Which areas' results ``db`` holds: a subset of {"bench", "search", "arith"}."""
    con = connect(db, readonly=True)
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        con.close()
    return {k for k, need in KINDS.items() if need <= tables}


def _pct(v: float | None) -> str:
    return "—" if v is None or v != v else f"{100 * v:.0f}%"


def _num(v: float | None) -> str:
    return "—" if v is None or v != v else f"{v:.2g}"


def arith_section(db: Path, figdir: Path) -> dict[str, Any] | None:
    """The success table of `actlab arith` (one row per op, unit and budget) and its Wilson-interval figure."""
    from actlab.arith.stats import summarize
    from actlab.report.arith_figures import plot_success
    from actlab.store.arith import read_results

    runs = read_results(db)
    if not runs:
        return None
    rows = []
    for r in runs:
        iters = r["config"].get("train", {}).get("iterations")
        rows.append({"op": r["op"], "unit": r["unit"], "iterations": iters, **summarize(r["seeds"])})
    fig = plot_success(rows, figdir / f"arith_success_{db.stem}.png")
    return {"db": str(db), "figure": f"figures/{fig.name}",
            "rows": [{"op": r["op"], "unit": r["unit"], "iterations": _num(r["iterations"]), "seeds": r["seeds"],
                      "success": _pct(r["success_rate"]), "ci": f"{_pct(r['ci_low'])}–{_pct(r['ci_high'])}",
                      "solved_at": _num(r["converged_at_median"]), "sparsity": _num(r["sparsity_error"]),
                      "diverged": r["diverged"]} for r in rows]}


def search_section(db: Path, figdir: Path, top: int = 8) -> dict[str, Any] | None:
    """The best candidates of a stored search (formula, value, cost, origin), its status counts and figures."""
    from actlab.report.search_figures import plot_pareto, plot_progress
    from actlab.store.candidates import open_for_report

    meta, rows = open_for_report(db)
    if not rows:
        return None
    best = sorted((r for r in rows if r.status == "done" and r.value is not None),
                  key=lambda r: (-r.value, r.idx))[:top]
    figs = []
    for draw, name in ((plot_pareto, "pareto"), (plot_progress, "progress")):
        try:
            f = draw(rows, figdir / f"search_{name}_{db.stem}.png")
        except Exception:  # noqa: BLE001 - a figure of another area must not break the report; the table stays
            f = None
        if f is not None and Path(f).is_file():
            figs.append(f"figures/{Path(f).name}")
    counts = Counter(r.status for r in rows)
    return {"db": str(db), "space": meta.get("space", "?"), "n": len(rows),
            "counts": ", ".join(f"{k} {v}" for k, v in sorted(counts.items())), "figures": figs,
            "rows": [{"idx": r.idx, "formula": r.canonical, "value": f"{r.value:.4f}",
                      "cost": "—" if r.cost is None else f"{r.cost:.2f}", "origin": r.origin or ""}
                     for r in best]}
