"""`Task`: data + model + metric + budget, and `Task.run(act, seed)` which trains once and returns a record."""
from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from actlab.core.errors import ConfigError
from actlab.core.seed import seed_everything
from actlab.models._act import act_label
from actlab.tasks.metrics import METRICS
from actlab.tasks.record import RunRecord
from actlab.train.config import TrainConfig
from actlab.train.cost import forward_flops
from actlab.train.device import device_name
from actlab.train.loop import Callback, evaluate, fit


@dataclass
class Dataset:
    """In-memory splits as ``(X, y)`` tensor pairs; ``info`` holds what a model builder needs
    (e.g. ``in_features``, ``n_classes``, ``input_shape``, ``vocab``)."""

    train: tuple[torch.Tensor, torch.Tensor]
    val: tuple[torch.Tensor, torch.Tensor]
    test: tuple[torch.Tensor, torch.Tensor]
    info: dict[str, Any] = field(default_factory=dict)

    def sizes(self) -> dict[str, int]:
        return {"train": len(self.train[0]), "val": len(self.val[0]), "test": len(self.test[0])}


@dataclass(frozen=True)
class Task:
    """A benchmark task.

    load(**data_kw) -> Dataset (deterministic: the split never depends on the run seed, only the model's
    initialisation and the batch order do); build(act, info, **model_kw) -> nn.Module; loss(out, y) -> scalar;
    metric: a name in `actlab.tasks.metrics.METRICS`; budget: TrainConfig fields of the default run;
    small: overrides (budget, model or data keys) of the quick mode used by tests and the demo.
    """

    name: str
    description: str
    load: Callable[..., Dataset]
    build: Callable[..., nn.Module]
    loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    metric: str
    budget: Mapping[str, Any]
    small: Mapping[str, Any] = field(default_factory=dict)
    model_kw: Mapping[str, Any] = field(default_factory=dict)
    data_kw: Mapping[str, Any] = field(default_factory=dict)
    seeds: tuple[int, ...] = (0, 1, 2)
    aliases: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    version: int = 1  # manual knob on top of the code hash (e.g. data files changed outside the hashed code)

    def fingerprint(self) -> str:
        """A short hash of everything that defines a run of this task except the activation and seed.

        Stored results are keyed by it, so a changed budget, model, data option, version or *code* is a new run
        rather than a stale result counted as done. The code part (`actlab.tasks.codehash.code_hash`) is the
        docstring-free syntax tree of actlab/tasks, actlab/models, actlab/train and of the module defining this
        task's functions; comments and docstrings do not count.
        """
        import hashlib
        import json

        from actlab.tasks.codehash import code_hash

        spec = {"version": self.version, "metric": self.metric, "budget": dict(self.budget),
                "small": dict(self.small), "model_kw": dict(self.model_kw), "data_kw": dict(self.data_kw),
                "code": code_hash((self.load, self.build, self.loss))}
        return hashlib.sha1(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()[:12]

    def __post_init__(self) -> None:
        if self.metric not in METRICS:
            raise ConfigError(f"task {self.name}: metric {self.metric!r} is not one of {sorted(METRICS)}")
        TrainConfig(**self.budget)  # a task with a bad budget fails at registration, not mid-suite
        self._split(dict(self.small))

    @property
    def higher_is_better(self) -> bool:
        return METRICS[self.metric].higher_is_better

    def _split(self, overrides: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        """Sort overrides into (train config, model, data) keywords; anything else is a `ConfigError`."""
        tr, mo, da = {}, {}, {}
        cfg_fields = set(TrainConfig.field_names()) - {"seed"}
        for k, v in overrides.items():
            if k in cfg_fields:
                tr[k] = v
            elif k in self.model_kw:
                mo[k] = v
            elif k in self.data_kw:
                da[k] = v
            else:
                allowed = sorted(cfg_fields | set(self.model_kw) | set(self.data_kw))
                raise ConfigError(f"task {self.name}: unknown option {k!r}={v!r}; allowed: {', '.join(allowed)}")
        return tr, mo, da

    def settings(self, small: bool = False, **overrides: Any) -> tuple[TrainConfig, dict[str, Any], dict[str, Any]]:
        """The resolved (TrainConfig without seed, model kwargs, data kwargs) for a run."""
        merged = {**(self.small if small else {}), **overrides}
        tr, mo, da = self._split(merged)
        return TrainConfig(**{**self.budget, **tr}), {**self.model_kw, **mo}, {**self.data_kw, **da}

    def data(self, small: bool = False, **overrides: Any) -> Dataset:
        _, _, da = self.settings(small, **overrides)
        return self.load(**da)

    def model(self, act: Any = "relu", seed: int = 0, small: bool = False, act_params: dict[str, Any] | None = None,
              **overrides: Any) -> nn.Module:
        """The task's model with ``act``, initialised from ``seed`` (what `run` trains)."""
        _, mo, da = self.settings(small, **overrides)
        info = self.load(**da).info
        seed_everything(seed)
        return self.build(act, info, act_params=act_params or {}, **mo)

    def run(self, act: Any = "relu", seed: int = 0, *, small: bool = False, callbacks: Iterable[Callback] = (),
            threads: int | None = 1, act_params: dict[str, Any] | None = None, **overrides: Any) -> RunRecord:
        """Train once and return a flat `RunRecord`.

        ``threads``: torch intra-op threads for this run (restored afterwards); 1 by default so that
        parallel runs do not fight over cores and results do not depend on the machine's core count.
        """
        cfg, mo, da = self.settings(small, **overrides)
        cfg = cfg.replace(seed=int(seed))
        metric = METRICS[self.metric]
        old_threads = torch.get_num_threads()
        if threads:
            torch.set_num_threads(int(threads))
        try:
            data = self.load(**da)
            seed_everything(seed)
            model = self.build(act, data.info, act_params=act_params or {}, **mo)
            flops = forward_flops(model, data.test[0])
            hist = fit(model, data.train, data.val, self.loss, metric.fn, cfg, callbacks=callbacks,
                       higher_is_better=metric.higher_is_better)
            test = tuple(t.to(cfg.device) for t in data.test)
            value = math.nan if hist.diverged else evaluate(model, test, metric.fn, cfg.eval_batch_size,
                                                            cfg.precision)
        finally:
            torch.set_num_threads(old_threads)
        return RunRecord(
            task=self.name, act=act_label(act), act_params=dict(act_params or {}), seed=int(seed), metric=self.metric,
            value=value, higher_is_better=metric.higher_is_better, diverged=hist.diverged,
            diverged_epoch=hist.diverged_epoch, diverged_reason=hist.diverged_reason,
            wall_time=hist.wall_time, step_time=hist.step_time, n_steps=hist.n_steps,
            params=sum(p.numel() for p in model.parameters() if p.requires_grad),
            peak_mem=hist.peak_mem, peak_mem_method=hist.peak_mem_method, saved_mem=hist.saved_mem,
            flops=flops, throughput=min(cfg.batch_size, len(data.train[0])) / hist.step_time
            if hist.step_time > 0 else math.nan,
            device=cfg.device, device_name=device_name(cfg.device), precision=cfg.precision,
            curve=list(hist.val_metric), train_curve=list(hist.train_loss), epochs=hist.epochs_run,
            val_best=hist.best_metric, val_final=hist.final_metric, small=small,
            budget=cfg.model_dump(), model_kw=dict(mo), data_kw=dict(da),
        )
