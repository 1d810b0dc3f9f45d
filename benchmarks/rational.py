"""Rational (5, 4) activation: forward+backward on 4M float32 vs torch.relu, measured side by side.

Contenders, timed in one interleaved loop (each repeat runs every contender once, in turn):
  relu            torch.relu (autograd's own backward) — the reference of every ratio
  ours eager      actlab Rational, custom autograd.Function, Horner on L2-sized chunks
  ours compiled   the same Function with the Horner kernels fused by torch.compile (inductor)
  peer            rational-activations 0.2.0 ``Rational("leaky_relu")`` (version A, CPU path), only if
                  importable (optional: ``pip install --no-deps rational-activations==0.2.0 seaborn``)
Gradients are taken w.r.t. the input and both coefficient vectors. Writes the "rational" block of BENCHMARKS.md.

    python benchmarks/rational.py [--n 4194304] [--repeats 7] [--threads 1] [--no-compile] [--no-write]
"""
from __future__ import annotations

import sys
from pathlib import Path

import harness
import torch
from harness import write_block

from actlab.learnable.rational import Rational

ROOT = Path(__file__).resolve().parents[1]
SECTION = "## Learnable activations and KAN (benchmarks/kan.py, benchmarks/rational.py)"


def step(fn, x: torch.Tensor, g: torch.Tensor) -> None:
    x.grad = None
    fn(x).backward(g)


def peer():
    # this file is itself called rational.py: import the peer's package with the script's folder off the path
    here = str(Path(__file__).resolve().parent)
    saved = list(sys.path)
    sys.path[:] = [p for p in sys.path if p not in ("", here) and Path(p).resolve() != Path(here)]
    sys.modules.pop("rational", None)
    try:
        from rational.torch import Rational as PeerRational
    except Exception as e:   # not installed, or incompatible with this torch
        return None, f"rational-activations not importable ({type(e).__name__}: {e})"
    finally:
        sys.path[:] = saved
    return PeerRational("leaky_relu", cuda=False), None


def main() -> None:
    ap = harness.parser(__doc__, repeats=7)
    ap.add_argument("--n", type=int, default=4 * 1024 * 1024)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--no-compile", action="store_true")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    x = torch.randn(args.n, requires_grad=True)
    g = torch.randn(args.n)
    fns = {"relu": torch.relu, "ours eager": Rational()}
    if not args.no_compile:
        fns["ours compiled"] = Rational(backend="compiled")
    p, why = peer()
    if p is not None:
        fns["rational-activations 0.2.0"] = p
    for fn in fns.values():      # warm-up (and compilation)
        step(fn, x, g)
    times = harness.interleaved({k: (lambda fn=fn: step(fn, x, g)) for k, fn in fns.items()}, args.repeats)
    rows = [f"| {k} | {harness.cell(ts, scale=1e3)} | {harness.cell(harness.ratios(ts, times['relu']), suffix='×')} |"
            for k, ts in times.items()]
    with torch.no_grad():
        xs = torch.linspace(-3, 3, 10001)
        err = (fns["ours eager"](xs) - torch.nn.functional.leaky_relu(xs, 0.01)).abs().max().item()
        perr = (p(xs) - torch.nn.functional.leaky_relu(xs, 0.01)).abs().max().item() if p is not None else None
    lines = ["### Rational (5, 4) activation (benchmarks/rational.py)", "",
             f"{args.n:,} float32, forward+backward (grad w.r.t. x, a, b), CPU, torch {torch.__version__}, "
             f"{args.threads} thread(s), {args.repeats} interleaved repeats on the shared noisy 2-core VM. "
             "Goal: ≤ 5× relu.", "",
             "| implementation | fwd+bwd ms (median [min–max]) | × relu (median [range]) |", "|---|---|---|", *rows, "",
             f"Init fit to leaky_relu on [-3, 3], max-abs error: ours {err:.4f}"
             + (f", rational-activations {perr:.4f}" if perr is not None else "") + "."
             + (f" Peer: {why}." if why else "")]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        write_block(ROOT / "BENCHMARKS.md", "rational", text, SECTION)

if __name__ == "__main__":
    main()
