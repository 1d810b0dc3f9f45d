"""Why × NMU stalls on the main task at small budgets: the symmetric (a+b) plateau, and whether λ̂ breaks it.

Bounded diagnostic (a few CPU-minutes), written into the ``arith_nmu_plateau`` block of FIDELITY.md:

1. train NAU → NMU on the paper's × task (n = 100, hidden 2) for ``--plateau`` iterations with no regulariser;
2. record, per seed, how far each hidden unit is from the symmetric solution (mean weight on S1-only inputs minus
   mean weight on S2-only inputs; 0 = both units are functions of a + b) and the constant offset the irrelevant
   inputs give each unit (inputs are always positive, so Σ_rest w_k x_k acts like a bias: 1.5 · Σ_rest w_k);
3. the MSE along the straight symmetry-breaking direction (unit 1: S1-only +t, S2-only −t; unit 2 the opposite)
   from the trained plateau and from the offset-free symmetric point (overlap 1, others 0.5, rest 0, NMU 1);
4. continue from the same state (weights and Adam moments) for ``--continue`` iterations twice: with λ̂ = 0 and
   with the NMU model's λ̂ = 10 at full strength at once (no ramp), and compare success and symmetry;
5. continue once more with λ̂ = 0 after setting the irrelevant inputs' weights to 0 (offsets removed by hand),
   for at most 20,000 iterations: does the plateau then break by itself?

    .venv/bin/python benchmarks/arith_nmu_plateau.py [--seeds 4] [--plateau 20000] [--continue 60000] [--no-write]
    .venv/bin/python benchmarks/arith_nmu_plateau.py --report   # write the block from the saved results
"""
from __future__ import annotations

import time
from pathlib import Path

import torch

from actlab.arith.task import ArithTask
from actlab.arith.trainer import BatchedTrainer, TrainConfig
import harness
from harness import write_block

ROOT = Path(__file__).resolve().parents[1]
SECTION = "## Arithmetic: the × NMU plateau (diagnostic)"
OFF = (0.0, 0.0, 1.0)  # λ̂ = 0: no regulariser
FULL = (10.0, 0.0, 1.0)  # the NMU model's λ̂ = 10, full strength from the first step


def _groups(task: ArithTask, seed: int) -> dict[str, list[int]]:
    s1, s2 = (set(r) for r in task.subsets(seed))
    return {"ov": sorted(s1 & s2), "a": sorted(s1 - s2), "b": sorted(s2 - s1),
            "rest": sorted(set(range(task.input_size)) - s1 - s2)}


def shape(tr: BatchedTrainer) -> list[dict]:
    """Per seed: symmetry gap per hidden unit, the offset each unit gets from the irrelevant inputs, NMU weights."""
    W1, W2 = tr.model.layer1.weight.detach(), tr.model.layer2.weight.detach()
    out = []
    for i, seed in enumerate(tr.seeds):
        g = _groups(tr.task, seed)
        gap = [float((W1[i, u, g["a"]].mean() - W1[i, u, g["b"]].mean()).abs()) for u in range(2)]
        offset = [1.5 * float(W1[i, u, g["rest"]].sum()) for u in range(2)]  # E[x] = 1.5 on U[1,2]
        out.append({"seed": seed, "gap": gap, "offset": offset, "nmu": W2[i, 0].tolist()})
    return out


