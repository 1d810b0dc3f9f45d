"""Training-free activation sparsification of a model's FFNs, and how far it can go before quality drops.

Everything works through hooks on ordinary modules, so any ``nn.Module`` qualifies:

* the *intermediate activation* a of an FFN is the input of its down projection W_out (a ``Linear``); for a
  gated FFN that input is already act(gate) ⊙ up, as in the Sparsing Law code;
* a **rule** maps (layer name, a, W_out) to a keep-mask; `masked_inputs` zeroes the rest while the block runs
  and counts the realised sparsity.

Rules: CETT thresholds (Luo et al. 2025, "Sparsing Law"), Top-k, fixed absolute threshold (FAT-ε), WINA
(Chen et al. 2025: keep the k largest |x_i|·‖W_:,i‖₂). CATS (Lee et al. 2024) thresholds the *activation
module's output* instead, at a calibrated percentile of its magnitude. `ppl_p_sparsity` is the outer search
of the Sparsing Law: the largest common CETT whose masks keep exp(loss_sparse − loss_dense) ≤ 1 + p/100.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import torch
from torch import nn

from actlab.analysis.sparsity import collect, removing, select_modules
from actlab.core.errors import ParameterError

Tensor = torch.Tensor
Rule = Callable[[str, Tensor, nn.Linear], Tensor]


# ------------------------------------------------------------------------------------------------- CETT
def neuron_norms(a: Tensor, w_out: Tensor) -> Tensor:
    """n_i = |a_i| · ‖W_out[:, i]‖₂: the size of neuron i's contribution to the FFN output; a: (P, d_ff)."""
    return a.abs() * w_out.norm(dim=0)


def cett(a: Tensor, w_out: Tensor, tau: float) -> float:
    """Cumulative error of tail truncation: mean over positions of ‖W_out a_{n≤τ}‖ / ‖W_out a‖, where a_{n≤τ}
    keeps only the neurons with n_i ≤ τ (the part a threshold τ would drop)."""
    a = a.reshape(-1, a.shape[-1]).double()
    w = w_out.double()
    full = (a @ w.T).norm(dim=1)
    tail = ((a * (neuron_norms(a, w) <= tau)) @ w.T).norm(dim=1)
    ok = full > 0
    return float((tail[ok] / full[ok]).mean()) if ok.any() else 0.0


def cett_threshold(a: Tensor, w_out: Tensor, target: float, n_grid: int = 65536) -> float:
    """The largest τ on linspace(min n, 0.99-quantile of n, n_grid) with CETT(τ) ≤ target (binary search;
    CETT is non-decreasing in τ). Returns 0 when even the smallest candidate exceeds the target."""
    if not 0.0 <= target <= 1.0:
        raise ParameterError(f"target CETT must be in [0, 1], got {target!r}")
    a = a.reshape(-1, a.shape[-1])
    n = neuron_norms(a, w_out).double().flatten()
    hi_val = torch.quantile(n[:2**24] if n.numel() > 2**24 else n, 0.99)
    grid = torch.linspace(float(n.min()), float(hi_val), n_grid, dtype=torch.float64)
    lo, hi, best = 0, n_grid - 1, -1
    while lo <= hi:
        mid = (lo + hi) // 2
        if cett(a, w_out, float(grid[mid])) <= target:
            best, lo = mid, mid + 1
        else:
            hi = mid - 1
    return float(grid[best]) if best >= 0 else 0.0


# ------------------------------------------------------------------------------------------------ rules
def cett_rule(taus: dict[str, float]) -> Rule:
    """Zero neuron i of layer l where |a_i| · ‖W_:,i‖ < τ_l."""
    return lambda name, a, lin: neuron_norms(a, lin.weight) >= taus[name]


def topk_rule(active: float) -> Rule:
    """Per position keep the ⌈active · d_ff⌉ largest |a_i| (the Top-k baseline)."""
    _check_share("active", active)
    def rule(name, a, lin):
        k = max(1, int(round(active * a.shape[-1])))
        idx = a.abs().topk(k, dim=-1).indices
        return torch.zeros_like(a, dtype=torch.bool).scatter_(-1, idx, True)
    return rule


def threshold_rule(eps: float) -> Rule:
    """FAT-ε: keep |a_i| > eps."""
    if not eps >= 0:
        raise ParameterError(f"eps must be >= 0, got {eps!r}")
    return lambda name, a, lin: a.abs() > eps


def wina_rule(active: float) -> Rule:
    """WINA: per position keep the ⌈active · d_in⌉ largest |x_i| · ‖W_:,i‖₂ of a linear layer's input."""
    _check_share("active", active)
    def rule(name, x, lin):
        k = max(1, int(round(active * x.shape[-1])))
        idx = (x.abs() * lin.weight.norm(dim=0)).topk(k, dim=-1).indices
        return torch.zeros_like(x, dtype=torch.bool).scatter_(-1, idx, True)
    return rule


def _check_share(name: str, v: float) -> None:
    if not 0.0 < v <= 1.0:
        raise ParameterError(f"{name} must be in (0, 1], got {v!r}")


