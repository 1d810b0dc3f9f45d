"""Custom backwards.

Custom ``autograd.Function``s for activations whose backward is *not* the derivative of the forward
(surrogate gradients) or where a closed-form backward saves memory. ``compiled(spec)`` (a spec's forward through
``torch.compile``), ``default_backend`` and ``set_backend`` live in `actlab.core.compiled`, because core's module
class uses them and core imports nothing above it; they are re-exported here.
"""
from __future__ import annotations

import torch

from actlab.core.compiled import compiled, default_backend, set_backend  # noqa: F401  (re-exported)


class _HysteresisReLU(torch.autograd.Function):
    """HeLU: forward relu(x), backward 1[x > -alpha] (Kimhi et al. 2024). Saves one bool mask."""

    @staticmethod
    def forward(ctx, x, alpha):
        ctx.save_for_backward(x > -alpha)
        return torch.relu(x)

    @staticmethod
    def backward(ctx, g):
        (mask,) = ctx.saved_tensors
        return g * mask, None


def helu(x: torch.Tensor, alpha: float = 0.05) -> torch.Tensor:
    return _HysteresisReLU.apply(x, float(alpha))


class _BiPer(torch.autograd.Function):
    """BiPer: forward sign(sin(w0·x)), backward the sine surrogate w0·cos(w0·x) (Vargas et al. 2024)."""

    @staticmethod
    def forward(ctx, x, w0):
        ctx.save_for_backward(x)
        ctx.w0 = w0
        return torch.sign(torch.sin(w0 * x))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * ctx.w0 * torch.cos(ctx.w0 * x), None


def biper(x: torch.Tensor, w0: float = 20.0) -> torch.Tensor:
    return _BiPer.apply(x, float(w0))


class _ApproxBP(torch.autograd.Function):
    """Approx-BP (Yang et al. ICML 2024): exact forward, backward = derivative of Σ a_i·relu(x - c_i).

    Only a uint8 code (how many thresholds x exceeds) is saved, instead of the float input.
    """

    @staticmethod
    def forward(ctx, x, forward, c, levels):
        code = (x > c[0]).to(torch.uint8) + (x > c[1]).to(torch.uint8) + (x > c[2]).to(torch.uint8)
        ctx.save_for_backward(code)
        ctx.levels = levels
        return forward(x)

    @staticmethod
    def backward(ctx, g):
        (code,) = ctx.saved_tensors
        lv = torch.tensor(ctx.levels, dtype=g.dtype, device=g.device)
        return g * lv[code.long()], None, None, None


def _approx_bp(a: tuple[float, float, float], c: tuple[float, float, float]):
    levels = (0.0, a[0], a[0] + a[1], a[0] + a[1] + a[2])
    return c, levels


REGELU2 = _approx_bp((-0.04922261, 1.09796321, -0.04874060), (-3.18588100, -0.00117882, 3.19083261))
RESILU2 = _approx_bp((-0.04060357, 1.08092543, -0.04032186), (-6.30504610, -0.00086849, 6.32581524))


def regelu2(x: torch.Tensor) -> torch.Tensor:
    return _ApproxBP.apply(x, torch.nn.functional.gelu, *REGELU2)


def resilu2(x: torch.Tensor) -> torch.Tensor:
    return _ApproxBP.apply(x, torch.nn.functional.silu, *RESILU2)