@torch.no_grad()
def line_profile(tr: BatchedTrainer, ts=(0.0, 0.1, 0.2, 0.3, 0.45)) -> list[dict]:
    """Validation MSE along the symmetry-breaking direction, from the trained weights and from the offset-free
    symmetric point; the model's weights are restored afterwards."""
    l1, l2 = tr.model.layer1.weight, tr.model.layer2.weight
    W1, W2 = l1.detach().clone(), l2.detach().clone()
    x, y = tr._val_x, tr._val_y
    out = []
    for i, seed in enumerate(tr.seeds):
        g = _groups(tr.task, seed)
        sign = 1.0 if float(W1[i, :, g["ov"]].mean()) >= 0 else -1.0  # the plateau may be -(a+b)/2 in both units
        d = torch.zeros_like(W1[i])
        d[0, g["a"]], d[0, g["b"]], d[1, g["a"]], d[1, g["b"]] = 1.0, -1.0, -1.0, 1.0
        ideal = torch.zeros_like(W1[i])
        ideal[:, g["ov"]], ideal[:, g["a"]], ideal[:, g["b"]] = 1.0, 0.5, 0.5
        row = {"seed": seed}
        for name, base, w2 in (("trained", W1[i], W2[i]), ("ideal", sign * ideal, torch.ones_like(W2[i]))):
            mses = []
            for t in ts:
                l1[i] = base + sign * t * d
                l2[i] = w2
                mses.append(float(((tr.model(x)[i].double() - y[i].double()) ** 2).mean()))
            row[name] = dict(zip(ts, mses))
        l1.copy_(W1)
        l2.copy_(W2)
        out.append(row)
    return out


def continue_from(task: ArithTask, seeds: list[int], state: bytes, reg, total: int, every: int = 10_000,
                  zero_rest: bool = False):
    """Resume the plateau state under regulariser ``reg`` up to ``total`` iterations; trajectory + results.
    ``zero_rest`` first sets the weights of the irrelevant inputs to 0 (removes the units' offsets)."""
    tr = BatchedTrainer(task, "nmu", seeds, TrainConfig(iterations=total, regularizer=reg))
    tr.load_bytes(state)
    if zero_rest:
        with torch.no_grad():
            for i, seed in enumerate(seeds):
                tr.model.layer1.weight[i][:, _groups(task, seed)["rest"]] = 0.0
    traj = []
    while tr.iteration < total:
        tr.step()
        if tr.iteration % 1000 == 0:
            ev = tr.evaluate()
            if tr.iteration % every == 0 or tr.iteration == total:
                traj.append({"it": tr.iteration, "val": ev["val"].tolist(), "shape": shape(tr)})
    return tr.results(), traj


def experiment(n_seeds: int, plateau: int, cont: int) -> dict:
    torch.set_num_threads(1)
    task, seeds = ArithTask("mul"), list(range(n_seeds))
    t0 = time.process_time()
    tr = BatchedTrainer(task, "nmu", seeds, TrainConfig(iterations=plateau, regularizer=OFF))
    tr.train()
    state = tr.state_bytes()
    res = {"seeds": seeds, "plateau_its": plateau, "cont_its": cont, "plateau_val": tr.track.best_val.tolist(),
           "plateau_shape": shape(tr), "profile": line_profile(tr), "threshold": tr.threshold}
    for name, reg, zero in (("off", OFF, False), ("full", FULL, False), ("zeroed", OFF, True)):
        total = plateau + (cont if name != "zeroed" else min(cont, 20_000))
        results, traj = continue_from(task, seeds, state, reg, total, zero_rest=zero)
        res[name] = {"results": [vars(r) for r in results], "traj": traj, "its": total - plateau}
    res["cpu_s"] = time.process_time() - t0
    return res


def _f(v: float) -> str:
    return f"{v:.3g}"


