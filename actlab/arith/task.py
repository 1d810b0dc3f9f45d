"""The static arithmetic task (Madsen & Johansen, SEDL@NeurIPS 2019; ICLR 2020 appendix).

Target ``t = a ∘ b`` with ``a = Σ_{i∈S1} x_i`` and ``b = Σ_{i∈S2} x_i`` for ∘ ∈ {+, −, ×, ÷}, or ``a²`` / ``√a``;
``x_i`` i.i.d. uniform on the interpolation range (training, validation) or the extrapolation range (test).

Index layout follows the reference code, not the appendix pseudo-code (research notes §2): the subset size is
``floor(subset_ratio · n)``, the overlap is ``floor(overlap_ratio · subset_size)`` (relative to the subset, not
to n), S1 = [0, s), S2 = [s - o, 2s - o), both shifted by one random offset drawn from ``RandomState(seed)``.
``fixed_subsets=((a0, a1), (b0, b1))`` fixes S1 = [a0, a1) and S2 = [b0, b1) instead (no offset); the named task
``"simple"`` is the paper's very simple task t = (x1+x2+x3+x4)·(x1+x2) on 4 inputs (reference ``--simple``).
"""
from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import torch

from actlab.core.errors import ParameterError, UnknownNameError

# canonical op name -> symbol; aliases are resolved by `op_name`
OPS: dict[str, str] = {"add": "+", "sub": "−", "mul": "×", "div": "÷", "square": "a²", "sqrt": "√a"}
_ALIASES = {"+": "add", "-": "sub", "−": "sub", "*": "mul", "×": "mul", "/": "div", "÷": "div",
            "squared": "square", "root": "sqrt", "a^2": "square", "plus": "add", "minus": "sub"}

# fixed seeds of the reference code's validation and test sets (research notes §2)
VALID_SEED = 43953907
TEST_SEED = 8689336

Interval = tuple[float, float]

# named task presets (ArithTask keyword arguments); "static" is the paper's default task
NAMED_TASKS: dict[str, dict] = {
    "static": {},
    # reference code's --simple: 4 inputs, S1 = x[0:4], S2 = x[0:2], no offset; ranges stay the CLI defaults
    "simple": {"input_size": 4, "fixed_subsets": ((0, 4), (0, 2))},
}


def op_name(op: str) -> str:
    """Canonical op name for ``op`` (accepts symbols and aliases); unknown ops list the valid ones."""
    if not isinstance(op, str):
        raise ParameterError(f"op must be a string, got {type(op).__name__}")
    k = op.strip().lower()
    k = _ALIASES.get(k, k)
    if k not in OPS:
        raise UnknownNameError("op", op, list(OPS))
    return k


def _intervals(name: str, value) -> tuple[Interval, ...]:
    """Parse a range argument: ``(lo, hi)`` or a sequence of such pairs (a union, sampled by a fair coin)."""
    try:
        if len(value) == 2 and all(isinstance(v, (int, float)) for v in value):
            pairs = (tuple(value),)
        else:
            pairs = tuple(tuple(v) for v in value)
        pairs = tuple((float(lo), float(hi)) for lo, hi in pairs)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be (lo, hi) or a list of (lo, hi) pairs, got {value!r}") from None
    if not pairs:
        raise ParameterError(f"{name} is empty; give (lo, hi)")
    for lo, hi in pairs:
        if not (math.isfinite(lo) and math.isfinite(hi)) or not lo < hi:
            raise ParameterError(f"{name} needs finite lo < hi, got ({lo}, {hi})")
    return pairs


