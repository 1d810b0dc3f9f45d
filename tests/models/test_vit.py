"""The small ViT and its KAT variant: attention against torch's MultiheadAttention, FLOPs against the closed-form
count, the GR-KAN FFN's rationals against the activation they are initialised from, bad shapes."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from actlab.core.errors import ParameterError, ShapeError
from actlab.learnable.grkan import GRKANFFN
from actlab.learnable.rational import rational
from actlab.models.vit import SelfAttention, ViT
from actlab.train.cost import forward_flops


def test_self_attention_equals_torch_multihead_attention():
    torch.manual_seed(0)
    ours, ref = SelfAttention(16, 4), nn.MultiheadAttention(16, 4, batch_first=True)
    with torch.no_grad():
        ref.in_proj_weight.copy_(ours.qkv.weight)
        ref.in_proj_bias.copy_(ours.qkv.bias)
        ref.out_proj.weight.copy_(ours.proj.weight)
        ref.out_proj.bias.copy_(ours.proj.bias)
    x = torch.randn(3, 7, 16)
    torch.testing.assert_close(ours(x), ref(x, x, x, need_weights=False)[0], atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("pool", ["mean", "cls"])
def test_vit_shapes_inputs_and_activation_sites(pool):
    m = ViT(8, 1, 10, patch=2, dim=32, depth=2, heads=4, hidden=64, act="silu", pool=pool)
    x = torch.rand(5, 64)
    out = m(x)
    assert out.shape == (5, 10)
    torch.testing.assert_close(m(x.view(5, 8, 8)), out)
    torch.testing.assert_close(m(x.view(5, 1, 8, 8)), out)
    assert all(isinstance(f.act, nn.SiLU) or type(f.act).__name__.lower().startswith("silu") for f in m.ffns())
    out.sum().backward()
    assert all(p.grad is not None for p in m.parameters())
    with pytest.raises(ShapeError, match=r"expects \(B, 1, 8, 8\)"):
        m(torch.rand(5, 63))
    with pytest.raises(ParameterError, match="not divisible"):
        ViT(8, 1, 10, patch=3)
    with pytest.raises(ParameterError, match="ffn must be one of"):
        ViT(8, 1, 10, patch=2, ffn="kan")


def test_forward_flops_match_the_closed_form_count():
    c, s, p, d, depth, h, k = 1, 8, 2, 32, 2, 64, 10
    t = (s // p) ** 2
    m = ViT(s, c, k, patch=p, dim=d, depth=depth, heads=4, hidden=h, act="relu")
    per_block = 2 * t * d * 3 * d + 2 * 2 * t * t * d + 2 * t * d * d + 2 * 2 * t * d * h
    expected = 2 * t * (c * p * p) * d + depth * per_block + 2 * d * k
    assert forward_flops(m, torch.rand(4, 64)) == expected


def test_kat_ffn_has_the_mlp_widths_and_rationals_fitted_to_the_activation():
    vit = ViT(8, 1, 10, patch=2, dim=32, hidden=64, act="gelu")
    kat = ViT(8, 1, 10, patch=2, dim=32, hidden=64, act="gelu", ffn="grkan")
    ffn = kat.blocks[0].ffn
    assert isinstance(ffn, GRKANFFN)
    assert ffn.fc1.linear.weight.shape == vit.blocks[0].ffn.up.weight.shape
    assert ffn.fc2.linear.weight.shape == vit.blocks[0].ffn.down.weight.shape
    x = torch.linspace(-3, 3, 201, dtype=torch.float64)
    a, b = (c[0].double() for c in ffn.fc2.act.coefficients())
    assert (rational(x, a, b) - F.gelu(x)).abs().max() < 0.02          # second layer: a fit of GELU
    a1, b1 = (c[0].double() for c in ffn.fc1.act.coefficients())
    torch.testing.assert_close(rational(x, a1, b1), x)                   # first layer: identity (as KAT)
    relu_kat = ViT(8, 1, 10, patch=2, dim=32, hidden=64, act="relu", ffn="grkan")
    a2, b2 = (c[0].double() for c in relu_kat.blocks[0].ffn.fc2.act.coefficients())
    assert (rational(x, a2, b2) - F.relu(x)).abs().max() < 0.1
    assert (rational(x, a2, b2) - F.gelu(x)).abs().max() > 0.05
