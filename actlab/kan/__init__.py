"""actlab.kan: Kolmogorov–Arnold layers with interchangeable bases, grid update/extension, pruning,
symbolic snapping.

- `KANLayer(in, out, basis=..., **basis_params)` / `KAN(widths, basis=..., **opts)`: one (B, in, K) basis
  tensor and one matmul per layer; ``model.recording()`` keeps per-edge activations.
- bases: one module each, registered in `BASES` (`basis_names()`; ``BASES.table()`` lists each basis' aliases,
  parameters with defaults, whether it takes a ``grid`` and whether its grid adapts to data). Adding a basis is
  one module with a ``@register_basis(...)`` class plus its import below (`bspline` is a subpackage: the
  B-spline evaluation methods behind the bspline and matrix bases).
- `fit` (pykan-style LBFGS with grid updates and regularisation), `KAN.refine` (grid extension), `prune`,
  `prune_inputs`, `attribute`, `suggest_symbolic` / `fix_symbolic` / `auto_symbolic` / `symbolic_formula`,
  `actlab.kan.io.save_kan` / `load_kan`; plots in `actlab.report.kan_plot`.

>>> from actlab.kan import KAN, KANLayer, basis_names
>>> model = KAN([2, 5, 1], basis="bspline", grid=5)
"""
from __future__ import annotations

import importlib.util

from actlab.kan.basis import BASES, Basis, basis_names, get_basis, make_basis, register_basis
# the built-in bases register themselves on import (the registry in kan/basis.py never imports them)
from actlab.kan import (af, bspline, chebyshev, fourier, legendre, rational, rbf, relu,  # noqa: F401
                        selectable)
from actlab.kan.fit import FitResult, create_dataset, fit, toy_function
from actlab.kan.layer import KAN, EdgeRecord, KANLayer
from actlab.kan.prune import attribute, prune, prune_edges, prune_inputs, prune_nodes
from actlab.kan.symbolic import (SymbolicFit, auto_symbolic, fit_affine, fix_symbolic, suggest_symbolic,
                                 symbolic_formula)

__all__ = ["BASES", "KAN", "KANLayer", "Basis", "EdgeRecord", "FitResult", "SymbolicFit", "attribute",
           "auto_symbolic",
           "basis_names", "create_dataset", "fit", "fit_affine", "fix_symbolic", "get_basis", "make_basis", "prune",
           "prune_edges", "prune_inputs", "prune_nodes", "register_basis", "suggest_symbolic", "symbolic_formula",
           "toy_function"]

if importlib.util.find_spec("actlab.kan.qkan") is not None:  # QKAN/HQKAN live beside us (learnable area)
    from actlab.kan.qkan import HQKAN, QKAN  # noqa: F401

    __all__ += ["QKAN", "HQKAN"]
