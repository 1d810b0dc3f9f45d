"""Classic piecewise-linear and saturating activations (mostly torch natives)."""
import torch
import torch.nn.functional as F

from actlab.zoo._define import Param, Source, define, pw, relu_s, sig, sp

GLOROT = Source("Deep sparse rectifier neural networks", "Glorot, Bordes, Bengio", 2011)
TORCH = Source("PyTorch torch.nn activation reference", "PyTorch contributors", 2016)

define("relu", "classic", "max(0, x)", torch.relu, source=Source(
    "Rectified linear units improve restricted Boltzmann machines", "Nair, Hinton", 2010),
    props="mono lb C0", sympy=lambda x: relu_s(x), inplace_fn=lambda x: torch.relu_(x),
    native=torch.relu, foreign_modules=("ReLU",))

define("relu6", "classic", "min(max(0, x), 6)", F.relu6, source=Source(
    "Convolutional deep belief networks on CIFAR-10", "Krizhevsky", 2010),
    props="mono lb ub C0", sympy=lambda x: pw((0, x < 0), (6, x > 6), x),
    inplace_fn=lambda x: F.hardtanh_(x, 0.0, 6.0), native=F.relu6, foreign_modules=("ReLU6",))

define("relu_n", "classic", "min(max(0, x), n)  (ReLU6 with any cap n)",
       lambda x, n=1.0: torch.clamp(x, 0.0, n), params=[Param("n", 1.0, 0.0, open=(True, False))],
       source=GLOROT, props="mono lb ub C0", sympy=lambda x, n: pw((0, x < 0), (n, x > n), x),
       inplace_fn=lambda x, n=1.0: x.clamp_(0.0, n), aliases=("brelu",))

define("leaky_relu", "classic", "x if x ≥ 0 else s·x", lambda x, negative_slope=0.01: F.leaky_relu(x, negative_slope),
       params=[Param("negative_slope", 0.01, 0.0, 1.0)],
       source=Source("Rectifier nonlinearities improve neural network acoustic models", "Maas, Hannun, Ng", 2013),
       props="mono C0", sympy=lambda x, negative_slope: pw((negative_slope * x, x < 0), x),
       inplace_fn=lambda x, negative_slope=0.01: F.leaky_relu_(x, negative_slope),
       native=lambda x, negative_slope=0.01: F.leaky_relu(x, negative_slope), foreign_modules=("LeakyReLU",),
       aliases=("lrelu",))


def _prelu(x, a=0.25):
    if isinstance(a, torch.Tensor):
        a = a.to(x.dtype)
        if a.numel() > 1 and x.dim() > 2 and a.dim() == x.dim() and a.shape[1] == 1:
            return torch.where(x > 0, x, a * x)  # channels not on dim 1 (channel_dim=-1): F.prelu cannot say so
        return F.prelu(x, a.reshape(-1))
    return F.leaky_relu(x, a)


define("prelu", "classic", "max(0, x) + a·min(0, x), a learnable (scalar or per channel on channel_dim, default 1)", _prelu,
       params=[Param("a", 0.25, learnable=True, doc="negative slope; no weight decay on it (He et al.)")],
       source=Source("Delving deep into rectifiers: surpassing human-level performance on ImageNet classification",
                     "He, Zhang, Ren, Sun", 2015, "1502.01852"),
       props="C0", sympy=lambda x, a: pw((a * x, x < 0), x),
       native=lambda x, a=0.25: F.prelu(x, torch.tensor([a], dtype=x.dtype)), foreign_modules=("PReLU",))

def _rrelu(x, lower=1 / 8, upper=1 / 3, training=False):
    if not training:  # eval is a fixed leaky slope; leaky_relu also covers float16 on CPU, torch's rrelu does not
        return F.leaky_relu(x, (lower + upper) / 2)
    if x.dtype in (torch.float16, torch.bfloat16):
        return F.rrelu(x.float(), lower, upper, True).to(x.dtype)
    return F.rrelu(x, lower, upper, True)


define("rrelu", "classic", "x if x ≥ 0 else a·x, a ~ U(lower, upper) in training, (lower+upper)/2 in eval", _rrelu,
       params=[Param("lower", 1 / 8, 0.0, 1.0), Param("upper", 1 / 3, 0.0, 1.0)], uses_training=True,
       source=Source("Empirical evaluation of rectified activations in convolutional network",
                     "Xu, Wang, Chen, Li", 2015, "1505.00853"),
       props="mono C0", sympy=lambda x, lower, upper: pw(((lower + upper) / 2 * x, x < 0), x),
       inplace_fn=lambda x, lower=1 / 8, upper=1 / 3, training=False: F.rrelu_(x, lower, upper, training),
       native=lambda x, lower=1 / 8, upper=1 / 3: F.rrelu(x, lower, upper, False), foreign_modules=("RReLU",))

ELU_SRC = Source("Fast and accurate deep network learning by exponential linear units (ELUs)",
                 "Clevert, Unterthiner, Hochreiter", 2015, "1511.07289")
define("elu", "classic", "x if x > 0 else α(eˣ − 1)", lambda x, alpha=1.0: F.elu(x, alpha),
       params=[Param("alpha", 1.0, 0.0)], source=ELU_SRC, props="mono lb C1",
       sympy=lambda x, alpha: pw((alpha * (sp.exp(x) - 1), x <= 0), x),
       inplace_fn=lambda x, alpha=1.0: F.elu_(x, alpha), native=lambda x, alpha=1.0: F.elu(x, alpha),
       foreign_modules=("ELU",))

