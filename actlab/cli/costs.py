"""The terminal's cost table for `actlab bench`: each (task, activation) with its metric beside parameters,
forward FLOPs per example, training throughput and the device the runs trained on."""
from __future__ import annotations

import math
from pathlib import Path

from rich.table import Table


def _num(v: float, digits: int = 3) -> str:
    return f"{v:.{digits}g}" if math.isfinite(v) else "—"


def cost_table(db: Path, suite_id: int | None = None, baseline: str = "relu") -> Table:
    from actlab.bench import stats
    from actlab.store.runs import RunStore

    with RunStore(db) as store:
        runs = store.runs_with_baseline(suite_id, baseline)
    t = Table(title="cost beside the metric (mean over seeds, as in the ranking; throughput compares only within "
                    "one device)", padding=(0, 1))
    for name, justify, wrap in (("task", "left", False), ("act", "left", False), ("mean", "right", False),
                                ("params", "right", False), ("MFLOPs\n/ex", "right", False),
                                ("throughput\nex/s", "right", False), ("device", "left", True)):
        t.add_column(name, justify=justify, overflow="fold", no_wrap=not wrap)
    for s in stats.summarize(runs):
        t.add_row(s.task, s.act, _num(s.mean, 4), f"{int(s.params):,}" if math.isfinite(s.params) else "—",
                  _num(s.flops / 1e6), _num(s.throughput), s.device or "—")
    return t
