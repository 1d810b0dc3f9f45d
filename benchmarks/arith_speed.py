"""Seed-iterations/s of the arithmetic trainer at S = 100 seeds: the reference engine against the fast one.

Writes the ``arith`` block of BENCHMARKS.md: (1) where one batched step of each engine spends its time (sampling,
forward, backward, optimiser, evaluation amortised over its 1000 iterations); (2) old vs new seed-iterations/s,
measured in one process with the cases interleaved in every repeat (median and range over repeats, speed-ups
paired per repeat); (3) the fast engine over S; (4) GFLOP/s against the step's FLOP count. Task: the paper's
static × task (n = 100, hidden 2, batch 128, NAU → NMU). CPU time of this process is the figure (one torch
thread); the 2-core VM is shared with other developers, so run it nice'd and read the ranges.

    nice -n 10 .venv/bin/python benchmarks/arith_speed.py [--repeats 5] [--no-write]
"""
from __future__ import annotations

import math
import os
import platform
import statistics
import time
from pathlib import Path

import harness
import torch
from harness import write_block

from actlab.arith.task import ArithTask
from actlab.arith.trainer import BatchedTrainer, TrainConfig
from actlab.arith.units import fast_matmul

ROOT = Path(__file__).resolve().parents[1]
SECTION = "## Arithmetic units (benchmarks/arith_speed.py)"
B, N, H = 128, 100, 2
CASES = {  # label -> (model, TrainConfig options)
    "reference engine, PCG64 stream (today's trainer)": ("nmu", {"engine": "reference"}),
    "fast engine, PCG64 stream (same samples as the reference)": ("nmu", {}),
    "fast engine, xoshiro per-seed stream (fused in C)": ("nmu", {"stream": "xoshiro"}),
    "fast engine, shared inputs (xoshiro, shared_data=True)": ("nmu", {"stream": "xoshiro", "shared_data": True}),
    "NAC+ → NAC•: reference engine, PCG64": ("nac_mul", {"engine": "reference"}),
    "NAC+ → NAC•: fast engine, xoshiro (fused in C)": ("nac_mul", {"stream": "xoshiro"}),
}
OLD, NEW = "reference engine, PCG64 stream (today's trainer)", "fast engine, xoshiro per-seed stream (fused in C)"


def flops_per_seed_iteration() -> int:
    """Forward + backward + Adam of NAU(100→2) → NMU(2→1) on one batch of 128, counted by hand.

    first layer h = x Wᵀ: 2·B·n·H; its weight gradient dW = dhᵀ x: 2·B·n·H (no input gradient);
    NMU forward (x·w + 1 − w, product over 2) ≈ 4·H + 1 per sample and backward ≈ 8·H per sample; MSE ≈ 3 per sample
    forward and backward; Adam ≈ 12 per parameter (n·H + H parameters)."""
    return 2 * (2 * B * N * H) + B * (4 * H + 1 + 8 * H + 6) + 12 * (N * H + H)


def _trainer(S: int, case: tuple[str, dict], eval_size: int = 100) -> BatchedTrainer:
    unit, opts = case
    return BatchedTrainer(ArithTask("mul"), unit, list(range(S)), TrainConfig(iterations=10**9, eval_size=eval_size,
                                                                              **opts))


def rate(S: int, case: tuple[str, dict], steps: int) -> float:
    """Seed-iterations per CPU second of ``steps`` optimiser steps (sampling included, after a warm-up)."""
    tr = _trainer(S, case)
    for _ in range(10):
        tr.step()
    c0 = time.process_time()
    for _ in range(steps):
        tr.step()
    return S * steps / (time.process_time() - c0)


