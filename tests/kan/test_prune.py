"""Pruning a KAN trained on a sparse target removes the dead inputs and the unused hidden node."""
import pytest
import torch

from actlab.kan import KAN, attribute, create_dataset, fit, prune, prune_edges, prune_inputs


@pytest.fixture(scope="module")
def sparse_model():
    # f depends on x0 only; x1, x2 are dead inputs
    ds = create_dataset(lambda x: torch.sin(torch.pi * x[:, :1]), 3, train_num=500, test_num=200, seed=0)
    model = KAN([3, 2, 1], grid=5, seed=0).double()
    fit(model, ds, steps=20, lamb=0.02, stop_grid_update_step=10)  # lamb 0.01 leaves the dead node borderline
    return model, ds


def test_attribution_scores_dead_inputs_low(sparse_model):
    model, ds = sparse_model
    s = attribute(model, ds["train_input"]).node_scores[0]
    assert s[0] > 0.5 and s[1] < 1e-2 and s[2] < 1e-2


def test_prune_inputs_removes_dead_inputs_and_keeps_the_function(sparse_model):
    model, ds = sparse_model
    small, kept = prune_inputs(model, ds["train_input"])
    assert kept == [0] and small.widths[0] == 1
    x = ds["test_input"]
    with torch.no_grad():
        # the dead edges are nearly flat; their means are folded into the bias
        assert (small(x[:, :1]) - model(x)).pow(2).mean().sqrt() < 0.03


def test_prune_removes_unused_hidden_node_and_masks_dead_edges(sparse_model):
    model, ds = sparse_model
    small = prune(model, ds["train_input"])
    assert small.widths == [3, 1, 1]
    assert small.layers[0].mask.tolist() == [[1.0, 0.0, 0.0]]
    with torch.no_grad():
        err = (small(ds["test_input"]) - ds["test_label"]).pow(2).mean().sqrt()
    assert err < 0.1


def test_prune_edges_masks_in_place_and_counts():
    torch.manual_seed(0)
    model = KAN([2, 2], grid=3).double()
    with torch.no_grad():
        model.layers[0].coef[1, 0].zero_()
        model.layers[0].scale_base[1, 0] = 0.0
    n = prune_edges(model, torch.rand(100, 2, dtype=torch.float64) * 2 - 1)
    assert n >= 1 and model.layers[0].mask[1, 0] == 0
