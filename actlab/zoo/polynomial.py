"""Polynomial and series activations: squared ReLU, StarReLU, PolyReLU, PolyNorm, PanGu-π SIAF."""
import torch
import torch.nn.functional as F

from actlab.zoo._define import Param, Phi, Source, define, pw, sp

POLYCOM = Source("Polynomial composition activations: unleashing the dynamics of large language models",
                 "Zhuo, Wang, Zeng, Li, Zhou, Ma", 2024, "2411.03884")
THIRD = 1 / 3

define("squared_relu", "polynomial", "relu(x)²", lambda x: torch.square(torch.relu(x)), source=Source(
    "Primer: searching for efficient transformers for language modeling", "So et al.", 2021, "2109.08668"),
    props="mono lb C1", sympy=lambda x: pw((0, x < 0), x ** 2), foreign_modules=("ReLUSquaredActivation",),
    aliases=("relu2", "relu_squared"))

define("star_relu", "polynomial", "s·relu(x)² + b, s and b learnable scalars",
       lambda x, s=0.8944, b=-0.4472: s * torch.square(torch.relu(x)) + b,
       params=[Param("s", 0.8944, learnable=True), Param("b", -0.4472, learnable=True)],
       source=Source("MetaFormer baselines for vision", "Yu et al.", 2022, "2210.13452"),
       props="mono lb C1", sympy=lambda x, s, b: s * pw((0, x < 0), x ** 2) + b, aliases=("starrelu",))

_COEF = [Param("a3", THIRD, learnable=True), Param("a2", THIRD, learnable=True),
         Param("a1", THIRD, learnable=True), Param("a0", 0.0, learnable=True)]


def _polyrelu(x, a3=THIRD, a2=THIRD, a1=THIRD, a0=0.0):
    r = torch.relu(x)
    return ((a3 * r + a2) * r + a1) * r + a0


define("polyrelu", "polynomial", "a₃·relu(x)³ + a₂·relu(x)² + a₁·relu(x) + a₀ (coefficients learnable)",
       _polyrelu, params=_COEF, source=POLYCOM, props="mono lb C0",
       sympy=lambda x, a3, a2, a1, a0: pw((a0, x < 0), a3 * x ** 3 + a2 * x ** 2 + a1 * x + a0))


def _rms(u, eps):
    return u * torch.rsqrt(u.pow(2).mean(-1, keepdim=True) + eps)


def _polynorm(x, a3=THIRD, a2=THIRD, a1=THIRD, a0=0.0, eps=1e-6):
    low = x.dtype in (torch.float16, torch.bfloat16)
    z = x.float() if low else x  # x³ overflows float16 long before the normalised result does
    y = a3 * _rms(z ** 3, eps) + a2 * _rms(z ** 2, eps) + a1 * _rms(z, eps) + a0
    return y.to(x.dtype) if low else y


define("polynorm", "polynomial",
       "a₃·N(x³) + a₂·N(x²) + a₁·N(x) + a₀, N(u) = u/√(mean(u², last dim) + ε) — NOT elementwise: couples the last dim",
       _polynorm, params=_COEF + [Param("eps", 1e-6, 0.0, open=(True, False))], source=POLYCOM, props="",
       kind="rowwise", notes="Each output depends on the whole last dimension through the RMS normalisation.")


def _siaf(x, a1=1.0, b1=0.5, a2=1.0, b2=-0.5):
    return F.gelu(a1 * x + b1) + F.gelu(a2 * x + b2)


define("pangu_siaf", "polynomial", "Σᵢ₌₁² gelu(aᵢ·x + bᵢ), aᵢ, bᵢ learnable  (series informed activation)",
       _siaf, params=[Param("a1", 1.0, learnable=True), Param("b1", 0.5, learnable=True),
                      Param("a2", 1.0, learnable=True), Param("b2", -0.5, learnable=True)],
       source=Source("PanGu-π: enhancing language model architectures via nonlinearity compensation",
                     "Wang, Chen, Tang et al.", 2023, "2312.17276"), props="lb",
       sympy=lambda x, a1, b1, a2, b2: (a1 * x + b1) * Phi(a1 * x + b1) + (a2 * x + b2) * Phi(a2 * x + b2),
       aliases=("siaf",), notes="Base σ = GELU and the initial (a, b) are our choice: the paper fixes n = 2 only.")
