"""DARUAN: single-qubit data re-uploading activation, simulated in closed form on the Bloch sphere.

Jiang, Huang, Chen, Goan, "Quantum variational activation functions empower Kolmogorov–Arnold networks",
arXiv:2509.14026 (2025); code Jim137/qkan, default "pz" ansatz:

    |0⟩ → H → [RZ(θ_l0) RY(θ_l1) RZ(w_l·x + b_l)]_{l=1..r} → RZ(θ_{r+1,0}) RY(θ_{r+1,1}) → readout
    readout "z":         φ(x) = ⟨σz⟩ = |α|² − |β|²
    readout "amplitude": φ(x) = |α| − |β|   (qkan's default fast_measure; = √((1+⟨σz⟩)/2) − √((1−⟨σz⟩)/2))

A pure single-qubit state is its Bloch vector v (H|0⟩ ↦ (1, 0, 0)); RZ(φ) rotates v about z by φ and RY(θ)
about y by θ, so the whole circuit is a chain of real 2-D rotations — 3 real components instead of 2 complex
amplitudes, trig of the angles only, exact autograd (no parameter-shift needed in simulation).

Spectrum: with data gates RZ(w_l x) the output is a trigonometric polynomial whose frequencies are the sums
Σ_l s_l·w_l, s_l ∈ {−1, 0, 1}; for w_l = 1 that is {−r, …, r}.
"""
from __future__ import annotations

import copy

import torch
from torch import nn

from actlab.core.errors import ParameterError, ShapeError, check_int
from actlab.core.module import check_channel_dim
from actlab.core.registry import register
from actlab.core.spec import ActivationSpec, Props, Source

__all__ = ["DARUAN", "daruan", "extend_circuit", "READOUTS"]

READOUTS = ("z", "amplitude")


