"""A small Vision Transformer whose FFN nonlinearity is swappable, and its KAT variant (GR-KAN FFN).

Dosovitskiy et al., "An Image is Worth 16x16 Words" (arXiv:2010.11929), at toy scale:

- patch embedding Conv2d(C → dim, kernel = stride = patch), learned positional embedding, optional class token;
- pre-norm blocks: x ← x + MHSA(LN(x)); x ← x + FFN(LN(x));
- FFN: ``ffn="mlp"`` is Linear(dim → hidden) → act → Linear(hidden → dim) (the activation under test);
  ``ffn="grkan"`` is KAT's GR-KAN FFN (Yang & Wang, arXiv:2409.10594): GR-KAN(dim → hidden, identity init) →
  GR-KAN(hidden → dim) whose group rationals are initialised from the activation under test (KAT initialises
  them from GELU/Swish), at the same widths as the MLP;
- head: final LayerNorm, then the class token or the mean over tokens → Linear.

Shape: (B, C, H, W) -> (B, num_classes); (B, H, W) and flat (B, C·H·W) inputs are reshaped.
"""
from __future__ import annotations

from typing import Any

import torch
from torch import nn

from actlab.core.errors import ParameterError, ShapeError
from actlab.models._act import act_factory, act_label
from actlab.models.attention import SelfAttention

__all__ = ["ViT", "ViTBlock", "SelfAttention", "MLPFFN", "to_image", "grkan_ffn"]

FFNS = ("mlp", "grkan")
POOLS = ("mean", "cls")


def to_image(x: torch.Tensor, in_chans: int, size: int, who: str) -> torch.Tensor:
    """(B, C·S·S), (B, S, S) with C = 1, or (B, C, S, S) → (B, C, S, S); anything else is a `ShapeError`."""
    c, s = in_chans, size
    if x.dim() == 2 and x.shape[1] == c * s * s:
        return x.reshape(-1, c, s, s)
    if x.dim() == 3 and c == 1 and tuple(x.shape[1:]) == (s, s):
        return x.unsqueeze(1)
    if x.dim() == 4 and tuple(x.shape[1:]) == (c, s, s):
        return x
    raise ShapeError(f"{who} expects (B, {c}, {s}, {s}) (or flat (B, {c * s * s})), got {tuple(x.shape)}")


class MLPFFN(nn.Module):
    """Linear(d → h) → act → Dropout → Linear(h → d). The activation module is ``self.act``."""

    def __init__(self, dim: int, hidden: int, act: Any = "gelu", dropout: float = 0.0,
                 act_params: dict[str, Any] | None = None):
        super().__init__()
        self.up = nn.Linear(dim, hidden)
        self.act = act_factory(act, **(act_params or {}))()
        self.drop = nn.Dropout(dropout)
        self.down = nn.Linear(hidden, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.down(self.drop(self.act(self.up(x))))


def grkan_ffn(dim: int, hidden: int, act: Any = "gelu", groups: int = 8, dropout: float = 0.0) -> nn.Module:
    """KAT's FFN at the MLP's widths: the second layer's rationals start as a fit of ``act`` (by name)."""
    from actlab.learnable.grkan import GRKANFFN

    if hidden % groups or dim % groups:
        raise ParameterError(f"grkan FFN: dim={dim} and hidden={hidden} must be divisible by groups={groups}")
    return GRKANFFN(dim, hidden, groups=groups, inits=("identity", act_label(act)), dropout=dropout)


class ViTBlock(nn.Module):
    """Pre-norm transformer block: x + attn(LN(x)), then x + ffn(LN(x)). Shape: (B, T, d) -> (B, T, d)."""

    def __init__(self, dim: int, heads: int, hidden: int, act: Any = "gelu", dropout: float = 0.0,
                 ffn: str = "mlp", groups: int = 8, act_params: dict[str, Any] | None = None):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.attn = SelfAttention(dim, heads, dropout, owner="ViT")
        if ffn == "mlp":
            self.ffn = MLPFFN(dim, hidden, act, dropout, act_params)
        elif ffn == "grkan":
            if act_params:
                raise ParameterError("ViT: act_params cannot be applied to a GR-KAN FFN (its rationals are fitted "
                                     "to the activation's default shape)")
            self.ffn = grkan_ffn(dim, hidden, act, groups, dropout)
        else:
            raise ParameterError(f"ViT: ffn must be one of {FFNS}, got {ffn!r}")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.ln1(x))
        return x + self.ffn(self.ln2(x))


class ViT(nn.Module):
    """Small ViT classifier (see the module docs). ``ffn``: "mlp" or "grkan"; ``pool``: "mean" or "cls"."""

    def __init__(self, image_size: int = 32, in_chans: int = 3, num_classes: int = 10, patch: int = 4,
                 dim: int = 64, depth: int = 2, heads: int = 4, hidden: int = 128, act: Any = "gelu",
                 dropout: float = 0.0, ffn: str = "mlp", pool: str = "mean", groups: int = 8,
                 act_params: dict[str, Any] | None = None):
        super().__init__()
        if image_size % patch:
            raise ParameterError(f"ViT: image_size={image_size} is not divisible by patch={patch}")
        for name, v in (("dim", dim), ("depth", depth), ("heads", heads), ("hidden", hidden),
                        ("num_classes", num_classes)):
            if not isinstance(v, int) or v < 1:
                raise ParameterError(f"ViT: {name} must be an integer >= 1, got {v!r}")
        if pool not in POOLS:
            raise ParameterError(f"ViT: pool must be one of {POOLS}, got {pool!r}")
        self.image_size, self.in_chans, self.pool = image_size, in_chans, pool
        tokens = (image_size // patch) ** 2
        self.embed = nn.Conv2d(in_chans, dim, kernel_size=patch, stride=patch)
        self.cls = nn.Parameter(torch.zeros(1, 1, dim)) if pool == "cls" else None
        self.pos = nn.Parameter(torch.randn(1, tokens + (pool == "cls"), dim) * 0.02)
        self.blocks = nn.Sequential(*(ViTBlock(dim, heads, hidden, act, dropout, ffn, groups, act_params)
                                      for _ in range(depth)))
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        t = self.embed(to_image(x, self.in_chans, self.image_size, "ViT")).flatten(2).transpose(1, 2)
        if self.cls is not None:
            t = torch.cat([self.cls.expand(len(t), -1, -1), t], dim=1)
        t = self.norm(self.blocks(t + self.pos))
        return self.head(t[:, 0] if self.cls is not None else t.mean(1))

    def ffns(self) -> list[nn.Module]:
        """The FFN modules, in depth order (for hooks)."""
        return [b.ffn for b in self.blocks]

    def extra_repr(self) -> str:
        return f"image_size={self.image_size}, pool={self.pool!r}"
