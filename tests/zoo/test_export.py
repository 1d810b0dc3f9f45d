"""torch.compile on a representative sample; ONNX export matches torch for every elementwise entry."""
import io
import warnings

import numpy as np
import pytest
import torch

import actlab
from tests.zoo.conftest import ELEMENTWISE


@pytest.mark.parametrize("name", ["crrelu"])
def test_compiled_backend_matches_eager_values_and_grads(name, tmp_path, monkeypatch):
    monkeypatch.setenv("TORCHINDUCTOR_CACHE_DIR", str(tmp_path / "inductor"))
    x = torch.randn(1000).requires_grad_(True)
    x2 = x.detach().clone().requires_grad_(True)
    eager = actlab.create(name)
    fast = actlab.create(name, backend="compiled")
    fast.load_state_dict(eager.state_dict())
    ye, yf = eager(x), fast(x2)
    torch.testing.assert_close(yf, ye)
    g = torch.randn_like(ye)
    torch.testing.assert_close(torch.autograd.grad(yf, x2, g)[0], torch.autograd.grad(ye, x, g)[0])
    assert "backend='compiled'" in repr(fast)


def test_module_compiles_with_torch_compile():
    model = torch.nn.Sequential(torch.nn.Linear(8, 8), actlab.create("serf"), torch.nn.Linear(8, 2))
    x = torch.randn(5, 8)
    torch.testing.assert_close(torch.compile(model)(x), model(x))


@pytest.mark.parametrize("name", [n for n in ELEMENTWISE if actlab.get(n).grad == "exact"])
def test_onnx_export_matches_torch(name):
    ort = pytest.importorskip("onnxruntime")
    m = actlab.create(name).eval()
    x = torch.randn(4, 8) * 3
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(m, (x,), buf, dynamo=False, opset_version=17)
    sess = ort.InferenceSession(buf.getvalue(), providers=["CPUExecutionProvider"])
    got = sess.run(None, {sess.get_inputs()[0].name: x.numpy()})[0]
    np.testing.assert_allclose(got, m(x).detach().numpy(), rtol=1e-4, atol=1e-5)
