"""EvoNorm-B0 and EvoNorm-S0: normalisation-activation layers found by evolution.

Liu, Brock, Simonyan, Le, "Evolving normalization-activation layers", NeurIPS 2020, arXiv:2004.02967.
Forms as summarised in our reference notes from the paper and timm's ``layers/evonorm.py``:

    B0 (batch):  y = x / max(√(s²_batch(x) + ε), v1·x + √(s²_inst(x) + ε)) · γ + β
    S0 (sample): y = x·σ(v1·x) / √(s²_group(x) + ε) · γ + β

s²_batch is the per-channel variance over (N, *spatial) (running average with momentum 0.1 used in eval,
like BatchNorm); s²_inst the per-sample, per-channel variance over the spatial dims; s²_group the
per-sample variance over (C/G channels, *spatial). v1, γ, β are per channel (init 1, 1, 0). Channels sit on
``channel_dim`` (1 by default, as BatchNorm). With channels elsewhere (-1 for a transformer's (B, T, C)) every
position is its own sample (B·T samples of C channels, as LayerNorm sees them), so a causal model stays causal. S0
never looks at other samples, so it behaves identically in train and eval and at any batch size.
"""
from __future__ import annotations

import torch
from torch import nn

from actlab.core import moments
from actlab.core.errors import ParameterError, ShapeError, check_int
from actlab.core.module import check_channel_dim
from actlab.core.registry import register
from actlab.core.spec import ActivationSpec, Props, Source

__all__ = ["EvoNormB0", "EvoNormS0"]


def _check(x: torch.Tensor, c: int, name: str, channel_dim: int) -> torch.Tensor:
    """x as (N, C, *spatial): (N, C) becomes (N, C, 1); with channels elsewhere (channel_dim != 1, e.g. a
    transformer's (B, T, C)) every position is its own sample, (B·T, C, 1), so tokens are never mixed."""
    if x.dim() < 2:
        raise ShapeError(f"{name} expects input (N, {c}, *spatial), got {tuple(x.shape)}")
    d = check_channel_dim(channel_dim, x)
    if x.shape[d] != c:
        where = f"(N, {c}, *spatial)" if d == 1 else f"{c} channels on dim {channel_dim}"
        raise ShapeError(f"{name} expects input {where}, got {tuple(x.shape)}"
                         + (" (channels-last inputs such as (B, T, C) need channel_dim=-1)" if d == 1 else ""))
    if d != 1:
        x = x.movedim(d, -1).reshape(-1, c)
    return x.unsqueeze(-1) if x.dim() == 2 else x


def _restore(y: torch.Tensor, shape: torch.Size, channel_dim: int) -> torch.Tensor:
    d = channel_dim % len(shape)
    if d == 1:
        return y.reshape(shape)
    moved = list(shape)
    moved.append(moved.pop(d))
    return y.reshape(moved).movedim(-1, d)


def _check_channel_dim(name: str, channel_dim: int) -> int:
    if not isinstance(channel_dim, int) or isinstance(channel_dim, bool) or channel_dim == 0:
        raise ParameterError(f"{name}: channel_dim must be a non-zero integer (1 for (N, C, *), -1 for "
                             f"channels-last (B, T, C)), got {channel_dim!r}")
    return channel_dim


