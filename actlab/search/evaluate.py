"""Evaluate one candidate: cheap rejection filters, then the objective (a proxy task or a target curve).

Filters, cheapest first (EvoNorm's rejection protocol adapted to a CPU lab, see
shared/reference/activation_search.md §2.4 and §7.4):
  1. build: the genome compiles to a module;
  2. finite: outputs and gradients (w.r.t. input and trainable scalars) are finite on a probe batch that mixes a
     grid over [-10, 10] with N(0, 3²) samples;
  3. degenerate: a constant output, or an elementwise affine one, which would make the network linear;
  4. stability: the gradient norm of a small random MLP using the candidate stays finite and below 1e6 at input
     scales 1 and 5 (a cheap stand-in for EvoNorm's adversarial gradient-norm test);
  5. quality (task objectives): accuracy after ``quality_steps`` optimiser steps must reach ``quality_threshold``
     (EvoNorm rejected layers under 20% after 100 steps).
A candidate that fails any filter gets ``status="rejected"`` and a reason; an unexpected exception gives
``status="failed"`` with the error text. Neither stops the search.
"""
from __future__ import annotations

import math
import os
import time
import traceback
from dataclasses import asdict, dataclass, field
from typing import Any

import torch
from torch import nn

from actlab.core.errors import ConfigError

GRAD_LIMIT = 1e6


@dataclass(frozen=True)
class TargetObjective:
    """Match a known activation on a grid: value = −RMSE(candidate, target) over [lo, hi] (0 is a perfect match).

    Deterministic and fast: used by tests and for rediscovery experiments.
    """

    target: str = "silu"
    lo: float = -5.0
    hi: float = 5.0
    n: int = 201
    kind: str = "target"

    def settings(self) -> dict[str, Any]:
        return asdict(self)

    def seeds_for(self, seeds: tuple[int, ...]) -> tuple[int, ...]:
        return (0,)  # deterministic: one evaluation is enough

    def run(self, module: nn.Module, seed: int) -> dict[str, Any]:
        import actlab

        f = actlab.functional(self.target)
        x = torch.linspace(self.lo, self.hi, self.n, dtype=torch.float64)
        with torch.no_grad():
            # as a (n, 1) batch so layer-kind candidates (graph space) also accept it
            y = module.double()(x.reshape(-1, 1)).reshape(-1)
            err = float(torch.sqrt(torch.mean((y - f(x)) ** 2)))
        return {"value": -err if math.isfinite(err) else -math.inf, "diverged": not math.isfinite(err)}


