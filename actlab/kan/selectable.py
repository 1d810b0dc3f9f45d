"""S-KAN: activation-space-selectable KAN (Yang et al. 2024, arXiv 2408.08338; kan_learnable.md §2.5).

Each input node i holds a pool of candidate bases ("spaces") and mixes them with softmax selection weights:
    features_i = concat_s [ softmax(logits_i)_s · b^{(s)}(x_i) ]
so one matmul still combines everything. Training follows the paper's phases: train all spaces, then
`harden()` keeps each node's best-weighted space (the others get weight 0: pruned); `choices()` names them.
The softmax normalisation is our choice (the paper's exact weighting is not verified, see the note).
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor, nn

from actlab.core.errors import ParameterError
from actlab.kan.basis import Basis, make_basis, register_basis

DEFAULT_SPACES = ("bspline", "rbf", "chebyshev", "fourier")


@register_basis("selectable", aliases=("skan", "s_kan"), small={"spaces": ("bspline", "chebyshev")})
class SelectableBasis(Basis):
    """A per-node choice among ``spaces`` (basis names, or (name, params) pairs).

    Shape: (B, in) -> (B, in, Σ_s K_s) features; (B, Σ_s K_s, in) basis-major.
    """

    default_base = "silu"

    def __init__(self, in_features: int, spaces: Sequence[str | tuple[str, dict[str, Any]]] = DEFAULT_SPACES):
        super().__init__(in_features)
        if len(spaces) < 1:
            raise ParameterError("selectable basis: spaces must name at least one basis")
        built = []
        for sp in spaces:
            name, params = (sp, {}) if isinstance(sp, str) else sp
            if name == "selectable":
                raise ParameterError("selectable basis: spaces cannot contain 'selectable'")
            params = {"layernorm": False, **params} if name == "rbf" else params
            built.append(make_basis(name, in_features, **params))
        self.spaces = nn.ModuleList(built)
        self.logits = nn.Parameter(torch.zeros(in_features, len(built)))
        self.register_buffer("keep", torch.ones(in_features, len(built)))
        self.num_features = sum(b.num_features for b in built)

    def weights(self) -> Tensor:
        """(in, S) selection weights; removed spaces get exactly 0."""
        z = self.logits.masked_fill(self.keep == 0, float("-inf"))
        return torch.softmax(z, dim=-1)

    def basis_major(self, u: Tensor) -> Tensor:
        w = self.weights().to(u.dtype).T.unsqueeze(1)  # (S, 1, in)
        parts = [b.major(b.prepare(u)) * w[s] for s, b in enumerate(self.spaces)]
        return torch.cat(parts, dim=1)

    def harden(self) -> list[str]:
        """Keep only each node's highest-weighted space; returns the chosen names per node."""
        with torch.no_grad():
            best = self.weights().argmax(-1)
            self.keep.zero_()
            self.keep[torch.arange(self.in_features), best] = 1.0
        return self.choices()

    def choices(self) -> list[str]:
        best = self.weights().argmax(-1).tolist()
        return [self.spaces[s].name for s in best]

    def input_range(self) -> tuple[Tensor, Tensor]:
        lo = torch.full((self.in_features,), -1.0)
        return lo, -lo

    def extra_repr(self) -> str:
        return f"spaces={[b.name for b in self.spaces]}"