def split(S: int, case: tuple[str, dict], steps: int) -> dict[str, float]:
    """ms per batched step in: sampling (RNG + targets), forward, backward, optimiser (+ clamp), evaluation
    (one 10k/10k evaluation divided by the 1000 iterations between evaluations), and the whole step."""
    tr = _trainer(S, case, eval_size=10_000)
    fast = contextlib_fast(tr)
    for _ in range(10):
        tr.step()
    clock = time.process_time
    t = {"sampling": 0.0, "forward": 0.0, "backward": 0.0, "optimizer": 0.0}
    if tr._fused():  # sampling, forward and backward are one C loop per seed: one figure for the three
        for _ in range(steps):
            c0 = clock()
            tr.flat.zero_grad()
            tr._fused_mse()
            c1 = clock()
            tr.opt.step()
            tr.model.clamp_()
            t["sampling"] += c1 - c0
            t["optimizer"] += clock() - c1
        t["forward"] = t["backward"] = math.nan
    for _ in range(steps if not tr._fused() else 0):
        c0 = clock()
        x, y = tr.stream.next()
        c1 = clock()
        with fast():
            loss = ((tr.model(x) - y) ** 2).mean(1).sum()
        c2 = clock()
        if tr.flat is not None:
            tr.flat.zero_grad()
        else:
            tr.opt.zero_grad(set_to_none=False)
        with fast():
            loss.backward()
        c3 = clock()
        tr.opt.step()
        tr.model.clamp_()
        c4 = clock()
        for k, a, b in (("sampling", c0, c1), ("forward", c1, c2), ("backward", c2, c3), ("optimizer", c3, c4)):
            t[k] += b - a
    out = {k: 1e3 * v / steps for k, v in t.items()}
    c0 = clock()
    for _ in range(3):
        tr.evaluate()
    out["evaluation"] = 1e3 * (clock() - c0) / 3 / tr.config.eval_every
    c0 = clock()
    for _ in range(steps):
        tr.step()
    out["whole step"] = 1e3 * (clock() - c0) / steps
    return out


def contextlib_fast(tr: BatchedTrainer):
    import contextlib
    return fast_matmul if tr.engine == "fast" else contextlib.nullcontext


