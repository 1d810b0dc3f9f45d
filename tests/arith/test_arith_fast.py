"""The fast engine equals the reference engine; the xoshiro stream, shared inputs and early exit keep their promises."""
import math

import numpy as np
import pytest
import torch
from scipy import stats

from actlab.arith.fast import SampleStream
from actlab.arith.rng import Xoshiro
from actlab.arith.task import ArithTask
from actlab.arith.trainer import BatchedTrainer, TrainConfig
from actlab.arith.units import _SeedMatmul
from actlab.core.errors import ParameterError

SMALL = dict(input_size=12, subset_ratio=0.25, overlap_ratio=0.5)
CFG = dict(iterations=120, eval_every=40, eval_size=300, checkpoint_every=40, regularizer=(0.1, 30, 90))
TWO = dict(input_size=2, subset_ratio=0.5, overlap_ratio=0.0)


def _pair(op, unit, seeds, **kw):
    return [BatchedTrainer(ArithTask(op, **SMALL), unit, seeds, TrainConfig(**{**CFG, **kw}, engine=e))
            for e in ("reference", "fast")]


@pytest.mark.parametrize("unit,op", [("nmu", "mul"), ("nau", "add"), ("nac_mul", "mul"), ("nalu", "mul"),
                                     ("nalu_sep", "sub"), ("linear", "add")])
def test_fast_engine_equals_reference_engine(unit, op):
    ref, fast = _pair(op, unit, [0, 1, 2])
    assert fast.flat is not None and ref.flat is None
    a, b = ref.train(), fast.train()
    for p, q in zip(ref.model.parameters(), fast.model.parameters()):
        torch.testing.assert_close(q, p, rtol=1e-5, atol=1e-6)
    for r, s in zip(a, b):
        assert (r.success, r.best_step, r.converged_at) == (s.success, s.best_step, s.converged_at)
        assert math.isclose(r.val_mse, s.val_mse, rel_tol=1e-4)


@pytest.mark.parametrize("unit,op", [("nmu", "mul"), ("nmu", "sub"), ("nmu", "sqrt"), ("nau", "add"), ("nac", "sub")])
def test_fused_step_equals_the_reference_engine_on_the_same_stream(unit, op):
    ref, fast = _pair(op, unit, [0, 1, 2], stream="xoshiro")
    assert fast._fused() and not ref._fused()
    with torch.no_grad():  # one seed diverges: the fused path must freeze it like autograd's path
        for t in (ref, fast):
            next(t.model.layer1.parameters())[2, 0, 0] = math.nan
    a, b = ref.train(), fast.train()
    for p, q in zip(ref.model.parameters(), fast.model.parameters()):
        torch.testing.assert_close(q[:2], p[:2], rtol=1e-5, atol=1e-6)
    assert a[2].diverged and b[2].diverged
    for r, s in zip(a[:2], b[:2]):
        assert (r.success, r.best_step) == (s.success, s.best_step)
        assert math.isclose(r.test_mse, s.test_mse, rel_tol=1e-4)


def test_fused_nac_mul_step_gives_the_reference_gradients():
    # NAC• exponentiates sums of logs, so float round-off (summation order, libm vs torch exp/log) grows along a
    # trajectory: compare each step's gradients from the same parameters instead
    task = ArithTask("mul", **SMALL)
    cfg = dict(iterations=10, eval_every=10, eval_size=300, stream="xoshiro", chunk=1)
    ref, fast = (BatchedTrainer(task, "nac_mul", [0, 1, 2], TrainConfig(**cfg, engine=e))
                 for e in ("reference", "fast"))
    assert fast._fused_kind() == "nac_mul"
    for _ in range(3):
        fast.model.load_state_dict(ref.model.state_dict())
        la, lb = ref.step(), fast.step()
        torch.testing.assert_close(lb, la, rtol=2e-4, atol=0)
        for p, q in zip(ref.model.parameters(), fast.model.parameters()):
            torch.testing.assert_close(q.grad, p.grad, rtol=1e-3, atol=1e-4 * p.grad.abs().max().item())


def test_fast_engine_freezes_a_nan_seed_like_the_reference():
    ref, fast = _pair("mul", "nmu", [0, 1, 2])
    for t in (ref, fast):
        with torch.no_grad():
            t.model.layer1.weight[1] = math.nan
    a, b = ref.train(), fast.train()
    assert b[1].diverged and a[1].diverged
    torch.testing.assert_close(fast.model.layer2.weight[[0, 2]], ref.model.layer2.weight[[0, 2]])


@pytest.mark.parametrize("shared", [False, True])
def test_seed_matmul_gradient_matches_autograd(shared):
    g = torch.Generator().manual_seed(0)
    x = torch.rand((7, 5) if shared else (3, 7, 5), generator=g, dtype=torch.float64)
    w = torch.rand(3, 2, 5, generator=g, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda w: _SeedMatmul.apply(x, w), (w,))
    want = torch.einsum("bi,soi->sbo", x, w) if shared else torch.bmm(x, w.transpose(1, 2))
    torch.testing.assert_close(_SeedMatmul.apply(x, w), want)


def test_reference_checkpoint_resumes_in_the_fast_engine():
    ref, fast = _pair("mul", "nmu", [0, 1])
    blobs = {}
    ref.train(checkpoint=lambda it, b: blobs.setdefault(it, b))
    fast.load_bytes(blobs[40])
    fast.train()
    for p, q in zip(ref.model.parameters(), fast.model.parameters()):
        torch.testing.assert_close(q, p, rtol=1e-5, atol=1e-6)


