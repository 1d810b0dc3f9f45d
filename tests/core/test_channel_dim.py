"""channel_dim: per-channel activations on channels-last tensors, and swap() reading each site's channel dim from
the module that produced its input (Linear/HF Conv1D → last dim, Conv/BatchNorm → dim 1)."""
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import actlab
from actlab.core.errors import ParameterError, ShapeError


def _llama():
    transformers = pytest.importorskip("transformers")
    cfg = transformers.LlamaConfig(vocab_size=50, hidden_size=16, intermediate_size=64, num_hidden_layers=2,
                                   num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=64)
    torch.manual_seed(0)
    return transformers.LlamaModel(cfg)


IDS = torch.randint(0, 50, (2, 10), generator=torch.Generator().manual_seed(0))


def test_create_prelu_channels_last_matches_torch_prelu_on_moved_channels():
    act = actlab.create("prelu", num_parameters=6, channel_dim=-1)
    with torch.no_grad():
        act.a.copy_(torch.linspace(-0.5, 0.5, 6))
    x = torch.randn(2, 5, 6, dtype=torch.float64)
    ref = F.prelu(x.transpose(1, 2), act.a.double()).transpose(1, 2)  # torch's PReLU has channels on dim 1
    torch.testing.assert_close(act.double()(x), ref)
    with pytest.raises(ShapeError, match="channel_dim"):
        actlab.create("prelu", num_parameters=6)(x)  # default dim 1 holds 5: refused, with the fix named


def test_swap_into_llama_uses_the_ffn_channels_and_runs_at_another_sequence_length():
    m = _llama()
    assert actlab.swap(m, "silu", "prelu", num_parameters="auto", example=IDS[:1]) == 2
    act = m.layers[0].mlp.act_fn
    assert act.a.shape == (64,) and act.channel_dim == -1  # 64 FFN channels, not the 10 tokens
    with torch.no_grad():
        act.a.copy_(torch.linspace(-1, 1, 64))
    h = torch.randn(2, 7, 64)
    torch.testing.assert_close(act(h), F.prelu(h.transpose(1, 2), act.a).transpose(1, 2))
    assert m(torch.randint(0, 50, (2, 12))).last_hidden_state.shape == (2, 12, 16)


def test_evonorm_in_llama_normalises_each_token_over_its_channels():
    m = _llama()
    assert actlab.swap(m, "silu", "evonorm_s0", example=IDS[:1]) == 2
    norm = m.layers[1].mlp.act_fn
    assert norm.num_features == 64 and norm.channel_dim == -1
    h = torch.randn(2, 9, 64)
    y = norm(h)
    h2 = h.clone()
    h2[:, 0] *= 5.0  # another token changes: a per-token normalisation leaves token 3 alone
    torch.testing.assert_close(norm(h2)[:, 3], y[:, 3])
    ref = actlab.create("evonorm_s0", num_features=64, groups=norm.groups)  # same init, channels on dim 1
    torch.testing.assert_close(y, ref(h.reshape(-1, 64)).reshape(2, 9, 64))  # each token one (N, C) sample
    assert m(torch.randint(0, 50, (1, 13))).last_hidden_state.shape == (1, 13, 16)


def test_daruan_in_gpt2_after_conv1d_is_per_ffn_channel():
    transformers = pytest.importorskip("transformers")
    torch.manual_seed(0)
    gpt2 = transformers.GPT2Model(transformers.GPT2Config(vocab_size=50, n_embd=16, n_layer=1, n_head=2,
                                                         n_positions=32, bos_token_id=0, eos_token_id=0))
    assert actlab.swap(gpt2, "gelu_tanh", "daruan", num_parameters="auto", reps=2, example=IDS[:1]) == 1
    act = gpt2.h[0].mlp.act
    assert act.num_parameters == 64 and act.channel_dim == -1  # n_inner = 4 · n_embd
    x = torch.randn(3, 5, 64)
    y = act(x)
    for c in (0, 17, 63):  # channel c is a one-circuit DARUAN with channel c's angles
        one = actlab.create("daruan", reps=2)
        with torch.no_grad():
            one.theta.copy_(act.theta[c:c + 1]), one.w.copy_(act.w[c:c + 1]), one.b.copy_(act.b[c:c + 1])
        torch.testing.assert_close(y[..., c], one(x[..., c]))
    assert gpt2(torch.randint(0, 50, (2, 11))).last_hidden_state.shape == (2, 11, 16)


def test_cnn_sites_keep_channels_on_dim_1_and_mlp_sites_on_the_last_dim():
    torch.manual_seed(0)
    cnn = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.ReLU(), nn.Flatten(),
                        nn.Linear(36, 5), nn.Dropout(0.1), nn.ReLU())
    assert actlab.swap(cnn, "relu", "prelu", num_parameters="auto", example=torch.randn(2, 1, 8, 8)) == 3
    assert [(cnn[i].a.numel(), cnn[i].channel_dim) for i in (1, 3, 7)] == [(4, 1), (4, 1), (5, -1)]
    mlp = nn.Sequential(nn.Linear(3, 7), nn.ReLU(), nn.Linear(7, 2))
    x = torch.randn(4, 6, 3)  # an MLP applied per position: (B, T, F)
    assert actlab.swap(mlp, "relu", "evonorm_b0", example=x) == 1
    assert mlp[1].num_features == 7 and mlp(torch.randn(2, 9, 3)).shape == (2, 9, 2)


def test_a_site_whose_channel_dim_cannot_be_told_asks_for_channel_dim():
    class Scaled(nn.Module):
        def __init__(self):
            super().__init__()
            self.proj, self.act = nn.Linear(4, 8), nn.ReLU()

        def forward(self, x):
            return self.act(self.proj(x) * 2.0)  # a functional op between the Linear and the site

    with pytest.raises(ParameterError, match="channel_dim=-1"):
        actlab.swap(Scaled(), "relu", "prelu", num_parameters="auto", example=torch.randn(2, 3, 4))
    m = Scaled()
    assert actlab.swap(m, "relu", "prelu", num_parameters="auto", example=torch.randn(2, 3, 4), channel_dim=-1) == 1
    assert m.act.a.numel() == 8 and m(torch.randn(1, 5, 4)).shape == (1, 5, 8)


def test_gated_unit_cannot_replace_an_elementwise_one():
    m = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    with pytest.raises(ParameterError, match="gated.*half the width"):
        actlab.swap(m, "relu", "swiglu")
    assert isinstance(m[1], nn.ReLU)  # the model is untouched
    g = nn.Sequential(nn.Linear(4, 8), nn.GLU(), nn.Linear(4, 2))
    assert actlab.swap(g, nn.GLU, "swiglu") == 1 and g(torch.randn(3, 4)).shape == (3, 2)
