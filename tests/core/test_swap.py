import pytest
import torch
from torch import nn

import actlab


class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Conv2d(4, 4, 3), nn.ReLU(inplace=True))
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(16, 8), nn.GELU(), nn.Linear(8, 2), nn.Sigmoid())

    def forward(self, x):
        return self.head(self.features(x))


def test_swap_replaces_exactly_the_relus_in_a_cnn():
    m = SmallCNN()
    assert actlab.swap(m, "relu", "silu") == 2
    kinds = [type(c).__name__ for c in m.modules()]
    assert "ReLU" not in kinds and kinds.count("SiLU") == 2 and "GELU" in kinds
    assert m(torch.randn(2, 1, 6, 6)).shape == (2, 2)


def test_swap_by_class_and_predicate_and_fresh_instances():
    m = SmallCNN()
    assert actlab.swap(m, nn.GELU, "prelu") == 1
    assert actlab.swap(m, lambda mod: isinstance(mod, nn.Sigmoid), nn.Identity) == 1
    n = actlab.swap(m, "relu", "crrelu")
    crs = [c for c in m.modules() if actlab.identify(c) == "crrelu"]
    assert n == 2 and crs[0] is not crs[1] and crs[0].eps is not crs[1].eps


def test_swap_in_transformer_encoder():
    layer = nn.TransformerEncoderLayer(16, 2, dim_feedforward=32, activation=nn.GELU(), batch_first=True)
    enc = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
    assert actlab.swap(enc, "gelu", "relu") == 2
    assert enc(torch.randn(1, 5, 16)).shape == (1, 5, 16)


def test_identify_distinguishes_gelu_variants_and_foreign_names():
    assert actlab.identify(nn.GELU(approximate="tanh")) == "gelu_tanh"
    assert actlab.identify(nn.GELU()) == "gelu"

    class NewGELUActivation(nn.Module):  # the class name HF transformers uses
        def forward(self, x):
            return nn.functional.gelu(x, approximate="tanh")

    assert actlab.identify(NewGELUActivation()) == "gelu_tanh"


def test_swap_in_hugging_face_bert_and_gpt2():
    transformers = pytest.importorskip("transformers")
    bert = transformers.BertModel(transformers.BertConfig(
        vocab_size=50, hidden_size=16, num_hidden_layers=2, num_attention_heads=2, intermediate_size=32))
    assert actlab.swap(bert, "gelu", "silu") == 2  # GELUActivation in each layer's intermediate block
    assert not any(type(m).__name__ == "GELUActivation" for m in bert.modules())
    assert bert(torch.randint(0, 50, (1, 5))).last_hidden_state.shape == (1, 5, 16)
    gpt2 = transformers.GPT2Model(transformers.GPT2Config(
        vocab_size=50, n_embd=16, n_layer=2, n_head=2, n_positions=32, bos_token_id=0, eos_token_id=0))
    assert actlab.swap(gpt2, "gelu_tanh", "relu") == 2  # NewGELUActivation
    assert actlab.swap(gpt2, "gelu", "relu") == 0


def test_swap_by_torch_class_also_replaces_actlabs_own_modules_of_that_activation():
    m = nn.Sequential(nn.Linear(3, 4), nn.SiLU(), actlab.create("silu"), actlab.create("swish"), actlab.create("gelu"),
                      nn.Linear(4, 4), actlab.create("swish_beta"))
    assert actlab.swap(m, nn.SiLU, "relu") == 3
    assert [actlab.identify(c) for c in m] == [None, "relu", "relu", "relu", "gelu", None, "swish_beta"]
    # nn.GELU stands for both of its formulas; an actlab class matches torch's module of the same activation
    g = nn.Sequential(nn.GELU(), nn.GELU(approximate="tanh"), actlab.create("gelu_tanh"), nn.Tanh())
    assert actlab.swap(g, nn.GELU, "silu") == 3 and actlab.identify(g[3]) == "tanh"
    s = nn.Sequential(nn.SiLU(), actlab.create("silu"), nn.Tanh(), nn.Linear(2, 2))
    assert actlab.swap(s, type(actlab.create("silu")), nn.Identity) == 2
    assert [type(c).__name__ for c in s] == ["Identity", "Identity", "Tanh", "Linear"]
