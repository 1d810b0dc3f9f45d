"""Smooth ReLU-like activations: GELU/SiLU family, Mish, softplus, SmeLU, CRReLU, expanded gates."""
import math

import torch
import torch.nn.functional as F

from actlab.zoo import kernels
from actlab.zoo._define import Param, Phi, Source, define, pw, sig, softplus_s, sp

GELU_SRC = Source("Gaussian error linear units (GELUs)", "Hendrycks, Gimpel", 2016, "1606.08415")
SWISH_SRC = Source("Searching for activation functions", "Ramachandran, Zoph, Le", 2017, "1710.05941")
XGATE_SRC = Source("Expanded gating ranges improve activation functions", "Huang", 2024, "2405.20768")
SMELU_SRC = Source("Smooth activations and reproducibility in deep networks", "Shamir, Lin, Coviello", 2020,
                   "2010.09931")
APPROX_BP = Source("Reducing fine-tuning memory overhead by approximate and memory-sharing backpropagation",
                   "Yang, Shi, Wang, Zhen, Shi, Xu", 2024, "2406.16282")

define("gelu", "smooth", "x·Φ(x) = ½x(1 + erf(x/√2))", F.gelu, source=GELU_SRC, props="lb gated",
       sympy=lambda x: x * Phi(x), native=F.gelu, foreign_modules=("GELUActivation",))

define("gelu_tanh", "smooth", "½x(1 + tanh(√(2/π)(x + 0.044715x³)))", lambda x: F.gelu(x, approximate="tanh"),
       source=GELU_SRC, props="lb gated",
       sympy=lambda x: x / 2 * (1 + sp.tanh(sp.sqrt(2 / sp.pi) * (x + sp.Float(0.044715) * x ** 3))),
       native=lambda x: F.gelu(x, approximate="tanh"),
       foreign_modules=("NewGELUActivation", "GELUTanh", "FastGELUActivation", "PytorchGELUTanh"),
       aliases=("gelu_new", "gelu_fast"))

define("quick_gelu", "smooth", "x·σ(1.702x)", lambda x: x * torch.sigmoid(1.702 * x), source=GELU_SRC,
       props="lb gated", sympy=lambda x: x * sig(sp.Float(1.702) * x),
       foreign_modules=("QuickGELUActivation", "QuickGELU"))

define("silu", "smooth", "x·σ(x)", F.silu, source=Source(
    "Sigmoid-weighted linear units for neural network function approximation in reinforcement learning",
    "Elfwing, Uchibe, Doya", 2017, "1702.03118"), props="lb gated", sympy=lambda x: x * sig(x),
    inplace_fn=lambda x: F.silu(x, inplace=True), native=F.silu, foreign_modules=("SiLU", "SiLUActivation", "Swish"),
    aliases=("swish",))

define("swish_beta", "smooth", "x·σ(βx), β learnable (β = 1 is SiLU)", lambda x, beta=1.0: x * torch.sigmoid(beta * x),
       params=[Param("beta", 1.0, learnable=True)], source=SWISH_SRC, props="lb gated",
       sympy=lambda x, beta: x * sig(beta * x))

define("mish", "smooth", "x·tanh(softplus(x))", F.mish, source=Source(
    "Mish: a self regularized non-monotonic activation function", "Misra", 2019, "1908.08681"),
    props="lb gated", sympy=lambda x: x * sp.tanh(softplus_s(x)), inplace_fn=lambda x: F.mish(x, inplace=True),
    native=F.mish, foreign_modules=("Mish", "MishActivation"))

