"""Speed of the analysis toolkit (and, with --fidelity, the information-plane figures of FIDELITY.md).

Speed cases, interleaved over repeats (median and range):
  * KSG on 10k samples: 1-D vs scikit-learn's `mutual_info_regression` (the same estimator, k = 3), 5+5 dims
    and 10+10 dims;
  * the MI of one sampled epoch of the information plane (6 layers × [I(X;T), I(T;Y)] on all 4096 patterns)
    with binning, adaptive binning and the KDE upper bound;
  * one training epoch of the IB net, 5 repeats batched (one stacked model) vs 5 separate runs.

    .venv/bin/python benchmarks/analysis.py [--repeats 5] [--write] [--fidelity]
"""
from __future__ import annotations

import os
import statistics
from pathlib import Path

import harness
import numpy as np
import torch
from harness import write_block

from actlab.analysis.infoplane import InfoPlaneConfig, plane_of, run_infoplane, sample_epochs, train_and_record
from actlab.analysis.mi import mutual_information
from actlab.tasks.ib12 import make_ib12

ROOT = Path(__file__).resolve().parents[1]


def cases() -> dict[str, callable]:
    rng = np.random.default_rng(0)
    n = 10_000

    def gauss(d):
        x = rng.standard_normal((n, d))
        return x, 0.6 * x + 0.8 * rng.standard_normal((n, d))

    x1, y1 = gauss(1)
    x5, y5 = gauss(5)
    x10, y10 = gauss(10)
    from sklearn.feature_selection import mutual_info_regression

    snaps, _, _ = train_and_record("tanh", np.array([30]), seeds=[0])
    labels = make_ib12().y
    return {
        "KSG 10k, 1+1 dims (ours)": lambda: mutual_information(x1, y1, "ksg"),
        "KSG 10k, 1+1 dims (sklearn)": lambda: mutual_info_regression(x1, y1.ravel(), n_neighbors=3,
                                                                       random_state=0),
        "KSG 10k, 5+5 dims": lambda: mutual_information(x5, y5, "ksg"),
        "KSG 10k, 10+10 dims": lambda: mutual_information(x10, y10, "ksg"),
        "info plane, 1 epoch, binning": lambda: plane_of(snaps[0], labels, "binning"),
        "info plane, 1 epoch, adaptive": lambda: plane_of(snaps[0], labels, "adaptive"),
        "info plane, 1 epoch, kde_upper": lambda: plane_of(snaps[0], labels, "kde_upper"),
        "IB net, 10 epochs × 5 repeats, batched": lambda: train_and_record("tanh", np.array([9]), seeds=range(5)),
        "IB net, 10 epochs × 5 repeats, one by one": lambda: [train_and_record("tanh", np.array([9]), seeds=[s])
                                                              for s in range(5)],
    }


def run_speed(repeats: int) -> tuple[dict[str, list[float]], float, float]:
    cs = cases()
    load0 = os.getloadavg()[0]
    times = harness.interleaved(cs, repeats)
    return times, load0, os.getloadavg()[0]


def speed_section(times: dict[str, list[float]], load: tuple[float, float], repeats: int) -> str:
    lines = [f"Machine: shared 2-core VM, torch {torch.__version__}; load average {load[0]:.1f} → {load[1]:.1f} "
             f"during the run (other sessions were training at the same time, so absolute times are inflated and "
             f"noisy). {repeats} interleaved repeats, median [range].", "",
             "| case | time |", "|---|---|"]
    lines += [f"| {k} | {harness.cell(v, '{:.3g}', suffix=' s')} |" for k, v in times.items()]
    r1 = harness.ratios(times["KSG 10k, 1+1 dims (ours)"], times["KSG 10k, 1+1 dims (sklearn)"])
    r2 = harness.ratios(times["IB net, 10 epochs × 5 repeats, one by one"],
                        times["IB net, 10 epochs × 5 repeats, batched"])
    per_epoch = statistics.median(times["IB net, 10 epochs × 5 repeats, batched"]) / 10
    mi_epoch = statistics.median(times["info plane, 1 epoch, binning"]) * 5
    lines += ["", f"- KSG ours / sklearn (1-D, same k): {harness.cell(r1, '{:.2f}', suffix='×')}.",
              f"- Batched repeats speed-up: {harness.cell(r2, '{:.2f}', suffix='×')}.",
              f"- Projected `actlab infoplane --repeats 5` (2000 epochs, 80 sampled, binning) at these speeds: "
              f"{(2000 * per_epoch + 80 * mi_epoch) / 60:.1f} min."]
    return "\n".join(lines)