def test_xoshiro_stream_is_per_seed_and_independent_of_chunking():
    pair, alone = Xoshiro([3, 5], 9), Xoshiro([5], 9)
    both = pair.fill(np.empty((4, 2, 3, 5), np.float32), 1.0, 1.0)
    first, second = (alone.fill(np.empty((2, 1, 3, 5), np.float32), 1.0, 1.0) for _ in range(2))
    np.testing.assert_array_equal(both[:, 1], np.concatenate([first, second])[:, 0])
    assert not np.array_equal(both[:, 0], both[:, 1])


def test_xoshiro_floats_are_uniform_and_their_subset_sums_exact():
    gen = Xoshiro([0, 1], 7)
    x = gen.fill(np.empty((50, 2, 100, 20), np.float32), 2.0, 4.0)
    assert x.min() >= 2.0 and x.max() < 6.0
    assert stats.kstest(x[:, 0].ravel()[:200_000], "uniform", args=(2.0, 4.0)).pvalue > 1e-4
    assert abs(stats.pearsonr(x[:, 0].ravel()[:-1], x[:, 0].ravel()[1:])[0]) < 0.01
    ranges = np.array([[0, 5, 3, 9], [10, 20, 0, 1]])
    sums = np.empty((3, 2, 100, 2))
    y = gen.fill(np.empty((3, 2, 100, 20), np.float32), 1.0, 1.0, ranges, sums)
    want = np.stack([np.stack([y[:, s, :, a:b].astype(np.float64).sum(-1), y[:, s, :, c:d].astype(np.float64).sum(-1)],
                              -1) for s, (a, b, c, d) in enumerate(ranges)], 1)
    np.testing.assert_array_equal(sums, want)


def test_sample_streams_give_the_task_targets():
    task = ArithTask("mul", **SMALL)
    for shared in (False, True):
        st = SampleStream(task, [0, 4, 9], 16, 3, "xoshiro", shared)
        for _ in range(4):
            x, y = st.next()
            assert x.shape == ((16, 12) if shared else (3, 16, 12))
            torch.testing.assert_close(y, task.targets(x, st.masks))


def test_shared_data_trains_every_seed_on_one_input_stream():
    tr = BatchedTrainer(ArithTask("mul", **SMALL), "nmu", [0, 1, 2],
                        TrainConfig(**CFG, stream="xoshiro", shared_data=True))
    x, y = tr.stream.next()
    assert x.dim() == 2 and not torch.equal(y[0], y[1])  # one input batch, per-seed subsets
    assert len(tr.train()) == 3
    assert "shared_data" in tr.config.describe() and "shared_data" not in TrainConfig().describe()


def test_stop_when_solved_keeps_first_success_and_drops_solved_seeds():
    task = ArithTask("sub", **TWO)
    cfg = dict(iterations=1000, eval_every=50, eval_size=500, lr=1e-2, checkpoint_every=100)
    full = BatchedTrainer(task, "nau", list(range(6)), TrainConfig(**cfg)).train()
    early = BatchedTrainer(task, "nau", list(range(6)), TrainConfig(**cfg, stop_when_solved=3))
    res = early.train()
    solved = [r for r in full if r.success]
    assert len(solved) >= 3
    for a, b in zip(full, res):
        assert a.converged_at == b.converged_at
        assert a.success == b.success
    stopped = [r for r in res if r.iterations < 1000]
    assert stopped and all(r.iterations == r.converged_at + 2 * 50 for r in stopped)
    assert len(early.active) < 6


def test_stop_when_solved_resumes_from_a_compacted_checkpoint():
    task = ArithTask("sub", **TWO)
    cfg = TrainConfig(iterations=1000, eval_every=50, eval_size=500, lr=1e-2, checkpoint_every=100,
                      stop_when_solved=3)
    blobs = {}
    whole = BatchedTrainer(task, "nau", list(range(6)), cfg)
    a = whole.train(checkpoint=lambda it, b: blobs.__setitem__(it, (b, len(whole.active))))
    it = min(k for k, (_, n) in blobs.items() if n < 6)
    resumed = BatchedTrainer(task, "nau", list(range(6)), cfg)
    resumed.load_bytes(blobs[it][0])
    assert len(resumed.active) == blobs[it][1]
    b = resumed.train()
    assert [(r.success, r.converged_at, r.iterations) for r in a] == [(r.success, r.converged_at, r.iterations)
                                                                      for r in b]


@pytest.mark.parametrize("field,value", [("engine", "turbo"), ("stream", "mt"), ("shared_data", 1),
                                         ("stop_when_solved", -1)])
def test_bad_protocol_knobs_name_the_field(field, value):
    with pytest.raises(ParameterError, match=field):
        TrainConfig(**{field: value})


def test_fused_nmu_step_with_early_exit_leaves_the_other_seeds_untouched():
    # a loose threshold (eps 0.1) so that some seeds cross it early and leave the batch
    task = ArithTask.named("simple", "mul")
    cfg = dict(iterations=300, eval_every=50, eval_size=500, lr=1e-2, stream="xoshiro", eps=0.1)
    whole = BatchedTrainer(task, "nmu", list(range(6)), TrainConfig(**cfg))
    full = whole.train()
    early = BatchedTrainer(task, "nmu", list(range(6)), TrainConfig(**cfg, stop_when_solved=2))
    assert early._fused()
    res = early.train()
    assert [r.converged_at for r in full] == [r.converged_at for r in res]
    kept = early.active
    assert 0 < len(kept) < 6
    torch.testing.assert_close(early.model.layer1.weight, whole.model.layer1.weight[kept])
