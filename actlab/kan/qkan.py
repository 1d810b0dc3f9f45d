"""QKAN and HQKAN: Kolmogorov–Arnold layers whose edge functions are DARUAN circuits.

Jiang, Huang, Chen, Goan, arXiv:2509.14026 (code Jim137/qkan). One layer:

    y_j = Σ_i p_ji·(φ_ji(x_i) + q_ji) + Σ_i β_ji·silu(x_i)

φ_ji is the single-qubit data re-uploading circuit of edge (j, i) (``actlab.learnable.daruan``); p (init 1)
and q (init 0) are the post-activation weight and bias, β the residual "base" weight (init 0.5 when
``base=True``, else absent). θ is Xavier-normal over the (d_out, d_in, r+1, 2) tensor as in qkan, so a fresh
layer starts close to the zero function plus the base branch.

All edges are evaluated in one batched Bloch-vector simulation: x (B, 1, d_in) against θ (d_out, d_in, ·).
Layer extension (``extend(reps)``) returns a network with more re-uploading repetitions computing the same
function (new gates start at zero), the analogue of a B-spline KAN's grid extension.

HQKAN puts a small QKAN inside a linear bottleneck of width ⌈log2 d⌉ so it can replace an MLP/FFN with few
parameters: Linear(d_in → ⌈log2 d_in⌉) → QKAN → Linear(⌈log2 d_out⌉ → d_out).
"""
from __future__ import annotations

import copy
import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from actlab.core.errors import ParameterError, ShapeError
from actlab.learnable.daruan import READOUTS, daruan, extend_circuit

__all__ = ["QKANLayer", "QKAN", "HQKAN"]


class QKANLayer(nn.Module):
    """One QKAN layer with a DARUAN on every edge. Shape: (*, in_features) -> (*, out_features)."""

    def __init__(self, in_features: int, out_features: int, reps: int = 3, preact_trainable: bool = False,
                 postact_weight_trainable: bool = False, postact_bias_trainable: bool = False, base: bool = False,
                 readout: str = "z", base_act: nn.Module | None = None):
        super().__init__()
        if in_features < 1 or out_features < 1:
            raise ParameterError(f"QKANLayer: widths must be >= 1, got ({in_features}, {out_features})")
        if not isinstance(reps, int) or reps < 1:
            raise ParameterError(f"QKANLayer: reps must be an integer >= 1, got {reps!r}")
        if readout not in READOUTS:
            raise ParameterError(f"QKANLayer: readout must be one of {READOUTS}, got {readout!r}")
        self.in_features, self.out_features, self.reps, self.readout = in_features, out_features, reps, readout
        e = (out_features, in_features)
        self.theta = nn.Parameter(nn.init.xavier_normal_(torch.empty(*e, reps + 1, 2)))
        self.preact_w = nn.Parameter(torch.ones(*e, reps), requires_grad=preact_trainable)
        self.preact_b = nn.Parameter(torch.zeros(*e, reps), requires_grad=preact_trainable)
        self.postact_w = nn.Parameter(torch.ones(*e), requires_grad=postact_weight_trainable)
        self.postact_b = nn.Parameter(torch.zeros(*e), requires_grad=postact_bias_trainable)
        if base:
            self.base = nn.Parameter(torch.full(e, 0.5))
        else:
            self.register_parameter("base", None)
        self.base_act = base_act  # the residual branch's function; None = SiLU (as qkan / pykan)

    def edges(self, x: torch.Tensor) -> torch.Tensor:
        """Per-edge circuit outputs φ_ji(x_i), shape (B, d_out, d_in)."""
        fixed = not (self.preact_w.requires_grad or self.preact_b.requires_grad)
        if fixed and bool((self.preact_w == 1).all()) and bool((self.preact_b == 0).all()):
            return daruan(x.unsqueeze(1), self.theta, None, None, self.readout)   # data angle shared by edges
        return daruan(x.unsqueeze(1), self.theta, self.preact_w, self.preact_b, self.readout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] != self.in_features:
            raise ShapeError(f"QKANLayer expects last dim {self.in_features}, got input {tuple(x.shape)}")
        lead = x.shape[:-1]
        x2 = x.reshape(-1, self.in_features)
        phi = self.edges(x2)                                                    # (B, d_out, d_in)
        y = torch.einsum("boi,oi->bo", phi, self.postact_w) + (self.postact_w * self.postact_b).sum(-1)
        if self.base is not None:
            b = F.silu(x2) if self.base_act is None else self.base_act(x2)
            y = y + b @ self.base.t()
        return y.reshape(*lead, self.out_features)

    @torch.no_grad()
    def extend(self, reps: int) -> QKANLayer:
        """A copy with ``reps`` repetitions per edge computing the same function (zero-initialised new gates)."""
        new = copy.deepcopy(self)
        theta, w, b = extend_circuit(self.theta, self.preact_w, self.preact_b, reps)
        new.reps = reps
        new.theta = nn.Parameter(theta)
        new.preact_w = nn.Parameter(w, requires_grad=self.preact_w.requires_grad)
        new.preact_b = nn.Parameter(b, requires_grad=self.preact_b.requires_grad)
        return new

    def extra_repr(self) -> str:
        return (f"{self.in_features}, {self.out_features}, reps={self.reps}, readout={self.readout!r}, "
                f"preact_trainable={self.preact_w.requires_grad}, base={self.base is not None}")


class QKAN(nn.Module):
    """A stack of QKAN layers, ``QKAN([2, 5, 1], reps=3, ...)``; options go to every layer.

    Shape: (*, widths[0]) -> (*, widths[-1]).
    """

    def __init__(self, widths: Sequence[int], reps: int = 3, **layer_kw):
        super().__init__()
        widths = list(widths)
        if len(widths) < 2:
            raise ParameterError(f"QKAN: widths needs at least an input and an output size, got {widths}")
        self.widths = widths
        self.layers = nn.ModuleList(QKANLayer(i, o, reps, **layer_kw) for i, o in zip(widths[:-1], widths[1:]))

    @property
    def reps(self) -> int:
        return self.layers[0].reps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            x = layer(x)
        return x

    def extend(self, reps: int) -> QKAN:
        """A copy with ``reps`` repetitions in every layer computing the same function."""
        new = copy.deepcopy(self)
        new.layers = nn.ModuleList(layer.extend(reps) for layer in self.layers)
        return new


def log_width(d: int) -> int:
    return max(1, math.ceil(math.log2(d)))


class HQKAN(nn.Module):
    """Hybrid QKAN: Linear(d_in → h_in) → QKAN([h_in, h_out]) → Linear(h_out → d_out), h = ⌈log2 d⌉ by default.

    A parameter-light drop-in for an MLP / transformer FFN (``base_act``: the QKAN's residual function, SiLU by
    default). Shape: (*, d_in) -> (*, d_out).
    """

    def __init__(self, in_features: int, out_features: int | None = None, hidden: int | None = None,
                 hidden_out: int | None = None, reps: int = 3, bias: bool = True, **layer_kw):
        super().__init__()
        out_features = in_features if out_features is None else out_features
        h_in = log_width(in_features) if hidden is None else hidden
        h_out = log_width(out_features) if hidden_out is None else hidden_out
        layer_kw.setdefault("base", True)
        self.down = nn.Linear(in_features, h_in, bias=bias)
        self.qkan = QKANLayer(h_in, h_out, reps, **layer_kw)
        self.up = nn.Linear(h_out, out_features, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.up(self.qkan(self.down(x)))

    def extend(self, reps: int) -> HQKAN:
        new = copy.deepcopy(self)
        new.qkan = self.qkan.extend(reps)
        return new
