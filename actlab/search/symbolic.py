"""Sympy ⇄ torch without ``eval``: safe sigmoid/softplus functions, a tree compiler and a restricted parser.

Expressions are ordinary sympy trees in the real symbol ``x``, trainable scalars ``b0, b1, ...`` (the Swish
paper's β) and the positive constant ``eps`` (the paper's ε in ``x1/(x2+ε)`` and ``log(|x|+ε)``). Sigmoid and
softplus are the opaque sympy functions of `actlab.core.elementary` rather than ``1/(1+exp(-x))`` so that the
compiled torch graph calls the overflow-safe ``torch.sigmoid`` / ``F.softplus`` and their derivatives stay finite
for large |x|; the torch counterpart of every sympy function comes from that same vocabulary.

`compile_expr` walks the tree once and returns a closure; every node type it meets must be in ``_TORCH``, so an
unknown sympy function is a `CompileError` that names it. `parse_expression` reads user text with Python's
``ast`` parser (syntax only; nothing is executed) and accepts only whitelisted names and operators.
"""
from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping
from typing import Any

import sympy as sp
import torch

from actlab.core.elementary import (ELEMENTARY, EXP_CLAMP, sigmoid, softplus,  # noqa: F401  (re-exported)
                                    to_standard)
from actlab.core.errors import ActlabError, ConfigError, UnknownNameError

X = sp.Symbol("x", real=True)
EPS = sp.Symbol("eps", positive=True)
EPS_VALUE = 1e-3


class CompileError(ActlabError, ValueError):
    """A sympy node with no torch counterpart."""


def beta(i: int) -> sp.Symbol:
    """The i-th trainable scalar of an expression."""
    return sp.Symbol(f"b{i}", real=True)


# -- sympy -> torch ---------------------------------------------------------------------------------------------
# every sympy function head of the shared vocabulary, exp-like ones clamped so float32 never overflows
_TORCH: dict[Any, Callable[..., torch.Tensor]] = {e.head: e.clamped() for e in ELEMENTARY.values()
                                                  if e.head is not None}


def _reduce(fn: Callable, args: list) -> Any:
    out = args[0]
    for a in args[1:]:
        out = fn(out, a)
    return out


def _tensor(v: Any, env: dict) -> torch.Tensor:
    """Constants and scalar parameters become tensors shaped like nothing (they broadcast against x)."""
    return v if isinstance(v, torch.Tensor) else torch.tensor(float(v), dtype=env["x"].dtype, device=env["x"].device)


def _pow(base: torch.Tensor, e: sp.Expr, ev0: Callable) -> Callable:
    def ev(env):
        return _tensor(ev0(env), env)
    if e.is_Integer:
        n = int(e)
        if n >= 0:
            return lambda env: ev(env) ** n
        # negative powers come from x1/(x2+eps); keep them as true divisions so the eps guard stays visible
        return lambda env: 1.0 / ev(env) ** (-n)
    if e == sp.Rational(1, 2):
        return lambda env: torch.sqrt(ev(env))
    if e == sp.Rational(-1, 2):
        return lambda env: torch.rsqrt(ev(env))
    if e.is_Number:
        v = float(e)
        return lambda env: torch.pow(ev(env), v)
    raise CompileError(f"cannot compile a symbolic exponent {e}")


def compile_expr(expr: sp.Expr, eps: float = EPS_VALUE) -> Callable[[torch.Tensor, Mapping[str, Any]], torch.Tensor]:
    """Turn a sympy expression in x (and b_i, eps) into ``f(x, params) -> Tensor`` without string evaluation.

    ``params`` maps each free ``b_i`` name to a float or a tensor broadcastable against x.
    """
    free = {s.name for s in expr.free_symbols} - {"x", "eps"}

    def build(e: sp.Expr) -> Callable[[dict], Any]:
        if e.is_Symbol:
            name = e.name
            if name == "x":
                return lambda env: env["x"]
            if name == "eps":
                return lambda env: eps
            return lambda env: env[name]
        if e.is_Number:
            if e in (sp.nan, sp.zoo, sp.oo, -sp.oo):
                raise CompileError(f"expression contains the non-finite constant {e}")
            v = float(e)
            return lambda env: v
        if e is sp.pi:
            return lambda env: torch.pi
        if e is sp.E:
            return lambda env: torch.e
        if isinstance(e, sp.Add):
            parts = [build(a) for a in e.args]
            return lambda env: _reduce(lambda a, b: a + b, [p(env) for p in parts])
        if isinstance(e, sp.Mul):
            parts = [build(a) for a in e.args]
            return lambda env: _reduce(lambda a, b: a * b, [p(env) for p in parts])
        if isinstance(e, sp.Pow):
            return _pow(e.args[0], e.args[1], build(e.args[0]))
        if isinstance(e, (sp.Max, sp.Min)):
            parts = [build(a) for a in e.args]
            op = torch.maximum if isinstance(e, sp.Max) else torch.minimum

            def mm(env, parts=parts, op=op):
                vals = [p(env) for p in parts]
                ref = next((v for v in vals if isinstance(v, torch.Tensor)), env["x"])
                vals = [v if isinstance(v, torch.Tensor) else torch.full_like(ref, v) for v in vals]
                return _reduce(op, vals)
            return mm
        fn = _TORCH.get(e.func)
        if fn is None:
            raise CompileError(f"no torch mapping for sympy function {e.func.__name__!r} in {e}; "
                               f"supported: {sorted(getattr(k, '__name__', str(k)) for k in _TORCH)}")
        inner = build(e.args[0])

        def call(env, fn=fn, inner=inner):
            return fn(_tensor(inner(env), env))
        return call

    body = build(expr)

    def f(x: torch.Tensor, params: Mapping[str, Any] | None = None) -> torch.Tensor:
        env = {"x": x, **(params or {})}
        missing = free - set(env)
        if missing:
            raise CompileError(f"missing values for parameters {sorted(missing)}")
        out = body(env)
        if not isinstance(out, torch.Tensor) or out.shape != x.shape:  # constant or scalar-parameter expressions
            out = _tensor(out, env) + torch.zeros_like(x)
        return out

    f.params = sorted(free, key=lambda n: (len(n), n))  # type: ignore[attr-defined]
    return f