def _channel(p: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    return p.view((1, -1) + (1,) * (x.dim() - 2))


class EvoNormB0(nn.Module):
    """EvoNorm-B0 (batch-dependent). Shape: (N, C, *) -> (N, C, *); (N, C) is treated as one spatial position.

    Example::
        >>> m = EvoNormB0(16)
        >>> m(torch.randn(8, 16, 5, 5)).shape
        torch.Size([8, 16, 5, 5])
    """

    width_param = "num_features"  # the channel count; `swap(..., example=x)` fills it per site

    def __init__(self, num_features: int, eps: float = 1e-3, momentum: float = 0.1, channel_dim: int = 1):
        super().__init__()
        num_features = check_int("num_features", num_features, 1, "evonorm_b0")
        if not 0.0 <= momentum <= 1.0:
            raise ParameterError(f"evonorm_b0: momentum must be in [0, 1], got {momentum}")
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.channel_dim = _check_channel_dim("evonorm_b0", channel_dim)
        self.v1 = nn.Parameter(torch.ones(num_features))
        self.weight = nn.Parameter(torch.ones(num_features))
        self.bias = nn.Parameter(torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape = x.shape
        x = _check(x, self.num_features, "EvoNormB0", self.channel_dim)
        spatial = tuple(range(2, x.dim()))
        if self.training:
            var = x.var(dim=(0, *spatial), unbiased=False)
            n = x.numel() // self.num_features
            with torch.no_grad():   # unbiased estimate in the running average, as BatchNorm
                self.running_var.mul_(1 - self.momentum).add_(var.detach() * (self.momentum * n / max(n - 1, 1)))
        else:
            var = self.running_var
        batch_std = _channel(torch.sqrt(var + self.eps), x)
        inst_std = torch.sqrt(x.var(dim=spatial, unbiased=False, keepdim=True) + self.eps)
        den = torch.maximum(batch_std, _channel(self.v1, x) * x + inst_std)
        y = x / den * _channel(self.weight, x) + _channel(self.bias, x)
        return _restore(y, shape, self.channel_dim)

    def extra_repr(self) -> str:
        cd = f", channel_dim={self.channel_dim}" if self.channel_dim != 1 else ""
        return f"{self.num_features}, eps={self.eps:g}, momentum={self.momentum:g}{cd}"


class EvoNormS0(nn.Module):
    """EvoNorm-S0 (batch-independent). Shape: (N, C, *) -> (N, C, *).

    ``groups`` must divide C; the default (None) picks the largest divisor of C that is ≤ 32 (timm uses 32).
    """

    width_param = "num_features"

    def __init__(self, num_features: int, groups: int | None = None, eps: float = 1e-5, channel_dim: int = 1):
        super().__init__()
        num_features = check_int("num_features", num_features, 1, "evonorm_s0")
        if groups is None:
            groups = max(g for g in range(1, min(32, num_features) + 1) if num_features % g == 0)
        if groups < 1 or num_features % groups:
            raise ParameterError(f"evonorm_s0: groups={groups} must be >= 1 and divide num_features={num_features}")
        self.num_features, self.groups, self.eps = num_features, groups, eps
        self.channel_dim = _check_channel_dim("evonorm_s0", channel_dim)
        self.v1 = nn.Parameter(torch.ones(num_features))
        self.weight = nn.Parameter(torch.ones(num_features))
        self.bias = nn.Parameter(torch.zeros(num_features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape = x.shape
        x = _check(x, self.num_features, "EvoNormS0", self.channel_dim)
        xg = x.reshape(x.shape[0], self.groups, -1)          # channels of a group are consecutive
        std = moments.std(xg, (-1,), self.eps)
        num = x * torch.sigmoid(_channel(self.v1, x) * x)   # swish with a learned per-channel β = v1
        y = (num.reshape_as(xg) / std).reshape_as(x)
        return _restore(y * _channel(self.weight, x) + _channel(self.bias, x), shape, self.channel_dim)

    def extra_repr(self) -> str:
        cd = f", channel_dim={self.channel_dim}" if self.channel_dim != 1 else ""
        return f"{self.num_features}, groups={self.groups}, eps={self.eps:g}{cd}"



EVONORM = Source("Evolving normalization-activation layers", "Liu, Brock, Simonyan, Le", 2020, "2004.02967")
register(ActivationSpec("evonorm_b0", "learnable", "x / max(√(s²_batch + ε), v1·x + √(s²_inst + ε))·γ + β",
                        EVONORM, module=EvoNormB0, kind="layer", props=Props.of("C0"),
                        notes="create('evonorm_b0', num_features=C); running variance in eval"))
register(ActivationSpec("evonorm_s0", "learnable", "x·σ(v1·x) / √(s²_group + ε)·γ + β", EVONORM,
                        module=EvoNormS0, kind="layer",
                        notes="create('evonorm_s0', num_features=C, groups=None); batch-independent"))
