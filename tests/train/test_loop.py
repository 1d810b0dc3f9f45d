"""The training loop: determinism, divergence handling, config validation, timing/memory and callbacks."""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from actlab.core.errors import ConfigError, ShapeError
from actlab.train import ProgressEvent, TrainConfig, fit


def _blobs(n=300, seed=0):
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % 3
    x = torch.randn(n, 4, generator=g) + F.one_hot(y, 4).float() * 3
    return (x[: n * 2 // 3], y[: n * 2 // 3]), (x[n * 2 // 3:], y[n * 2 // 3:])


def _acc(out, y):
    return float((out.argmax(1) == y).float().mean())


def _model(seed, act=nn.ReLU):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(4, 16), act(), nn.Linear(16, 3))


def _run(seed, **cfg):
    tr, va = _blobs()
    return fit(_model(seed), tr, va, F.cross_entropy, _acc, TrainConfig(epochs=3, batch_size=32, seed=seed, **cfg))


def test_same_seed_gives_identical_history():
    a, b = _run(1), _run(1)
    assert a.train_loss == b.train_loss and a.val_metric == b.val_metric and a.n_steps == b.n_steps


def test_different_seed_gives_different_history():
    assert _run(1).train_loss != _run(2).train_loss


class Blowup(nn.Module):
    """exp(100 x): overflows float32 to inf for any x > ~0.9, as a badly scaled activation would."""

    def forward(self, x):
        return torch.exp(100 * x)


def test_inf_producing_activation_is_recorded_as_diverged_without_raising():
    tr, va = _blobs()
    h = fit(_model(0, Blowup), tr, va, F.cross_entropy, _acc, TrainConfig(epochs=5, batch_size=32))
    assert h.diverged and h.diverged_epoch == 1
    assert "non-finite" in h.diverged_reason
    assert h.n_steps < 5 * math.ceil(len(tr[0]) / 32)  # stopped early
    assert math.isnan(h.final_metric) and h.epochs_run == 1


def test_exploding_loss_is_detected_before_it_turns_nan():
    tr, va = _blobs()
    h = fit(_model(0), tr, va, F.cross_entropy, _acc,
            TrainConfig(epochs=5, lr=1e4, optimizer="sgd", momentum=0.0, explode_factor=10.0))
    assert h.diverged and h.diverged_epoch == 1 and h.diverged_reason


@pytest.mark.parametrize("field,value", [("lr", -1.0), ("optimizer", "rmsprop"), ("epochs", 0),
                                         ("batch_size", 0), ("grad_clip", -2.0), ("epoch", 3)])
def test_trainconfig_error_names_the_bad_field(field, value):
    with pytest.raises(ConfigError, match=repr(field)):
        TrainConfig(**{field: value})


def test_fit_rejects_mismatched_data_with_shape_error():
    with pytest.raises(ShapeError, match="train"):
        fit(_model(0), (torch.randn(5, 4), torch.zeros(4, dtype=torch.long)), _blobs()[1], F.cross_entropy, _acc,
            TrainConfig(epochs=1))


def test_full_batch_adam_matches_a_hand_written_loop():
    tr, va = _blobs()
    h = fit(_model(3), tr, va, F.cross_entropy, _acc, TrainConfig(epochs=4, batch_size=len(tr[0]), lr=1e-2))
    ref = _model(3)
    opt = torch.optim.Adam(ref.parameters(), lr=1e-2)
    losses = []
    for _ in range(4):
        opt.zero_grad()
        loss = F.cross_entropy(ref(tr[0]), tr[1])
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
    np.testing.assert_allclose(h.train_loss, losses, rtol=1e-5)
    with torch.no_grad():
        assert h.val_metric[-1] == _acc(ref(va[0]), va[1])


def test_lbfgs_solves_least_squares_like_numpy():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(200, 3, generator=g, dtype=torch.float64)
    y = x @ torch.tensor([1.5, -2.0, 0.5], dtype=torch.float64) + 0.3 + 0.01 * torch.randn(200, generator=g,
                                                                                            dtype=torch.float64)
    model = nn.Linear(3, 1).double()
    fit(model, (x, y), (x, y), lambda o, t: F.mse_loss(o.squeeze(-1), t), lambda o, t: 0.0,
        TrainConfig(epochs=3, batch_size=200, optimizer="lbfgs", lr=1.0), higher_is_better=False)
    design = np.c_[x.numpy(), np.ones(200)]
    coef = np.linalg.lstsq(design, y.numpy(), rcond=None)[0]
    np.testing.assert_allclose(model.weight.detach().numpy().ravel(), coef[:3], atol=1e-6)
    np.testing.assert_allclose(model.bias.item(), coef[3], atol=1e-6)


def test_max_steps_caps_the_number_of_optimizer_steps():
    assert _run(0, max_steps=5).n_steps == 5


def test_history_best_metric_respects_direction():
    tr, va = _blobs()
    h = fit(_model(0), tr, va, F.cross_entropy, lambda o, t: float(F.cross_entropy(o, t)),
            TrainConfig(epochs=4), higher_is_better=False)
    assert h.best_metric == min(h.val_metric) and h.val_metric[h.best_epoch - 1] == h.best_metric


def test_timing_fields_are_consistent():
    h = _run(0)
    assert h.wall_time > 0 and 0 < h.step_time and h.step_time * h.n_steps <= h.wall_time * 1.5


class Hog(nn.Module):
    """Allocates ~200 MB of scratch in every forward."""

    def forward(self, x):
        scratch = torch.ones(50_000_000)
        return x + scratch[:1] * 0


@pytest.mark.skipif(not __import__("os").path.exists("/proc/self/clear_refs"), reason="needs Linux /proc")
def test_peak_memory_sees_a_large_transient_allocation():
    tr, va = _blobs()
    model = nn.Sequential(nn.Linear(4, 3), Hog())
    h = fit(model, tr, va, F.cross_entropy, _acc, TrainConfig(epochs=1, max_steps=1))
    small = _run(0, max_steps=1)
    assert h.peak_mem_method == "rss_hwm"
    assert h.peak_mem > 150e6 > small.peak_mem


def test_callbacks_receive_start_step_epoch_end_events():
    events: list[ProgressEvent] = []
    tr, va = _blobs()
    h = fit(_model(0), tr, va, F.cross_entropy, _acc, TrainConfig(epochs=2, batch_size=50, log_every=1),
            callbacks=[events.append])
    kinds = [e.kind for e in events]
    assert kinds[0] == "start" and kinds[-1] == "end"
    assert kinds.count("step") == h.n_steps and kinds.count("epoch") == 2
    steps = [e.step for e in events if e.kind == "step"]
    assert steps == list(range(1, h.n_steps + 1)) and all(e.total_steps == h.n_steps for e in events)
    assert [e.metrics["val_metric"] for e in events if e.kind == "epoch"] == h.val_metric


def test_batchnorm_model_survives_a_trailing_batch_of_one():
    tr, va = _blobs()
    x, y = tr[0][:65], tr[1][:65]  # 65 = 2 × 32 + 1
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))
    events = []
    h = fit(model, (x, y), va, F.cross_entropy, _acc, TrainConfig(epochs=2, batch_size=32), callbacks=[events.append])
    assert not h.diverged and h.n_steps == 4 and events[0].total_steps == 4


def test_batch_size_one_trains_on_every_sample():
    tr, va = _blobs()
    h = fit(_model(0), (tr[0][:7], tr[1][:7]), va, F.cross_entropy, _acc, TrainConfig(epochs=2, batch_size=1))
    assert h.n_steps == 14


@pytest.mark.parametrize("opt", ["adam", "lbfgs"])
def test_saved_for_backward_counts_exactly_the_activation_difference_and_not_run_order(opt):
    """GELU keeps its input on top of the output the next Linear keeps; ReLU's saved output *is* that tensor.
    So the two differ by exactly one (batch, 16) float32 tensor, whichever runs first (the RSS peak does not)."""
    tr, va = _blobs()
    cfg = TrainConfig(epochs=1, max_steps=2, batch_size=32, optimizer=opt)
    first = {}
    for order in (("relu", "gelu"), ("gelu", "relu")):
        got = {}
        for name in order:
            act = nn.ReLU if name == "relu" else nn.GELU
            got[name] = fit(_model(0, act), tr, va, F.cross_entropy, _acc, cfg).saved_mem
        assert got["gelu"] - got["relu"] == 32 * 16 * 4
        first = first or got
        assert got == first