# -- restricted parser ------------------------------------------------------------------------------------------
def _maxf(*a):
    return sp.Max(*a)


def _minf(*a):
    return sp.Min(*a)


PARSE_FUNCTIONS: dict[str, Callable[..., sp.Expr]] = {
    "exp": sp.exp, "log": sp.log, "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "sinh": sp.sinh,
    "cosh": sp.cosh, "tanh": sp.tanh, "asinh": sp.asinh, "arcsinh": sp.asinh, "atan": sp.atan,
    "arctan": sp.atan, "erf": sp.erf, "abs": sp.Abs, "sign": sp.sign, "sinc": sp.sinc, "sqrt": sp.sqrt,
    "sigmoid": sigmoid, "softplus": softplus, "max": _maxf, "min": _minf,
    "relu": lambda z: sp.Max(z, 0), "silu": lambda z: z * sigmoid(z),
}
_CONSTANTS = {"pi": sp.pi, "e": sp.E, "eps": EPS}


MAX_LITERAL = 1e15
MAX_EXPONENT = 64


def _check_power(base: sp.Expr, exponent: sp.Expr, text: str) -> None:
    """Refuse powers sympy would expand into astronomically large exact numbers (9**9**9 never finishes)."""
    if not exponent.is_Number:
        return
    if abs(float(exponent)) > MAX_EXPONENT:
        raise ConfigError(f"exponent {exponent} in {text!r} is too large (at most {MAX_EXPONENT} in magnitude)")
    if base.is_Number and base != 0 and abs(float(exponent)) * math.log10(abs(float(base))) > 300:
        raise ConfigError(f"constant power {base}**{exponent} in {text!r} is beyond float range")


def parse_expression(text: str) -> sp.Expr:
    """Parse user text such as ``"x*sigmoid(1.5*x)"`` or ``"max(x, tanh(x)) + b0*x"`` into a sympy tree.

    Only numbers, ``x``, ``b<k>``, ``eps``, ``pi``, ``e``, the operators + - * / ** and the functions in
    ``PARSE_FUNCTIONS`` are accepted; anything else raises an error naming it. Nothing is executed.
    """
    if not isinstance(text, str) or not text.strip():
        raise ConfigError(f"expression must be a non-empty string, got {text!r}")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as e:
        raise ConfigError(f"malformed expression {text!r}: {e.msg} at column {e.offset}") from None

    def conv(node: ast.AST) -> sp.Expr:
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) \
                and not isinstance(node.value, bool):
            v = node.value
            if not abs(v) <= MAX_LITERAL:  # also catches 1e400 (inf)
                raise ConfigError(f"number {v!r} in {text!r} is out of range (|v| <= {MAX_LITERAL:g})")
            return sp.Integer(v) if isinstance(v, int) else sp.Float(v)
        if isinstance(node, ast.Name):
            n = node.id
            if n == "x":
                return X
            if n[:1] == "b" and n[1:].isdigit():
                return sp.Symbol(n, real=True)
            if n in _CONSTANTS:
                return _CONSTANTS[n]
            raise UnknownNameError("symbol", n, ["x", "b0", "b1", *sorted(_CONSTANTS)])
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            v = conv(node.operand)
            return -v if isinstance(node.op, ast.USub) else v
        if isinstance(node, ast.BinOp):
            a, b = conv(node.left), conv(node.right)
            if isinstance(node.op, ast.Pow):
                _check_power(a, b, text)
            ops = {ast.Add: lambda: a + b, ast.Sub: lambda: a - b, ast.Mult: lambda: a * b,
                   ast.Div: lambda: a / b, ast.Pow: lambda: a ** b}
            for k, f in ops.items():
                if isinstance(node.op, k):
                    return f()
            raise ConfigError(f"operator {type(node.op).__name__} is not allowed in {text!r}; use + - * / **")
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.keywords:
                raise ConfigError(f"only plain calls like tanh(x) are allowed in {text!r}")
            name = node.func.id
            if name not in PARSE_FUNCTIONS:
                raise UnknownNameError("primitive", name, PARSE_FUNCTIONS)
            args = [conv(a) for a in node.args]
            want = 2 if name in ("max", "min") else 1
            if (name in ("max", "min") and len(args) < 2) or (name not in ("max", "min") and len(args) != 1):
                raise ConfigError(f"{name}() takes {want} argument(s), got {len(args)} in {text!r}")
            return PARSE_FUNCTIONS[name](*args)
        raise ConfigError(f"unsupported syntax {type(node).__name__} in expression {text!r}")

    return conv(tree.body)
