"""The GLU family as gated units.

Split order (one, everywhere in actlab, same as ``torch.nn.GLU``): the input is split in two halves along
``dim``; the **first half is the value**, the **second half is the gate**: ``out = a ⊙ g(b)`` with
``a, b = x.chunk(2, dim)``. Output size along ``dim`` is half the input's.
"""
import torch
import torch.nn.functional as F

from actlab.core.errors import ShapeError
from actlab.zoo._define import Source, define

SHAZEER = Source("GLU variants improve transformer", "Shazeer", 2020, "2002.05202")


def _halves(x: torch.Tensor, dim: int):
    if x.dim() == 0 or x.shape[dim] % 2:
        raise ShapeError(f"gated unit needs an even size along dim {dim}, got shape {tuple(x.shape)}")
    return x.chunk(2, dim)


def gated(gate):
    def fn(x, dim=-1):
        a, b = _halves(x, dim)
        return a * gate(b)
    return fn


for _name, _gate, _text, _src, _native in [
    ("glu", torch.sigmoid, "a ⊙ σ(b)", Source("Language modeling with gated convolutional networks",
                                              "Dauphin, Fan, Auli, Grangier", 2017, "1612.08083"),
     lambda x, dim=-1: F.glu(x, dim)),
    ("reglu", torch.relu, "a ⊙ relu(b)", SHAZEER, None),
    ("geglu", F.gelu, "a ⊙ gelu(b)", SHAZEER, None),
    ("swiglu", F.silu, "a ⊙ silu(b)", SHAZEER, None),
    ("bilinear", lambda b: b, "a ⊙ b", SHAZEER, None),
]:
    define(_name, "gated", f"{_text}, (a, b) = halves of x along dim (value first, gate second)", gated(_gate),
           source=_src, kind="gated", native=_native, foreign_modules=("GLU",) if _name == "glu" else ())
