"""Seed-batched trainer for the arithmetic task (Madsen & Johansen 2020 protocol, research notes §3–4).

Adam (PyTorch defaults), batch 128, loss = per-seed MSE + λ(t)·Σ_layers R_sparse, parameters clamped after each
step. Every ``eval_every`` iterations each seed is evaluated on the fixed validation (interpolation) and test
(extrapolation) sets; the best-validation step is the model selection, success means its test MSE is below the
near-perfect-solution threshold (ε = 1e-5), and ``converged_at`` is the first evaluated step whose test MSE is
below it. A seed whose loss becomes non-finite is frozen, marked diverged and counted as a failure; the other
seeds carry on.

Engines (``TrainConfig.engine``): ``"fast"`` (default) keeps every parameter in one flat tensor with one fused Adam
and uses a narrow-layer matmul backward (`actlab.arith.fast`, `actlab.arith.units.fast_matmul`); ``"reference"`` is
the original per-parameter path. Both give the same results to float round-off for the same seeds and data stream
(tests/arith/test_arith_fast.py). Protocol knobs beside the paper's: ``stream="xoshiro"`` (a faster per-seed sample
stream, `actlab.arith.rng`), ``shared_data`` (one input stream for all seeds of a batch) and ``stop_when_solved=K``
(a seed whose test MSE stayed below the threshold for K evaluations in a row stops training; its first-success step
is unchanged by construction and its best-validation step and sparsity error are those reached by then).
"""
from __future__ import annotations

import contextlib
import io
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

import torch

from actlab.arith.batched import ArithNet, DataStream, Regularizer, default_regularizer
from actlab.arith.fast import (STREAMS, FlatParams, SampleStream, fused_kind, fused_mse, seed_dim_only, select_pcg64,
                               select_reference_state)
