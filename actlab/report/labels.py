"""Readable task labels when one task ran under several budgets: ``digits_mlp[small budget]`` beside
``digits_mlp[full budget]``, ``charlm[epochs=3]`` beside ``charlm[epochs default]`` — only the options that differ,
spelled out, never a code hash. Shared by the HTML report and the terminal ranking, so both name columns alike."""
from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

HIDDEN = ("task_fingerprint",)  # internal: a hash of the task's code and settings
_MISSING = object()


def _part(key: str, value: Any) -> str:
    if key == "small":
        return "small budget" if value not in (_MISSING, False, None) else "full budget"
    return f"{key} default" if value is _MISSING else f"{key}={value}"


def label_tasks(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rename ``run["task"]`` in place where a task has runs under several option sets; returns ``runs``.

    Variants that differ only in the hidden code hash (the task's code changed between suites) are told apart
    as ``task code #1`` (the oldest), ``#2``, ...
    """
    variants: dict[str, list[str]] = defaultdict(list)
    for r in sorted(runs, key=lambda r: r.get("id") or 0):
        key = json.dumps(r["options"], sort_keys=True)
        if key not in variants[r["task"]]:
            variants[r["task"]].append(key)
    labels: dict[tuple[str, str], str] = {}
    for task, keys in variants.items():
        if len(keys) < 2:
            continue
        shown = [{k: v for k, v in json.loads(k_).items() if k not in HIDDEN} for k_ in keys]
        names = sorted(set().union(*shown))
        differ = [n for n in names if len({json.dumps(s.get(n, "\0missing"), sort_keys=True) for s in shown}) > 1]
        for i, (k_, s) in enumerate(zip(keys, shown)):
            parts = [_part(n, s.get(n, _MISSING)) for n in differ]
            same = [j for j, o in enumerate(shown) if o == s]
            if len(same) > 1:  # equal visible options: only the code differs
                parts.append(f"task code #{same.index(i) + 1}")
            labels[(task, k_)] = ", ".join(parts)
    for r in runs:
        lab = labels.get((r["task"], json.dumps(r["options"], sort_keys=True)))
        if lab:
            r["task"] = f"{r['task']}[{lab}]"
    return runs