define("celu", "classic", "max(0, x) + min(0, α(e^{x/α} − 1))", lambda x, alpha=1.0: F.celu(x, alpha),
       params=[Param("alpha", 1.0, 0.0, open=(True, False))],
       source=Source("Continuously differentiable exponential linear units", "Barron", 2017, "1704.07483"),
       props="mono lb C1", sympy=lambda x, alpha: pw((alpha * (sp.exp(x / alpha) - 1), x <= 0), x),
       inplace_fn=lambda x, alpha=1.0: F.celu_(x, alpha), native=lambda x, alpha=1.0: F.celu(x, alpha),
       foreign_modules=("CELU",))

SELU_ALPHA, SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
define("selu", "classic", "λ·(x if x > 0 else α(eˣ − 1)), λ≈1.0507, α≈1.6733 (self-normalising)", F.selu,
       source=Source("Self-normalizing neural networks", "Klambauer, Unterthiner, Mayr, Hochreiter", 2017,
                     "1706.02515"),
       props="mono lb", sympy=lambda x: SELU_SCALE * pw((SELU_ALPHA * (sp.exp(x) - 1), x <= 0), x),
       inplace_fn=lambda x: torch.selu_(x), native=F.selu, foreign_modules=("SELU",),
       notes="Pair with LeCun-normal init (kaiming_normal_ with nonlinearity='linear').")

define("tanh", "classic", "tanh(x)", torch.tanh, source=Source(
    "Efficient backprop", "LeCun, Bottou, Orr, Müller", 1998), props="mono lb ub zc",
    sympy=lambda x: sp.tanh(x), native=torch.tanh, foreign_modules=("Tanh",))

define("sigmoid", "classic", "σ(x) = 1 / (1 + e^{−x})", torch.sigmoid, source=Source(
    "Learning representations by back-propagating errors", "Rumelhart, Hinton, Williams", 1986),
    props="mono lb ub", sympy=lambda x: sig(x), native=torch.sigmoid, foreign_modules=("Sigmoid",),
    aliases=("logistic",))

define("logsigmoid", "classic", "log σ(x) = −softplus(−x)", F.logsigmoid, source=TORCH, props="mono ub",
       sympy=lambda x: -sp.log(1 + sp.exp(-x)), native=F.logsigmoid, foreign_modules=("LogSigmoid",))

define("hardtanh", "classic", "clamp(x, min_val, max_val)",
       lambda x, min_val=-1.0, max_val=1.0: F.hardtanh(x, min_val, max_val),
       params=[Param("min_val", -1.0), Param("max_val", 1.0)], source=Source(
           "Natural language processing (almost) from scratch", "Collobert et al.", 2011, "1103.0398"),
       props="mono lb ub zc C0", sympy=lambda x, min_val, max_val: pw((min_val, x < min_val), (max_val, x > max_val), x),
       inplace_fn=lambda x, min_val=-1.0, max_val=1.0: F.hardtanh_(x, min_val, max_val),
       native=lambda x, min_val=-1.0, max_val=1.0: F.hardtanh(x, min_val, max_val), foreign_modules=("Hardtanh",))

MOBILENET3 = Source("Searching for MobileNetV3", "Howard et al.", 2019, "1905.02244")
define("hardsigmoid", "classic", "relu6(x + 3) / 6  (slope 1/6, as torch)", F.hardsigmoid, source=MOBILENET3,
       props="mono lb ub C0", sympy=lambda x: pw((0, x < -3), (1, x > 3), x / 6 + sp.Rational(1, 2)),
       inplace_fn=lambda x: F.hardsigmoid(x, inplace=True), native=F.hardsigmoid,
       foreign_modules=("Hardsigmoid",), aliases=("hard_sigmoid",))

define("hardswish", "classic", "x · relu6(x + 3) / 6", F.hardswish, source=MOBILENET3, props="lb gated C0",
       sympy=lambda x: pw((0, x < -3), (x, x > 3), x * (x + 3) / 6),
       inplace_fn=lambda x: F.hardswish(x, inplace=True), native=F.hardswish,
       foreign_modules=("Hardswish",), aliases=("hard_swish",))

define("hard_mish", "classic", "½ · x · clamp(x + 2, 0, 2)", lambda x: 0.5 * x * torch.clamp(x + 2, 0.0, 2.0),
       source=Source("timm HardMish (cheap Mish approximation)", "Wightman", 2020), props="lb gated C0",
       sympy=lambda x: pw((0, x < -2), (x, x > 0), x * (x + 2) / 2), aliases=("hardmish",))

define("softsign", "classic", "x / (1 + |x|)", F.softsign, source=Source(
    "Quadratic polynomials learn better image features", "Bergstra, Desjardins, Lamblin, Bengio", 2009),
    props="mono lb ub zc C1", sympy=lambda x: x / (1 + sp.Abs(x)), native=F.softsign, foreign_modules=("Softsign",))

define("identity", "classic", "x", lambda x: x * 1, source=TORCH, props="mono zc",
       sympy=lambda x: x, aliases=("linear",))
