"""Information plane of the 12-10-7-5-4-3-2 network (Shwartz-Ziv & Tishby 2017; Saxe et al. 2018).

Train the IB network on the 12-bit task with Adam (lr 4e-4, batch 256, 80 % of the patterns), record every
layer's activity on all 4096 patterns at log-spaced epochs, and estimate per layer and sampled epoch

    I(X;T)  with X the pattern identity (H(X) = 12 bits), and   I(T;Y)  with Y the label.

We use a short loop of our own instead of `actlab.train.loop.fit`: what we need is a snapshot of every layer on
the full set after chosen epochs, and the repeats train side by side as one stacked model (bmm), which `fit`
(one model, per-epoch validation) does not do; stacking makes 5 repeats ~3× cheaper than 5 runs.

Results (not activations) are cached as ``<runs_dir>/infoplane/<key>.npz`` + ``.json``, where the key hashes
the whole configuration, so a plot can be redrawn, or a run extended to more repeats, without retraining.
"""
from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from actlab.analysis.mi import METHODS, mutual_information
from actlab.core.errors import ParameterError, UnknownNameError
from actlab.core.registry import create, get
from actlab.models.ibnet import IB_SIZES, IBNet
from actlab.tasks.ib12 import make_ib12

# Saxe et al.'s simple binning: cells of width 0.07 (≈ 2/29, the IDNNs grid) that extend as far as needed, so
# unbounded units are binned on the same scale as tanh units
DEFAULT_OPTS: dict[str, dict[str, Any]] = {
    "binning": {"bin_size": 0.07},
    "adaptive": {"bins": 30},
    "kde_upper": {"noise_var": 1e-3},
    "kde_lower": {"noise_var": 1e-3},
    "ksg": {"k": 3, "constant": "drop"},
}


@dataclass
class InfoPlaneConfig:
    """Everything that determines an information-plane run (and its cache key)."""

    act: str = "tanh"
    epochs: int = 2000
    n_sampled: int = 80
    repeats: int = 3
    estimator: str = "binning"
    estimator_opts: dict[str, Any] = field(default_factory=dict)
    lr: float = 4e-4
    batch_size: int = 256
    train_frac: float = 0.8
    sizes: tuple[int, ...] = IB_SIZES
    seed: int = 0
    device: str = "cpu"  # where the networks train (the MI estimators run on the CPU copies of the activations)

    def __post_init__(self) -> None:
        from actlab.train.device import parse_device

        self.device = parse_device(self.device)
        if self.estimator not in METHODS:
            raise UnknownNameError("MI method", self.estimator, METHODS)
        for name in ("epochs", "n_sampled", "repeats", "batch_size"):
            v = getattr(self, name)
            if not isinstance(v, int) or v < 1:
                raise ParameterError(f"{name} must be a positive integer, got {v!r}")
        if not self.lr > 0:
            raise ParameterError(f"lr must be > 0, got {self.lr!r}")
        self.sizes = tuple(int(s) for s in self.sizes)
        if self.sizes[0] != 12 or self.sizes[-1] != 2:
            raise ParameterError(f"sizes must start at 12 inputs and end at 2 classes, got {self.sizes}")
        spec = get(self.act)  # a registered zoo or learnable name; unknown names fail here
        if spec.kind in ("gated", "rowwise"):
            raise ParameterError(f"act: {spec.name} is {spec.kind} (it changes or mixes the hidden width); the "
                                 "information-plane network needs a shape-preserving activation of each unit")
        self.act = spec.name
        self.estimator_opts = {**DEFAULT_OPTS[self.estimator], **self.estimator_opts}

    def key(self) -> str:
        d = asdict(self)
        if d["device"] == "cpu":  # the default keeps the cache keys results had before devices existed
            d.pop("device")
        blob = json.dumps(d, sort_keys=True, default=str)
        return f"{self.act}-{self.estimator}-" + hashlib.sha1(blob.encode()).hexdigest()[:10]


