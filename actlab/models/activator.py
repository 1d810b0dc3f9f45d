"""Activator: a GLU-based, attention-free vision transformer.

Abdullah & Aydin, "Activator: GLU activations as the core functions of a vision transformer",
arXiv:2405.15953 (code Abdullah-88/Activator). As in the public code:

- patch embedding Conv2d(C → dim, kernel = stride = patch); no positional embedding, no CLS token;
- block: x ← x + AGU(LN(x)); x ← x + FFN(LN(x)) with ONE LayerNorm shared by both sub-layers;
- Activator gating unit (AGU): u = LN_h(act(x·W1 + b1)), v = LN_h(x·W2 + b2) (one LayerNorm(hidden) shared by
  u and v), output (u ⊙ v)·W3 + b3 — a GEGLU MLP with post-projection LayerNorms (act = GELU by default);
- FFN: Linear(dim → hidden) → act → Dropout → Linear(hidden → dim) → Dropout (``ffn=False`` gives the
  "only GEGLU" variant);
- head: mean over tokens → Linear. Tokens never interact before the pooling (no token mixing).

``Activator.small()`` is the digits-sized configuration (8×8 images, patch 2, 16 tokens).
"""
from __future__ import annotations

from typing import Any

import torch
from torch import nn

from actlab.core.errors import ParameterError, ShapeError
from actlab.models._act import act_factory

__all__ = ["Activator", "ActivatorBlock", "ActivatorGatingUnit"]


class ActivatorGatingUnit(nn.Module):
    """u = LN(act(x W1 + b1)); v = LN(x W2 + b2); out = (u ⊙ v) W3 + b3 (one shared LN). (*, d) -> (*, d)."""

    def __init__(self, dim: int, hidden: int, act: Any = "gelu", dropout: float = 0.0,
                 act_params: dict[str, Any] | None = None):
        super().__init__()
        self.gate, self.value = nn.Linear(dim, hidden), nn.Linear(dim, hidden)
        self.act = act_factory(act, **(act_params or {}))()
        self.norm = nn.LayerNorm(hidden)
        self.out = nn.Linear(hidden, dim)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        u = self.norm(self.act(self.gate(x)))
        v = self.norm(self.value(x))
        return self.drop(self.out(u * v))


class ActivatorBlock(nn.Module):
    """x + AGU(LN(x)), then x + FFN(LN(x)) with the same LN. (B, T, d) -> (B, T, d)."""

    def __init__(self, dim: int, hidden: int, act: Any = "gelu", dropout: float = 0.0, ffn: bool = True,
                 act_params: dict[str, Any] | None = None):
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.agu = ActivatorGatingUnit(dim, hidden, act, dropout, act_params)
        self.ffn = nn.Sequential(nn.Linear(dim, hidden), act_factory(act, **(act_params or {}))(), nn.Dropout(dropout),
                                 nn.Linear(hidden, dim), nn.Dropout(dropout)) if ffn else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.agu(self.norm(x))
        if self.ffn is not None:
            x = x + self.ffn(self.norm(x))
        return x


class Activator(nn.Module):
    """Attention-free GLU vision transformer. Input (B, C, H, W); (B, H, W) and flat (B, C·H·W) are reshaped.

    Shape: (B, C, H, W) -> (B, num_classes). H and W must be divisible by ``patch``.
    """

    def __init__(self, image_size: int = 32, in_chans: int = 3, num_classes: int = 10, patch: int = 4,
                 dim: int = 256, hidden: int = 512, depth: int = 4, dropout: float = 0.5, act: Any = "gelu",
                 ffn: bool = True, act_params: dict[str, Any] | None = None):
        super().__init__()
        if image_size % patch:
            raise ParameterError(f"Activator: image_size={image_size} is not divisible by patch={patch}")
        for name, v in (("dim", dim), ("hidden", hidden), ("depth", depth), ("num_classes", num_classes)):
            if v < 1:
                raise ParameterError(f"Activator: {name} must be >= 1, got {v}")
        self.image_size, self.in_chans = image_size, in_chans
        self.embed = nn.Conv2d(in_chans, dim, kernel_size=patch, stride=patch)
        self.blocks = nn.Sequential(*(ActivatorBlock(dim, hidden, act, dropout, ffn, act_params) for _ in range(depth)))
        self.head = nn.Linear(dim, num_classes)

    @classmethod
    def small(cls, image_size: int = 8, in_chans: int = 1, num_classes: int = 10, patch: int = 2,
              **kw: Any) -> Activator:
        """Digits-sized config: dim 64, hidden 128, depth 2, dropout 0.1."""
        cfg = dict(dim=64, hidden=128, depth=2, dropout=0.1)
        cfg.update(kw)
        return cls(image_size, in_chans, num_classes, patch, **cfg)

    def _image(self, x: torch.Tensor) -> torch.Tensor:
        s, c = self.image_size, self.in_chans
        if x.dim() == 2 and x.shape[1] == c * s * s:
            return x.reshape(-1, c, s, s)
        if x.dim() == 3 and c == 1 and x.shape[1:] == (s, s):
            return x.unsqueeze(1)
        if x.dim() == 4 and x.shape[1:] == (c, s, s):
            return x
        raise ShapeError(f"Activator expects (B, {c}, {s}, {s}) (or flat (B, {c * s * s})), got {tuple(x.shape)}")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        tokens = self.embed(self._image(x)).flatten(2).transpose(1, 2)      # (B, T, dim)
        return self.head(self.blocks(tokens).mean(1))

    def extra_repr(self) -> str:
        return f"image_size={self.image_size}, tokens={(self.image_size // self.embed.stride[0]) ** 2}"