@dataclass(frozen=True)
class TaskObjective:
    """Train the task's model with the candidate; value = the task metric (accuracy on its test split)."""

    task: str = "digits"
    overrides: dict[str, Any] = field(default_factory=dict)
    small: bool = False
    quality_steps: int = 30
    quality_threshold: float = 0.2
    kind: str = "task"

    def settings(self) -> dict[str, Any]:
        return asdict(self)

    def seeds_for(self, seeds: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(seeds)

    def gate(self, factory, seed: int) -> str | None:
        """The quality filter: None when the candidate passes, else the reason."""
        if not self.quality_steps:
            return None
        from actlab.tasks import get_task

        rec = get_task(self.task).run(factory, seed, small=self.small, **{**self.overrides,
                                                                        "max_steps": self.quality_steps})
        v = rec.value
        if rec.diverged or not math.isfinite(v) or v < self.quality_threshold:
            return f"quality: {rec.metric}={v:.3f} < {self.quality_threshold} after {self.quality_steps} steps"
        return None

    def run(self, factory, seed: int) -> dict[str, Any]:
        from actlab.tasks import get_task

        rec = get_task(self.task).run(factory, seed, small=self.small, **self.overrides)
        return {"value": rec.value, "diverged": rec.diverged, "step_time": rec.step_time, "wall_time": rec.wall_time}


def make_objective(spec: str | dict[str, Any] | TargetObjective | TaskObjective, **kw: Any):
    """``"target:silu"`` → `TargetObjective`; a task name (``"digits"``) → `TaskObjective`; dicts round-trip."""
    if isinstance(spec, (TargetObjective, TaskObjective)):
        return spec
    if isinstance(spec, dict):
        spec = dict(spec)
        kind = spec.pop("kind", "task")
        return TargetObjective(**spec) if kind == "target" else TaskObjective(**spec)
    if not isinstance(spec, str) or not spec.strip():
        raise ConfigError(f"objective must be a task name or 'target:<activation>', got {spec!r}")
    if spec.startswith("target:"):
        import actlab

        name = spec.split(":", 1)[1]
        actlab.get(name)  # unknown names fail here, with suggestions
        return TargetObjective(target=name, **kw)
    from actlab.tasks import get_task

    get_task(spec)  # unknown task names fail here, with suggestions
    return TaskObjective(task=spec, **kw)


# -- filters ------------------------------------------------------------------------------------------------------
def _probe(elementwise: bool) -> torch.Tensor:
    g = torch.Generator().manual_seed(1234)
    x = torch.randn(32, 8, generator=g) * 3.0
    x[:4] = torch.linspace(-10, 10, 32).reshape(4, 8)
    x[0, 0] = 0.0  # the most common pre-activation value must be in the probe (sqrt-like kinks at 0)
    return x


def _finite_filter(module: nn.Module, x: torch.Tensor) -> str | None:
    x = x.clone().requires_grad_(True)
    y = module(x)
    if y.shape != x.shape:
        return f"shape: output {tuple(y.shape)} != input {tuple(x.shape)}"
    bad = ~torch.isfinite(y)
    if bad.any():
        return f"non-finite output at x={float(x.detach()[bad][0]):.3g}"
    if not y.requires_grad:
        return "constant output (depends on neither x nor a trainable parameter)"
    params = [p for p in module.parameters() if p.requires_grad]
    grads = torch.autograd.grad(y.sum(), [x, *params], allow_unused=True)
    for name, g in zip(["x"] + [n for n, p in module.named_parameters() if p.requires_grad], grads):
        if g is not None and not torch.isfinite(g).all():
            return f"non-finite gradient w.r.t. {name}"
    gx = grads[0]
    if gx is not None and float(gx.abs().max()) > GRAD_LIMIT:
        return f"exploding derivative |f'| = {float(gx.abs().max()):.3g} > {GRAD_LIMIT:g} on the probe"
    return None


def _degenerate_filter(module: nn.Module, x: torch.Tensor, elementwise: bool) -> str | None:
    with torch.no_grad():
        y = module(x.double() if elementwise else x).double()
    if float(y.std()) < 1e-6 * (1 + float(y.abs().mean())):
        return "constant output"
    # an elementwise affine output (also from a layer graph such as neg(x)) makes the whole network linear
    xf = x.double().flatten()
    A = torch.stack([xf, torch.ones_like(xf)], 1)
    sol = torch.linalg.lstsq(A, y.flatten().unsqueeze(1)).solution
    resid = y.flatten() - (A @ sol).squeeze(1)
    if float(resid.norm()) < 1e-6 * float(y.norm()):
        return "affine function (the network would be linear)"
    return None


def _stability_filter(module: nn.Module) -> str | None:
    g = torch.Generator().manual_seed(7)
    torch.manual_seed(7)
    net = nn.Sequential(nn.Linear(8, 16), module, nn.Linear(16, 16), module, nn.Linear(16, 4))
    for scale in (1.0, 5.0):
        x = torch.randn(32, 8, generator=g) * scale
        net.zero_grad(set_to_none=True)
        loss = net(x).square().mean()
        if not torch.isfinite(loss):
            return f"stability: non-finite loss at input scale {scale:g}"
        loss.backward()
        norm = math.sqrt(sum(float(p.grad.square().sum()) for p in net.parameters() if p.grad is not None))
        if not math.isfinite(norm) or norm > GRAD_LIMIT:
            return f"stability: gradient norm {norm:.3g} > {GRAD_LIMIT:g} at input scale {scale:g}"
    return None


def run_filters(space, genome) -> str | None:
    """Apply filters 1–4; None when the candidate passes, else the reason."""
    try:
        module = space.build(genome)
    except Exception as e:  # noqa: BLE001 - any build error is a rejection reason, not a crash
        return f"build: {type(e).__name__}: {e}"
    elementwise = getattr(space, "elementwise", True)
    x = _probe(elementwise)
    return (_finite_filter(module, x) or _degenerate_filter(module, x, elementwise)
            or _stability_filter(space.build(genome)))


# -- cost -------------------------------------------------------------------------------------------------------
def time_cost(space, genome, repeats: int = 5, size: tuple[int, int] = (256, 256)) -> float:
    """Forward+backward time of the candidate relative to ReLU on the same tensor (median of ``repeats``)."""
    x = torch.randn(*size, requires_grad=True)
    mod = space.build(genome)

    def t(f) -> float:
        ts = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            f(x).sum().backward()
            ts.append(time.perf_counter() - t0)
        return sorted(ts)[len(ts) // 2]

    relu = nn.ReLU()
    t(relu)  # warm-up
    return t(mod) / max(t(relu), 1e-9)


# -- the job a backend runs -------------------------------------------------------------------------------------
def evaluate_candidate(space_name: Any, space_settings: dict[str, Any] | None, genome: Any,
                       objective: dict[str, Any], seeds: tuple[int, ...] = (0,), cost: str = "ops") -> dict[str, Any]:
    """Filter, then score one candidate; never raises for a bad candidate (only for a bad configuration).

    Returns ``{"status", "reason", "value", "metrics": {seed: value}, "cost", "wall"}``; ``value`` is the mean
    over seeds (higher is better), ``cost`` is the forward+backward cost relative to ReLU (``cost="time"``) or the
    weighted op count (``cost="ops"``, deterministic). ``space_name`` may also be a `Space` object (then
    ``space_settings`` is ignored), which lets custom in-process spaces be evaluated.
    """
    from actlab.search.space import get_space

    t0 = time.perf_counter()
    delay = float(os.environ.get("ACTLAB_SEARCH_EVAL_DELAY", "0") or 0)  # test hook: make evaluations slow
    if delay:
        time.sleep(delay)
    space = get_space(space_name, **(space_settings or {})) if isinstance(space_name, str) else space_name
    obj = make_objective(objective)
    out: dict[str, Any] = {"status": "done", "reason": None, "value": None, "metrics": {}, "cost": None}
    old_threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny tensors: extra threads only add contention with the other workers
    try:
        reason = run_filters(space, genome)
        if reason is None and isinstance(obj, TaskObjective):
            reason = obj.gate(lambda: space.build(genome), seeds[0])
        if reason is not None:
            out.update(status="rejected", reason=reason)
        else:
            out["cost"] = time_cost(space, genome) if cost == "time" else space.op_cost(genome)
            for s in obj.seeds_for(tuple(seeds)):
                rec = obj.run(space.build(genome), s) if isinstance(obj, TargetObjective) \
                    else obj.run(lambda: space.build(genome), s)
                v = rec["value"]
                out["metrics"][str(s)] = v if v is not None and math.isfinite(v) else None
                if rec.get("diverged"):
                    out.update(status="rejected", reason=f"diverged during training (seed {s})")
                    break
            vals = [v for v in out["metrics"].values() if v is not None]
            if out["status"] == "done":
                out["value"] = sum(vals) / len(vals) if vals else None
                if out["value"] is None:
                    out.update(status="rejected", reason="no finite metric")
    except Exception as e:  # noqa: BLE001 - a failing candidate must never stop the search
        out.update(status="failed", reason=f"{type(e).__name__}: {e}",
                   traceback=traceback.format_exc(limit=3))
    finally:
        torch.set_num_threads(old_threads)
    out["wall"] = time.perf_counter() - t0
    return out


def retrain(space_name: str | None, space_settings: dict[str, Any] | None, candidate: Any, task: str, seed: int,
            **overrides: Any) -> dict[str, Any]:
    """One training run of a found candidate (a genome of the named space) or of a zoo name (``space_name=None``).

    Used to re-score finalists on fresh seeds (the search's own seed is biased upward by selection).
    """
    from actlab.search.space import get_space
    from actlab.tasks import get_task

    if space_name is None:
        act: Any = candidate
    else:
        space = get_space(space_name, **(space_settings or {}))
        genome = space.check(candidate)

        def act():
            return space.build(genome)
    rec = get_task(task).run(act, seed, **overrides)
    return {"value": rec.value, "diverged": rec.diverged, "wall_time": rec.wall_time, "seed": seed}


def warm_up(task: str = "digits") -> bool:
    """Import the heavy modules and load the task data once in a worker, so timings exclude start-up."""
    from actlab.tasks import get_task

    get_task(task).data()
    return True
