"""Neural arithmetic units with an optional leading seed dimension: NAC+, NAC•, NALU, NAU, NMU, Linear.

Every unit stores its weights as ``(S, out, in)``. With ``seeds=None`` (the default) S = 1 and the unit behaves like
an ordinary layer: ``(*, in) -> (*, out)``. With ``seeds=S`` it is S independent layers trained as one: inputs are
``(S, B, in)`` (one batch per seed) or ``(B, in)`` (one batch shared by every seed) and outputs ``(S, B, out)``.
Because every operation (and Adam) is elementwise over S, a seed-batched unit equals S separate units.

Sources: Trask et al. 2018 (NAC, NALU); Madsen & Johansen 2020 (NAU, NMU: clamping, sparsity regulariser, init),
with the init of the reference code where it differs from the paper's prose (research notes §1).
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from functools import partial

import torch
from torch import nn

from actlab.arith.models import Regularizer, register_model
from actlab.core.checks import check_input
from actlab.core.errors import ParameterError, ShapeError

Generators = Sequence[torch.Generator | None] | None
NAC_EPS = 1e-7  # log(|x| + eps) in NAC• and NALU (reference network default)


def _uniform_(t: torch.Tensor, lo: float, hi: float, gens: Generators) -> None:
    """Fill each seed slice ``t[s]`` from its own generator, so a batch of seeds equals separate seeds."""
    gens = gens if gens is not None else [None] * t.shape[0]
    with torch.no_grad():
        for s, g in enumerate(gens):
            t[s].uniform_(lo, hi, generator=g)


class _SeedMatmul(torch.autograd.Function):
    """``x (S,B,in)`` or shared ``x (B,in)`` (no gradient) times ``w (S,out,in)`` transposed, with the weight
    gradient laid out for narrow layers: ``dW = gᵀ x`` as one bmm (shared x: one GEMM over all seeds' rows).
    Autograd's own bmm backward for ``bmm(x, wᵀ)`` multiplies ``xᵀ g`` into a transposed, strided result, which
    at (S, B, in, out) = (100, 128, 100, 2) is ~4× slower on CPU (BENCHMARKS.md ``arith``)."""

    @staticmethod
    def forward(ctx, x, w):
        ctx.save_for_backward(x)
        if x.dim() == 2:
            S, O, I = w.shape
            return (x @ w.reshape(S * O, I).t()).view(x.shape[0], S, O).transpose(0, 1)
        return torch.bmm(x, w.transpose(1, 2))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        g = g.contiguous()  # autograd may hand over an expanded or strided gradient; bmm is slow on those
        if x.dim() == 2:
            S, B, O = g.shape
            return None, (g.permute(0, 2, 1).reshape(S * O, B) @ x).view(S, O, x.shape[1])
        return None, torch.bmm(g.transpose(1, 2), x)


_FAST = {"matmul": False}


class fast_matmul:  # noqa: N801  (a context manager used like a function)
    """Within this context, `_matmul` with a gradient-free input uses `_SeedMatmul` (the fast trainer engine);
    outside it the plain autograd path of the reference engine runs. Results agree to float round-off."""

    def __enter__(self):
        self._before = _FAST["matmul"]
        _FAST["matmul"] = True

    def __exit__(self, *exc):
        _FAST["matmul"] = self._before


def _matmul(x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """``x (S,B,in)`` or shared ``x (B,in)`` times ``w (S,out,in)`` transposed -> ``(S,B,out)``."""
    if _FAST["matmul"] and not x.requires_grad and w.requires_grad and torch.is_grad_enabled():
        return _SeedMatmul.apply(x, w)
    if x.dim() == 2:
        return torch.einsum("bi,soi->sbo", x, w)
    return torch.bmm(x, w.transpose(1, 2))


def nac_init_range(fan_in: int, fan_out: int) -> float:
    """r such that W = tanh(Ŵ)·σ(M̂) with Ŵ, M̂ ~ U[-r, r] has Var[W] = 2 / max(fan_in + fan_out, 5).

    Var[W](r) = E[tanh²(U)]·E[σ²(V)] = (1 - tanh(r)/r) · (r - tanh(r/2)) / (2r)  (E[tanh(U)] = 0), solved by
    bisection as in the reference code (research notes §1.1).
    """
    target = 2.0 / max(fan_in + fan_out, 5)

    def var(r: float) -> float:
        return (1 - math.tanh(r) / r) * (r - math.tanh(r / 2)) / (2 * r)

    lo, hi = 1e-6, 100.0
    if target >= var(hi):
        return hi
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if var(mid) < target else (lo, mid)
    return 0.5 * (lo + hi)


class ArithUnit(nn.Module):
    """Base: shape handling, the seed dimension, and the hooks the trainer uses.

    Subclasses implement ``_forward(x) -> (S, B, out)`` and may override ``regularizer`` (per-seed sparsity
    penalty, shape ``(S,)``), ``clamp_`` (projection after each optimiser step) and ``weights`` (the effective
    weight matrices whose distance from {-1, 0, 1} is the sparsity error).
    """

    has_bias = False

    def __init__(self, in_features: int, out_features: int, seeds: int | None = None):
        super().__init__()
        for name, v in (("in_features", in_features), ("out_features", out_features)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ParameterError(f"{name} must be an integer >= 1, got {v!r}")
        if seeds is not None and (isinstance(seeds, bool) or not isinstance(seeds, int) or seeds < 1):
            raise ParameterError(f"seeds must be None or an integer >= 1, got {seeds!r}")
        self.in_features, self.out_features, self.seeds = in_features, out_features, seeds
        self.n_seeds = 1 if seeds is None else seeds

    def _weight(self) -> nn.Parameter:
        return nn.Parameter(torch.empty(self.n_seeds, self.out_features, self.in_features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_input(x, self)
        if x.shape[-1] != self.in_features:
            raise ShapeError(f"{type(self).__name__} expects inputs with last dimension {self.in_features}, "
                             f"got shape {tuple(x.shape)}")
        if self.seeds is None:
            lead = x.shape[:-1]
            return self._forward(x.reshape(1, -1, self.in_features)).reshape(*lead, self.out_features)
        if x.dim() == 3 and x.shape[0] != self.n_seeds:
            raise ShapeError(f"seed-batched input must be (S={self.n_seeds}, B, {self.in_features}) or "
                             f"(B, {self.in_features}), got {tuple(x.shape)}")
        if x.dim() not in (2, 3):
            raise ShapeError(f"seed-batched input must have 2 or 3 dimensions, got {tuple(x.shape)}")
        return self._forward(x)

    def _forward(self, x: torch.Tensor) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    def weights(self) -> list[torch.Tensor]:
        """Effective weight matrices, each ``(S, out, in)``."""
        return [self.weight]

    def regularizer(self) -> torch.Tensor:
        """Per-seed sparsity penalty ``(S,)``; zero for units without one."""
        return self.weights()[0].new_zeros(self.n_seeds)

    def sparsity_error(self) -> torch.Tensor:
        """Per-seed ``max_ij min(|W_ij|, |1 - |W_ij||)`` over this unit's weights, shape ``(S,)``."""
        errs = [torch.minimum(w.abs(), (1 - w.abs()).abs()).flatten(1).amax(1) for w in self.weights()]
        return torch.stack(errs).amax(0)

    def clamp_(self) -> None:
        """Project the parameters back to their domain (no-op for unconstrained units)."""

    def extra_repr(self) -> str:
        s = f"in_features={self.in_features}, out_features={self.out_features}"
        return s + (f", seeds={self.seeds}" if self.seeds is not None else "")


class NAU(ArithUnit):
    """Neural Addition Unit: ``z = W x`` with W clamped to [-1, 1].

    Sparsity regulariser ``R = mean_ij min(|W_ij|, 1 - |W_ij|)``; init ``W ~ U[-r, r]``,
    ``r = min(0.5, sqrt(3)·sqrt(2/(in+out)))`` (Glorot-uniform capped at the ±0.5 decision point).

    Shape: ``(*, in) -> (*, out)``; seed-batched ``(S, B, in)`` or ``(B, in)`` -> ``(S, B, out)``.
    """

    def __init__(self, in_features: int, out_features: int, seeds: int | None = None, generators: Generators = None):
        super().__init__(in_features, out_features, seeds)
        self.weight = self._weight()
        self.reset_parameters(generators)

    def reset_parameters(self, generators: Generators = None) -> None:
        r = min(0.5, math.sqrt(3.0) * math.sqrt(2.0 / (self.in_features + self.out_features)))
        _uniform_(self.weight, -r, r, generators)

    def effective_weight(self) -> torch.Tensor:
        """The weight the forward multiplies by: W clamped to [-1, 1]."""
        return self.weight.clamp(-1.0, 1.0)

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        return _matmul(x, self.effective_weight())

    def regularizer(self) -> torch.Tensor:
        a = self.weight.abs()
        return torch.minimum(a, 1 - a).flatten(1).mean(1)

    def clamp_(self) -> None:
        with torch.no_grad():
            self.weight.clamp_(-1.0, 1.0)


class NMU(ArithUnit):
    """Neural Multiplication Unit: ``z_i = prod_j (W_ij x_j + 1 - W_ij)`` with W clamped to [0, 1].

    Sparsity regulariser ``R = mean_ij min(W_ij, 1 - W_ij)``; init ``W ~ U[0.25, 0.75]`` (the reference code's
    r = min(0.25, sqrt(3)·1/2) around 1/2, not the paper's Var = 1/4).

    Shape: ``(*, in) -> (*, out)``; seed-batched ``(S, B, in)`` or ``(B, in)`` -> ``(S, B, out)``.
    """

    def __init__(self, in_features: int, out_features: int, seeds: int | None = None, generators: Generators = None):
        super().__init__(in_features, out_features, seeds)
        self.weight = self._weight()
        self.reset_parameters(generators)

    def reset_parameters(self, generators: Generators = None) -> None:
        _uniform_(self.weight, 0.25, 0.75, generators)

    def effective_weight(self) -> torch.Tensor:
        """The weight the forward uses: W clamped to [0, 1]."""
        return self.weight.clamp(0.0, 1.0)

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        w = self.effective_weight().transpose(1, 2).unsqueeze(1)  # (S, 1, in, out)
        xe = x.unsqueeze(-1) if x.dim() == 3 else x.unsqueeze(0).unsqueeze(-1)  # (S|1, B, in, 1)
        return (xe * w + 1 - w).prod(dim=2)

    def regularizer(self) -> torch.Tensor:
        return torch.minimum(self.weight, 1 - self.weight).flatten(1).mean(1)

    def clamp_(self) -> None:
        with torch.no_grad():
            self.weight.clamp_(0.0, 1.0)


class NAC(ArithUnit):
    """NAC+ (Trask et al. 2018): ``z = W x`` with ``W = tanh(Ŵ) ⊙ σ(M̂)``.

    Init: Ŵ, M̂ ~ U[-r, r] with r from `nac_init_range` (Var[W] = 2 / max(in + out, 5)). No regulariser.

    Shape: ``(*, in) -> (*, out)``; seed-batched ``(S, B, in)`` or ``(B, in)`` -> ``(S, B, out)``.
    """

    def __init__(self, in_features: int, out_features: int, seeds: int | None = None, generators: Generators = None):
        super().__init__(in_features, out_features, seeds)
        self.W_hat = self._weight()
        self.M_hat = self._weight()
        self.reset_parameters(generators)

    def reset_parameters(self, generators: Generators = None) -> None:
        r = nac_init_range(self.in_features, self.out_features)
        gens = generators if generators is not None else [None] * self.n_seeds
        with torch.no_grad():  # per seed: Ŵ then M̂ from the same stream
            for s, g in enumerate(gens):
                self.W_hat[s].uniform_(-r, r, generator=g)
                self.M_hat[s].uniform_(-r, r, generator=g)

    @property
    def weight(self) -> torch.Tensor:
        return torch.tanh(self.W_hat) * torch.sigmoid(self.M_hat)

    def effective_weight(self) -> torch.Tensor:
        """``W = tanh(Ŵ) ⊙ σ(M̂)``."""
        return self.weight

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        return _matmul(x, self.weight)


class NACMul(NAC):
    """NAC• (Trask et al. 2018): ``z = exp(W log(|x| + ε))``, W as in NAC+, ε = 1e-7.

    Only positive outputs; negative weights divide. Shape as `NAC`.
    """

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.exp(_matmul(torch.log(x.abs() + NAC_EPS), self.weight))


class NALU(ArithUnit):
    """NALU (Trask et al. 2018): ``y = g ⊙ (W_a x) + (1 - g) ⊙ exp(W_m log(|x| + ε))``, ``g = σ(G x)``.

    ``shared=True`` (the original and the reference default) uses one NAC weight for both paths
    (W_a = W_m); ``shared=False`` gives the multiplicative path its own Ŵ, M̂. G ~ Glorot-uniform, no bias.

    Shape: ``(*, in) -> (*, out)``; seed-batched ``(S, B, in)`` or ``(B, in)`` -> ``(S, B, out)``.
    """

    def __init__(self, in_features: int, out_features: int, seeds: int | None = None, generators: Generators = None,
                 shared: bool = True):
        super().__init__(in_features, out_features, seeds)
        self.shared = bool(shared)
        self.add = NAC(in_features, out_features, seeds=self.n_seeds, generators=None)
        self.mul = None if self.shared else NACMul(in_features, out_features, seeds=self.n_seeds, generators=None)
        self.G = self._weight()
        self.reset_parameters(generators)

    def reset_parameters(self, generators: Generators = None) -> None:
        self.add.reset_parameters(generators)
        if self.mul is not None:
            self.mul.reset_parameters(generators)
        r = math.sqrt(6.0 / (self.in_features + self.out_features))
        _uniform_(self.G, -r, r, generators)

    def weights(self) -> list[torch.Tensor]:
        return [self.add.weight] + ([] if self.mul is None else [self.mul.weight])

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        wa = self.add.weight
        wm = wa if self.mul is None else self.mul.weight
        a = _matmul(x, wa)
        m = torch.exp(_matmul(torch.log(x.abs() + NAC_EPS), wm))
        g = torch.sigmoid(_matmul(x, self.G))
        return g * a + (1 - g) * m

    def extra_repr(self) -> str:
        return super().extra_repr() + f", shared={self.shared}"


class Linear(ArithUnit):
    """Seed-batched affine layer ``z = W x + b`` (the Linear/MLP baselines; biases start at zero).

    ``init="glorot"`` (Linear baseline, output layers) or ``"kaiming"`` (layers followed by ReLU-like
    activations; Kaiming-uniform with gain √2).
    """

    has_bias = True

    def __init__(self, in_features: int, out_features: int, seeds: int | None = None, generators: Generators = None,
                 init: str = "glorot"):
        super().__init__(in_features, out_features, seeds)
        if init not in ("glorot", "kaiming"):
            raise ParameterError(f"init must be 'glorot' or 'kaiming', got {init!r}")
        self.init = init
        self.weight = self._weight()
        self.bias = nn.Parameter(torch.zeros(self.n_seeds, out_features))
        self.reset_parameters(generators)

    def reset_parameters(self, generators: Generators = None) -> None:
        fi, fo = self.in_features, self.out_features
        r = math.sqrt(6.0 / (fi + fo)) if self.init == "glorot" else math.sqrt(6.0 / fi)
        _uniform_(self.weight, -r, r, generators)
        with torch.no_grad():
            self.bias.zero_()

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        return _matmul(x, self.weight) + self.bias.unsqueeze(1)

    def extra_repr(self) -> str:
        return super().extra_repr() + f", init={self.init!r}"


# the built-in models (research notes §2 "Network for the benchmark"); `actlab.arith` imports this module
register_model("nau", NAU, NAU, Regularizer(0.01, 5e3, 5e4))
register_model("nmu", NAU, NMU, Regularizer(10.0, 1e6, 2e6))
register_model("nac", NAC, NAC, aliases=("nac+", "nac_add"))
register_model("nac_mul", NAC, NACMul, aliases=("nac*", "nac•", "nacmul"))
register_model("nalu", partial(NALU, shared=True), partial(NALU, shared=True))
register_model("nalu_sep", partial(NALU, shared=False), partial(NALU, shared=False))
register_model("linear", Linear, Linear)
