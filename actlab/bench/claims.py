"""Published claims our benchmark touches, and whether our measurements agree (with the CI).

Each claim compares two arms over shared seeds on every task where both ran. The paired difference
(a − b, oriented so that positive is better) gets a 95% t-interval, and the verdict follows from where that
interval lies:

- ``ge`` (a at least as good as b): *agrees* when the interval lies above −margin, *disagrees* when it lies
  below −margin, otherwise *inconclusive*.
- ``approx`` (a ≈ b): *agrees* when the interval lies inside ±margin, *disagrees* when it lies wholly outside,
  otherwise *inconclusive*.

margin = ``rel_margin`` × |mean of b| (1% by default: one accuracy point at 100%). An arm is an activation on
the same task, or, for model-family claims, a task variant (``digits_kan`` against ``digits_mlp``; an empty ``b``
is the bare task, ``charlm_hqkan`` against ``charlm``) with the same activation.

Claims "at lower cost" also name a ``cost`` (``flops``: forward FLOPs per example, or ``params``): the ratio of
the arms' mean costs must be below 1 as well. A ratio >= 1 makes the verdict *disagrees* whatever the metric
says; below 1 the metric's verdict stands.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from actlab.bench.stats import Interval, t_interval


@dataclass(frozen=True)
class Claim:
    id: str
    text: str
    source: str
    kind: str  # "ge" | "approx"
    a: str | tuple[str, ...]  # activation (arm="act") or task suffix(es) (arm="task": each variant is paired)
    b: str
    arm: str = "act"
    task_filter: tuple[str, ...] = ()  # substrings; empty = every task
    rel_margin: float = 0.01
    cost: str | None = None  # "flops" | "params": a must also cost less than b


CLAIMS: tuple[Claim, ...] = (
    Claim("swish_ge_relu_deep",
          "Swish/SiLU matches or beats ReLU, the more so on deeper models",
          "Ramachandran, Zoph & Le 2017, 'Searching for Activation Functions' (arXiv:1710.05941), Tables 3–6",
          "ge", "silu", "relu", task_filter=("cnn", "charlm", "lm")),
    Claim("swish_ge_relu_all",
          "Swish/SiLU matches or beats ReLU (all our tasks, shallow ones included)",
          "Ramachandran, Zoph & Le 2017 (arXiv:1710.05941)", "ge", "silu", "relu"),
    Claim("gelu_approx_silu",
          "GELU and SiLU perform about the same (SiLU is GELU with the normal CDF swapped for a logistic)",
          "Hendrycks & Gimpel 2016, 'Gaussian Error Linear Units' (arXiv:1606.08415), §2–4", "approx", "gelu", "silu"),
    Claim("mlp_ge_kan_equal_params",
          "At equal parameter count an MLP matches or beats a KAN on ML/CV tasks (not on symbolic formulas)",
          "Yu, Yu & Wang 2024, 'KAN or MLP: A Fairer Comparison' (arXiv:2407.16674)",
          "ge", "mlp", "kan", arm="task"),
    # the seeds' own headlines (see the headline suite); our scale is far below theirs
    Claim("crrelu_ge_gelu_vit",
          "CRReLU matches or beats GELU in a ViT",
          "EAFO / CRReLU paper, ViT/DeiT/TNT from scratch on CIFAR-10/100 and ImageNet-1K",
          "ge", "crrelu", "gelu", task_filter=("_vit",)),
    Claim("activator_approx_vit",
          "Activator (attention replaced by a GLU MLP) matches or beats the ViT's accuracy at lower forward FLOPs",
          "Abdullah & Aydin 2024, 'Activator: GLU activations as the core functions of a vision transformer' "
          "(arXiv:2405.15953); both of its variants: with the second MLP and without it (GLU only)",
          "ge", ("activator", "activator_glu"), "vit", arm="task", cost="flops"),
    Claim("kat_ge_vit",
          "A GR-KAN FFN (KAT) matches or beats the MLP FFN of a ViT at equal width",
          "Yang & Wang 2025, 'Kolmogorov-Arnold Transformer' (arXiv:2409.10594)", "ge", "kat", "vit", arm="task"),
    Claim("hqkan_ffn_ge_mlp_ffn",
          "An HQKAN FFN matches or beats the transformer's MLP FFN with fewer parameters",
          "QKAN paper (Jiang, Huang, Chen & Goan 2025, arXiv:2509.14026), GPT-2-style HQKANsformer on WebText",
          "ge", "hqkan", "", arm="task", cost="params"),
)


@dataclass
class TaskVerdict:
    task: str
    n: int
    diff: Interval
    margin: float
    verdict: str
    cost_ratio: float | None = None  # mean cost of a / mean cost of b, for claims with a cost


@dataclass
class ClaimResult:
    claim: Claim
    per_task: list[TaskVerdict] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        """Overall: 'not measured', or agrees/disagrees when every measured task says so, else 'mixed'."""
        vs = {t.verdict for t in self.per_task}
        if not vs:
            return "not measured"
        return vs.pop() if len(vs) == 1 else "mixed"

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for t in self.per_task:
            out[t.verdict] = out.get(t.verdict, 0) + 1
        return out


def verdict(kind: str, diff: Interval, margin: float) -> str:
    """Where the interval of the (better-is-positive) difference lies relative to the margin."""
    lo, hi = diff.lo, diff.hi
    if diff.n < 2 or not (math.isfinite(lo) and math.isfinite(hi)):
        return "inconclusive"
    if kind == "ge":
        return "agrees" if lo >= -margin else ("disagrees" if hi < -margin else "inconclusive")
    if kind == "approx":
        if -margin <= lo and hi <= margin:
            return "agrees"
        return "disagrees" if (lo > margin or hi < -margin) else "inconclusive"
    raise ValueError(f"claim kind must be 'ge' or 'approx', got {kind!r}")


def _values(runs: Iterable[Mapping[str, Any]], key: str = "value") -> dict[tuple[str, str], dict[int, float]]:
    """(task, act) -> seed -> ``key`` (a diverged run's value is NaN; costs are read from ``extra`` too)."""
    out: dict[tuple[str, str], dict[int, float]] = {}
    for r in runs:
        if r.get("status", "ok") == "error":
            continue
        if key == "value":
            v = None if r.get("diverged") else r.get("value")
        else:
            v = r.get(key)
            if v is None and isinstance(r.get("extra"), Mapping):
                v = r["extra"].get(key)
        out.setdefault((r["task"], r["act"]), {})[int(r["seed"])] = math.nan if v is None else float(v)
    return out


def _mean(xs: Iterable[float]) -> float:
    v = [x for x in xs if math.isfinite(x)]
    return sum(v) / len(v) if v else math.nan


def combine(metric_verdict: str, cost_ratio: float | None) -> str:
    """A cost claim: not cheaper (ratio >= 1) disagrees; an unmeasured cost is inconclusive; else the metric's."""
    if cost_ratio is None:
        return metric_verdict
    if not math.isfinite(cost_ratio):
        return "inconclusive"
    return "disagrees" if cost_ratio >= 1.0 else metric_verdict


def _hib(runs: Sequence[Mapping[str, Any]]) -> dict[str, bool]:
    return {r["task"]: bool(r["higher_is_better"]) for r in runs if r.get("higher_is_better") is not None}


def _pairs(c: Claim, vals: Mapping[tuple[str, str], dict[int, float]]) -> list[tuple[str, dict, dict]]:
    """(label, seeds→a, seeds→b) for every place where both arms were measured."""
    out = []
    if c.arm == "act":
        for task in sorted({t for t, _ in vals}):
            if (task, c.a) in vals and (task, c.b) in vals:
                if not c.task_filter or any(f in task for f in c.task_filter):
                    out.append((task, vals[(task, c.a)], vals[(task, c.b)]))
    else:  # task variants: <prefix>_<a> vs <prefix>_<b> (or the bare <prefix> for b = ""), same activation
        variants = (c.a,) if isinstance(c.a, str) else c.a
        for (task, act), va in sorted(vals.items()):
            for a in variants:
                if task.endswith("_" + a):
                    other = task[: -len(a) - 1] + (f"_{c.b}" if c.b else "")
                    if (other, act) in vals:
                        out.append((f"{task} vs {other} ({act})", va, vals[(other, act)]))
    return out


def _cost_ratio(c: Claim, label: str, costs: Mapping[tuple[str, str], dict[int, float]]) -> float | None:
    """Mean cost of arm a over mean cost of arm b at one pairing ``label`` (as `_pairs` names it)."""
    if c.cost is None:
        return None
    if c.arm == "act":
        ka, kb = (label, c.a), (label, c.b)
    else:
        ta, _, rest = label.partition(" vs ")
        tb, act = rest.rsplit(" (", 1)
        ka, kb = (ta, act[:-1]), (tb, act[:-1])
    a, b = _mean(costs.get(ka, {}).values()), _mean(costs.get(kb, {}).values())
    return a / b if math.isfinite(a) and math.isfinite(b) and b > 0 else math.nan


def evaluate(runs: Sequence[Mapping[str, Any]], claims: Sequence[Claim] = CLAIMS) -> list[ClaimResult]:
    """Evaluate each claim against the runs (as `RunStore.runs` returns them)."""
    runs = list(runs)
    vals, hib = _values(runs), _hib(runs)
    costs = {k: _values(runs, k) for k in {c.cost for c in claims if c.cost}}
    results = []
    for c in claims:
        res = ClaimResult(c)
        for label, va, vb in _pairs(c, vals):
            task = label.split(" ")[0]
            sign = 1.0 if hib.get(task, True) else -1.0
            seeds = sorted(set(va) & set(vb))
            diffs = [sign * (va[s] - vb[s]) for s in seeds if math.isfinite(va[s]) and math.isfinite(vb[s])]
            if not diffs:
                continue
            bmean = sum(vb[s] for s in seeds if math.isfinite(vb[s])) / max(1, sum(math.isfinite(vb[s]) for s in seeds))
            margin = c.rel_margin * abs(bmean)
            iv = t_interval(diffs)
            ratio = _cost_ratio(c, label, costs[c.cost]) if c.cost else None
            res.per_task.append(TaskVerdict(label, len(diffs), iv, margin,
                                            combine(verdict(c.kind, iv, margin), ratio), ratio))
        results.append(res)
    return results
