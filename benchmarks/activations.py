"""Speed and memory of every elementwise zoo entry vs torch.relu, measured side by side in one run.

For each entry: fwd and fwd+bwd time on 4M float32 (CPU) as a ratio to ``torch.relu`` timed in the same
interleaved loop, for the eager composite (the spec's torch ops) and for the compiled fused kernel
(``backend="compiled"``, inductor), plus how many tensors autograd saves for backward.
Writes the table into the "Activations" section of BENCHMARKS.md.

    python benchmarks/activations.py [--n 4194304] [--repeats 7] [--only gelu,crrelu] [--no-compile]
"""
from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

import harness
import torch
from harness import time_call, write_block

import actlab
from actlab.zoo.kernels import compiled

ROOT = Path(__file__).resolve().parents[1]


def saved_tensor_count(fn, x) -> int:
    """Distinct non-scalar tensors autograd packs for backward (the input itself counts if it is saved)."""
    seen = set()

    def pack(t):
        if t.numel() > 1:
            seen.add((t.data_ptr(), t.dtype, tuple(t.shape)))
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        fn(x)
    return len(seen)


def main() -> None:
    ap = harness.parser(__doc__, repeats=7)
    ap.add_argument("--n", type=int, default=4 * 1024 * 1024)
    ap.add_argument("--inner", type=int, default=5)
    ap.add_argument("--only", default="")
    ap.add_argument("--no-compile", action="store_true")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    torch.manual_seed(0)
    x = torch.randn(args.n)
    g = torch.randn(args.n)
    names = [n for n in actlab.names(kind="elementwise")]
    if args.only:
        names = [n for n in names if n in args.only.split(",")]

    def fwd(f):
        return lambda: f(x)

    def fwdbwd(f):
        xr = x.detach().requires_grad_(True)
        return lambda: torch.autograd.grad(f(xr), xr, g)

    rows = []
    for name in names:
        spec = actlab.get(name)
        eager = lambda t, s=spec: s.fn(t)  # noqa: E731
        variants = {"relu": torch.relu, "eager": eager}
        if not args.no_compile and compiled(spec) is not spec.fn:
            ck = compiled(spec)
            t0 = time.perf_counter()
            fwdbwd(ck)()  # compile fwd and bwd once (cached on disk by inductor)
            compile_s = time.perf_counter() - t0
            variants["compiled"] = ck
        else:
            compile_s = float("nan")
        for f in variants.values():  # warm-up
            fwd(f)()
            fwdbwd(f)()
        res = {k: {"fwd": [], "fb": []} for k in variants}
        for _ in range(args.repeats):  # interleave the variants inside each repeat
            for k, f in variants.items():
                res[k]["fwd"].append(time_call(fwd(f), args.inner))
                res[k]["fb"].append(time_call(fwdbwd(f), args.inner))
        xr = x[:4096].detach().requires_grad_(True)  # noqa: F841 (saved-tensor count on a small slice)
        row = {"name": name, "compile_s": compile_s,
               "saved_eager": saved_tensor_count(lambda t: eager(t), xr),
               "saved_compiled": saved_tensor_count(variants["compiled"], xr) if "compiled" in variants else None}
        for k in variants:
            if k == "relu":
                continue
            for part in ("fwd", "fb"):
                row[f"{k}_{part}"] = harness.summary(harness.ratios(res[k][part], res["relu"][part]))
        row["relu_fb_ms"] = statistics.median(res["relu"]["fb"]) * 1e3
        rows.append(row)
        print(name, {k: (round(v[0], 2) if isinstance(v, tuple) else v) for k, v in row.items()}, flush=True)
    if not args.no_write:
        write(rows, args)


def fmt(t) -> str:
    return "—" if t is None else f"{t[0]:.2f}× ({t[1]:.2f}–{t[2]:.2f})"


def write(rows, args) -> None:
    lines = [f"Measured {time.strftime('%Y-%m-%d')} by `python benchmarks/activations.py` on {args.n:,} float32 "
             f"elements, {torch.get_num_threads()} threads, {args.repeats} interleaved repeats × {args.inner} calls; "
             "ratios are to `torch.relu` timed in the same loop: median (min–max). `compiled` = the spec's formula "
             "through `backend=\"compiled\"` (inductor fuses fwd and bwd); `saved` = tensors autograd keeps for "
             "backward. Goal: fwd+bwd ≤ 1.5× relu.", "",
             "| entry | eager fwd | eager fwd+bwd | compiled fwd | compiled fwd+bwd | compile s | saved eager / compiled |",
             "|---|---|---|---|---|---|---|"]
    miss = []
    for r in rows:
        best = min(r["eager_fb"][0], r.get("compiled_fb", (float("inf"),))[0])
        if best > 1.5:
            miss.append(r["name"])
        compile_s = "—" if r["compile_s"] != r["compile_s"] else f"{r['compile_s']:.1f}"  # nan: not compiled
        lines.append(f"| {r['name']} | {fmt(r.get('eager_fwd'))} | {fmt(r.get('eager_fb'))} | "
                     f"{fmt(r.get('compiled_fwd'))} | {fmt(r.get('compiled_fb'))} | {compile_s} | "
                     f"{r['saved_eager']} / {r['saved_compiled'] if r['saved_compiled'] is not None else '—'} |")
    spec = {n: actlab.get(n) for n in miss}
    native = [n for n in miss if spec[n].native is not None or not hasattr(spec[n].fn, "__code__")]
    surrogate = [n for n in miss if n not in native and spec[n].grad == "surrogate"]
    composite = [n for n in miss if n not in native and n not in surrogate]
    relu_ms = statistics.median(r["relu_fb_ms"] for r in rows)
    lines += ["", f"torch.relu fwd+bwd: {relu_ms:.2f} ms (median across the run).", "",
              f"Entries above 1.5× relu fwd+bwd on their best path: {len(composite)} of our composites "
              f"({', '.join(composite)}); {len(surrogate)} custom-backward entries ({', '.join(surrogate)}); and "
              f"{len(native)} torch natives or single torch ops, which the goal takes as they are "
              f"({', '.join(native)}).", "",
              "Why they miss: (1) entries that are one torch native (gelu_tanh, mish, softplus, tanh, selu, ...) "
              "run torch's own kernel, which costs more arithmetic per element than relu's max(0, x) — the goal "
              "cannot be met without replacing torch's kernel, and inductor's re-generated version was not faster, "
              "so `compiled` leaves natives alone (no compiled column); (2) custom autograd.Functions (helu, biper, "
              "regelu2, resilu2) are not fused by inductor: they pay one extra elementwise pass for the saved "
              "mask/code, the price of their memory saving (regelu2/resilu2 keep 1 byte per element instead of 4); "
              "(3) composites that need transcendental functions (exp, erf, sin, atan, log) in forward and backward "
              "(crrelu, snake, laplace, swish_beta, the expanded gates, gcu, sine) are compute-bound at about "
              "1.5–2.5× even when fused into one loop, and nested ones (serf, logish, pangu_siaf) more; relu is a "
              "pure memory-bandwidth op, so this gap is arithmetic, not saved tensors (compiled saves one). "
              "Compile cost is paid once per machine (inductor's on-disk cache, under the actlab cache dir)."]
    write_block(ROOT / "BENCHMARKS.md", "activations", "\n".join(lines), "## Activations (benchmarks/activations.py)")
    print("wrote BENCHMARKS.md")

if __name__ == "__main__":
    os.environ.setdefault("TORCHINDUCTOR_CACHE_DIR", str(Path.home() / ".cache" / "actlab" / "inductor"))
    main()