from actlab.arith.units import fast_matmul
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
    engine: str = "fast"  # "fast" or "reference" (speed only: same results to float round-off)
    stream: str = "pcg64"  # per-seed sample stream: "pcg64" (NumPy) or "xoshiro" (compiled, ~8x cheaper)
    shared_data: bool = False  # all seeds of a batch see one input stream (protocol change, keyed separately)
    stop_when_solved: int = 0  # K > 0: a seed stops after K evaluations in a row below the threshold

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
        if self.engine not in ("fast", "reference"):
            raise ParameterError(f"engine must be 'fast' or 'reference', got {self.engine!r}")
        if self.stream not in STREAMS:
            raise ParameterError(f"stream must be one of {list(STREAMS)}, got {self.stream!r}")
        if not isinstance(self.shared_data, bool):
            raise ParameterError(f"shared_data must be True or False, got {self.shared_data!r}")
        k = self.stop_when_solved
        if isinstance(k, bool) or not isinstance(k, int) or k < 0:
            raise ParameterError(f"stop_when_solved must be an integer >= 0 (0 = off), got {k!r}")

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
        for k in ("checkpoint_every", "chunk", "threads", "engine"):  # speed knobs: results do not depend on them
            d.pop(k)
        # protocol knobs only when set, so the keys of runs stored before they existed stay the same
        for k, default in (("stream", "pcg64"), ("shared_data", False), ("stop_when_solved", 0)):
            if d[k] == default:
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
        cfg = self.config
        self.seeds = [int(s) for s in seeds]
        S = len(self.seeds)
        self.model = ArithNet(unit, self.seeds, task.input_size, cfg.hidden)
        self.unit = self.model.unit
        self.schedule = cfg.schedule(self.unit)
        # per-seed activation modules (MLP baselines with learnable activations) only run on the reference engine
        self.engine = cfg.engine if seed_dim_only(self.model) else "reference"
        self.chunk = cfg.chunk_for(S, task.input_size)
        if cfg.stream == "pcg64" and not cfg.shared_data:
            self.stream = DataStream(task, self.seeds, cfg.batch_size, self.chunk)
        else:
            self.stream = SampleStream(task, self.seeds, cfg.batch_size, self.chunk, cfg.stream, cfg.shared_data)
        self._setup_opt()
        self.threshold = task.threshold(cfg.eps)
        self.track = _Tracker(S)
        self.iteration = 0
        self.active = torch.arange(S)  # row i of the model trains seed self.seeds[active[i]]
        self.stopped = torch.zeros(S, dtype=torch.bool)
        self.streak = torch.zeros(S, dtype=torch.long)
        self.trained = torch.zeros(S, dtype=torch.long)  # iterations each seed trained (set when it stops)
        n = cfg.eval_size
        self._val_x, self._test_x = task.eval_inputs("interpolation", n), task.eval_inputs("extrapolation", n)
        self._val_y = task.targets(self._val_x, self.stream.masks)
        self._test_y = task.targets(self._test_x, self.stream.masks)

    def _setup_opt(self) -> None:
        if self.engine == "fast":
            self.flat: FlatParams | None = FlatParams(self.model, self.config.lr)
            self.opt = self.flat.opt
        else:
            self.flat = None
            self.opt = torch.optim.Adam(self.model.parameters(), lr=self.config.lr, fused=True)

    def _opt_state(self) -> dict:
        """Adam state in the reference layout (one entry per model parameter), whichever engine runs."""
        return self.flat.to_reference_state() if self.flat is not None else self.opt.state_dict()

    def _load_opt_state(self, sd: dict) -> None:
        if self.flat is not None:
            self.flat.from_reference_state(sd)
        else:
            self.opt.load_state_dict(sd)

    # ---- checkpoints ------------------------------------------------------------------------------------------
    def state_bytes(self) -> bytes:
        buf = io.BytesIO()
        torch.save({"iteration": self.iteration, "model": self.model.state_dict(), "opt": self._opt_state(),
                    "track": self.track.state(), "stream": json.dumps(self.stream.state()),
                    "active": self.active, "stopped": self.stopped, "streak": self.streak, "trained": self.trained},
                   buf)
        return buf.getvalue()

    def load_bytes(self, blob: bytes) -> None:
        st = torch.load(io.BytesIO(blob), weights_only=True)
        if "active" in st and len(st["active"]) < len(self.active):
            self._select(st["active"])
        self.model.load_state_dict(st["model"])
        self._load_opt_state(st["opt"])
        self.track.load(st["track"])
        self.stream.set_state(json.loads(st["stream"]))
        self.iteration = int(st["iteration"])
        for k in ("stopped", "streak", "trained"):
            if k in st:
                setattr(self, k, st[k])

    # ---- one evaluation -----------------------------------------------------------------------------------------
    @torch.no_grad()
    def evaluate(self) -> dict[str, torch.Tensor]:
        """Validation/test MSE and sparsity error per active seed at the current iteration; updates the records."""
        tr, step, idx = self.track, self.iteration, self.active
        val = _masked_mse(self.model, self._val_x, self._val_y)
        test = _masked_mse(self.model, self._test_x, self._test_y)
        sparsity = self.model.sparsity_error().double()
        alive = ~tr.diverged[idx] & ~self.stopped[idx]
        better = alive & (val < tr.best_val[idx])
        tr.best_val[idx] = torch.where(better, val, tr.best_val[idx])
        tr.best_test[idx] = torch.where(better, test, tr.best_test[idx])
        tr.best_sparsity[idx] = torch.where(better, sparsity, tr.best_sparsity[idx])
        tr.best_step[idx] = torch.where(better, torch.full_like(idx, step), tr.best_step[idx])
        below = test < self.threshold
        first = alive & (tr.first_success[idx] < 0) & below
        tr.first_success[idx] = torch.where(first, torch.full_like(idx, step), tr.first_success[idx])
        K = self.config.stop_when_solved
        if K:
            self.streak[idx] = torch.where(alive & below, self.streak[idx] + 1, torch.zeros_like(idx))
            done = alive & (self.streak[idx] >= K)
            self.stopped[idx] |= done
            self.trained[idx[done]] = step
        return {"val": val, "test": test, "sparsity": sparsity}

    # ---- early exit: drop finished seeds from the batch --------------------------------------------------------
    def _select(self, keep: torch.Tensor) -> None:
        """Keep the seeds ``keep`` (indices into ``self.seeds``, a subset of the active ones): the model, Adam state,
        sample stream and evaluation targets shrink to their rows (at a chunk boundary)."""
        rows = torch.searchsorted(self.active, keep)
        opt = select_reference_state(self._opt_state(), list(self.model.parameters()), rows)
        sd = {k: v[rows].clone() for k, v in self.model.state_dict().items()}
        self.model = ArithNet(self.unit, [self.seeds[i] for i in keep.tolist()], self.task.input_size,
                              self.config.hidden)
        self.model.load_state_dict(sd)
        if isinstance(self.stream, DataStream):
            select_pcg64(self.stream, rows)
        else:
            self.stream.select(rows)
        self._val_y, self._test_y = self._val_y[rows], self._test_y[rows]
        self.active = keep.clone()
        self._setup_opt()
        self._load_opt_state(opt)

    def _drop_finished(self) -> None:
        finished = self.stopped[self.active] | self.track.diverged[self.active]
        if finished.all():  # nothing left to train: the loop ends
            self.active = self.active[:0]
        elif finished.any() and seed_dim_only(self.model):
            self._select(self.active[~finished])

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

    def _fused_kind(self) -> str | None:
        return fused_kind(self.model, self.stream, self.engine)

    def _fused(self) -> bool:
        return self._fused_kind() is not None

    def _fused_mse(self) -> torch.Tensor:
        return fused_mse(self.model, self.stream, self.config.batch_size, self.task.op, self._fused_kind())

    def step(self) -> torch.Tensor:
        """One optimiser step for every active seed; returns the per-seed loss."""
        fused = self.flat is not None and self._fused()
        if self.flat is not None:
            self.flat.zero_grad()
        else:
            self.opt.zero_grad(set_to_none=False)
        if fused:
            loss_s = self._fused_mse()
        else:
            x, y = self.stream.next()
            with fast_matmul() if self.engine == "fast" else contextlib.nullcontext():
                pred = self.model(x)
            loss_s = ((pred - y) ** 2).mean(1)
        lam = self.schedule(self.iteration) if self.schedule is not None else 0.0
        if lam > 0:
            loss_s = loss_s + lam * self.model.regularizer()
        bad = ~torch.isfinite(loss_s.detach())
        tr, idx = self.track, self.active
        if bad.any():
            tr.diverged[idx] |= bad
        dead = tr.diverged[idx] | self.stopped[idx]
        loss = torch.where(dead, torch.zeros_like(loss_s), loss_s).sum()
        if loss.requires_grad:  # the fused path has its MSE gradients already; only a regulariser is left
            with fast_matmul() if self.engine == "fast" else contextlib.nullcontext():
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
        torch.set_grad_enabled(True)
        while self.iteration < cfg.iterations and len(self.active):
            n_active = len(self.active)
            self.step()
            it = self.iteration
            if it % cfg.eval_every == 0 or it == cfg.iterations:
                self.evaluate()
                if progress is not None:
                    done = it % cfg.eval_every or cfg.eval_every
                    progress(done * n_active)
                if cfg.stop_when_solved and it < cfg.iterations:
                    self._drop_finished()
                if checkpoint is not None and it % cfg.checkpoint_every == 0 and it < cfg.iterations \
                        and it % self.chunk == 0 and len(self.active):
                    checkpoint(it, self.state_bytes())
        running = ~self.stopped
        self.trained[running] = self.iteration
        if progress is not None:  # seed-iterations skipped by early exit, so progress bars reach their total
            skipped = int((cfg.iterations - self.trained).clamp(min=0).sum())
            if skipped:
                progress(skipped)
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
                                  threshold=self.threshold,
                                  iterations=int(self.trained[i]) if self.stopped[i] else self.iteration))
        return out


def checkpoint_summary(blob: bytes) -> dict:
    """What a checkpoint says about its batch so far: ``iteration``, ``seeds``, ``solved`` (seeds whose test MSE has
    been below the threshold at some evaluation), their ``solved_at`` steps, ``stopped`` (early exit) and
    ``diverged`` counts. Used to report runs that have not finished."""
    st = torch.load(io.BytesIO(blob), weights_only=True)
    fs = st["track"]["first_success"]
    return {"iteration": int(st["iteration"]), "seeds": len(fs), "solved": int((fs >= 0).sum()),
            "solved_at": [int(v) for v in fs[fs >= 0]], "stopped": int(st["stopped"].sum()) if "stopped" in st else 0,
            "diverged": int(st["track"]["diverged"].sum())}


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
