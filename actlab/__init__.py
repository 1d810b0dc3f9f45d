"""actlab: an activation-function laboratory for PyTorch.

>>> import actlab, torch
>>> act = actlab.create("gelu")
>>> actlab.functional("smelu")(torch.linspace(-3, 3, 5), beta=1.0)
tensor([0.0000, 0.0000, 0.2500, 1.5000, 3.0000])
"""
from actlab.core import (FAMILIES, ActivationSpec, ActlabError, Param, Props, Source, create, functional, get,
                         identify, names, register, seed_everything, specs, swap, unregister)

# the built-in activations register themselves when their packages are imported; the core registry never imports
# them, so this is the one place that does. The other kinds (tasks, KAN bases, spaces, ...) register when their own
# package is imported, which any path to their registry does; `actlab.kinds.registries()` loads them all (not done
# here: it would double the import time of actlab, see actlab/kinds.py)
import actlab.zoo  # noqa: E402,F401,I001  (zoo first: registration order is identify()'s search order)
import actlab.learnable  # noqa: E402,F401
from actlab.core.compiled import set_backend  # noqa: E402

__version__ = "0.1.0"
__all__ = ["FAMILIES", "ActivationSpec", "ActlabError", "Param", "Props", "Source", "create", "functional", "get",
           "identify", "names", "register", "seed_everything", "set_backend", "specs", "swap", "unregister",
           "__version__"]
