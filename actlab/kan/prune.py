"""Pruning of KAN edges and nodes from recorded activations (pykan 0.2 semantics; kan_learnable.md §1.5).

Attribution (pykan ``attribute``): output nodes get score 1; walking back, an edge's score is
    std_batch(edge activation) · score(its output node) / (std_batch(output node's sum) + 1e-4),
a node's score is the sum of its outgoing edges' scores; scores are averaged over the output nodes.
Defaults: nodes below 1e-2 and edges below 3e-2 are pruned. Pruned nodes are removed (a smaller KAN is
returned); pruned edges are masked. A pruned edge is rarely exactly zero: its mean over the samples is
folded into the bias of its output node (a bias is added where the layer had none), so the pruned model
keeps the function's level, which pykan's pruning drops.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from actlab.core.errors import ParameterError
from actlab.kan.layer import KAN, KANLayer


@dataclass
class Attribution:
    """node_scores[l]: (width_l,) for l = 0..L (inputs first); edge_scores[l]: (width_{l+1}, width_l)."""

    node_scores: list[Tensor]
    edge_scores: list[Tensor]


def attribute(model: KAN, x: Tensor) -> Attribution:
    """pykan's backward attribution of every node and edge on samples ``x``."""
    with torch.no_grad():
        model.record_pass(x)
        node = torch.eye(model.widths[-1], dtype=x.dtype)  # (queried outputs, nodes of layer l+1)
        nodes, edges = [node], []
        for layer in reversed(model.layers):
            rec = layer.last
            edge_act = rec.edges.std(0)  # (out, in)
            sub_act = rec.out.std(0)  # (out,)
            e = edge_act.unsqueeze(0) * (node / (sub_act + 1e-4)).unsqueeze(-1)  # (q, out, in)
            node = e.sum(1)  # (q, in)
            edges.append(e)
            nodes.append(node)
    nodes.reverse()
    edges.reverse()
    return Attribution([n.mean(0) for n in nodes], [e.mean(0) for e in edges])


def sub_layer(layer: KANLayer, keep_in: Tensor, keep_out: Tensor) -> KANLayer:
    """A copy of ``layer`` restricted to the given input and output indices."""
    new = copy.deepcopy(layer)
    select = getattr(new.basis, "select_inputs", None)
    if len(keep_in) != layer.in_features:
        if select is None:
            raise ParameterError(f"removing input nodes is not supported for basis {layer.basis.name!r} "
                                 "(its inputs are coupled); prune edges (masking) instead")
        select(keep_in)
    new.in_features, new.out_features = len(keep_in), len(keep_out)
    new.basis.in_features = len(keep_in)
    with torch.no_grad():
        new.coef = nn.Parameter(layer.coef[keep_out][:, keep_in].clone())
        if layer.scale_sp is not None:
            new.scale_sp = nn.Parameter(layer.scale_sp[keep_out][:, keep_in].clone())
        if layer.scale_base is not None:
            new.scale_base = nn.Parameter(layer.scale_base[keep_out][:, keep_in].clone())
        if layer.bias is not None:
            new.bias = nn.Parameter(layer.bias[keep_out].clone())
        new.mask = layer.mask[keep_out][:, keep_in].clone()
        new.seen_lo, new.seen_hi = layer.seen_lo[keep_in].clone(), layer.seen_hi[keep_in].clone()
    ins, outs = keep_in.tolist(), keep_out.tolist()
    new.symbolic = {(outs.index(j), ins.index(i)): e for (j, i), e in layer.symbolic.items()
                    if j in outs and i in ins}
    new.sym_params = nn.ParameterDict({f"{outs.index(j)}_{ins.index(i)}": layer.sym_params[f"{j}_{i}"]
                                       for (j, i) in layer.symbolic if j in outs and i in ins})
    new.last = None
    return new


def _fold_into_bias(layer: KANLayer, shift: Tensor) -> None:
    """Add ``shift`` (out,) to the layer's bias, creating a zero bias first if needed."""
    with torch.no_grad():
        if layer.bias is None:
            layer.bias = nn.Parameter(torch.zeros_like(shift))
        layer.bias += shift.to(layer.bias.dtype)


def _rebuild(model: KAN, keep: list[Tensor]) -> KAN:
    """Restrict every layer to the kept nodes; uses the edge records of the last `attribute` pass."""
    new = copy.deepcopy(model)
    layers = []
    for l, layer in enumerate(model.layers):
        sub = sub_layer(layer, keep[l], keep[l + 1])
        dead = torch.ones(layer.in_features, dtype=torch.bool)
        dead[keep[l]] = False
        if dead.any() and layer.last is not None:
            _fold_into_bias(sub, layer.last.edges.detach()[:, keep[l + 1]][:, :, dead].mean(0).sum(-1))
        layers.append(sub)
    new.layers = nn.ModuleList(layers)
    new.widths = [len(k) for k in keep]
    return new


def prune_nodes(model: KAN, x: Tensor, threshold: float = 1e-2) -> tuple[KAN, list[list[int]]]:
    """Remove hidden nodes whose attribution score is <= threshold; returns the new KAN and kept indices
    per layer (inputs and outputs are always kept; at least one node per hidden layer survives)."""
    att = attribute(model, x)
    keep = [torch.arange(model.widths[0])]
    for s in att.node_scores[1:-1]:
        k = torch.nonzero(s > threshold).flatten()
        keep.append(k if len(k) else s.argmax().reshape(1))
    keep.append(torch.arange(model.widths[-1]))
    return _rebuild(model, keep), [k.tolist() for k in keep]


def prune_inputs(model: KAN, x: Tensor, threshold: float = 1e-2) -> tuple[KAN, list[int]]:
    """Remove input variables whose attribution score is <= threshold (pykan ``prune_input``)."""
    att = attribute(model, x)
    k = torch.nonzero(att.node_scores[0] > threshold).flatten()
    k = k if len(k) else att.node_scores[0].argmax().reshape(1)
    keep = [k] + [torch.arange(w) for w in model.widths[1:]]
    return _rebuild(model, keep), k.tolist()


def prune_edges(model: KAN, x: Tensor, threshold: float = 3e-2) -> int:
    """Mask (in place) every edge whose attribution score is < threshold; returns how many were masked."""
    att = attribute(model, x)
    n = 0
    with torch.no_grad():
        for layer, s in zip(model.layers, att.edge_scores):
            dead = (s < threshold) & (layer.mask > 0)
            n += int(dead.sum())
            if dead.any():
                _fold_into_bias(layer, (layer.last.edges.detach().mean(0) * dead).sum(-1))
            layer.mask[dead] = 0.0
    return n


def prune(model: KAN, x: Tensor, node_th: float = 1e-2, edge_th: float = 3e-2) -> KAN:
    """pykan ``prune``: remove weak hidden nodes, then mask weak edges of the smaller model."""
    new, _ = prune_nodes(model, x, node_th)
    prune_edges(new, x, edge_th)
    return new