define("softplus", "smooth", "(1/β)·log(1 + e^{βx}), linear where βx > threshold",
       lambda x, beta=1.0, threshold=20.0: F.softplus(x, beta, threshold),
       params=[Param("beta", 1.0, 0.0, open=(True, False)), Param("threshold", 20.0, 0.0, open=(True, False))],
       source=Source("Incorporating second-order functional knowledge for better option pricing",
                     "Dugas, Bengio, Bélisle, Nadeau, Garcia", 2001),
       props="mono lb", sympy=lambda x, beta, threshold: softplus_s(beta * x) / beta,
       native=lambda x, beta=1.0, threshold=20.0: F.softplus(x, beta, threshold), foreign_modules=("Softplus",))

define("serf", "smooth", "x·erf(softplus(x))", lambda x: x * torch.erf(F.softplus(x)), source=Source(
    "SERF: towards better training of deep neural networks using log-Softplus ERror activation Function",
    "Nag, Bhattacharyya", 2021, "2108.09598"), props="lb gated", sympy=lambda x: x * sp.erf(softplus_s(x)))

define("logish", "smooth", "x·log(1 + σ(x))", lambda x: x * torch.log1p(torch.sigmoid(x)), source=Source(
    "Logish: a new nonlinear nonmonotonic activation function for convolutional neural network",
    "Zhu, Zeng, Shi, Hu", 2021), props="lb", sympy=lambda x: x * sp.log(1 + sig(x)))

define("erf", "smooth", "erf(x)", torch.erf, source=Source("Gaussian error function as a squashing nonlinearity",
                                                          "(classic)", 1990), props="mono lb ub zc",
       sympy=lambda x: sp.erf(x))

define("isru", "smooth", "x / √(1 + αx²)", lambda x, alpha=1.0: x * torch.rsqrt(1 + alpha * x * x),
       params=[Param("alpha", 1.0, 0.0, open=(True, False))], source=Source(
           "Improving deep learning by inverse square root linear units (ISRLUs)",
           "Carlile, Delamarter, Kinney, Marti, Whitney", 2017, "1710.09967"),
       props="mono lb ub zc", sympy=lambda x, alpha: x / sp.sqrt(1 + alpha * x ** 2))

define("isrlu", "smooth", "x if x ≥ 0 else x / √(1 + αx²)",
       lambda x, alpha=1.0: torch.where(x >= 0, x, x * torch.rsqrt(1 + alpha * x * x)),
       params=[Param("alpha", 1.0, 0.0, open=(True, False))], source=Source(
           "Improving deep learning by inverse square root linear units (ISRLUs)",
           "Carlile, Delamarter, Kinney, Marti, Whitney", 2017, "1710.09967"),
       props="mono lb", sympy=lambda x, alpha: pw((x / sp.sqrt(1 + alpha * x ** 2), x < 0), x))

define("laplace", "smooth", "½(1 + erf((x − μ)/(σ√2))), μ = √½, σ = √(1/(4π))  (MEGA's squared-ReLU approximation)",
       lambda x, mu=math.sqrt(0.5), sigma=math.sqrt(1 / (4 * math.pi)):
       0.5 * (1 + torch.erf((x - mu) / (sigma * math.sqrt(2.0)))),
       params=[Param("mu", math.sqrt(0.5)), Param("sigma", math.sqrt(1 / (4 * math.pi)), 0.0, open=(True, False))],
       source=Source("Mega: moving average equipped gated attention", "Ma et al.", 2022, "2209.10655"),
       props="mono lb ub", sympy=lambda x, mu, sigma: (1 + sp.erf((x - mu) / (sigma * sp.sqrt(2)))) / 2)

define("gaussian", "smooth", "exp(−x²)", lambda x: torch.exp(-x * x), source=Source(
    "Universal approximation using radial-basis-function networks", "Park, Sandberg", 1991),
    props="lb ub", sympy=lambda x: sp.exp(-x ** 2), aliases=("rbf",))


def _smelu(x, beta=2.0):
    q = torch.clamp(x + beta, min=0.0)
    q = torch.minimum(q, torch.as_tensor(2 * beta, dtype=x.dtype)) if isinstance(beta, torch.Tensor) else q.clamp(max=2 * beta)
    return q * q / (4 * beta) + torch.relu(x - beta)