@dataclass
class InfoPlaneResult:
    """I(X;T), I(T;Y) in bits with shape (repeats, sampled epochs, layers); accuracies (repeats, epochs)."""

    config: InfoPlaneConfig
    epochs: np.ndarray
    ixt: np.ndarray
    ity: np.ndarray
    train_acc: np.ndarray
    test_acc: np.ndarray
    h_y: float
    wall_time: float

    def compression(self) -> np.ndarray:
        """Per layer, the mean over repeats of (peak I(X;T) − final I(X;T)): > 0 means the layer compressed."""
        return (self.ixt.max(axis=1) - self.ixt[:, -1]).mean(axis=0)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path.with_suffix(".npz"), epochs=self.epochs, ixt=self.ixt, ity=self.ity,
                 train_acc=self.train_acc, test_acc=self.test_acc)
        meta = {"config": asdict(self.config), "h_y": self.h_y, "wall_time": self.wall_time}
        path.with_suffix(".json").write_text(json.dumps(meta, indent=1, default=str))

    @classmethod
    def load(cls, path: Path) -> InfoPlaneResult:
        path = Path(path)
        meta = json.loads(path.with_suffix(".json").read_text())
        with np.load(path.with_suffix(".npz")) as z:
            arrays = {k: z[k] for k in z.files}
        return cls(InfoPlaneConfig(**meta["config"]), h_y=meta["h_y"], wall_time=meta["wall_time"], **arrays)


def sample_epochs(epochs: int, n: int) -> np.ndarray:
    """Log-spaced epoch indices as in IDNNs: unique(int(2^linspace(0, log2 E, n))) − 1; dense early."""
    return np.unique(np.logspace(0, np.log2(epochs), n, base=2).astype(int)) - 1


def train_and_record(act: Any, epochs: np.ndarray, seeds: Sequence[int] = (0,), lr: float = 4e-4,
                     batch_size: int = 256, train_frac: float = 0.8, sizes: tuple[int, ...] = IB_SIZES,
                     device: str = "cpu") -> tuple[list[list[list[np.ndarray]]], np.ndarray, np.ndarray]:
    """Train one IB network per seed and snapshot every layer on all 4096 patterns after each epoch in
    ``epochs`` (0-based, counted after that epoch's updates).

    The repeats train side by side as one batched model (weights stacked along a leading repeat dim, bmm):
    Adam is elementwise, so this is exactly R independent runs, at the Python overhead of one. Each repeat
    keeps its own init (from its seed), train/test split and minibatch order. An activation with its own
    parameters would be shared across the stack, so such activations train one repeat at a time instead.

    Returns (activations[repeat][sampled epoch][layer] float32 (4096, width), train acc, test acc), the
    accuracies of shape (repeats, sampled epochs).
    """
    threads = torch.get_num_threads()
    # a 12-10-7 net gains nothing from intra-op threads, and on a shared CPU they cost more than they give
    torch.set_num_threads(1)
    try:
        if any(True for _ in create(act).parameters()):
            parts = [_train(act, epochs, [s], lr, batch_size, train_frac, sizes, device) for s in seeds]
            return ([p[0][0] for p in parts], np.concatenate([p[1] for p in parts]),
                    np.concatenate([p[2] for p in parts]))
        return _train(act, epochs, list(seeds), lr, batch_size, train_frac, sizes, device)
    finally:
        torch.set_num_threads(threads)