def fidelity_section(epochs: int, repeats: int, runs: Path) -> str:
    from actlab.report.analysis_figures import plot_infoplane, plot_ixt_curves

    figdir = ROOT / "docs" / "fidelity"
    res = {act: run_infoplane(InfoPlaneConfig(act=act, epochs=epochs, n_sampled=80, repeats=repeats), runs)
           for act in ("tanh", "relu")}
    for act, r in res.items():
        plot_infoplane(r, figdir / f"infoplane_{act}.png")
    plot_ixt_curves(res, figdir / "infoplane_ixt_curves.png")
    rows = []
    for act, r in res.items():
        c = r.compression()
        peak, last = r.ixt.mean(0).max(0), r.ixt.mean(0)[-1]
        rows.append(f"| {act} | {r.train_acc[:, -1].mean():.3f} / {r.test_acc[:, -1].mean():.3f} | "
                    + " | ".join(f"{p:.2f} → {q:.2f} ({x:.2f})" for p, q, x in zip(peak, last, c)) + " |")
    t, rl = res["tanh"].compression()[4], res["relu"].compression()[4]
    return "\n".join([
        f"Setup: our regenerated 12-bit task (same label statistics as `var_u`), 12-10-7-5-4-3-2 net, Adam lr 4e-4, "
        f"batch 256, 80 % train, {epochs} epochs, {repeats} repeats; MI on all 4096 patterns at 80 log-spaced "
        "epochs with Saxe et al.'s binning (bin size 0.07, unbounded grid). Cells: peak → final I(X;T) in bits "
        "(compression = mean over repeats of peak − final). Layers 1–5 hidden (10, 7, 5, 4, 3), 6 = softmax.", "",
        "| act | train / test acc | L1 | L2 | L3 | L4 | L5 | L6 |", "|---|---|---|---|---|---|---|---|", *rows, "",
        f"**Claim (Saxe et al. 2018): with binning, tanh compresses and ReLU does not — reproduced for the hidden "
        f"layers.** The last hidden layer loses {t:.2f} bits after its peak with tanh and {rl:.2f} with ReLU; "
        "the first hidden layers of both keep ≈ 12 bits. The softmax output compresses under both activations "
        "(it saturates like tanh), so the claim is about the hidden nonlinearity. Shwartz-Ziv & Tishby's "
        "timeline (most epochs spent compressing) needs their 10⁴-epoch budget; we ran fewer epochs. The labels are "
        "regenerated from the task's definition, not the original file, so numbers are comparable in kind only. "
        f"Wall time (5 repeats batched, shared 2-core VM under heavy load): tanh {res['tanh'].wall_time / 60:.0f} "
        f"min, relu {res['relu'].wall_time / 60:.0f} min. Reproduce: `python benchmarks/analysis.py --no-speed "
        "--fidelity --write` (or `actlab infoplane --act tanh --epochs 3000 --repeats 5`).", "",
        "![tanh](docs/fidelity/infoplane_tanh.png) ![relu](docs/fidelity/infoplane_relu.png)", "",
        "![I(X;T) per layer](docs/fidelity/infoplane_ixt_curves.png)"])


def write_section(path: Path, heading: str, body: str) -> None:
    write_block(path, "analysis", body, heading)


def main() -> None:
    ap = harness.parser(__doc__, repeats=5)
    ap.add_argument("--write", action="store_true", help="write into BENCHMARKS.md / FIDELITY.md")
    ap.add_argument("--fidelity", action="store_true", help="also the information-plane fidelity run (minutes)")
    ap.add_argument("--no-speed", action="store_true")
    ap.add_argument("--epochs", type=int, default=3000)
    ap.add_argument("--runs", type=Path, default=Path("runs"))
    a = ap.parse_args()
    if not a.no_speed:
        times, l0, l1 = run_speed(a.repeats)
        sec = speed_section(times, (l0, l1), a.repeats)
        print(sec)
        if a.write:
            write_section(ROOT / "BENCHMARKS.md", "## Analysis (benchmarks/analysis.py)", sec)
    if a.fidelity:
        sec = fidelity_section(a.epochs, 5, a.runs)
        print(sec)
        if a.write:
            write_section(ROOT / "FIDELITY.md", "## Information plane (Shwartz-Ziv & Tishby 2017; Saxe et al. 2018)",
                          sec)


if __name__ == "__main__":
    main()
