"""The module backend: "eager" (torch ops) or "compiled" (``compiled(spec)``, the spec's forward fused by inductor).

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

from actlab.core.errors import ParameterError
from actlab.core.spec import ActivationSpec


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
