"""TinyLM's FFN variants of the headline claims: GR-KAN at the MLP's widths, HQKAN with the activation under test
as the QKAN's residual base function and far fewer parameters."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from actlab.core.errors import ParameterError
from actlab.kan.qkan import HQKAN, QKANLayer
from actlab.learnable.grkan import GRKANFFN
from actlab.models.transformer import TinyLM


def _n(m: nn.Module) -> int:
    return sum(p.numel() for p in m.parameters() if p.requires_grad)


def test_ffn_variants_shapes_and_parameter_counts():
    mlp, kat, hq = (TinyLM(96, 64, 2, 4, 128, act="gelu", max_len=16, ffn=f) for f in ("mlp", "grkan", "hqkan"))
    idx = torch.randint(0, 96, (2, 16))
    for m in (mlp, kat, hq):
        assert m(idx).shape == (2, 16, 96)
    assert isinstance(kat.blocks[0].ffn, GRKANFFN) and isinstance(hq.blocks[0].ffn, HQKAN)
    # GR-KAN: the MLP's two linears plus 2 × 8 groups × (6 + 4) rational coefficients per block
    assert _n(kat) - _n(mlp) == 2 * 2 * 8 * (6 + 4)
    # HQKAN: Linear(64→6) + 6×6 edges (θ: 4×2 each, base 1) + Linear(6→64) per block instead of 2 × 64×128
    per_block_hq = (64 * 6 + 6) + 36 * (4 * 2 + 1) + (6 * 64 + 64)
    per_block_mlp = (64 * 128 + 128) + (128 * 64 + 64)
    assert _n(mlp) - _n(hq) == 2 * (per_block_mlp - per_block_hq)
    with pytest.raises(ParameterError, match="ffn must be one of"):
        TinyLM(96, ffn="kan")


def test_grkan_ffn_keeps_kat_variance_preserving_init_inside_tinylm():
    torch.manual_seed(0)
    kat = TinyLM(96, 64, 1, 4, 128, act="gelu", max_len=8, ffn="grkan")
    w = kat.blocks[0].ffn.fc1.linear.weight
    assert abs(w.std().item() - 1 / 64 ** 0.5) < 0.2 / 64 ** 0.5   # not GPT-2's 0.02


def test_qkan_base_function_is_the_given_activation():
    torch.manual_seed(0)
    silu = QKANLayer(3, 2, base=True)
    relu = QKANLayer(3, 2, base=True, base_act=nn.ReLU())
    relu.load_state_dict(silu.state_dict())
    x = torch.randn(5, 3)
    edges = torch.einsum("boi,oi->bo", silu.edges(x), silu.postact_w)
    torch.testing.assert_close(silu(x), edges + F.silu(x) @ silu.base.t())
    torch.testing.assert_close(relu(x), edges + F.relu(x) @ silu.base.t())
    hq = TinyLM(96, 16, 1, 4, 32, act="relu", max_len=8, ffn="hqkan")
    torch.testing.assert_close(hq.blocks[0].ffn.qkan.base_act(x), F.relu(x))