def measure(repeats: int) -> dict:
    """Rates are CPU-time figures (`rate`), so the cases are interleaved here rather than by `harness.interleaved`,
    which times wall clock."""
    res = {"rates": {k: [] for k in CASES}, "S": {}, "split": {}}
    for k in (OLD, NEW):
        res["split"][k] = split(100, CASES[k], 40 if k == OLD else 100)
    for _ in range(repeats):  # interleaved: every repeat measures every case once, in order
        for k, case in CASES.items():
            res["rates"][k].append(rate(100, case, 40 if "reference" in k else 120))
    for S in (25, 50, 100, 200, 400):
        res["S"][S] = [rate(S, CASES[NEW], max(30, 12_000 // S)) for _ in range(max(2, repeats // 2))]
    return res


def section(res: dict, repeats: int, load: tuple[float, float]) -> str:
    f = flops_per_seed_iteration()
    old = res["rates"][OLD]
    lines = [  # the section heading stays outside the block (write_block puts the block under it)
             f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {platform.machine()} "
             f"({os.cpu_count()} cores shared with other developers; 1-min load average {load[0]:.1f} before, "
             f"{load[1]:.1f} after; run at nice 10), torch {torch.__version__}, one torch thread, CPU time of the "
             f"process. Task: the paper's static × task, NAU → NMU, n = 100, hidden 2, batch 128, Adam, sampling "
             f"included. {repeats} interleaved repeats; median [range].", "",
             "Where one batched step at S = 100 spends its time (ms of CPU per step):", "",
             "| engine | sampling (RNG + targets) | forward | backward | optimiser + clamp | evaluation (amortised) "
             "| whole step |", "|---|---|---|---|---|---|---|"]
    for k, sp in res["split"].items():
        cells = [f"{sp[c]:.2f}" for c in ("sampling", "forward", "backward", "optimizer", "evaluation", "whole step")]
        if math.isnan(sp["forward"]):
            cells[:3] = [f"{sp['sampling']:.2f} (sampling, forward and backward fused: one C loop per seed)", "—", "—"]
        lines.append(f"| {k} | " + " | ".join(cells) + " |")
    lines += ["", "Seed-iterations/s at S = 100, old vs new in one run:", "",
              "| case | seed-iterations/s | × today's trainer on the same model (paired per repeat) | GFLOP/s |",
              "|---|---|---|---|"]
    for k, xs in res["rates"].items():  # each model against its own reference-engine rate
        base = res["rates"]["NAC+ → NAC•: reference engine, PCG64"] if k.startswith("NAC+") else old
        ratio = harness.ratios(xs, base)
        lines.append(f"| {k} | {harness.cell(xs, '{:.0f}')} | {harness.cell(ratio, '{:.2f}', suffix='×')} | "
                     f"{statistics.median(xs) * f / 1e9:.2f} |")
    lines += ["", "Fast engine (xoshiro per-seed stream) over the seed batch S:", "",
              "| S | seed-iterations/s | GFLOP/s |", "|---|---|---|"]
    for S, xs in res["S"].items():
        lines.append(f"| {S} | {harness.cell(xs, '{:.0f}')} | {statistics.median(xs) * f / 1e9:.2f} |")
    lines += ["", f"FLOPs per seed-iteration (counted by hand, `flops_per_seed_iteration`): {f:,} "
                  "(first layer forward and weight gradient 2·2·B·n·H = 102,400, the rest is small); the 12,800 "
                  "uniform samples per seed-iteration are not FLOPs but cost more than all of them."]
    med = {k: statistics.median(harness.ratios(xs, old)) for k, xs in res["rates"].items()}
    best = max(res["S"], key=lambda S: statistics.median(res["S"][S]))
    nac_old, nac_new = res["rates"]["NAC+ → NAC•: reference engine, PCG64"], \
        res["rates"]["NAC+ → NAC•: fast engine, xoshiro (fused in C)"]
    nac = statistics.median(harness.ratios(nac_new, nac_old))
    shared = med["fast engine, shared inputs (xoshiro, shared_data=True)"]
    lines += ["", "Reading:",
              f"- Per-seed streams (the paper's protocol), S = 100: NAU → NMU {med[NEW]:.1f}× and NAC+ → NAC• "
              f"{nac:.1f}× today's trainer on the same model (medians; ranges in the table; the issue's goal is ≥ 5×), "
              "with bit-for-bit the same samples as the fast engine's general path and the reference engine's "
              "results on that stream to float round-off (tests/arith/test_arith_fast.py). The fused C step covers "
              "every model with a linear first layer (NAU, NAC+) and an NMU, NAC• or linear output unit (the × NMU/NAC• "
              "and the +/− NAU/NAC+ rows); NALU, Linear (biases) and the MLP baselines take the general fast path "
              f"(≈ 2.5–2.8× measured for NAC+ → NAC• on that path before it was fused). Shared inputs (a protocol "
              f"change, validated in FIDELITY.md) take the general path: {shared:.1f}× for NAU → NMU. Best S for "
              f"NAU → NMU per-seed: S = {best} ({statistics.median(res['S'][best]) / statistics.median(old):.1f}× "
              "today's S = 100 rate).",
              "- What removed the time: NumPy's PCG64 draw (≈ 2.5 ns per float32 here, ≈ 3.2 ms of a 13 ms step) → "
              "a compiled xoshiro128+ sampler (≈ 0.4 ms per 1.28·10⁶ floats); the float64 gather for the targets → "
              "subset sums taken while the row is in cache; for the fused models, sampling, forward, loss and the whole "
              "backward in one C loop per seed (the 51 KB batch never leaves the cache; `actlab.arith.rng.two_layer_step`), "
              "so no 5 MB batch is written and read twice; everywhere else autograd's bmm backward for x·Wᵀ "
              "(a transposed, strided product, ≈ 2 ms) → `_SeedMatmul` (dW = gᵀx as one bmm, ≈ 0.4 ms); "
              "per-parameter Adam → one fused Adam over a flat tensor.",
              "- Tried and dropped (measured once while developing, same machine): `torch.compile` of the NMU layer + "
              "loss (46 s to compile, then 5.5–5.8 ms per step vs 4.9–5.2 eager: slower); a counter-based hash "
              "sampler under `torch.compile` (8–33 s to compile, 10–15 ms per 1.28·10⁶ floats: its int32 lanes were "
              "not vectorised); `torch.compile` of the whole step was not attempted after those two."]
    return "\n".join(lines)


def main() -> None:
    ap = harness.parser(__doc__, repeats=5)
    ap.add_argument("--no-write", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(1)
    load0 = os.getloadavg()[0]
    res = measure(a.repeats)
    body = section(res, a.repeats, (load0, os.getloadavg()[0]))
    print(body)
    if not a.no_write:
        write_block(ROOT / "BENCHMARKS.md", "arith", body, SECTION)


if __name__ == "__main__":
    main()
