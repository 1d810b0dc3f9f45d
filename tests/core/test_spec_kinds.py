"""A spec's kind is one of `Kind`, and each generated module's docstring states the shape behaviour that the
module shows when run (measured here, not read from the spec)."""
import torch

import actlab
from actlab.core.module import module_class
from actlab.core.spec import KINDS


def measured_shape_line(module: torch.nn.Module) -> str:
    """Run the module on a (3, 8) input: halves the last dim, or preserves the shape with outputs coupled along
    the last dimension (a change to x[0, 0] moves y[0, 1:]), or elementwise."""
    torch.manual_seed(0)
    x = torch.randn(3, 8, dtype=torch.float64)
    with torch.no_grad():
        y = module(x)
        if y.shape == (3, 4):
            return "(*, 2n, *) -> (*, n, *)"
        assert y.shape == x.shape
        x2 = x.clone()
        x2[0, 0] += 0.5
        y2 = module(x2)
    coupled = not torch.equal(y[0, 1:], y2[0, 1:])
    assert torch.equal(y[1:], y2[1:])  # rows never mix
    return "(*, n) -> (*, n)" if coupled else "(*) -> (*)"


def test_every_spec_kind_is_a_listed_kind_and_rowwise_is_one():
    kinds = {actlab.get(n).kind for n in actlab.names()}
    assert "rowwise" in KINDS and kinds <= set(KINDS)


def test_generated_docstrings_state_the_measured_shape_behaviour():
    checked = {}
    for name in actlab.names():
        spec = actlab.get(name)
        if spec.module is not None:
            continue  # layer classes carry their own docstrings
        m = actlab.create(name).double().eval()
        line = measured_shape_line(m)
        doc = module_class(spec).__doc__
        assert f"Shape: {line}" in doc, (name, line, doc)
        checked[name] = line
    assert checked["polynorm"] == "(*, n) -> (*, n)" and checked["swiglu"].startswith("(*, 2n")
    assert checked["relu"] == "(*) -> (*)"