def _rz(vx: torch.Tensor, vy: torch.Tensor, phi: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    c, s = torch.cos(phi), torch.sin(phi)
    return vx * c - vy * s, vx * s + vy * c


def _ry(vx: torch.Tensor, vz: torch.Tensor, theta: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    c, s = torch.cos(theta), torch.sin(theta)
    return vx * c + vz * s, vz * c - vx * s


def daruan(x: torch.Tensor, theta: torch.Tensor, w: torch.Tensor | None = None, b: torch.Tensor | None = None,
           readout: str = "z") -> torch.Tensor:
    """Evaluate the pz-ansatz circuit.

    theta: (*E, r+1, 2) angles [RZ, RY] per block; w, b: (*E, r) data pre-processing (None → w = 1, b = 0).
    The edge shape E broadcasts against x (e.g. x (B, 1, d_in) with E = (d_out, d_in) evaluates every edge of
    a QKAN layer at once). Returns the readout, shape broadcast(x, E).
    """
    if readout not in READOUTS:
        raise ParameterError(f"daruan: readout must be one of {READOUTS}, got {readout!r}")
    if theta.dim() < 2 or theta.shape[-1] != 2:
        raise ShapeError(f"daruan: theta must have shape (*E, r+1, 2), got {tuple(theta.shape)}")
    reps = theta.shape[-2] - 1
    for name, t in (("w", w), ("b", b)):
        if t is not None and t.shape[-1] != reps:
            raise ShapeError(f"daruan: {name} must have shape (*E, {reps}) for r={reps}, got {tuple(t.shape)}")
    # after H and the first RZ(θ_10) on (1, 0, 0): v = (cos θ, sin θ, 0)
    t0 = theta[..., 0, 0]
    vx, vy, vz = torch.cos(t0), torch.sin(t0), torch.zeros_like(t0)
    for layer in range(reps + 1):
        if layer > 0:
            vx, vy = _rz(vx, vy, theta[..., layer, 0])
        vx, vz = _ry(vx, vz, theta[..., layer, 1])
        if layer == reps:
            break
        angle = x if w is None else w[..., layer] * x
        if b is not None:
            angle = angle + b[..., layer]
        vx, vy = _rz(vx, vy, angle)
    if readout == "z":
        return vz.expand(torch.broadcast_shapes(vz.shape, x.shape))
    # |α| − |β| with |α|² = (1+vz)/2; clamp keeps the sqrt's gradient finite at the poles
    return torch.sqrt(((1 + vz) / 2).clamp_min(1e-12)) - torch.sqrt(((1 - vz) / 2).clamp_min(1e-12))


def extend_circuit(theta: torch.Tensor, w: torch.Tensor | None, b: torch.Tensor | None, reps: int
                   ) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None]:
    """Angles for ``reps`` ≥ r repetitions computing the same function (qkan's layer extension).

    Old blocks 1..r keep their place, the old final block becomes block r+1, every new angle is 0 and new
    data gates get w = 1, b = 0. The extra gates after the old final RY are then data RZ's and identities;
    RZ commutes with σz, so ⟨σz⟩ (and |α|, |β|) are unchanged.
    """
    old = theta.shape[-2] - 1
    if reps < old:
        raise ParameterError(f"daruan: cannot extend from reps={old} down to reps={reps}")
    new_theta = theta.new_zeros(theta.shape[:-2] + (reps + 1, 2))
    new_theta[..., : old + 1, :] = theta
    new_w = new_b = None
    if w is not None:
        new_w = w.new_ones(w.shape[:-1] + (reps,))
        new_w[..., :old] = w
    if b is not None:
        new_b = b.new_zeros(b.shape[:-1] + (reps,))
        new_b[..., :old] = b
    return new_theta, new_w, new_b


class DARUAN(nn.Module):
    r"""Learnable quantum-inspired activation φ(x) = ⟨σz⟩ of a data re-uploading single-qubit circuit.

    ``num_parameters`` circuits: 1 shared by every element, or one per channel (channels on ``channel_dim``:
    1 for ``(N, C, *)`` as PReLU, -1 for channels-last ``(B, T, C)``).
    Each has 2(r+1) angles θ (init N(0, init_std²); θ = 0 would give φ ≡ 0) and, if ``preact_trainable``,
    per-repetition data weights w (init 1) and biases b (init 0) that tune its frequencies.

    Shape: (*) -> (*), values in [-1, 1].

    Example::
        >>> act = DARUAN(reps=3)
        >>> act(torch.linspace(-3, 3, 7)).shape
        torch.Size([7])
    """

    width_param = "num_parameters"  # one circuit per channel with `swap(..., num_parameters="auto")`

    def __init__(self, num_parameters: int = 1, reps: int = 3, preact_trainable: bool = True,
                 readout: str = "z", init_std: float = 1.0, channel_dim: int = 1):
        super().__init__()
        if not isinstance(reps, int) or reps < 1:
            raise ParameterError(f"daruan: reps must be an integer >= 1, got {reps!r}")
        num_parameters = check_int("num_parameters", num_parameters, 1, "daruan")
        if readout not in READOUTS:
            raise ParameterError(f"daruan: readout must be one of {READOUTS}, got {readout!r}")
        if not isinstance(channel_dim, int) or isinstance(channel_dim, bool):
            raise ParameterError(f"daruan: channel_dim must be an integer, got {channel_dim!r}")
        self.num_parameters, self.reps, self.readout, self.channel_dim = num_parameters, reps, readout, channel_dim
        self.theta = nn.Parameter(torch.randn(num_parameters, reps + 1, 2) * init_std)
        if preact_trainable:
            self.w = nn.Parameter(torch.ones(num_parameters, reps))
            self.b = nn.Parameter(torch.zeros(num_parameters, reps))
        else:
            self.register_parameter("w", None)
            self.register_parameter("b", None)

    def _view(self, p: torch.Tensor | None, x: torch.Tensor) -> torch.Tensor | None:
        if p is None:
            return None
        if self.num_parameters == 1:
            return p.reshape(p.shape[1:])
        if x.dim() < 2:
            raise ShapeError(f"daruan has {self.num_parameters} channels but input {tuple(x.shape)} has no "
                             "channel dim")
        d = check_channel_dim(self.channel_dim, x)
        if x.shape[d] != self.num_parameters:
            raise ShapeError(f"daruan has {self.num_parameters} channels but input {tuple(x.shape)} has "
                             f"{x.shape[d]} on dim {self.channel_dim} (channel_dim={self.channel_dim}; "
                             "channels-last inputs such as (B, T, C) need channel_dim=-1)")
        # the edge shape E must broadcast against x without its leading batch dim: (C, 1, .., 1) up to x's end
        return p.reshape((self.num_parameters,) + (1,) * (x.dim() - 1 - d) + p.shape[1:])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return daruan(x, self._view(self.theta, x), self._view(self.w, x), self._view(self.b, x),
                      self.readout)

    @torch.no_grad()
    def extend(self, reps: int) -> DARUAN:
        """A copy with ``reps`` repetitions that computes exactly the same function."""
        new = copy.deepcopy(self)
        theta, w, b = extend_circuit(self.theta, self.w, self.b, reps)
        new.reps, new.theta = reps, nn.Parameter(theta)
        if w is not None:
            new.w, new.b = nn.Parameter(w), nn.Parameter(b)
        return new

    def extra_repr(self) -> str:
        cd = f", channel_dim={self.channel_dim}" if self.channel_dim != 1 and self.num_parameters > 1 else ""
        return (f"num_parameters={self.num_parameters}, reps={self.reps}, readout={self.readout!r}, "
                f"preact_trainable={self.w is not None}{cd}")


register(ActivationSpec(
    "daruan", "learnable", "⟨σz⟩ of H·Π_l[RZ(θ) RY(θ) RZ(w_l x + b_l)]·RZ(θ) RY(θ)|0⟩ (single-qubit data re-uploading)",
    Source("Quantum variational activation functions empower Kolmogorov-Arnold networks",
           "Jiang, Huang, Chen, Goan", 2025, "2509.14026"),
    module=DARUAN, kind="layer", props=Props.of("lb ub"), plot_range=(-3.0, 3.0),
    notes="create('daruan', reps=3, num_parameters=C, preact_trainable=True, readout='z'|'amplitude')"))
