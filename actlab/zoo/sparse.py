"""Activations that output exact zeros on a region (shrinkage, thresholds, hysteresis, CATS)."""
import torch
import torch.nn.functional as F

from actlab.zoo import kernels
from actlab.zoo._define import Param, Source, define, pw, sig, sp

DONOHO = Source("De-noising by soft-thresholding", "Donoho", 1995)

define("softshrink", "sparse", "x − λ (x > λ); x + λ (x < −λ); 0 otherwise",
       lambda x, lambd=0.5: F.softshrink(x, lambd), params=[Param("lambd", 0.5, 0.0)], source=DONOHO,
       props="mono zc C0", sympy=lambda x, lambd: pw((x - lambd, x > lambd), (x + lambd, x < -lambd), 0),
       native=lambda x, lambd=0.5: F.softshrink(x, lambd), foreign_modules=("Softshrink",))

define("hardshrink", "sparse", "x if |x| > λ else 0", lambda x, lambd=0.5: F.hardshrink(x, lambd),
       params=[Param("lambd", 0.5, 0.0)], source=DONOHO, props="zc discontinuous",
       sympy=lambda x, lambd: pw((x, sp.Abs(x) > lambd), 0),
       native=lambda x, lambd=0.5: F.hardshrink(x, lambd), foreign_modules=("Hardshrink",))

define("tanhshrink", "sparse", "x − tanh(x)", F.tanhshrink, source=DONOHO, props="mono zc",
       sympy=lambda x: x - sp.tanh(x), native=F.tanhshrink, foreign_modules=("Tanhshrink",))

define("threshold", "sparse", "x if x > threshold else value",
       lambda x, threshold=0.0, value=0.0: F.threshold(x, threshold, value),
       params=[Param("threshold", 0.0), Param("value", 0.0)],
       source=Source("PyTorch torch.nn.Threshold", "PyTorch contributors", 2016), props="discontinuous",
       sympy=lambda x, threshold, value: pw((x, x > threshold), value),
       inplace_fn=lambda x, threshold=0.0, value=0.0: F.threshold_(x, threshold, value),
       native=lambda x, threshold=0.0, value=0.0: F.threshold(x, threshold, value), foreign_modules=("Threshold",))

define("helu", "sparse", "forward relu(x); backward 1[x > −α] (hysteresis)", kernels.helu,
       params=[Param("alpha", 0.05, 0.0)], source=Source(
           "Hysteresis activation function for efficient inference", "Kimhi, Kashani, Mendelson, Baskin", 2024,
           "2411.10573"), props="mono lb C0", sympy=lambda x, alpha: pw((0, x < 0), x), grad="surrogate")


def _cats(x, t=0.05):
    y = F.silu(x)
    return y * (y.abs() >= t)


define("cats", "sparse", "silu(x)·1[|silu(x)| ≥ t]  (mask treated as constant in backward)", _cats,
       params=[Param("t", 0.05, 0.0, doc="calibrate as a quantile of |silu| for a target sparsity")],
       source=Source("CATS: contextually-aware thresholding for sparsity in large language models",
                     "Lee, Lee, Zhang, Tiwari, Mirhoseini", 2024, "2404.08763"),
       props="discontinuous", sympy=lambda x, t: pw((x * sig(x), sp.Abs(x * sig(x)) >= t), 0))
