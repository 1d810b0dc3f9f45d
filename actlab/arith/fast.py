"""The fast engine's pieces: one flat parameter tensor for Adam, fast or shared sample streams, seed compaction.

* `FlatParams`: every parameter of an `ArithNet` becomes a view into one flat tensor ``P`` (and its gradient a view
  into ``P.grad``), so Adam is one fused kernel over all seeds and layers instead of one per parameter, and the
  clamps and the regulariser still read the module's own parameters. Adam is elementwise, so the result equals
  ``torch.optim.Adam(model.parameters(), fused=True)`` (the reference engine) to float round-off; the optimiser
  state converts both ways (`to_reference_state` / `from_reference_state`) so a checkpoint of either engine resumes
  in the other.
* `SampleStream`: the training batches of the ``xoshiro`` stream (`actlab.arith.rng`) and of shared inputs
  (``shared_data``: every seed of a batch sees the same inputs, the first layer becomes one GEMM).
* `select_reference_state`, `SampleStream.select`, `select_pcg64`: keep a subset of the seeds (early exit per seed).
* `fused_kind` / `fused_mse`: a whole step of a model with a linear first layer and an NMU, NAC• or linear output
  unit as one C loop per seed (`actlab.arith.rng.two_layer_step`).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from actlab.arith import units as arith_units
from actlab.arith.batched import DATA_STREAM, ArithNet
from actlab.arith.rng import Xoshiro, two_layer_step
from actlab.arith.task import ArithTask
from actlab.arith.units import NAC, NAU, NMU, NACMul
from actlab.core.errors import ParameterError

STREAMS = ("pcg64", "xoshiro")
SHARED_WORD = 2  # third SeedSequence word of shared-input streams (per-seed streams use none / 1)


def seed_dim_only(model: ArithNet) -> bool:
    """True if every parameter has the seed as its leading dimension (no per-seed activation modules)."""
    return all(idx is None for _, idx in model.seed_parameters())


class FlatParams:
    """The parameters of ``model`` as views of one flat leaf ``P`` with one fused Adam over it."""

    def __init__(self, model: ArithNet, lr: float):
        self.params = list(model.parameters())
        self.sizes = [p.numel() for p in self.params]
        flat = torch.cat([p.detach().reshape(-1) for p in self.params])
        self.P = torch.nn.Parameter(flat)
        self.P.grad = torch.zeros_like(flat)
        off = 0
        for p, n in zip(self.params, self.sizes):
            p.data = self.P.data[off:off + n].view(p.shape)
            p.grad = self.P.grad[off:off + n].view(p.shape)  # autograd accumulates into the existing tensor
            off += n
        self.opt = torch.optim.Adam([self.P], lr=lr, fused=True)

    def zero_grad(self) -> None:
        self.P.grad.zero_()

    def step(self) -> None:
        self.opt.step()

    # ---- optimiser state in the reference engine's layout (one entry per model parameter) ----------------------
    def to_reference_state(self) -> dict:
        sd = self.opt.state_dict()
        st = sd["state"].get(0)
        group = {**sd["param_groups"][0], "params": list(range(len(self.params)))}
        if st is None:
            return {"state": {}, "param_groups": [group]}
        out, off = {}, 0
        for i, (p, n) in enumerate(zip(self.params, self.sizes)):
            out[i] = {"step": st["step"].clone(), "exp_avg": st["exp_avg"][off:off + n].view(p.shape).clone(),
                      "exp_avg_sq": st["exp_avg_sq"][off:off + n].view(p.shape).clone()}
            off += n
        return {"state": out, "param_groups": [group]}

    def from_reference_state(self, sd: dict) -> None:
        group = {**sd["param_groups"][0], "params": [0]}
        if not sd["state"]:
            self.opt.load_state_dict({"state": {}, "param_groups": [group]})
            return
        states = [sd["state"][i] for i in range(len(self.params))]
        flat = {"step": states[0]["step"].clone(),
                "exp_avg": torch.cat([s["exp_avg"].reshape(-1) for s in states]),
                "exp_avg_sq": torch.cat([s["exp_avg_sq"].reshape(-1) for s in states])}
        self.opt.load_state_dict({"state": {0: flat}, "param_groups": [group]})


def select_reference_state(sd: dict, params: Sequence[torch.Tensor], keep: torch.Tensor) -> dict:
    """Adam state (reference layout) restricted to the seed rows ``keep`` of every parameter."""
    out = {i: {"step": s["step"], "exp_avg": s["exp_avg"][keep].clone(), "exp_avg_sq": s["exp_avg_sq"][keep].clone()}
           for i, s in sd["state"].items()}
    return {"state": out, "param_groups": sd["param_groups"]}


class SampleStream:
    """Training batches for the fast engine: ``next() -> (x, y)``, ``x`` ``(S, B, n)`` or shared ``(B, n)``.

    ``kind="xoshiro"``: one `Xoshiro` stream per seed (per-seed data, the paper's protocol). ``shared=True``: one
    stream for the whole batch, seeded by the batch's first seed (``kind`` picks PCG64 or xoshiro); a seed's samples
    then depend on which seeds share its batch, so shared runs are keyed separately.
    """

    def __init__(self, task: ArithTask, seeds: Sequence[int], batch_size: int, chunk: int, kind: str = "xoshiro",
                 shared: bool = False):
        if kind not in STREAMS:
            raise ParameterError(f"stream must be one of {list(STREAMS)}, got {kind!r}")
        if len(task.interpolation_range) != 1:
            raise ParameterError("the fast sample streams support one interpolation range (lo, hi); use "
                                 "stream='pcg64' without shared_data for a union of ranges")
        self.task, self.seeds, self.batch_size, self.chunk = task, list(seeds), int(batch_size), int(chunk)
        self.kind, self.shared = kind, bool(shared)
        self.masks = task.masks(self.seeds)
        self.ranges = np.array([[r.start, r.stop, q.start, q.stop] for r, q in map(task.subsets, self.seeds)],
                               dtype=np.int64)  # S1 and S2 of every seed, for the sampler's subset sums
        lo, hi = task.interpolation_range[0]
        self.lo, self.width = lo, hi - lo
        gen_seeds = [self.seeds[0]] if self.shared else self.seeds
        if kind == "xoshiro":
            self.gen = Xoshiro(gen_seeds, DATA_STREAM + (SHARED_WORD if self.shared else 0))
        else:
            self.gen = np.random.Generator(np.random.PCG64(np.random.SeedSequence(
                [int(gen_seeds[0]) % 2**63, DATA_STREAM, SHARED_WORD])))
        self._x = self._y = None
        self._pos = self.chunk

    def next(self) -> tuple[torch.Tensor, torch.Tensor]:
        if self._pos >= self.chunk:
            K, B, n = self.chunk, self.batch_size, self.task.input_size
            rows = 1 if self.shared else len(self.seeds)
            buf = np.empty((K, rows, B, n), dtype=np.float32)  # iteration-major: x[k] is contiguous
            if self.shared:
                if self.kind == "xoshiro":
                    self.gen.fill(buf, self.lo, self.width)
                else:
                    self.task.fill(self.gen, buf, "interpolation")
                self._x = torch.from_numpy(buf[:, 0])
                self._y = self.task.targets(self._x.reshape(K * B, n), self.masks).view(-1, K, B).transpose(0, 1)
            else:  # xoshiro per seed: the C sampler also returns the subset sums (exact float64)
                sums = np.empty((K, rows, B, 2), dtype=np.float64)
                self.gen.fill(buf, self.lo, self.width, self.ranges, sums)
                ab = torch.from_numpy(sums)
                self._x = torch.from_numpy(buf)
                self._y = self.task.combine(ab[..., 0], ab[..., 1]).float()
            self._pos = 0
        i = self._pos
        self._pos += 1
        return self._x[i], self._y[i]

    def state(self) -> dict:
        if self._pos not in (0, self.chunk):
            raise RuntimeError("sample stream state is only saved at chunk boundaries")
        if self.kind == "xoshiro":
            return {"xoshiro": self.gen.state.tolist()}
        return {"pcg64": self.gen.bit_generator.state}

    def set_state(self, state: dict) -> None:
        if self.kind == "xoshiro":
            self.gen.state = np.asarray(state["xoshiro"], dtype=np.uint32).reshape(self.gen.state.shape).copy()
        else:
            self.gen.bit_generator.state = state["pcg64"]
        self._pos = self.chunk

    def select(self, keep: torch.Tensor) -> None:
        """Keep only the seed rows ``keep`` (at a chunk boundary); a shared stream goes on unchanged."""
        idx = keep.tolist()
        self.seeds = [self.seeds[i] for i in idx]
        self.masks = self.masks[keep]
        self.ranges = self.ranges[idx]
        if not self.shared:
            self.gen.state = self.gen.state[idx].copy()
        self._pos = self.chunk


def select_pcg64(stream, keep: torch.Tensor) -> None:
    """`select` for the reference `DataStream` (per-seed PCG64 generators)."""
    idx = keep.tolist()
    stream.seeds = [stream.seeds[i] for i in idx]
    stream.rngs = [stream.rngs[i] for i in idx]
    stream.masks = stream.masks[keep]
    stream._pos = stream.chunk


def fused_kind(model: ArithNet, stream, engine: str) -> str | None:
    """The output unit's kind (``"nmu"``, ``"nac_mul"``, ``"linear"``) when a step can run as one C loop per seed:
    the fast engine, per-seed xoshiro samples, a linear first layer (NAU, NAC+) and one output; else None."""
    if not (engine == "fast" and isinstance(stream, SampleStream) and stream.kind == "xoshiro" and not stream.shared
            and model.act is None and model.layer2.out_features == 1 and model.layer1.out_features <= 64):
        return None
    if type(model.layer1) not in (NAU, NAC):
        return None
    return {NMU: "nmu", NACMul: "nac_mul", NAU: "linear", NAC: "linear"}.get(type(model.layer2))


def fused_mse(model: ArithNet, stream: SampleStream, batch_size: int, op: str, kind: str) -> torch.Tensor:
    """The MSE part of a training step through `two_layer_step`: the C loop returns the gradients with respect to
    both layers' effective weights; autograd carries them through each unit's own `effective_weight` (clamp,
    tanh·σ) into the parameters' grads (accumulated). Returns the per-seed loss ``(S,)``."""
    l1, l2 = model.layer1, model.layer2
    w1, w2 = l1.effective_weight(), l2.effective_weight()  # (S, H, n), (S, 1, H)
    S, H, n = w1.shape
    loss, g1, g2 = two_layer_step(stream.gen, batch_size, n, stream.ranges, stream.lo, stream.width, op, kind,
                                  w1.detach().contiguous().numpy(), w2.detach().reshape(S, H).contiguous().numpy(),
                                  arith_units.NAC_EPS)
    torch.autograd.backward([w1, w2], [torch.from_numpy(g1), torch.from_numpy(g2).view(S, 1, H)])
    return torch.from_numpy(loss).float()
