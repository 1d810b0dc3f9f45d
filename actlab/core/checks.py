"""Input checks shared by modules with their own parameters: say what came in and what was expected."""
from __future__ import annotations

import torch
from torch import nn

from actlab.core.errors import ShapeError


def check_input(x: object, module: nn.Module, min_dim: int = 1) -> torch.Tensor:
    """``x`` must be a tensor of at least ``min_dim`` dimensions in the floating dtype of ``module``'s parameters
    (torch's own errors for a float64 input to a float32 layer, or an integer tensor, do not name the module)."""
    name = type(module).__name__
    if not isinstance(x, torch.Tensor):
        raise ShapeError(f"{name} expects a torch.Tensor, got {type(x).__name__}")
    if x.dim() < min_dim:
        raise ShapeError(f"{name} expects at least {min_dim} dimension(s), got a {x.dim()}-d tensor")
    p = next(module.parameters(), None)
    want = p.dtype if p is not None else torch.get_default_dtype()
    if x.dtype != want and not (x.is_floating_point() and torch.is_autocast_enabled(x.device.type)):
        fix = f"cast the input (x.to({want})) or the module (module.to({x.dtype}))" if x.is_floating_point() \
            else f"cast the input (x.to({want}))"
        raise ShapeError(f"{name} has {want} parameters but got a {x.dtype} input; {fix}")
    return x
