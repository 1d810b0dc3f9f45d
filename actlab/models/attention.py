"""Multi-head self-attention (scaled dot product), bidirectional for the ViT or causal for the TinyLM."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from actlab.core.errors import ParameterError


class SelfAttention(nn.Module):
    """Multi-head self-attention. Shape: (B, T, d) -> (B, T, d); ``causal`` masks attention to later positions.

    ``owner`` names the model in the error for a width that the heads do not divide."""

    def __init__(self, dim: int, heads: int, dropout: float = 0.0, causal: bool = False, owner: str = "attention"):
        super().__init__()
        if dim % heads:
            raise ParameterError(f"{owner}: dim={dim} must be divisible by heads={heads}")
        self.heads, self.dropout, self.causal = heads, dropout, causal
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, d = x.shape
        q, k, v = self.qkv(x).view(b, t, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=self.causal,
                                           dropout_p=self.dropout if self.training else 0.0)
        return self.proj(y.transpose(1, 2).reshape(b, t, d))

    def extra_repr(self) -> str:
        return f"heads={self.heads}, causal={self.causal}"
