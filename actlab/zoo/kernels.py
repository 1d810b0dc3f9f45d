"""Fused kernels and custom backwards.

Custom ``autograd.Function``s for activations whose backward is *not* the derivative of the forward
(surrogate gradients) or where a closed-form backward saves memory; and ``compiled(spec)``, which runs a
spec's forward through ``torch.compile`` (inductor fuses fwd and bwd into one vectorised C++ loop each).
Inductor caches compiled kernels on disk (``TORCHINDUCTOR_CACHE_DIR``), so the compile cost is paid once per
machine, not per process.
"""
from __future__ import annotations

import functools
import inspect
import os
import warnings
from collections.abc import Callable

import torch

from actlab.core.spec import ActivationSpec


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


def _cache_dir() -> None:
    if "TORCHINDUCTOR_CACHE_DIR" not in os.environ:
        from actlab.core.paths import cache_dir

        os.environ["TORCHINDUCTOR_CACHE_DIR"] = str(cache_dir() / "inductor")


def _compile_errors() -> tuple[type[Exception], ...]:
    import torch._dynamo.exc  # imported lazily: it costs seconds at start-up

    return (torch._dynamo.exc.TorchDynamoException,)


_DEFAULT_BACKEND = os.environ.get("ACTLAB_BACKEND", "eager")


def set_backend(name: str) -> None:
    """Default backend for modules created afterwards: "eager" (torch ops) or "compiled" (fused kernels)."""
    global _DEFAULT_BACKEND
    if name not in ("eager", "compiled"):
        from actlab.core.errors import ParameterError

        raise ParameterError(f"backend must be 'eager' or 'compiled', got {name!r}")
    _DEFAULT_BACKEND = name


def default_backend() -> str:
    return _DEFAULT_BACKEND


@functools.lru_cache(maxsize=None)
def compiled(spec: ActivationSpec) -> Callable[..., torch.Tensor]:
    """``spec.fn`` compiled by inductor into fused fwd/bwd kernels (compiled on first call, cached on disk).

    Scalar parameters are specialised as constants; a spec whose backward is a custom autograd.Function
    (surrogate gradients) or whose forward is a torch native is returned unchanged. If compilation itself
    fails (no C++ toolchain, an op inductor cannot lower), the eager composite is used from then on, with a
    warning.
    """
    if spec.grad == "surrogate" or spec.native is not None or not inspect.isfunction(spec.fn):
        # custom autograd.Functions, and entries whose forward is a torch native: one native kernel already,
        # and inductor's re-generated backward for them measured 3-6x slower (BENCHMARKS.md)
        return spec.fn
    _cache_dir()
    import torch._dynamo

    # specs built from one closure (gated units, expanded gates) share a code object, and dynamo counts
    # recompiles per code object: allow one per spec and shape instead of the default 8
    torch._dynamo.config.recompile_limit = max(torch._dynamo.config.recompile_limit, 256)
    state = {"fn": torch.compile(spec.fn, dynamic=False, fullgraph=True), "ok": False}

    def call(x, **kw):
        if state["ok"]:
            return state["fn"](x, **kw)
        try:
            out = state["fn"](x, **kw)
        except _compile_errors() as e:  # a compile failure, not a user error
            warnings.warn(f"actlab: compiling {spec.name} failed ({type(e).__name__}); using the eager path")
            state["fn"] = spec.fn
            out = spec.fn(x, **kw)
        state["ok"] = True
        return out

    call.__name__ = f"{spec.name}_compiled"
    return call
