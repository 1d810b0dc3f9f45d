"""Periodic and oscillatory activations: Snake, SIREN's sine, GCU, BiPer."""
import math

import torch
from torch import nn

from actlab.zoo import kernels
from actlab.zoo._define import Param, Source, define, sp


def _snake(x, a=1.0):
    if isinstance(a, torch.Tensor):  # learnable a may cross zero; the a -> 0 limit is x
        a = torch.where(a.abs() < 1e-9, torch.full_like(a, 1e-9), a)
    s = torch.sin(a * x)
    return x + s * s / a


define("snake", "periodic", "x + sin²(a·x)/a", _snake,
       params=[Param("a", 1.0, 0.0, open=(True, False), doc="frequency; ~0.2 for generic data, 5–50 if periodic")],
       source=Source("Neural networks fail to learn periodic functions and how to fix it", "Ziyin, Hartwig, Ueda",
                     2020, "2006.08195"), props="mono", sympy=lambda x, a: x + sp.sin(a * x) ** 2 / a,
       plot_range=(-6.0, 6.0))

SIREN = Source("Implicit neural representations with periodic activation functions",
               "Sitzmann, Martel, Bergman, Lindell, Wetzstein", 2020, "2006.09661")
define("sine", "periodic", "sin(ω₀·x); SIREN uses ω₀ = 30 with `siren_init_`", lambda x, w0=30.0: torch.sin(w0 * x),
       params=[Param("w0", 30.0, 0.0, open=(True, False))], source=SIREN, props="lb ub zc periodic",
       sympy=lambda x, w0: sp.sin(w0 * x), aliases=("siren",), plot_range=(-0.3, 0.3))


@torch.no_grad()
def siren_init_(layer: nn.Linear, w0: float = 30.0, is_first: bool = False) -> nn.Linear:
    """SIREN init: first layer W ~ U(−1/n, 1/n); hidden W ~ U(−√(6/n)/ω₀, √(6/n)/ω₀); n = fan_in."""
    n = layer.weight.shape[1]
    bound = 1.0 / n if is_first else math.sqrt(6.0 / n) / w0
    layer.weight.uniform_(-bound, bound)
    if layer.bias is not None:
        layer.bias.uniform_(-bound, bound)
    return layer


define("gcu", "periodic", "x·cos(x)  (growing cosine unit)", lambda x: x * torch.cos(x), source=Source(
    "Growing cosine unit: a novel oscillatory activation function", "Noel, Arunkumar, Trivedi, Dutta", 2021,
    "2108.12943"), props="zc", sympy=lambda x: x * sp.cos(x), plot_range=(-8.0, 8.0))

define("biper", "periodic", "forward sign(sin(ω₀x)); backward ω₀·cos(ω₀x)  (binary periodic, for weights)",
       kernels.biper, params=[Param("w0", 20.0, 0.0, open=(True, False))], source=Source(
           "Binarized periodic neural networks (BiPer)", "Vargas, Correa, Hinojosa, Arguello", 2024, "2404.01278"),
       props="lb ub periodic discontinuous", sympy=lambda x, w0: sp.sign(sp.sin(w0 * x)), grad="surrogate",
       plot_range=(-0.5, 0.5))
