"""Core of actlab: the activation spec, its registry and the errors everything raises."""
from actlab.core.errors import ActlabError, ConfigError, ParameterError, ShapeError, UnknownNameError
from actlab.core.module import Activation, module_class
from actlab.core.named_registry import DuplicateNameError, Entry, Registry
from actlab.core.registry import ACTIVATIONS, create, functional, get, names, register, specs, unregister
from actlab.core.seed import seed_everything
from actlab.core.spec import FAMILIES, ActivationSpec, Param, Props, Source
from actlab.core.swap import identify, swap

__all__ = ["ACTIVATIONS", "DuplicateNameError", "Entry", "Registry", "unregister", "ActlabError", "ConfigError",
           "ParameterError", "ShapeError", "UnknownNameError", "Activation", "module_class", "create", "functional",
           "get", "names", "register", "specs", "seed_everything", "FAMILIES", "ActivationSpec", "Param", "Props",
           "Source", "identify", "swap"]
