"""The one training loop: seeded mini-batch training with divergence detection and progress events.

``fit(model, train=(X, y), val=(X, y), loss_fn, metric_fn, config)`` trains in memory (every actlab task
fits in RAM), evaluates the validation metric after each epoch and returns a `History`. A run that
produces a non-finite or exploding loss is *recorded* as diverged and stopped early; `fit` never raises
for numerical trouble, so a suite can go on with the next run.
"""
from __future__ import annotations

import contextlib

import math
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import torch
from torch import nn

from actlab.core.seed import seed_everything
from actlab.train.config import TrainConfig
from actlab.train.device import autocast
from actlab.train.memory import PeakMemory, SavedForBackward

Tensor = torch.Tensor
LossFn = Callable[[Tensor, Tensor], Tensor]
MetricFn = Callable[[Tensor, Tensor], float]


@dataclass(frozen=True)
class ProgressEvent:
    """What a callback receives: ``kind`` is "start", "step", "epoch" or "end".

    ``step`` counts optimiser steps done so far (of ``total_steps``); ``metrics`` holds the latest
    ``loss`` (step events) or ``train_loss`` / ``val_metric`` (epoch events).
    """

    kind: str
    epoch: int
    step: int
    total_steps: int
    epochs: int
    metrics: dict[str, float] = field(default_factory=dict)


Callback = Callable[[ProgressEvent], Any]


@dataclass
class History:
    """Everything one `fit` call measured.

    peak_mem is in bytes, measured as ``peak_mem_method`` says (see `actlab.train.memory`); it depends on what the
    process held before, so compare activations by saved_mem: the bytes autograd kept for backward in the first
    training step (parameters excluded).
    step_time is the median wall time of one optimiser step in seconds (forward, backward, update).
    """

    train_loss: list[float] = field(default_factory=list)
    val_metric: list[float] = field(default_factory=list)
    higher_is_better: bool = True
    best_metric: float = math.nan
    best_epoch: int = -1
    final_metric: float = math.nan
    diverged: bool = False
    diverged_epoch: int | None = None
    diverged_reason: str = ""
    epochs_run: int = 0
    n_steps: int = 0
    wall_time: float = 0.0
    step_time: float = math.nan
    peak_mem: int = 0
    peak_mem_method: str = ""
    saved_mem: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _as_pair(data: Sequence[Tensor], what: str) -> tuple[Tensor, Tensor]:
    from actlab.core.errors import ShapeError

    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise ShapeError(f"fit: `{what}` must be a pair (X, y) of tensors, got {type(data).__name__}")
    x, y = data
    if not isinstance(x, Tensor) or not isinstance(y, Tensor):
        raise ShapeError(f"fit: `{what}` must hold tensors, got ({type(x).__name__}, {type(y).__name__})")
    if len(x) != len(y) or len(x) == 0:
        raise ShapeError(f"fit: `{what}` X and y need the same non-zero length, got {len(x)} and {len(y)}")
    return x, y


