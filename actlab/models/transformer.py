"""TinyLM: a small pre-norm causal transformer (nanoGPT-shaped) whose FFN nonlinearity is swappable.

The FFN is its own class, `FeedForward`, so analysis code can find and hook every FFN by type.
"""
from __future__ import annotations

from typing import Any

import torch
from torch import nn

from actlab.core.errors import ParameterError, ShapeError
from actlab.models._act import act_factory, is_gated
from actlab.models.attention import SelfAttention


class GateWith(nn.Module):
    """Turn an elementwise activation into a gated unit: ``a ⊙ act(b)`` with ``a, b = x.chunk(2, -1)``
    (value first, gate second, as `actlab.zoo.gated`). ``GateWith(SiLU())`` computes SwiGLU.

    Shape: (*, 2n) -> (*, n)
    """

    def __init__(self, act: nn.Module):
        super().__init__()
        self.act = act

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a, b = x.chunk(2, dim=-1)
        return a * self.act(b)


class FeedForward(nn.Module):
    """``Linear(d, h) → act → Linear(h, d)``, or gated ``Linear(d, 2h) → gated act → Linear(h, d)``.

    ``gated=None`` follows the activation (gated for GLU-family units such as swiglu); ``gated=True`` with
    an elementwise activation wraps it in `GateWith`. The activation module is ``self.act``.

    Shape: (*, d_model) -> (*, d_model)
    """

    def __init__(self, d_model: int, d_ff: int, act: Any = "gelu", gated: bool | None = None,
                 dropout: float = 0.0, act_params: dict[str, Any] | None = None):
        super().__init__()
        a = act_factory(act, **(act_params or {}))()
        unit_gated = is_gated(a)
        if gated is None:
            gated = unit_gated
        if unit_gated and not gated:
            raise ParameterError(f"FeedForward: {type(a).__name__} is a gated unit; it needs gated=True or None")
        if gated and not unit_gated:
            a = GateWith(a)
        self.gated = gated
        self.up = nn.Linear(d_model, d_ff * (2 if gated else 1))
        self.act = a
        self.down = nn.Linear(d_ff, d_model)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.drop(self.down(self.act(self.up(x))))


FFN_KINDS = ("mlp", "grkan", "hqkan")


def make_ffn(kind: str, d_model: int, d_ff: int, act: Any, gated: bool | None, dropout: float,
             act_params: dict[str, Any] | None) -> nn.Module:
    """The FFN of one block: "mlp" (`FeedForward`), "grkan" (KAT's GR-KAN FFN at width d_ff, second rationals
    initialised from ``act``) or "hqkan" (HQKAN: Linear(d → ⌈log2 d⌉) → QKAN → Linear, with ``act`` as the
    QKAN's residual base function)."""
    if kind == "mlp":
        return FeedForward(d_model, d_ff, act, gated, dropout, act_params)
    if gated:
        raise ParameterError(f"TinyLM: ffn={kind!r} has no gated form (gated must be None or False)")
    if kind == "grkan":
        from actlab.models.vit import grkan_ffn

        if act_params:
            raise ParameterError("TinyLM: act_params cannot be applied to a GR-KAN FFN")
        return grkan_ffn(d_model, d_ff, act, dropout=dropout)
    if kind == "hqkan":
        from actlab.kan.qkan import HQKAN

        return HQKAN(d_model, base_act=act_factory(act, **(act_params or {}))())
    raise ParameterError(f"TinyLM: ffn must be one of {FFN_KINDS}, got {kind!r}")


class Block(nn.Module):
    """Pre-norm residual block: ``x + attn(ln(x))``, then ``x + ffn(ln(x))``."""

    def __init__(self, d_model: int, n_heads: int, d_ff: int, act: Any, gated: bool | None, dropout: float,
                 act_params: dict[str, Any] | None, ffn: str = "mlp"):
        super().__init__()
        self.ln1 = nn.LayerNorm(d_model)
        self.attn = SelfAttention(d_model, n_heads, dropout, causal=True, owner="TinyLM")
        self.ln2 = nn.LayerNorm(d_model)
        self.ffn = make_ffn(ffn, d_model, d_ff, act, gated, dropout, act_params)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.ln1(x))
        return x + self.ffn(self.ln2(x))


class TinyLM(nn.Module):
    """Token + learned position embeddings, ``n_layers`` pre-norm causal blocks, final LayerNorm and a head
    tied to the token embedding (as GPT-2 / nanoGPT).

    Shape: (N, T) int64 token ids with T <= max_len -> (N, T, vocab) logits

    >>> TinyLM(96, act="swiglu")(torch.zeros(2, 10, dtype=torch.long)).shape
    torch.Size([2, 10, 96])
    """

    def __init__(self, vocab: int, d_model: int = 64, n_layers: int = 2, n_heads: int = 4, d_ff: int = 128,
                 act: Any = "gelu", max_len: int = 128, gated: bool | None = None, dropout: float = 0.0,
                 act_params: dict[str, Any] | None = None, ffn: str = "mlp"):
        super().__init__()
        if min(vocab, d_model, n_layers, n_heads, d_ff, max_len) < 1:
            raise ParameterError("TinyLM: vocab, d_model, n_layers, n_heads, d_ff and max_len must be >= 1")
        self.vocab, self.max_len = vocab, max_len
        self.tok = nn.Embedding(vocab, d_model)
        self.pos = nn.Embedding(max_len, d_model)
        self.blocks = nn.ModuleList(Block(d_model, n_heads, d_ff, act, gated, dropout, act_params, ffn)
                                    for _ in range(n_layers))
        self.ln_f = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab, bias=False)
        self.head.weight = self.tok.weight
        self.apply(self._init)
        if ffn != "mlp":  # GR-KAN and HQKAN layers keep their own (variance-preserving / Xavier) initialisation
            for b in self.blocks:
                _reinit_ffn(b.ffn)

    @staticmethod
    def _init(m: nn.Module) -> None:
        # GPT-2's N(0, 0.02) for linear and embedding weights
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, 0.0, 0.02)
        if isinstance(m, nn.Linear) and m.bias is not None:
            nn.init.zeros_(m.bias)

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        if idx.dim() != 2:
            raise ShapeError(f"TinyLM: expected token ids of shape (N, T), got {tuple(idx.shape)}")
        t = idx.shape[1]
        if t > self.max_len:
            raise ShapeError(f"TinyLM: sequence length {t} exceeds max_len={self.max_len}")
        x = self.tok(idx) + self.pos(torch.arange(t, device=idx.device))
        for blk in self.blocks:
            x = blk(x)
        return self.head(self.ln_f(x))

    def ffns(self) -> list[nn.Module]:
        """The FFN modules, in depth order (for hooks)."""
        return [b.ffn for b in self.blocks]


def _reinit_ffn(ffn: nn.Module) -> None:
    """Undo GPT-2's N(0, 0.02) on a non-MLP FFN: GR-KAN layers get KAT's variance-preserving init back, HQKAN's
    linears nn.Linear's default."""
    from actlab.learnable.grkan import GRKANLinear

    for m in ffn.children():
        if isinstance(m, (GRKANLinear, nn.Linear)):
            m.reset_parameters()
