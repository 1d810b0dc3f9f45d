"""Group-rational basis: the GR-KAN layer of KAT (Yang & Wang 2024, arXiv 2409.10594; kan_learnable.md §3).

    φ_{j,i}(x) = W[j,i]·F_{g(i)}(x),  F_g(x) = P_g(x)/Q_g(x),
    P_g(x) = Σ_{p=0..m} a_{g,p} x^p,  Q_g(x) = 1 + Σ_{q=1..n} |b_{g,q}|·|x|^q   (safe Padé: Q >= 1, no poles)
Input channels are split into ``groups`` runs of consecutive channels sharing one rational; the layer's
coefficient matrix is GR-KAN's linear weight (K = 1 feature per input). The rational is the learnable area's
`actlab.learnable.grkan.GroupRational` (fused Horner forward, closed-form backward, least-squares init to any
zoo entry). Weight init is KAT's variance-preserving one: Var(W) = 1/(in·E[F(x)²]) for x ~ N(0, 1).
"""
from __future__ import annotations

import torch
from torch import Tensor

from actlab.kan.basis import Basis, check_int, register_basis
from actlab.learnable.grkan import GroupRational, second_moment
from actlab.learnable.rational import rational


@register_basis("rational", aliases=("grkan",), small={"groups": 2})
class RationalBasis(Basis):
    """One (m, n) safe-Padé rational per group of consecutive input channels, initialised to ``init``.

    ``groups`` is lowered to the largest divisor of in_features not above it, so one setting fits every layer
    of a stack. Shape: (B, in) -> (B, in, 1).
    """

    default_bias = True

    def __init__(self, in_features: int, groups: int = 8, order: tuple[int, int] = (5, 4), init: str = "silu"):
        super().__init__(in_features)
        g = min(check_int("groups", groups, 1, "rational basis"), in_features)
        g = max(d for d in range(1, g + 1) if in_features % d == 0)
        m, n = (check_int(nm, v, lo, "rational basis") for nm, v, lo in zip(("m", "n"), order, (1, 0)))
        self.groups = g
        self.act = GroupRational(groups=g, m=m, n=n, init=init, dim=-1)
        self.num_features = 1

    def features(self, u: Tensor) -> Tensor:
        return self.act(u).unsqueeze(-1)

    def init_coef(self, coef: Tensor) -> None:
        a, b = self.act.coefficients()  # every group starts from the same fit: group 0 stands for all
        e2 = second_moment(lambda x: rational(x, a[0].detach().double(), b[0].detach().double()))
        with torch.no_grad():
            coef.normal_(0.0, (1.0 / (self.in_features * e2)) ** 0.5)

    def input_range(self) -> tuple[Tensor, Tensor]:
        lo = torch.full((self.in_features,), -3.0)
        return lo, -lo

    def extra_repr(self) -> str:
        return f"groups={self.groups}"