def section(r: dict) -> str:
    n, P, C = len(r["seeds"]), r["plateau_its"], r["cont_its"]
    lines = [SECTION, "",
             f"Bounded diagnostic (`benchmarks/arith_nmu_plateau.py`, {r['cpu_s'] / 60:.1f} CPU-min): NAU → NMU on the "
             f"paper's × task (n = 100, subsets 25/25 with 12 overlapping, hidden 2, U[1,2] → U[2,6]), seeds "
             f"0–{n - 1}, {P:,} iterations without regulariser, then {C:,} more from the same weights and Adam "
             f"state with λ̂ = 0, with λ̂ = 10 at full strength at once, and with λ̂ = 0 after zeroing the weights of "
             f"the irrelevant inputs. Success threshold {_f(r['threshold'])}.",
             "", "**At the plateau** (symmetry gap = |mean W on S1-only inputs − mean W on S2-only inputs| per hidden "
                 "unit, 0 = the unit sees only a + b; offset = 1.5·Σ W over the irrelevant inputs (62 here), which "
                 "acts as a bias because every input is positive; val = best validation MSE):", "",
             "| seed | val MSE | gap unit 1 / 2 | offset unit 1 / 2 | NMU weights |", "|---|---|---|---|---|"]
    for s, v in zip(r["plateau_shape"], r["plateau_val"]):
        lines.append(f"| {s['seed']} | {_f(v)} | {s['gap'][0]:.2f} / {s['gap'][1]:.2f} | "
                     f"{s['offset'][0]:+.1f} / {s['offset'][1]:+.1f} | {s['nmu'][0]:.2f}, {s['nmu'][1]:.2f} |")
    ts = list(r["profile"][0]["trained"])
    lines += ["", "**Validation MSE along the symmetry-breaking line** W + t·D (D: unit 1 +1 on S1-only, −1 on "
                  "S2-only inputs, unit 2 the opposite; t = 0.5 from the offset-free point is the exact solution):", "",
              "| seed | from | " + " | ".join(f"t = {t:g}" for t in ts) + " |", "|---|---|" + "---|" * len(ts)]
    for p in r["profile"]:
        for name, label in (("trained", "trained plateau"), ("ideal", "offset-free symmetric point")):
            lines.append(f"| {p['seed']} | {label} | " + " | ".join(_f(p[name][t]) for t in ts) + " |")
    lines += ["", "**Continuing from the plateau**:", "",
              "| arm | solved | best val MSE per seed | test MSE per seed | symmetry gap at the end (max of units) | "
              "offsets at the end |", "|---|---|---|---|---|---|"]
    arms = (("off", "λ̂ = 0"), ("full", "λ̂ = 10 at once"), ("zeroed", "λ̂ = 0, irrelevant-input weights set to 0"))
    for name, label in arms:
        if name not in r:
            continue
        arm = r[name]
        label += f" ({arm.get('its', C):,} its)"
        end = arm["traj"][-1]["shape"]
        lines.append(f"| {label} | {sum(x['success'] for x in arm['results'])}/{n} | "
                     + ", ".join(_f(x["val_mse"]) for x in arm["results"]) + " | "
                     + ", ".join(_f(x["test_mse"]) for x in arm["results"]) + " | "
                     + ", ".join(f"{max(s['gap']):.2f}" for s in end) + " | "
                     + ", ".join(f"{s['offset'][0]:+.1f}/{s['offset'][1]:+.1f}" for s in end) + " |")
    return "\n".join(lines + [""] + findings(r)) + "\n"


def _mean_abs_offset(shapes: list[dict]) -> float:
    return sum(abs(o) for s in shapes for o in s["offset"]) / (2 * len(shapes))


