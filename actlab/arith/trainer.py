"""Seed-batched trainer for the arithmetic task (Madsen & Johansen 2020 protocol, research notes §3–4).

Adam (PyTorch defaults), batch 128, loss = per-seed MSE + λ(t)·Σ_layers R_sparse, parameters clamped after each
step. Every ``eval_every`` iterations each seed is evaluated on the fixed validation (interpolation) and test
(extrapolation) sets; the best-validation step is the model selection, success means its test MSE is below the
near-perfect-solution threshold (ε = 1e-5), and ``converged_at`` is the first evaluated step whose test MSE is
below it. A seed whose loss becomes non-finite is frozen, marked diverged and counted as a failure; the other
seeds carry on.
"""
from __future__ import annotations

import io
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

import torch

from actlab.arith.batched import ArithNet, DataStream, Regularizer, default_regularizer
from actlab.arith.task import ArithTask
from actlab.core.errors import ParameterError


@dataclass
class TrainConfig:
    """Training budget and protocol knobs; defaults are the paper's."""

    iterations: int = 5_000_000
    batch_size: int = 128
    lr: float = 1e-3
    eval_every: int = 1000
    eval_size: int = 10_000
    hidden: int = 2
    chunk: int | None = None  # iterations of data drawn per call (speed only); None: up to 50, ~4M floats
    checkpoint_every: int = 100_000
    threads: int | None = 1  # torch intra-op threads while training (tiny ops: 1 avoids contention); None = leave
    regularizer: Regularizer | None = None  # None: the unit's paper default
    ramp_scale: float = 1.0  # multiply the regulariser ramp's start/end (1.0 = paper)
    eps: float = 1e-5  # near-perfect-solution ε of the success threshold

    def __post_init__(self) -> None:
        if self.regularizer is not None and not isinstance(self.regularizer, Regularizer):
            try:
                self.regularizer = Regularizer(*(float(v) for v in self.regularizer))
            except (TypeError, ValueError):
                raise ParameterError(f"regularizer must be (lam, start, end), got {self.regularizer!r}") from None
        for name in ("iterations", "batch_size", "eval_every", "eval_size", "hidden", "checkpoint_every"):
            v = getattr(self, name)
            if isinstance(v, float) and v.is_integer():
                v = int(v)
                setattr(self, name, v)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ParameterError(f"{name} must be an integer >= 1, got {v!r}")
        if self.chunk is not None and (isinstance(self.chunk, bool) or not isinstance(self.chunk, int)
                                       or self.chunk < 1):
            raise ParameterError(f"chunk must be None or an integer >= 1, got {self.chunk!r}")
        if (self.chunk is not None and self.eval_every % self.chunk) or self.checkpoint_every % self.eval_every:
            raise ParameterError(f"eval_every ({self.eval_every}) must be a multiple of chunk ({self.chunk}) and "
                                 f"checkpoint_every ({self.checkpoint_every}) a multiple of eval_every")
        if not (self.lr > 0 and math.isfinite(self.lr)):
            raise ParameterError(f"lr must be a positive number, got {self.lr!r}")
        if not self.ramp_scale > 0:
            raise ParameterError(f"ramp_scale must be > 0, got {self.ramp_scale!r}")
        if not (self.eps > 0 and math.isfinite(self.eps)):
            raise ParameterError(f"eps (the near-perfect solution's perturbation) must be a positive number, "
                                 f"got {self.eps!r}")
        if self.threads is not None and (isinstance(self.threads, bool) or not isinstance(self.threads, int)
                                         or self.threads < 1):
            raise ParameterError(f"threads must be None or an integer >= 1, got {self.threads!r}")

    def chunk_for(self, n_seeds: int, input_size: int) -> int:
        """Iterations of data per draw: the given chunk, else the largest divisor of eval_every up to 50 whose
        buffer stays under ~4M floats."""
        if self.chunk is not None:
            return self.chunk
        per_it = max(1, n_seeds * self.batch_size * input_size)
        cap = max(1, min(50, 4_000_000 // per_it))
        return max(k for k in range(1, cap + 1) if self.eval_every % k == 0)

    def schedule(self, unit: str) -> Regularizer | None:
        reg = self.regularizer if self.regularizer is not None else default_regularizer(unit)
        return None if reg is None else reg.scaled(self.ramp_scale)

    def describe(self) -> dict:
        d = asdict(self)
        for k in ("checkpoint_every", "chunk", "threads"):  # speed knobs: results do not depend on them
            d.pop(k)
        if self.regularizer is not None:
            d["regularizer"] = [self.regularizer.lam, self.regularizer.start, self.regularizer.end]
        return d


@dataclass
class SeedResult:
    seed: int
    success: bool
    converged_at: int | None  # first evaluated step with test MSE < threshold (None if never)
    best_step: int  # step with the lowest validation MSE (0 if never evaluated finite)
    val_mse: float
    test_mse: float
    sparsity_error: float  # at the best step
    diverged: bool
    threshold: float
    iterations: int


class _Tracker:
    """Per-seed running records: best validation step and its metrics, first success, divergence."""

    def __init__(self, S: int):
        inf = torch.full((S,), math.inf, dtype=torch.float64)
        self.best_val, self.best_test, self.best_sparsity = inf.clone(), inf.clone(), inf.clone()
        self.best_step = torch.zeros(S, dtype=torch.long)
        self.first_success = torch.full((S,), -1, dtype=torch.long)
        self.diverged = torch.zeros(S, dtype=torch.bool)

    def state(self) -> dict:
        return dict(vars(self))

    def load(self, st: dict) -> None:
        for k, v in st.items():
            setattr(self, k, v)


def _masked_mse(model: ArithNet, x: torch.Tensor, y: torch.Tensor, rows: int = 2000) -> torch.Tensor:
    """Per-seed MSE on a shared evaluation set, in row chunks (bounds memory for large S); NaN -> inf."""
    total = torch.zeros(model.n_seeds, dtype=torch.float64)
    for i in range(0, x.shape[0], rows):
        d = model(x[i:i + rows]).double() - y[:, i:i + rows].double()
        total += (d * d).sum(1)
    mse = total / x.shape[0]
    return torch.where(torch.isfinite(mse), mse, torch.full_like(mse, math.inf))


class BatchedTrainer:
    """Train one (task, unit) for a list of seeds as one batched model.

    ``progress(n)`` is called with the number of seed-iterations done since the last call;
    ``checkpoint(iteration, blob)`` receives a resumable state every ``checkpoint_every`` iterations.
    """

    def __init__(self, task: ArithTask, unit: str, seeds: Sequence[int], config: TrainConfig | None = None):
        self.task, self.config = task, config or TrainConfig()
        self.seeds = [int(s) for s in seeds]
        self.model = ArithNet(unit, self.seeds, task.input_size, self.config.hidden)
        self.unit = self.model.unit
        self.schedule = self.config.schedule(self.unit)
        self.opt = torch.optim.Adam(self.model.parameters(), lr=self.config.lr, fused=True)
        self.chunk = self.config.chunk_for(len(self.seeds), task.input_size)
        self.stream = DataStream(task, self.seeds, self.config.batch_size, self.chunk)
        self.threshold = task.threshold(self.config.eps)
        self.track = _Tracker(len(self.seeds))
        self.iteration = 0
        n = self.config.eval_size
        self._val_x, self._test_x = task.eval_inputs("interpolation", n), task.eval_inputs("extrapolation", n)
        self._val_y = task.targets(self._val_x, self.stream.masks)
        self._test_y = task.targets(self._test_x, self.stream.masks)

    # ---- checkpoints ------------------------------------------------------------------------------------------
    def state_bytes(self) -> bytes:
        buf = io.BytesIO()
        torch.save({"iteration": self.iteration, "model": self.model.state_dict(), "opt": self.opt.state_dict(),
                    "track": self.track.state(), "stream": json.dumps(self.stream.state())}, buf)
        return buf.getvalue()

    def load_bytes(self, blob: bytes) -> None:
        st = torch.load(io.BytesIO(blob), weights_only=True)
        self.model.load_state_dict(st["model"])
        self.opt.load_state_dict(st["opt"])
        self.track.load(st["track"])
        self.stream.set_state(json.loads(st["stream"]))
        self.iteration = int(st["iteration"])

    # ---- one evaluation -----------------------------------------------------------------------------------------
    @torch.no_grad()
    def evaluate(self) -> dict[str, torch.Tensor]:
        """Validation/test MSE and sparsity error per seed at the current iteration; updates the records."""
        tr, step = self.track, self.iteration
        val = _masked_mse(self.model, self._val_x, self._val_y)
        test = _masked_mse(self.model, self._test_x, self._test_y)
        sparsity = self.model.sparsity_error().double()
        alive = ~tr.diverged
        better = alive & (val < tr.best_val)
        tr.best_val = torch.where(better, val, tr.best_val)
        tr.best_test = torch.where(better, test, tr.best_test)
        tr.best_sparsity = torch.where(better, sparsity, tr.best_sparsity)
        tr.best_step = torch.where(better, torch.full_like(tr.best_step, step), tr.best_step)
        first = alive & (tr.first_success < 0) & (test < self.threshold)
        tr.first_success = torch.where(first, torch.full_like(tr.first_success, step), tr.first_success)
        return {"val": val, "test": test, "sparsity": sparsity}

    # ---- the loop -----------------------------------------------------------------------------------------------
    def _freeze(self, dead: torch.Tensor) -> None:
        """Zero the gradients of diverged seeds so their NaNs never reach Adam's state of other seeds."""
        for p, idx in self.model.seed_parameters():
            if p.grad is None:
                continue
            if idx is None:
                shape = (-1,) + (1,) * (p.dim() - 1)
                p.grad.copy_(torch.where(dead.view(shape), torch.zeros_like(p.grad), p.grad))
            elif dead[idx]:
                p.grad.zero_()

    def step(self) -> torch.Tensor:
        """One optimiser step for every seed; returns the per-seed loss."""
        x, y = self.stream.next()
        pred = self.model(x)
        loss_s = ((pred - y) ** 2).mean(1)
        lam = self.schedule(self.iteration) if self.schedule is not None else 0.0
        if lam > 0:
            loss_s = loss_s + lam * self.model.regularizer()
        bad = ~torch.isfinite(loss_s.detach())
        tr = self.track
        if bad.any():
            tr.diverged |= bad
        dead = tr.diverged
        loss = torch.where(dead, torch.zeros_like(loss_s), loss_s).sum()
        self.opt.zero_grad(set_to_none=False)
        loss.backward()
        if dead.any():
            self._freeze(dead)
        self.opt.step()
        self.model.clamp_()
        self.iteration += 1
        return loss_s.detach()

    def train(self, progress: Callable[[int], None] | None = None,
              checkpoint: Callable[[int, bytes], None] | None = None) -> list[SeedResult]:
        cfg = self.config
        before = torch.get_num_threads()
        if cfg.threads is not None:
            torch.set_num_threads(cfg.threads)
        try:
            return self._train(progress, checkpoint)
        finally:
            torch.set_num_threads(before)

    def _train(self, progress, checkpoint) -> list[SeedResult]:
        cfg = self.config
        S = len(self.seeds)
        torch.set_grad_enabled(True)
        while self.iteration < cfg.iterations:
            self.step()
            it = self.iteration
            if it % cfg.eval_every == 0 or it == cfg.iterations:
                self.evaluate()
                if progress is not None:
                    done = it % cfg.eval_every or cfg.eval_every
                    progress(done * S)
                if checkpoint is not None and it % cfg.checkpoint_every == 0 and it < cfg.iterations \
                        and it % self.chunk == 0:
                    checkpoint(it, self.state_bytes())
        return self.results()

    def results(self) -> list[SeedResult]:
        tr = self.track
        out = []
        for i, seed in enumerate(self.seeds):
            div = bool(tr.diverged[i])
            best_test = float(tr.best_test[i])
            success = (not div) and best_test < self.threshold
            fs = int(tr.first_success[i])
            out.append(SeedResult(seed=seed, success=success, converged_at=fs if fs >= 0 and success else None,
                                  best_step=int(tr.best_step[i]), val_mse=float(tr.best_val[i]),
                                  test_mse=best_test, sparsity_error=float(tr.best_sparsity[i]), diverged=div,
                                  threshold=self.threshold, iterations=self.iteration))
        return out


def train_seeds(task: ArithTask, unit: str, seeds: Sequence[int], config: TrainConfig | None = None,
                resume: bytes | None = None, progress: Callable[[int], None] | None = None,
                checkpoint: Callable[[int, bytes], None] | None = None) -> list[SeedResult]:
    """Train ``unit`` on ``task`` for every seed in ``seeds`` as one batched model; one result per seed."""
    tr = BatchedTrainer(task, unit, seeds, config)
    if resume is not None:
        tr.load_bytes(resume)
        if progress is not None and tr.iteration:
            progress(tr.iteration * len(tr.seeds))
    return tr.train(progress=progress, checkpoint=checkpoint)