@dataclass(frozen=True)
class ArithTask:
    """One configuration of the static arithmetic task; defaults are the paper's (appendix table).

    Args:
        op: one of ``add, sub, mul, div, square, sqrt`` (or ``+ - * / × ÷``).
        input_size: n, the length of x.
        subset_ratio: subset size as a fraction of n, in (0, 1].
        overlap_ratio: overlap of the two subsets as a fraction of the subset size, in [0, 1].
        interpolation_range: range of x for training and validation: ``(lo, hi)`` or a list of pairs.
        extrapolation_range: range of x for the test set.
        fixed_subsets: fixed half-open index ranges ``((a0, a1), (b0, b1))`` of S1 and S2; overrides the ratios and
            the random offset (``None``: the ratio layout).
    """

    op: str = "add"
    input_size: int = 100
    subset_ratio: float = 0.25
    overlap_ratio: float = 0.5
    interpolation_range: tuple[Interval, ...] | Interval = (1.0, 2.0)
    extrapolation_range: tuple[Interval, ...] | Interval = (2.0, 6.0)
    fixed_subsets: tuple[tuple[int, int], tuple[int, int]] | None = None
    subset_size: int = field(init=False)
    overlap_size: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "op", op_name(self.op))
        n = self.input_size
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ParameterError(f"input_size must be an integer >= 1, got {n!r}")
        object.__setattr__(self, "input_size", int(n))
        for name in ("subset_ratio", "overlap_ratio"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise ParameterError(f"{name} must be a number, got {v!r}")
            object.__setattr__(self, name, float(v))  # 0 and 0.0 are one task (and one run key)
        if not 0 < self.subset_ratio <= 1:
            raise ParameterError(f"subset_ratio must be in (0, 1], got {self.subset_ratio}")
        if not 0 <= self.overlap_ratio <= 1:
            raise ParameterError(f"overlap_ratio must be in [0, 1], got {self.overlap_ratio}")
        if self.fixed_subsets is not None:  # explicit layout: the ratios are not used
            (a0, a1), (b0, b1) = fixed = _fixed_subsets(self.fixed_subsets, n)
            object.__setattr__(self, "fixed_subsets", fixed)
            s, o = a1 - a0, max(0, min(a1, b1) - max(a0, b0))
        else:
            s = math.floor(self.subset_ratio * n)
            if s < 1:
                raise ParameterError(f"subset_ratio {self.subset_ratio} with input_size {n} gives an empty subset "
                                     f"(floor({self.subset_ratio}·{n}) = 0); use subset_ratio >= {1 / n:.4g}")
            o = math.floor(self.overlap_ratio * s)
            if 2 * s - o > n:
                raise ParameterError(f"subset_ratio {self.subset_ratio} and overlap_ratio {self.overlap_ratio} need "
                                     f"{2 * s - o} inputs but input_size is {n}")
        object.__setattr__(self, "subset_size", s)  # |S1| (and |S2| for the ratio layout)
        object.__setattr__(self, "overlap_size", o)  # |S1 ∩ S2|
        for name in ("interpolation_range", "extrapolation_range"):
            pairs = _intervals(name, getattr(self, name))
            object.__setattr__(self, name, pairs)
            if self.op == "sqrt" and min(lo for lo, _ in pairs) < 0:
                raise ParameterError(f"{name} {pairs} reaches below 0: sqrt of a negative subset sum; "
                                     f"use a non-negative range for op 'sqrt'")
            if self.op == "div" and any(lo <= 0 <= hi for lo, hi in pairs):
                raise ParameterError(f"{name} {pairs} contains 0: the divisor b can be zero; "
                                     f"use a range that excludes 0 for op 'div'")

    # ---- layout -------------------------------------------------------------------------------------------
    @classmethod
    def named(cls, name: str, op: str = "mul", **options) -> ArithTask:
        """A preset of `NAMED_TASKS` (``"static"``, ``"simple"``); ``options`` override its fields."""
        key = name.strip().lower() if isinstance(name, str) else name
        if key not in NAMED_TASKS:
            raise UnknownNameError("task", name, list(NAMED_TASKS))
        preset = NAMED_TASKS[key]
        if preset.get("fixed_subsets") is not None:
            ignored = sorted({"subset_ratio", "overlap_ratio"} & set(options))
            if ignored:  # fixed subsets define both: the ratios would change nothing but the run key
                raise ParameterError(f"task {key!r} has fixed subsets: {', '.join(ignored)} cannot apply to it")
        return cls(op, **{**preset, **options})

    @property
    def span(self) -> int:
        """Inputs covered by S1 ∪ S2 (from the first covered index to the last, for fixed subsets)."""
        if self.fixed_subsets is not None:
            (a0, a1), (b0, b1) = self.fixed_subsets
            return max(a1, b1) - min(a0, b0)
        return 2 * self.subset_size - self.overlap_size

    def offset(self, seed: int) -> int:
        """Random shift of both subsets for one experiment seed (reference: ``RandomState(seed)``); 0 for fixed
        subsets."""
        if self.fixed_subsets is not None:
            return 0
        return int(np.random.RandomState(seed % 2**32).randint(0, self.input_size - self.span + 1))

    def subsets(self, seed: int) -> tuple[range, range]:
        """Index ranges of S1 and S2 for ``seed``."""
        if self.fixed_subsets is not None:
            return tuple(range(lo, hi) for lo, hi in self.fixed_subsets)
        off, s, o = self.offset(seed), self.subset_size, self.overlap_size
        return range(off, off + s), range(off + s - o, off + 2 * s - o)

    def masks(self, seeds: Sequence[int]) -> torch.Tensor:
        """0/1 masks of shape ``(S, n, 2)`` (float64): column 0 selects S1, column 1 selects S2."""
        m = torch.zeros(len(seeds), self.input_size, 2, dtype=torch.float64)
        for i, seed in enumerate(seeds):
            s1, s2 = self.subsets(seed)
            m[i, list(s1), 0] = 1.0
            m[i, list(s2), 1] = 1.0
        return m

    # ---- data ---------------------------------------------------------------------------------------------
    def fill(self, rng: np.random.Generator, out: np.ndarray, which: str = "interpolation") -> np.ndarray:
        """Fill ``out`` (float32) with i.i.d. samples from the interpolation or extrapolation range."""
        pairs = self.interpolation_range if which == "interpolation" else self.extrapolation_range
        rng.random(out=out, dtype=np.float32)
        if len(pairs) == 1:
            lo, hi = pairs[0]
            out *= hi - lo
            out += lo
            return out
        # a union of ranges: draw one value from each, choose elementwise with a fair coin (reference code)
        pick = rng.integers(0, len(pairs), size=out.shape)
        lo = np.array([p[0] for p in pairs], dtype=np.float32)[pick]
        width = np.array([p[1] - p[0] for p in pairs], dtype=np.float32)[pick]
        out *= width
        out += lo
        return out

    def combine(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """Apply the op to the subset sums (elementwise)."""
        if self.op == "add":
            return a + b
        if self.op == "sub":
            return a - b
        if self.op == "mul":
            return a * b
        if self.op == "div":
            return a / b
        if self.op == "square":
            return a * a
        return torch.sqrt(a)

    def targets(self, x: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        """Targets in float64 (as the reference computes them), returned as float32.

        Shapes: ``x`` ``(S, B, n)`` per-seed inputs or ``(B, n)`` shared inputs; ``masks`` ``(S, n, 2)``;
        result ``(S, B)``.
        """
        if x.dim() == 2:
            ab = torch.einsum("bn,snk->sbk", x.double(), masks)
        else:  # per-seed inputs: gather only the (contiguous, same size for every seed) subset columns, in float64
            S, B, _ = x.shape
            sums = []
            for k in (0, 1):
                size = int(masks[0, :, k].sum())
                ar = torch.arange(size)
                idx = (masks[:, :, k].argmax(dim=1).unsqueeze(1) + ar).unsqueeze(1).expand(S, B, size)  # (S, B, s)
                sums.append(x.gather(2, idx).sum(-1, dtype=torch.float64))
            ab = torch.stack(sums, -1)
        return self.combine(ab[..., 0], ab[..., 1]).float()

    def eval_inputs(self, which: str, size: int = 10_000) -> torch.Tensor:
        """The fixed validation (interpolation) or test (extrapolation) inputs ``(size, n)``, shared by all seeds."""
        seed = VALID_SEED if which == "interpolation" else TEST_SEED
        out = np.empty((size, self.input_size), dtype=np.float32)
        return torch.from_numpy(self.fill(np.random.default_rng(seed), out, which))

    # ---- success threshold ----------------------------------------------------------------------------------
    def threshold(self, eps: float = 1e-5, samples: int = 200_000) -> float:
        """Extrapolation MSE of the near-perfect solution (research notes §4).

        First layer: ``1 - eps`` on the true subset entries and ``eps`` everywhere else, second layer exact; the
        MSE is estimated by Monte-Carlo in float64 on the extrapolation range (fixed seed, ``samples`` draws).
        The offset does not matter (inputs are i.i.d.), so one value serves every seed.
        """
        thr = _threshold(self, float(eps), int(samples))
        if thr < 1e-20:  # e.g. add with subsets that together cover every input: the ε terms cancel exactly
            warnings.warn(f"the success threshold of {self.op} with these subsets is {thr:.1e} (the near-perfect "
                          "solution's perturbations cancel); no float32 model can reach it, so every seed will "
                          "count as a failure; change input_size or the subset/overlap ratios", stacklevel=2)
        return thr

    def describe(self) -> dict:
        """JSON-friendly fields (for the store and for keys)."""
        return {"op": self.op, "input_size": self.input_size, "subset_ratio": self.subset_ratio,
                "overlap_ratio": self.overlap_ratio,
                "interpolation_range": [[float(v) for v in p] for p in self.interpolation_range],
                "extrapolation_range": [[float(v) for v in p] for p in self.extrapolation_range],
                # only when set, so the keys of runs stored before this option existed stay the same
                **({} if self.fixed_subsets is None else {"fixed_subsets": [list(p) for p in self.fixed_subsets]})}


def _fixed_subsets(value, n: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """Validate ``((a0, a1), (b0, b1))``: two non-empty half-open integer ranges inside [0, n)."""
    try:
        pairs = tuple((lo, hi) for lo, hi in value)
    except (TypeError, ValueError):
        raise ParameterError(f"fixed_subsets must be ((a0, a1), (b0, b1)), got {value!r}") from None
    ok = len(pairs) == 2 and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                                 for p in pairs for v in p)
    if not ok:
        raise ParameterError(f"fixed_subsets must be two (start, end) integer pairs, got {value!r}")
    pairs = tuple((int(lo), int(hi)) for lo, hi in pairs)
    for lo, hi in pairs:
        if not 0 <= lo < hi <= n:
            raise ParameterError(f"fixed_subsets range ({lo}, {hi}) must satisfy 0 <= start < end <= input_size ({n})")
    return pairs


@lru_cache(maxsize=64)
def _threshold(task: ArithTask, eps: float, samples: int) -> float:
    rng = np.random.default_rng(20200101)
    m = task.masks([0])[0].numpy()  # offset is irrelevant for i.i.d. inputs; use seed 0's layout
    if task.op in ("square", "sqrt"):
        m[:, 1] = m[:, 0]  # single-subset tasks: both hidden units would hold a
    w = np.where(m > 0, 1.0 - eps, eps)  # (n, 2)
    total, chunk = 0.0, 100_000
    done = 0
    while done < samples:
        k = min(chunk, samples - done)
        x = task.fill(rng, np.empty((k, task.input_size), dtype=np.float32), "extrapolation").astype(np.float64)
        exact = x @ m
        approx = x @ w
        t = task.combine(torch.from_numpy(exact[:, 0]), torch.from_numpy(exact[:, 1]))
        if task.op == "square":
            y = torch.from_numpy(approx[:, 0] * approx[:, 1])
        else:
            y = task.combine(torch.from_numpy(approx[:, 0]), torch.from_numpy(approx[:, 1]))
        total += float(((y - t) ** 2).sum())
        done += k
    return total / samples