def findings(r: dict) -> list[str]:
    """The conclusions, with every number taken from the results ``r``."""
    n = len(r["seeds"])
    prof = r["profile"]
    t_hi = max(prof[0]["trained"])
    ideal0 = sum(p["ideal"][0.0] for p in prof) / n
    ideal_hi = sum(p["ideal"][t_hi] for p in prof) / n
    trained_hi = min(p["trained"][t_hi] for p in prof)
    k0 = _mean_abs_offset(r["plateau_shape"])
    solved = {k: sum(x["success"] for x in r[k]["results"]) for k in ("off", "full", "zeroed") if k in r}
    k_off, k_full = (_mean_abs_offset(r[k]["traj"][-1]["shape"]) for k in ("off", "full"))
    out = ["**Findings.**", "",
           "* Code check against research notes §1.4–1.5 and the reference code (stable-nalu: the NAU/NMU layers, "
           "`Regualizer`, `simple_function_static.py`): init (NAU U[−r, r], r = min(0.5, √3·√(2/(in+out))); NMU "
           "U[0.25, 0.75]), the forward clamps and the in-place clamp after every optimiser step, R_sparse (NAU "
           "mean min(|W|, 1−|W|), NMU mean min(W, 1−W)), their sum over both layers under one λ(t) (the NMU model's "
           "NAU layer gets λ̂ = 10 and the ramp too; now checked on the gradients by "
           "`test_nmu_models_regulariser_reaches_both_layers_at_full_weight`), the linear ramp on the 0-based "
           "iteration, Adam defaults. No discrepancy found, so nothing to fix; the same code reproduces the paper's "
           "very simple task (section above).",
           f"* The plateau is a family, not the point h₁ = h₂ = (a+b)/2: both hidden units see only a + b "
           f"(symmetry gap ≈ 0) but differ from each other, through opposite offsets from the 62 irrelevant, "
           f"always-positive inputs (mean |offset| {k0:.1f}) and through different weights on the overlap and the "
           f"rest of the subsets. At the offset-free symmetric point the MSE falls monotonically along the "
           f"symmetry-breaking line (mean {_f(ideal0)} at t = 0 → {_f(ideal_hi)} at t = {t_hi:g}): a saddle. From "
           f"the trained plateau it rises steeply (≥ {_f(trained_hi)} at t = {t_hi:g}): with h₁ ≠ h₂ the move adds "
           f"the cross term t·(a−b)·(h₂−h₁) to the output, so the plateau is a local minimum along that line. Its "
           f"MSE ≈ 2σ⁴/16 ≈ 0.59 (σ² = Var(a−b) = 26/12, a−b roughly Gaussian) is the best a product of two "
           f"affine functions of the overlap sum and a + b can do: ab up to the variance of ((a−b)/2)² (the "
           f"offset-free point also pays its mean: 3σ⁴/16 ≈ 0.88).",
           f"* λ̂ = 10 at full strength from the plateau pulls the irrelevant weights towards 0: mean |offset| "
           f"{k0:.1f} → {k_full:.1f} after {r['cont_its']:,} iterations (λ̂ = 0: → {k_off:.1f}), but no seed broke "
           f"the symmetry in that budget ({solved['full']}/{n} solved, {solved['off']}/{n} without regulariser). "
           "Presumably because its push is uncoordinated: at W = 0.5 it drives each weight to the side it already "
           "sits on, while breaking the symmetry needs all S1-only weights of one unit up and of the other down."]
    if "zeroed" in solved:
        its = r["zeroed"]["its"]
        out.append(f"* With the offsets removed by hand (irrelevant weights set to 0, λ̂ = 0), {solved['zeroed']}/{n} "
                   f"seeds solved within {its:,} iterations"
                   + (" — the offsets are what holds the plateau here." if solved["zeroed"] else
                      " — the offsets stay ≈ 0 but the plateau persists at the same MSE, so the irrelevant inputs are "
                      "not needed for the trap (the units still differ through their subset weights)."))
    out.append("* Paper context: its regulariser sweep has NMU × at 93% even with λ̂ = 0 after 5·10⁶ iterations, so "
               "the escape does not need the regulariser there either; our budgets (≤ 3·10⁵) are too short to show "
               "it. The × NMU row of the reduced Table 1 (arith section) stays unconfirmed, NOT refuted.")
    return out


def main() -> None:
    ap = harness.parser(__doc__, repeats=None)
    ap.add_argument("--seeds", type=int, default=4)
    ap.add_argument("--plateau", type=int, default=20_000)
    ap.add_argument("--continue", dest="cont", type=int, default=60_000)
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--save", type=Path, default=Path("runs/arith_nmu_plateau.pt"))
    ap.add_argument("--report", action="store_true", help="no training: use the results saved by a previous run")
    a = ap.parse_args()
    if a.report:
        r = torch.load(a.save, weights_only=False)
    else:
        r = experiment(a.seeds, a.plateau, a.cont)
        a.save.parent.mkdir(parents=True, exist_ok=True)
        torch.save(r, a.save)
    text = section(r)
    print(text)
    if not a.no_write:
        write_block(ROOT / "FIDELITY.md", "arith_nmu_plateau", text.split("\n", 1)[1], SECTION)


if __name__ == "__main__":
    main()
