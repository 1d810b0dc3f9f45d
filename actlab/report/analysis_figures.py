"""Figures of the analysis toolkit: information plane, variance map, χ₁ curve, dual kernels."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

from actlab.report._mpl import plt, save_figure
import numpy as np  # noqa: E402


def plot_infoplane(result, out: str | Path, title: str | None = None) -> Path:
    """I(T;Y) against I(X;T), one point per (layer, sampled epoch), mean over repeats, coloured by epoch
    (log scale); a thin line joins each epoch's layers, as in Shwartz-Ziv & Tishby's figures."""
    ixt, ity = result.ixt.mean(0), result.ity.mean(0)          # (epochs, layers)
    ep = result.epochs + 1
    fig, ax = plt.subplots(figsize=(6.2, 4.6))
    norm = matplotlib.colors.LogNorm(vmin=ep.min(), vmax=ep.max())
    cmap = plt.get_cmap("viridis")
    for e in range(len(ep)):
        ax.plot(ixt[e], ity[e], color=cmap(norm(ep[e])), lw=0.4, alpha=0.5)
    sc = ax.scatter(ixt.ravel(), ity.ravel(), c=np.repeat(ep, ixt.shape[1]), cmap=cmap, norm=norm, s=14,
                    edgecolors="none")
    fig.colorbar(sc, ax=ax, label="epoch")
    cfg = result.config
    opts = ", ".join(f"{k}={v}" for k, v in cfg.estimator_opts.items())
    ax.set_xlabel("I(X;T) [bits]")
    ax.set_ylabel("I(T;Y) [bits]")
    ax.set_xlim(0, 12.3)
    ax.set_ylim(0, 1.05)
    ax.set_title(title or f"{cfg.act}: {cfg.estimator} ({opts}), {cfg.repeats} repeats, {cfg.epochs} epochs",
                 fontsize=9)
    ax.grid(alpha=0.3)
    return save_figure(fig, out, dpi=110)


def plot_ixt_curves(results: dict, out: str | Path) -> Path:
    """I(X;T) of each layer against epoch (log x), one panel per activation: compression = a falling curve."""
    fig, axes = plt.subplots(1, len(results), figsize=(4.6 * len(results), 3.4), squeeze=False, sharey=True)
    for ax, (name, res) in zip(axes[0], results.items()):
        m = res.ixt.mean(0)
        for j in range(m.shape[1]):
            ax.plot(res.epochs + 1, m[:, j], label=f"layer {j + 1}")
        ax.set_xscale("log")
        ax.set_title(name)
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
    axes[0, 0].set_ylabel("I(X;T) [bits]")
    axes[0, -1].legend(fontsize=7)
    return save_figure(fig, out, dpi=110)


def plot_variance_map(names: Sequence[str], out: str | Path, sigma_w: float = 1.0, sigma_b: float = 0.0,
                      q_max: float = 4.0) -> Path:
    """q ↦ σ_w² E[φ(√q z)²] + σ_b² for each activation, with the identity (fixed points where they cross)."""
    from actlab.analysis.signal import variance_map

    q = np.linspace(1e-3, q_max, 120)
    fig, ax = plt.subplots(figsize=(5, 3.8))
    for n in names:
        ax.plot(q, variance_map(n, q, sigma_w, sigma_b), label=n)
    ax.plot(q, q, "k--", lw=0.8, label="identity")
    ax.set_xlabel("q (layer l)")
    ax.set_ylabel("q (layer l+1)")
    ax.set_title(f"variance map, σ_w={sigma_w:g}, σ_b={sigma_b:g}", fontsize=9)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    return save_figure(fig, out, dpi=110)


def plot_chi1(names: Sequence[str], out: str | Path, sigma_b: float = 0.05**0.5,
              sigma_w: Sequence[float] | None = None) -> Path:
    """χ₁ against σ_w at fixed σ_b; χ₁ = 1 separates the ordered and chaotic phases."""
    from actlab.analysis.signal import chi1

    sw = np.linspace(0.5, 3.0, 26) if sigma_w is None else np.asarray(sigma_w)
    fig, ax = plt.subplots(figsize=(5, 3.8))
    for n in names:
        vals = []
        for s in sw:
            try:
                vals.append(chi1(n, float(s), sigma_b))
            except Exception:  # noqa: BLE001  variance map diverges: no χ₁ there
                vals.append(np.nan)
        ax.plot(sw, vals, label=n)
    ax.axhline(1.0, color="k", lw=0.8, ls="--")
    ax.set_xlabel("σ_w")
    ax.set_ylabel("χ₁")
    ax.set_title(f"χ₁ at σ_b={sigma_b:.3g} (> 1 chaotic, < 1 ordered)", fontsize=9)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    return save_figure(fig, out, dpi=110)


def plot_dual_kernels(names: Sequence[str], out: str | Path, normalize: bool = True) -> Path:
    """Normalised dual kernels k(ρ) on [−1, 1] for several activations."""
    from actlab.analysis.kernels import dual_kernel

    rho = np.linspace(-1, 1, 81)
    fig, ax = plt.subplots(figsize=(5, 3.8))
    for n in names:
        ax.plot(rho, dual_kernel(n, rho, normalize=normalize, n_quad=40), label=n)
    ax.plot(rho, rho, "k:", lw=0.8, label="k(ρ) = ρ")
    ax.set_xlabel("ρ")
    ax.set_ylabel("k(ρ)" + (" / k(1)" if normalize else ""))
    ax.set_title("dual activation kernels", fontsize=9)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    return save_figure(fig, out, dpi=110)