def make_optimizer(params: Iterable[nn.Parameter], cfg: TrainConfig) -> torch.optim.Optimizer:
    params = [p for p in params if p.requires_grad]
    if cfg.optimizer == "adam":
        return torch.optim.Adam(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    if cfg.optimizer == "adamw":
        return torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(params, lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay)
    # L-BFGS re-evaluates the closure several times per step; history_size bounds its memory
    return torch.optim.LBFGS(params, lr=cfg.lr, max_iter=cfg.lbfgs_max_iter, history_size=20,
                             line_search_fn="strong_wolfe")


@torch.no_grad()
def evaluate(model: nn.Module, data: tuple[Tensor, Tensor], metric_fn: MetricFn, batch_size: int = 1024,
             precision: str = "fp32") -> float:
    """``metric_fn`` on the whole set: outputs of eval-mode batches are concatenated, then scored once
    (so metrics that are not means, such as RMSE or perplexity, come out exact). ``precision="bf16"`` runs the
    forward passes under bfloat16 autocast (the metric is computed in float32)."""
    x, y = data
    was_training = model.training
    model.eval()
    try:
        with autocast(x.device, precision):
            outs = [model(x[i:i + batch_size]) for i in range(0, len(x), batch_size)]
        return float(metric_fn(torch.cat(outs).float(), y))
    finally:
        model.train(was_training)


def _finite(v: float) -> bool:
    return not (math.isnan(v) or math.isinf(v))


def fit(model: nn.Module, train: Sequence[Tensor], val: Sequence[Tensor], loss_fn: LossFn, metric_fn: MetricFn,
        config: TrainConfig | dict[str, Any] | None = None, callbacks: Iterable[Callback] = (),
        higher_is_better: bool = True) -> History:
    """Train ``model`` on ``train`` and score ``val`` after every epoch; return the `History`.

    Deterministic given ``config.seed`` (shuffling uses its own generator; the global RNGs are reseeded
    too, for dropout). The model is trained in place. Divergence (a non-finite loss or metric, or a loss
    above ``config.explode_factor`` times the first one) stops training and sets ``diverged``.
    """
    cfg = config if isinstance(config, TrainConfig) else TrainConfig(**(config or {}))
    xtr, ytr = _as_pair(train, "train")
    xva, yva = _as_pair(val, "val")
    device = torch.device(cfg.device)
    model.to(device)
    xtr, ytr, xva, yva = (t.to(device) for t in (xtr, ytr, xva, yva))
    callbacks = list(callbacks)
    gen = seed_everything(cfg.seed)
    opt = make_optimizer(model.parameters(), cfg)
    n = len(xtr)
    bs = min(cfg.batch_size, n)
    per_epoch = n // bs + (n % bs > 1)  # a trailing batch of one sample is skipped (see below)
    total = per_epoch * cfg.epochs if cfg.max_steps is None else min(per_epoch * cfg.epochs, cfg.max_steps)
    hist = History(higher_is_better=higher_is_better)
    step_times: list[float] = []
    first_loss: float | None = None

    def emit(kind: str, epoch: int, **metrics: float) -> None:
        ev = ProgressEvent(kind, epoch, hist.n_steps, total, cfg.epochs, dict(metrics))
        for cb in callbacks:
            cb(ev)

    def mark_diverged(epoch: int, reason: str) -> None:
        hist.diverged, hist.diverged_epoch, hist.diverged_reason = True, epoch, reason

    mem = PeakMemory(device)
    t0 = time.perf_counter()
    emit("start", 0)
    model.train()
    with mem:
        for epoch in range(1, cfg.epochs + 1):
            order = torch.randperm(n, generator=gen).to(device)
            loss_sum, seen = 0.0, 0
            for i in range(0, n, bs):
                if hist.n_steps >= total:
                    break
                idx = order[i:i + bs]
                if len(idx) == 1 < bs:
                    continue  # a lone trailing sample: BatchNorm cannot train on it and it adds only noise
                xb, yb = xtr[idx], ytr[idx]
                ts = time.perf_counter()
                saved = SavedForBackward(model.parameters()) if hist.n_steps == 0 else None
                loss = _step(model, opt, loss_fn, xb, yb, cfg, saved)
                if saved is not None:  # the first step also counts what autograd keeps for backward
                    hist.saved_mem = saved.saved
                step_times.append(time.perf_counter() - ts)
                hist.n_steps += 1
                if first_loss is None:
                    first_loss = max(abs(loss), 1e-12)
                if not _finite(loss):
                    mark_diverged(epoch, f"non-finite loss ({loss}) at step {hist.n_steps}")
                    break
                if loss > cfg.explode_factor * first_loss:
                    mark_diverged(epoch, f"loss exploded to {loss:.3g} (first loss {first_loss:.3g}) at step "
                                         f"{hist.n_steps}")
                    break
                loss_sum += loss * len(idx)
                seen += len(idx)
                if cfg.log_every and hist.n_steps % cfg.log_every == 0:
                    emit("step", epoch, loss=loss)
            hist.epochs_run = epoch
            if hist.diverged:
                break
            hist.train_loss.append(loss_sum / max(seen, 1))
            metric = evaluate(model, (xva, yva), metric_fn, cfg.eval_batch_size, cfg.precision)
            hist.val_metric.append(metric)
            if not _finite(metric):
                mark_diverged(epoch, f"non-finite validation metric ({metric}) after epoch {epoch}")
                break
            emit("epoch", epoch, train_loss=hist.train_loss[-1], val_metric=metric)
            if hist.n_steps >= total:
                break
    hist.wall_time = time.perf_counter() - t0
    hist.peak_mem, hist.peak_mem_method = mem.peak, mem.method
    hist.step_time = statistics.median(step_times) if step_times else math.nan
    finite = [(m, e) for e, m in enumerate(hist.val_metric, 1) if _finite(m)]
    if finite:
        best = max(finite) if higher_is_better else min(finite)
        hist.best_metric, hist.best_epoch = best
        hist.final_metric = hist.val_metric[-1] if not hist.diverged else math.nan
    emit("end", hist.epochs_run, best_metric=hist.best_metric, final_metric=hist.final_metric)
    return hist


def _step(model: nn.Module, opt: torch.optim.Optimizer, loss_fn: LossFn, xb: Tensor, yb: Tensor,
          cfg: TrainConfig, saved: SavedForBackward | None = None) -> float:
    """One optimiser step; returns the batch loss as a float (NaN/inf pass through for the caller to see).
    ``saved`` (if given) counts what the first forward of the step saves for backward."""
    def forward() -> Tensor:
        nonlocal saved
        ctx, saved = saved or contextlib.nullcontext(), None  # only the first forward (LBFGS evaluates several)
        with ctx, autocast(xb.device, cfg.precision):
            return loss_fn(model(xb).float(), yb)

    if isinstance(opt, torch.optim.LBFGS):
        def closure() -> Tensor:
            opt.zero_grad(set_to_none=True)
            out = forward()
            if torch.isfinite(out):
                out.backward()
            return out

        loss = opt.step(closure)
        return float(loss.detach())
    opt.zero_grad(set_to_none=True)
    loss = forward()
    value = float(loss.detach())
    if not _finite(value):
        return value  # skip the update: a NaN gradient would only poison the weights
    loss.backward()
    if cfg.grad_clip is not None:
        nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
    opt.step()
    return value
