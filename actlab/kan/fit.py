"""Toy datasets and a pykan-style training loop for KANs (kan_learnable.md §1.3, §1.4).

`fit` mirrors ``pykan.KAN.fit``: LBFGS (history 10, strong Wolfe) or Adam, optional regularisation
(``lamb``·pykan's regulariser), grid updates every ⌊stop_grid_update_step/grid_update_num⌋ steps while
step < stop_grid_update_step; it reports RMSE like pykan. The general training loop lives in actlab.train;
this one exists because grid updates and the recorded regulariser are KAN-specific.
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import Tensor

from actlab.core.errors import ParameterError
from actlab.kan.layer import KAN

Dataset = dict[str, Tensor]


def toy_function(x: Tensor) -> Tensor:
    """f(x, y) = exp(sin(πx) + y²), the KAN paper's hello-world target. Shape: (N, 2) -> (N, 1)."""
    return torch.exp(torch.sin(math.pi * x[:, :1]) + x[:, 1:2] ** 2)


def create_dataset(f: Callable[[Tensor], Tensor], n_var: int = 2, ranges: tuple[float, float] = (-1.0, 1.0),
                   train_num: int = 1000, test_num: int = 1000, seed: int = 0,
                   dtype: torch.dtype = torch.float64) -> Dataset:
    """Inputs uniform on ``ranges`` (like pykan's create_dataset); labels f(x) of shape (N, out)."""
    g = torch.Generator().manual_seed(seed)
    lo, hi = ranges

    def draw(n: int) -> Tensor:
        return lo + (hi - lo) * torch.rand(n, n_var, generator=g, dtype=dtype)

    xtr, xte = draw(train_num), draw(test_num)
    ytr, yte = f(xtr), f(xte)
    if ytr.dim() == 1:
        ytr, yte = ytr[:, None], yte[:, None]
    return {"train_input": xtr, "train_label": ytr, "test_input": xte, "test_label": yte}


@dataclass
class FitResult:
    """Per-step RMSE history (pykan's convention) and wall time in seconds."""

    train_loss: list[float] = field(default_factory=list)
    test_loss: list[float] = field(default_factory=list)
    reg: list[float] = field(default_factory=list)
    seconds: float = 0.0


def fit(model: KAN, dataset: Dataset, steps: int = 100, opt: str = "LBFGS", lr: float = 1.0, lamb: float = 0.0,
        lamb_l1: float = 1.0, lamb_entropy: float = 2.0, lamb_coef: float = 0.0, lamb_coefdiff: float = 0.0,
        update_grid: bool = True, grid_update_num: int = 10, start_grid_update_step: int = -1,
        stop_grid_update_step: int = 50, batch: int = -1, seed: int = 0) -> FitResult:
    """Train ``model`` on ``dataset`` (keys train_input/train_label/test_input/test_label) with MSE loss."""
    if opt not in ("LBFGS", "Adam"):
        raise ParameterError(f"fit: opt must be 'LBFGS' or 'Adam', got {opt!r}")
    if steps < 0:
        raise ParameterError(f"fit: steps must be >= 0, got {steps}")
    xtr, ytr = dataset["train_input"], dataset["train_label"]
    n = xtr.shape[0]
    bs = n if batch in (-1, None) or batch > n else batch
    g = torch.Generator().manual_seed(seed)
    params = [p for p in model.parameters() if p.requires_grad]
    every = max(stop_grid_update_step // max(grid_update_num, 1), 1)
    can_grid = update_grid and all(hasattr(layer.basis, "set_grid") for layer in model.layers)
    res = FitResult()
    t0 = time.perf_counter()

    def make_opt():
        ps = [p for p in model.parameters() if p.requires_grad]  # grid updates replace the coefficients
        if opt == "LBFGS":
            return torch.optim.LBFGS(ps, lr=lr, history_size=10, line_search_fn="strong_wolfe",
                                     tolerance_grad=1e-32, tolerance_change=1e-32)
        return torch.optim.Adam(ps, lr=lr)

    optimizer = make_opt() if params else None
    for step in range(steps):
        idx = torch.randperm(n, generator=g)[:bs]
        x, y = xtr[idx], ytr[idx]
        if can_grid and step % every == 0 and start_grid_update_step <= step < stop_grid_update_step:
            model.update_grid(x)
            optimizer = make_opt()
        last: dict[str, Tensor] = {}

        def closure():
            optimizer.zero_grad()
            if lamb > 0:
                pred = model.record_pass(x)
                reg = model.regularization(lamb_l1, lamb_entropy, lamb_coef, lamb_coefdiff)
            else:
                pred, reg = model(x), torch.zeros(())
            mse = torch.mean((pred - y) ** 2)
            loss = mse + lamb * reg
            loss.backward()
            last["mse"], last["reg"] = mse.detach(), reg.detach()
            return loss

        optimizer.step(closure)
        with torch.no_grad():
            # LBFGS's last closure call may be a rejected line-search trial: evaluate the accepted point
            res.train_loss.append(rmse(model, x, y) if opt == "LBFGS" else float(torch.sqrt(last["mse"])))
            res.test_loss.append(rmse(model, dataset["test_input"], dataset["test_label"]))
            res.reg.append(float(last["reg"]))
    res.seconds = time.perf_counter() - t0
    return res


def rmse(model: torch.nn.Module, x: Tensor, y: Tensor) -> float:
    with torch.no_grad():
        return float(torch.sqrt(torch.mean((model(x) - y) ** 2)))