def _train(act: Any, epochs: np.ndarray, seeds: list[int], lr: float, batch_size: int, train_frac: float,
           sizes: tuple[int, ...], device: str = "cpu"
           ) -> tuple[list[list[list[np.ndarray]]], np.ndarray, np.ndarray]:
    data = make_ib12()
    dev = torch.device(device)
    x, y = torch.from_numpy(data.X).to(dev), torch.from_numpy(data.y).to(dev)
    r = len(seeds)
    splits = [data.split(train_frac, s) for s in seeds]
    tr = torch.from_numpy(np.stack([a for a, _ in splits])).to(dev)   # (R, n_train)
    te = torch.from_numpy(np.stack([b for _, b in splits])).to(dev)   # (R, n_test)
    nets = []
    for s in seeds:
        torch.manual_seed(s)
        nets.append(IBNet(act, sizes))
    # stacked parameters: W_l (R, in, out), b_l (R, 1, out)
    ws = [torch.stack([n.linears[i].weight.detach().T for n in nets]).to(dev).requires_grad_(True)
          for i in range(len(sizes) - 1)]
    bs = [torch.stack([n.linears[i].bias.detach()[None] for n in nets]).to(dev).requires_grad_(True)
          for i in range(len(sizes) - 1)]
    acts = [a.to(dev) for a in nets[0].acts]
    opt = torch.optim.Adam([*ws, *bs], lr=lr)
    gens = [torch.Generator().manual_seed(s) for s in seeds]

    def forward(h: torch.Tensor) -> list[torch.Tensor]:               # h: (R, B, 12)
        outs = []
        for i, a in enumerate(acts):
            h = a(torch.baddbmm(bs[i], h, ws[i]))
            outs.append(h)
        outs.append(torch.baddbmm(bs[-1], h, ws[-1]))                 # logits last
        return outs

    n_tr = tr.shape[1]
    want = {int(e) for e in epochs}
    snaps: list[list[list[np.ndarray]]] = [[] for _ in seeds]
    acc_tr, acc_te = [], []
    for ep in range(int(max(epochs)) + 1):
        order = torch.stack([tr[i, torch.randperm(n_tr, generator=g).to(dev)] for i, g in enumerate(gens)])
        for start in range(0, n_tr, batch_size):
            idx = order[:, start:start + batch_size]                  # (R, B)
            logits = forward(x[idx])[-1]
            # sum over repeats of each repeat's mean cross-entropy: gradients stay per repeat
            loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y[idx].reshape(-1),
                                               reduction="sum") / idx.shape[1]
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        if ep in want:
            with torch.no_grad():
                outs = forward(x.expand(r, -1, -1))
            outs[-1] = torch.softmax(outs[-1], dim=-1)
            pred = outs[-1].argmax(-1)                                 # (R, 4096)
            ok = (pred == y).float()
            acc_tr.append(ok.gather(1, tr).mean(1).cpu().numpy())
            acc_te.append(ok.gather(1, te).mean(1).cpu().numpy() if te.shape[1] else np.full(r, np.nan))
            for i in range(r):
                snaps[i].append([o[i].cpu().numpy().astype(np.float32) for o in outs])
    return snaps, np.stack(acc_tr, 1), np.stack(acc_te, 1)


def plane_of(snaps: list[list[np.ndarray]], labels: np.ndarray, estimator: str = "binning",
             **opts: Any) -> tuple[np.ndarray, np.ndarray]:
    """I(X;T) and I(T;Y) in bits for each (sampled epoch, layer) of recorded activations."""
    opts = {**DEFAULT_OPTS[estimator], **opts}
    n = len(labels)
    if estimator == "ksg":
        # the pattern identity has no continuous neighbourhood; KSG sees X as the 12 input bits instead
        from actlab.tasks.ib12 import patterns

        xin = patterns().astype(np.float64)[:n]
        opts_x = {**opts, "jitter": opts.get("jitter", 1e-3)}
    else:
        xin, opts_x = np.arange(n), opts
    ixt = np.empty((len(snaps), len(snaps[0])))
    ity = np.empty_like(ixt)
    for e, layers in enumerate(snaps):
        for j, t in enumerate(layers):
            ixt[e, j] = mutual_information(xin, t, estimator, **opts_x)
            ity[e, j] = mutual_information(t, labels, estimator, **opts)
    return ixt, ity


def run_infoplane(config: InfoPlaneConfig, runs_dir: str | Path | None = None, reuse: bool = True,
                  progress: Callable[[int, int], Any] | None = None) -> InfoPlaneResult:
    """Train ``config.repeats`` networks and estimate their information planes; cached under ``runs_dir``.

    ``progress(done, total)`` is called after each repeat (the CLI draws a bar with it).
    """
    path = Path(runs_dir) / "infoplane" / config.key() if runs_dir is not None else None
    if path is not None and reuse and path.with_suffix(".json").exists():
        return InfoPlaneResult.load(path)
    t0 = time.perf_counter()
    data = make_ib12()
    eps = sample_epochs(config.epochs, config.n_sampled)
    seeds = [config.seed + r for r in range(config.repeats)]
    snaps, atr, ate = train_and_record(config.act, eps, seeds, config.lr, config.batch_size, config.train_frac,
                                       config.sizes, config.device)
    ixt, ity = [], []
    for r, sn in enumerate(snaps):
        i1, i2 = plane_of(sn, data.y, config.estimator, **config.estimator_opts)
        ixt.append(i1), ity.append(i2)
        if progress is not None:
            progress(r + 1, config.repeats)
    h_y = mutual_information(data.y, data.y, "binning")
    res = InfoPlaneResult(config, eps, np.array(ixt), np.array(ity), np.array(atr), np.array(ate), h_y,
                          time.perf_counter() - t0)
    if path is not None:
        res.save(path)
    return res
