"""Orthogonal-polynomial bases of tanh(x): the shared machinery of the Chebyshev and Legendre KANs."""
from __future__ import annotations

import torch
from torch import Tensor

from actlab.kan.basis import Basis, check_int, needs_graph


def squash(u: Tensor) -> Tensor:
    """tanh(u), computed as 2σ(2u) − 1: the same function (and, under autograd, the same derivative 1 − t²),
    within a few float32 ulps of 1 in absolute terms, and about 3× faster than ``torch.tanh`` on this CPU
    (65,536 floats, 1 thread: ~62 vs ~210 µs). Callers use it only as a bounded argument, where absolute error is
    what counts."""
    return torch.sigmoid(u * 2) * 2 - 1


def orthopoly(t: Tensor, degree: int, kind: str, dim: int = -1) -> Tensor:
    """Values of Chebyshev-T ("cheb") or Legendre ("leg") polynomials 0..degree at t by recurrence, stacked
    along a new axis ``dim`` (default last: (..., degree+1))."""
    out = [torch.ones_like(t), t]
    for n in range(1, degree):
        if kind == "cheb":
            out.append(2 * t * out[-1] - out[-2])
        else:  # (n+1) P_{n+1} = (2n+1) t P_n - n P_{n-1}
            out.append(((2 * n + 1) * t * out[-1] - n * out[-2]) / (n + 1))
    return torch.stack(out[: degree + 1], dim=dim)


def orthopoly_of_tanh(u: Tensor, degree: int, kind: str) -> Tensor:
    """(B, degree+1, in): ``orthopoly(tanh(u), degree, kind, dim=1)`` for u of shape (B, in). Without a graph
    to record, the recurrence writes each row of one preallocated tensor in place (no temporaries, no stack)."""
    if needs_graph(u):
        return orthopoly(squash(u), degree, kind, dim=1)
    out = u.new_empty(u.shape[0], degree + 1, u.shape[1])
    out[:, 0].fill_(1)
    t = torch.mul(u, 2, out=out[:, 1]).sigmoid_().mul_(2).sub_(1)
    t2 = t * 2 if kind == "cheb" else t
    for n in range(1, degree):
        nxt = torch.mul(t2, out[:, n], out=out[:, n + 1])
        if kind == "cheb":  # T_{n+1} = 2t·T_n − T_{n−1}
            nxt.sub_(out[:, n - 1])
        else:  # P_{n+1} = ((2n+1)·t·P_n − n·P_{n−1}) / (n+1)
            nxt.mul_((2 * n + 1) / (n + 1)).sub_(out[:, n - 1], alpha=n / (n + 1))
    return out


class TanhPolynomialBasis(Basis):
    """p_0..p_degree of tanh(x) for the family named by ``kind``. Shape: (B, in) -> (B, in, degree+1).

    Init C ~ N(0, (1/(in·(D+1)))²); no base branch, no bias.
    """

    kind = "cheb"
    per_input_free = True  # no per-input state: nodes can be removed

    def __init__(self, in_features: int, degree: int = 3):
        super().__init__(in_features)
        self.degree = check_int("degree", degree, 1, f"{type(self).__name__}")
        self.num_features = self.degree + 1

    def basis_major(self, u: Tensor) -> Tensor:
        return orthopoly_of_tanh(u, self.degree, self.kind)

    def init_coef(self, coef: Tensor) -> None:
        with torch.no_grad():
            coef.normal_(0.0, 1.0 / (self.in_features * self.num_features))

    def input_range(self) -> tuple[Tensor, Tensor]:
        lo = torch.full((self.in_features,), -2.0)
        return lo, -lo

    def extra_repr(self) -> str:
        return f"degree={self.degree}"
