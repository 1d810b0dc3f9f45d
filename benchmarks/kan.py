"""KAN speed and toy-fit fidelity.

Speed: KAN [64, 64], batch 1024, forward+backward on CPU, every basis vs nn.Linear(64, 64)+SiLU and vs
pykan 0.2.8 in ``.speed()`` mode (optional peer: ``pip install -e .[peers]``). Interleaved repeats; medians
with their range. Fidelity (``--fidelity``): the hellokan protocol on f(x, y) = exp(sin(πx) + y²) for our
bspline KAN and pykan on the same data. Results go to the KAN parts of BENCHMARKS.md / FIDELITY.md
(``--write``), between markers, so other areas' text is untouched.

    .venv/bin/python benchmarks/kan.py [--repeats 7] [--write] [--fidelity]
"""
from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import harness
import torch
from harness import write_block
from torch import nn

from actlab.kan import KAN, basis_names, create_dataset, fit, toy_function
from actlab.kan.fit import rmse

ROOT = Path(__file__).resolve().parents[1]
# this file is called kan.py: keep its folder off sys.path so `import kan` finds pykan, not us
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]


def step_fn(model: nn.Module, x: torch.Tensor):
    def step():
        model.zero_grad(set_to_none=True)
        model(x).sum().backward()
    return step


def pykan_model(width, grid):
    try:
        from kan import KAN as PyKAN
    except ImportError:
        return None
    with contextlib.redirect_stdout(io.StringIO()):
        m = PyKAN(width=width, grid=grid, k=3, seed=0, auto_save=False, device="cpu")
        m.speed()
    return m