@contextmanager
def masked_inputs(linears: dict[str, nn.Linear], rule: Rule) -> Iterator[dict[str, list[int]]]:
    """While the block runs, each linear sees its input multiplied by ``rule``'s keep-mask.

    Yields ``counts[name] = [zeroed entries, total entries]`` accumulated over all calls.
    """
    counts = {n: [0, 0] for n in linears}
    handles = []
    for name, lin in linears.items():
        if not isinstance(lin, nn.Linear):
            raise ParameterError(f"{name}: masking needs an nn.Linear (the FFN down projection), got "
                                 f"{type(lin).__name__}")

        def pre(m, args, name=name):
            x = args[0]
            keep = rule(name, x, m)
            counts[name][0] += int((~keep).sum())
            counts[name][1] += keep.numel()
            return (x * keep,) + tuple(args[1:])
        handles.append(lin.register_forward_pre_hook(pre))
    with removing(handles):
        yield counts


def realised(counts: dict[str, list[int]]) -> float:
    """Mean over layers of the zeroed share."""
    shares = [z / t for z, t in counts.values() if t]
    return sum(shares) / len(shares) if shares else 0.0


# ------------------------------------------------------------------------------------------------- CATS
def cats_thresholds(model: nn.Module, batches: Any, act_modules: Any, sparsity: float) -> dict[str, float]:
    """Per activation module, the ``sparsity``-quantile of |output| on calibration data (CATS's t)."""
    _check_share("sparsity", sparsity)
    acts = collect(model, batches, act_modules, "output")
    return {n: float(torch.quantile(a.abs().flatten().double()[:2**24], sparsity)) for n, a in acts.items()}


@contextmanager
def cats(model: nn.Module, thresholds: dict[str, float]) -> Iterator[dict[str, list[int]]]:
    """Zero activation outputs with |a| < t (CATS(x) = a if |a| ≥ t else 0) in the named modules."""
    mods = select_modules(model, list(thresholds))
    counts = {n: [0, 0] for n in mods}
    handles = []
    for name, mod in mods.items():
        def hook(m, args, out, name=name):
            keep = out.abs() >= thresholds[name]
            counts[name][0] += int((~keep).sum())
            counts[name][1] += keep.numel()
            return out * keep
        handles.append(mod.register_forward_hook(hook))
    with removing(handles):
        yield counts


# ------------------------------------------------------------------------------------------ PPL-p% search
def ppl_p_sparsity(model: nn.Module, down: Any, batches: Any, eval_loss: Callable[[], float], p: float = 1.0,
                   tol: float = 1e-3, n_grid: int = 4096) -> dict[str, Any]:
    """PPL-p% sparsity (Sparsing Law): binary search on a CETT c ∈ [0, 1] shared by all layers for the largest c
    whose per-layer thresholds keep the perplexity ratio exp(loss_sparse − loss_dense) ≤ 1 + p/100.

    ``down`` selects the down projections (see `select_modules`); ``batches`` are calibration inputs whose dense
    activations fix each layer's τ_l(c); ``eval_loss()`` returns the model's mean validation loss in nats.
    Returns c, the per-layer τ, the realised sparsity (mean over layers) and the perplexity ratio.
    """
    if not p >= 0:
        raise ParameterError(f"p must be >= 0 (percent perplexity increase), got {p!r}")
    lins = select_modules(model, down)
    acts = collect(model, batches, lins, "input")
    dense = eval_loss()

    def attempt(c: float) -> dict[str, Any]:
        taus = {n: cett_threshold(acts[n], lins[n].weight.detach(), c, n_grid) for n in lins}
        with masked_inputs(lins, cett_rule(taus)) as counts:
            loss = eval_loss()
        return {"cett": c, "taus": taus, "sparsity": realised(counts),
                "ppl_ratio": float(torch.exp(torch.tensor(loss - dense)))}

    best = attempt(0.0)
    lo, hi = 0.0, 1.0
    while hi - lo > tol:
        mid = (lo + hi) / 2
        res = attempt(mid)
        if res["ppl_ratio"] <= 1 + p / 100:
            best, lo = res, mid
        else:
            hi = mid
    best["dense_loss"] = dense
    return best


def sparsity_sweep(model: nn.Module, layers: Any, rules: dict[float, Rule], evaluate: Callable[[], float]
                   ) -> list[dict[str, float]]:
    """For each (level → rule), the realised sparsity and ``evaluate()`` (accuracy, loss, ...) under its masks."""
    lins = select_modules(model, layers)
    out = []
    for level, rule in rules.items():
        with masked_inputs(lins, rule) as counts:
            value = evaluate()
        out.append({"level": level, "sparsity": realised(counts), "value": value})
    return out


def cats_sweep(model: nn.Module, batches: Any, act_modules: Any, levels: list[float],
               evaluate: Callable[[], float]) -> list[dict[str, float]]:
    """CATS at each target sparsity: calibrate thresholds on ``batches``, then the realised sparsity and
    ``evaluate()`` under them."""
    out = []
    for level in levels:
        th = cats_thresholds(model, batches, act_modules, level)
        with cats(model, th) as counts:
            value = evaluate()
        out.append({"level": level, "sparsity": realised(counts), "value": value})
    return out
