"""`TrainConfig`: the validated settings of one `fit` call (pydantic; bad fields raise `ConfigError`)."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from actlab.core.errors import ConfigError

OPTIMIZERS = ("adam", "adamw", "sgd", "lbfgs")


def config_error(owner: str, err: ValidationError) -> ConfigError:
    """Turn a pydantic error into one `ConfigError` line per bad field: name, what was given, what is allowed."""
    parts = []
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"]) or "(config)"
        given = e.get("input")
        parts.append(f"field {loc!r}: {e['msg']} (got {given!r})" if e["type"] != "missing"
                     else f"field {loc!r}: required")
    return ConfigError(f"{owner}: " + "; ".join(parts))


class TrainConfig(BaseModel):
    """Settings of one training run.

    epochs: passes over the training set; max_steps: optional cap on optimiser steps (whichever ends first);
    optimizer: one of adam, adamw, sgd, lbfgs; grad_clip: max global grad norm (None = off);
    log_every: emit a "step" progress event every this many steps (0 = only epoch events);
    explode_factor: a loss above this multiple of the first batch loss counts as divergence;
    device: cpu, cuda or cuda:N (data and model are moved there); precision: fp32, or bf16 autocast of the
    forward passes (training and evaluation).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    epochs: int = Field(10, ge=1)
    lr: float = Field(1e-3, gt=0)
    batch_size: int = Field(64, ge=1)
    optimizer: Literal["adam", "adamw", "sgd", "lbfgs"] = "adam"
    weight_decay: float = Field(0.0, ge=0)
    momentum: float = Field(0.9, ge=0, lt=1)
    max_steps: int | None = Field(None, ge=1)
    grad_clip: float | None = Field(None, gt=0)
    seed: int = Field(0, ge=0)
    log_every: int = Field(0, ge=0)
    eval_batch_size: int = Field(1024, ge=1)
    explode_factor: float = Field(1e6, gt=1)
    lbfgs_max_iter: int = Field(20, ge=1)
    device: str = "cpu"
    precision: Literal["fp32", "bf16"] = "fp32"

    def __init__(self, **data: Any):
        try:
            super().__init__(**data)
        except ValidationError as e:
            raise config_error("TrainConfig", e) from None

    @model_validator(mode="after")
    def _device_known(self) -> TrainConfig:
        import torch

        try:
            torch.device(self.device)
        except RuntimeError as e:
            raise ValueError(f"device {self.device!r} is not a torch device ({e})") from None
        return self

    def replace(self, **changes: Any) -> TrainConfig:
        """A copy with ``changes`` applied and validated again."""
        return TrainConfig(**{**self.model_dump(), **changes})

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(cls.model_fields)