class MatmulFloor(nn.Module):
    """The spline layer's unavoidable work: one (B, in·K) × (in·K, out) matmul and its weight gradient, on a
    fixed design matrix (no basis evaluation, no base branch)."""

    def __init__(self, batch: int, width: int, out: int):
        super().__init__()
        self.register_buffer("design", torch.rand(batch, width))
        self.linear = nn.Linear(width, out, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(self.design)


def contenders(x: torch.Tensor) -> dict[str, nn.Module]:
    """The MLP, every basis at its defaults (bspline/matrix G=5, k=3 as pykan), the bspline's other backends,
    the bspline after a grid update (quantile knots: the de Boor path), and pykan when installed."""
    out: dict[str, nn.Module] = {"mlp": nn.Sequential(nn.Linear(64, 64), nn.SiLU())}
    for b in basis_names():
        opts = {"grid": 5} if b in ("bspline", "matrix") else {}
        out[b] = KAN([64, 64], basis=b, **opts)
    out["bspline, eager recursion"] = KAN([64, 64], basis="bspline", grid=5, backend="eager")
    out["bspline, compiled"] = KAN([64, 64], basis="bspline", grid=5, backend="compiled")
    updated = KAN([64, 64], basis="bspline", grid=5)
    updated.layers[0].update_grid(torch.tanh(x))  # knots at the quantiles of the data: non-uniform
    out["bspline, after grid update"] = updated
    out["matmul floor (in·K = 512)"] = MatmulFloor(x.shape[0], 64 * 8, 64)
    pk = pykan_model([64, 64], 5)
    if pk is not None:
        out["pykan"] = pk
    return out


def speed(repeats: int, iters: int, pykan_iters: int = 3) -> tuple[list[tuple[str, float, float, float]], dict]:
    torch.manual_seed(0)
    x = torch.randn(1024, 64)
    steps = {n: step_fn(m, x) for n, m in contenders(x).items()}
    for s in steps.values():  # warm-up (also compiles the compiled backend)
        s()
        s()
    inner = {n: pykan_iters if n == "pykan" else iters for n in steps}
    times = {n: [t * 1e3 for t in ts] for n, ts in harness.interleaved(steps, repeats, inner).items()}  # ms
    rows = [(n, *harness.summary(t)) for n, t in times.items()]
    return rows, times


def ratios(times: dict, num: str, den: str) -> list[float]:
    return harness.ratios(times[num], times[den])


def speed_table(rows, times) -> str:
    pk = times.get("pykan")
    out = ["| model | fwd+bwd ms (median [min–max]) | × MLP (median [range]) | pykan ÷ this (median [range]) |",
           "|---|---|---|---|"]
    for n, m, lo, hi in rows:
        r = ratios(times, n, "mlp")
        cell_pk = "–"
        if pk is not None:
            s = ratios(times, "pykan", n)
            cell_pk = f"{statistics.median(s):.0f}× [{min(s):.0f}–{max(s):.0f}]"
        out.append(f"| {n} | {m:.2f} [{lo:.2f}–{hi:.2f}] | {statistics.median(r):.1f}× [{min(r):.1f}–{max(r):.1f}] "
                   f"| {cell_pk} |")
    return "\n".join(out)


def reading(times: dict) -> str:
    """The goals (≥30× faster than pykan; efficient bases ≤3× the MLP) checked on this run's medians."""
    names = [n for n in times if n not in ("mlp", "pykan") and not n.startswith("matmul floor")]
    vs_mlp = {n: statistics.median(ratios(times, n, "mlp")) for n in names}
    lines = ["", "", "Reading (computed from this run's medians):"]
    cheap = sorted((n for n in names if vs_mlp[n] <= 3.0), key=vs_mlp.get)
    lines.append("- ≤3× the MLP: " + (", ".join(f"{n} {vs_mlp[n]:.1f}×" for n in cheap) or "none") + ".")
    if "pykan" in times:
        vs_pk = {n: statistics.median(ratios(times, "pykan", n)) for n in names}
        met = sorted((n for n in names if vs_pk[n] >= 30), key=vs_pk.get, reverse=True)
        missed = sorted((n for n in names if vs_pk[n] < 30), key=vs_pk.get, reverse=True)
        lines.append("- ≥30× faster than pykan: " + (", ".join(f"{n} {vs_pk[n]:.0f}×" for n in met) or "none")
                     + "; below 30×: " + (", ".join(f"{n} {vs_pk[n]:.0f}×" for n in missed) or "none") + ".")
    else:
        lines.append("- pykan not installed (`pip install -e .[peers]`): no pykan ratio.")
    floor = next((n for n in times if n.startswith("matmul floor")), None)
    if floor and "pykan" in times:
        f_pk = statistics.median(ratios(times, "pykan", floor))
        f_mlp = statistics.median(ratios(times, floor, "mlp"))
        gflops = 2 * (2 * 1024 * 512 * 64) / (statistics.median(times[floor]) * 1e-3) / 1e9
        lines.append(f"- The matmul floor alone (a fixed (1024, 512) design × (512, 64) weight, forward + weight "
                     f"gradient, nothing else) is {f_mlp:.1f}× the MLP and only {f_pk:.0f}× faster than pykan, "
                     f"at {gflops:.0f} GFLOP/s counting autograd's overhead (one core of this CPU does at most "
                     f"~32 float32 FLOP/cycle with AVX2 FMA): any K=8 spline layer built on the dense design matmul "
                     f"is bounded by that, before it evaluates a single basis function.")
    lines.append("- Floor: a G=5, k=3 spline has K=8 features per input, so its one (B, in·K)×(in·K, out) matmul "
                 "(and the weight-gradient matmul) costs 8× the MLP's FLOPs before any basis work. The default "
                 "bspline backend builds the basis-major design matrix directly (cardinal truncated-power form on "
                 "uniform knots, basis-major Cox–de Boor after a grid update) with a closed-form backward; "
                 "`backend=\"compiled\"` fuses the uniform basis into one loop; `backend=\"eager\"` is the "
                 "autograd Cox–de Boor recursion (any derivative order); `matrix` is the MatrixKAN algorithm (powers "
                 "of the local coordinate × Ψ_k, added at the interval's basis indices). Chebyshev/Legendre (tanh as 2σ(2x)−1) and Fourier (cos/sin by recurrence) fill "
                 "their design in place when no input gradient is needed; RBF has a closed-form backward. pykan in "
                 ".speed() mode still builds (B, out, in) tensors per layer.")
    return "\n".join(lines)


def fidelity() -> str:
    """hellokan: [2,5,1], G=3, 50 LBFGS steps lamb=1e-3 -> refine(10) -> 50 steps (float64, same data)."""
    ds = create_dataset(toy_function, 2, seed=0)
    rows = []
    model = KAN([2, 5, 1], grid=3, k=3, seed=42).double()
    t0 = time.perf_counter()
    r1 = fit(model, ds, steps=50, lamb=1e-3)
    model.refine(10, ds["train_input"])
    r2 = fit(model, ds, steps=50)
    rows.append(("actlab", r1.test_loss[-1], r2.test_loss[-1], time.perf_counter() - t0))
    model = KAN([2, 5, 1], grid=3, k=3, seed=42).double()
    t0 = time.perf_counter()
    r1 = fit(model, ds, steps=50, lamb=0.0)
    model.refine(10, ds["train_input"])
    r2 = fit(model, ds, steps=50)
    rows.append(("actlab, lamb=0", r1.test_loss[-1], r2.test_loss[-1], time.perf_counter() - t0))
    try:
        from kan import KAN as PyKAN
    except ImportError:
        PyKAN = None
    if PyKAN is not None:
        torch.set_default_dtype(torch.float64)
        try:
            with tempfile.TemporaryDirectory() as d, contextlib.redirect_stdout(io.StringIO()):
                cwd = os.getcwd()
                os.chdir(d)
                try:
                    t0 = time.perf_counter()
                    pm = PyKAN(width=[2, 5, 1], grid=3, k=3, seed=42, auto_save=False, device="cpu")
                    pm.fit(ds, opt="LBFGS", steps=50, lamb=1e-3)
                    a = rmse(pm, ds["test_input"], ds["test_label"])
                    pm = pm.refine(10)
                    pm.auto_save = False  # refine() returns a model with auto_save on (writes ./model/)
                    pm.fit(ds, opt="LBFGS", steps=50)
                    b = rmse(pm, ds["test_input"], ds["test_label"])
                    rows.append(("pykan 0.2.8", a, b, time.perf_counter() - t0))
                finally:
                    os.chdir(cwd)
        finally:
            torch.set_default_dtype(torch.float32)
    out = ["KAN [2,5,1] on f(x,y) = exp(sin(πx)+y²), 1000 train / 1000 test points U[-1,1]², float64, LBFGS, "
           "same data for both; hellokan protocol: G=3, 50 steps (lamb=1e-3), refine(10), 50 steps.",
           "",
           "| implementation | test RMSE G=3 | test RMSE after refine G=10 | wall s (this run) |",
           "|---|---|---|---|",
           "| pykan hellokan notebook (published) | 1.77e-2 | 4.73e-4 | – |"]
    out += [f"| {n} | {a:.2e} | {b:.2e} | {t:.0f} |" for n, a, b, t in rows]
    out += ["", "Notes: ours is deterministic for a seed; pykan's refined result is not stable across runs of this "
            "script on the same data (two runs gave 4.4e-4 and 1.25e-2 after refinement; the G=3 stage agreed "
            "within 5%). Our B-spline layer, grid update and regulariser equal pykan's to 1e-12/1e-10 with "
            "copied parameters (tests/kan/test_vs_pykan.py); training differs by our dead-node knot-span guard "
            "(bspline.adaptive_grid) and pykan's own LBFGS variant. Wall times: both 1 torch thread on the "
            "shared 2-core VM, measured in the same run (compare them within a run only)."]
    return "\n".join(out)


def write_section(path: Path, heading: str, body: str) -> None:
    write_block(path, "kan", body, heading)


def main() -> None:
    ap = harness.parser(__doc__, repeats=7)
    ap.add_argument("--iters", type=int, default=5)
    ap.add_argument("--pykan-iters", type=int, default=3, help="pykan steps per repeat (each ~0.1 s)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--write", action="store_true", help="write the figures into BENCHMARKS.md / FIDELITY.md")
    ap.add_argument("--fidelity", action="store_true", help="also run the hellokan toy fit (minutes)")
    ap.add_argument("--no-speed", action="store_true", help="skip the speed benchmark")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    if not a.no_speed:
        run_speed(a)
    if a.fidelity:
        fid = fidelity()
        print(fid)
        if a.write:
            write_section(ROOT / "FIDELITY.md", "## KAN toy fits (Liu et al. 2024)", fid)


def run_speed(a: argparse.Namespace) -> None:
    rows, times = speed(a.repeats, a.iters, a.pykan_iters)
    env = (f"CPU, torch {torch.__version__}, {a.threads} thread(s), {a.repeats} interleaved repeats "
           f"({a.iters} steps each; pykan {a.pykan_iters}), shared noisy 2-core VM.")
    body = ("### KAN layers (benchmarks/kan.py)\n\nKAN [64, 64], batch 1024, float32 forward+backward; "
            "bspline/matrix G=5 k=3 (pykan same), other bases at their defaults. " + env + "\n\n"
            + speed_table(rows, times) + reading(times))
    print(body)
    if a.write:
        write_section(ROOT / "BENCHMARKS.md", "## Learnable activations and KAN (benchmarks/kan.py, "
                      "benchmarks/rational.py)", body)


if __name__ == "__main__":
    sys.exit(main())
