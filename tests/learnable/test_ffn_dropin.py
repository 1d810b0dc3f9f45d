"""GR-KAN FFN and HQKAN as drop-in replacements of a transformer's FFN (actlab.models.TinyLM)."""
import pytest
import torch
import torch.nn.functional as F

import actlab
from actlab.kan.qkan import HQKAN
from actlab.learnable.grkan import GRKANFFN
from actlab.models.transformer import FeedForward, TinyLM


@pytest.mark.parametrize("make", [lambda: GRKANFFN(32, 64), lambda: HQKAN(32, 32)], ids=["grkan_ffn", "hqkan"])
def test_ffn_replacement_trains_a_tiny_lm(make):
    torch.manual_seed(0)
    model = TinyLM(16, d_model=32, n_layers=1, n_heads=2, d_ff=64)
    assert actlab.swap(model, FeedForward, make) == 1
    assert not any(isinstance(m, FeedForward) for m in model.modules())
    seq = torch.arange(24).remainder(6).unsqueeze(0).repeat(8, 1)     # a periodic token stream
    opt = torch.optim.Adam(model.parameters(), 3e-3)
    losses = []
    for _ in range(40):
        logits = model(seq[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, 16), seq[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
