"""`RunRecord`: what `Task.run` returns, one training run as typed fields."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from actlab.core.record import Record


@dataclass(frozen=True)
class RunRecord(Record):
    """What `Task.run` returns (and the store keeps): one training run, flat and JSON-friendly
    (``to_row()`` is the dict the store and the worker processes carry)."""

    task: str
    act: str                  # the activation's label (a name, or a class/instance description)
    act_params: dict[str, Any]
    seed: int
    metric: str               # a name in `actlab.tasks.metrics.METRICS`
    value: float              # test-split metric of the final model; NaN when diverged
    higher_is_better: bool
    diverged: bool
    diverged_epoch: int | None
    diverged_reason: str | None
    wall_time: float          # s, training only
    step_time: float          # median s per optimiser step
    n_steps: int
    params: int               # trainable parameters
    peak_mem: int             # bytes
    peak_mem_method: str
    saved_mem: int            # bytes autograd keeps for backward in the first step (parameters excluded)
    flops: float              # forward FLOPs per example
    throughput: float         # training examples per second (batch / step_time)
    device: str
    device_name: str
    precision: str
    curve: list[float]        # validation metric per epoch
    train_curve: list[float]  # mean train loss per epoch
    epochs: int               # epochs run
    val_best: float
    val_final: float
    small: bool
    budget: dict[str, Any]    # the TrainConfig used
    model_kw: dict[str, Any]
    data_kw: dict[str, Any]