define("smelu", "smooth", "0 (x ≤ −β); (x + β)²/(4β) (|x| ≤ β); x (x ≥ β)", _smelu,
       params=[Param("beta", 2.0, 0.0, open=(True, False), doc="half-width of the quadratic transition")],
       source=SMELU_SRC, props="mono lb C1",
       sympy=lambda x, beta: pw((0, x <= -beta), (x, x >= beta), (x + beta) ** 2 / (4 * beta)))


def _gsmelu(x, alpha=1.0, beta=1.0, g=0.0, t=0.0):
    w = alpha + beta
    q = torch.clamp(x + alpha, min=0.0)
    q = torch.minimum(q, torch.as_tensor(w, dtype=x.dtype)) if isinstance(w, torch.Tensor) else q.clamp(max=w)
    return g * x + t + (1 - g) * (q * q / (2 * w) + torch.relu(x - beta))


define("generalized_smelu", "smooth",
       "slope g left of −α, ramping linearly to slope 1 at β, plus shift t: f′ = g + (1−g)·clamp((x+α)/(α+β), 0, 1)",
       _gsmelu, params=[Param("alpha", 1.0, 0.0, open=(True, False)), Param("beta", 1.0, 0.0, open=(True, False)),
                        Param("g", 0.0, 0.0, 1.0), Param("t", 0.0)],
       source=SMELU_SRC, props="mono C1", aliases=("gsmelu",),
       sympy=lambda x, alpha, beta, g, t: g * x + t + (1 - g) * pw(
           (0, x <= -alpha), ((alpha + beta) / 2 + x - beta, x >= beta), (x + alpha) ** 2 / (2 * (alpha + beta))),
       notes="g = 0, α = β, t = 0 is SmeLU(β). Parameterisation derived from the paper's description.")

define("crrelu", "smooth", "relu(x) + ε·x·exp(−x²/2), ε learnable",
       lambda x, eps=0.01: torch.relu(x) + eps * x * torch.exp(-0.5 * x * x),
       params=[Param("eps", 0.01, learnable=True)], source=Source(
           "Entropy-based activation function optimization: a method on searching better activation functions",
           "Sun et al.", 2024, "2405.12954"),
       props="C0", sympy=lambda x, eps: pw((0, x < 0), x) + eps * x * sp.exp(-x ** 2 / 2))


def _xgate(gate, gate_s, name, formula):
    define(name, "smooth", formula, lambda x, alpha=0.0: x * ((1 + 2 * alpha) * gate(x) - alpha),
           params=[Param("alpha", 0.0, learnable=True, doc="gate range expansion, init 0")], source=XGATE_SRC,
           props="gated", sympy=lambda x, alpha: x * ((1 + 2 * alpha) * gate_s(x) - alpha))


_xgate(lambda x: torch.atan(x) / math.pi + 0.5, lambda x: sp.atan(x) / sp.pi + sp.Rational(1, 2), "xatlu",
       "x·((1+2α)(arctan(x)/π + ½) − α)")
_xgate(lambda x: 0.5 * (1 + torch.erf(x * (1 / math.sqrt(2)))), Phi, "xgelu", "x·((1+2α)Φ(x) − α)")
_xgate(torch.sigmoid, sig, "xsilu", "x·((1+2α)σ(x) − α)")

define("regelu2", "smooth", "forward GELU; backward a 4-level step (Approx-BP, 2 bits saved per element)",
       kernels.regelu2, source=APPROX_BP, props="lb gated", sympy=lambda x: x * Phi(x), grad="surrogate")
define("resilu2", "smooth", "forward SiLU; backward a 4-level step (Approx-BP, 2 bits saved per element)",
       kernels.resilu2, source=APPROX_BP, props="lb gated", sympy=lambda x: x * sig(x), grad="surrogate")
