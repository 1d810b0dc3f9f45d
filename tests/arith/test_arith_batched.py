"""Seed batching: S seeds as one model equal S separate runs; per-seed streams are independent of batching."""
import torch

from actlab.arith.batched import ArithNet, DataStream
from actlab.arith.task import ArithTask
from actlab.arith.trainer import BatchedTrainer, TrainConfig
from actlab.core.errors import ParameterError

CFG = dict(iterations=120, eval_every=40, eval_size=300, chunk=10)


def _run(unit, seeds, task):
    tr = BatchedTrainer(task, unit, seeds, TrainConfig(**CFG))
    res = tr.train()
    return tr, res


def test_batched_run_equals_separate_runs():
    task = ArithTask("mul", input_size=10, subset_ratio=0.3, overlap_ratio=0.5)
    seeds = [4, 9, 17]
    alone = (4, 17)
    for unit in ("nmu", "relu"):
        tb, rb = _run(unit, seeds, task)
        for i, s in enumerate(seeds):
            if s not in alone:
                continue
            ts, rs = _run(unit, [s], task)
            for (name, pb), (_, ps) in zip(tb.model.named_parameters(), ts.model.named_parameters()):
                torch.testing.assert_close(pb[i:i + 1], ps, rtol=1e-4, atol=1e-5, msg=f"{unit} {name} seed {s}")
            assert rb[i].best_step == rs[0].best_step
            assert rb[i].val_mse == torch.tensor(rs[0].val_mse).item() or \
                abs(rb[i].val_mse - rs[0].val_mse) <= 1e-4 * abs(rs[0].val_mse) + 1e-9


def test_initialisation_depends_only_on_the_seed():
    a = ArithNet("nau", [1, 2, 3], input_size=20)
    b = ArithNet("nau", [3], input_size=20)
    torch.testing.assert_close(a.layer1.weight[2:], b.layer1.weight)
    assert not torch.equal(a.layer1.weight[0], a.layer1.weight[1])


def test_each_seed_has_its_own_data_stream_and_subsets():
    task = ArithTask("add")
    both = DataStream(task, [5, 6], batch_size=8, chunk=3)
    alone = DataStream(task, [6], batch_size=8, chunk=3)
    for _ in range(5):  # crosses a chunk boundary
        (xb, yb), (xa, ya) = both.next(), alone.next()
        torch.testing.assert_close(xb[1], xa[0])
        torch.testing.assert_close(yb[1], ya[0])
        assert not torch.equal(xb[0], xb[1])
    # the chunk size is a speed knob only: the stream is the same sample by sample
    small, large = DataStream(task, [6], batch_size=8, chunk=1), DataStream(task, [6], batch_size=8, chunk=4)
    for _ in range(4):
        torch.testing.assert_close(small.next()[0], large.next()[0])


def test_every_zoo_activation_can_be_an_mlp_baseline_row():
    import actlab

    x = torch.rand(2, 5, 6) + 1
    for name in actlab.names():
        if actlab.get(name).kind == "layer":  # learnable layers: usable, or a clear error naming them
            try:
                net = ArithNet(name, [0, 1], input_size=6, hidden=2)
            except ParameterError as e:
                assert name in str(e)
                continue
        else:
            net = ArithNet(name, [0, 1], input_size=6, hidden=2)
        y = net(x)
        assert y.shape == (2, 5), name
        y.sum().backward()  # gradients reach the first layer of both seeds
        assert net.layer1.weight.grad is not None, name
