"""Any found candidate becomes a registered zoo spec with its sympy form in one call."""
import sympy as sp
import torch

import actlab
from actlab.search import promote, run_search


def test_promoted_expression_is_a_zoo_entry_with_sympy_form_and_learnable_beta():
    spec = promote("x*sigmoid(b0*x)", "t_promoted_swish")
    assert actlab.get("t_promoted_swish") is spec
    x = sp.Symbol("x", real=True)
    assert sp.simplify(spec.expr() - x / (1 + sp.exp(-x))) == 0
    mod = actlab.create("t_promoted_swish")
    assert [n for n, _ in mod.named_parameters()] == ["b0"]
    t = torch.linspace(-5, 5, 51)
    torch.testing.assert_close(mod(t), torch.nn.functional.silu(t))


def test_best_row_of_a_search_promotes_in_one_call():
    res = run_search("correction", "exhaustive", "target:crrelu", budget=40, seed=0,
                     space_options={"bases": ["relu", "gelu"], "eps_inits": [0.01]})
    spec = promote(res.top(1)[0], "t_found_crrelu", space="correction",
                   space_options={"bases": ["relu", "gelu"], "eps_inits": [0.01]})
    t = torch.linspace(-4, 4, 41)
    torch.testing.assert_close(actlab.create("t_found_crrelu")(t), actlab.create("crrelu")(t))
    assert spec.param_map["b0"].default == 0.01


def test_graph_candidate_promotes_to_a_layer_spec():
    from actlab.search.graph import EVONORM_S0

    spec = promote(EVONORM_S0, "t_found_s0", space="graph")
    assert spec.kind == "layer" and actlab.create("t_found_s0")(torch.randn(3, 8)).shape == (3, 8)
