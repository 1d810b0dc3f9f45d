"""`actlab.kinds.registries()` lists every registry, and a registry reached by any import path has all its
built-ins: importing the module that defines it runs the package that registers them (issue #17)."""
import importlib
import json
import pkgutil
import subprocess
import sys

import pytest

import actlab
from actlab.core.named_registry import Registry
from actlab.kinds import registries

# the module defining each registry; importing only it must already register every built-in
DEFINED_IN = {"activation": "actlab.core.catalog.ACTIVATIONS", "task": "actlab.tasks.registry.TASKS",
              "KAN basis": "actlab.kan.basis.BASES", "search space": "actlab.search.space.SPACES",
              "search strategy": "actlab.search.strategies.STRATEGIES", "backend": "actlab.bench.backends.base.BACKENDS",
              "unit": "actlab.arith.models.ARITH_MODELS", "elementary function": "actlab.core.elementary.ELEMENTARY"}


def test_registries_holds_every_module_level_registry():
    regs = registries()
    assert set(regs) == set(DEFINED_IN)
    for kind, where in DEFINED_IN.items():
        module, name = where.rsplit(".", 1)
        assert regs[kind] is getattr(sys.modules[module], name)
    for info in pkgutil.walk_packages(actlab.__path__, "actlab."):
        if info.name.endswith("__main__"):  # runs the command line
            continue
        try:
            importlib.import_module(info.name)
        except ImportError:  # an optional dependency (the module then defines no registry we could miss)
            continue
    ours = {id(r) for r in regs.values()}
    stray = [f"{m.__name__}.{k}" for m in list(sys.modules.values()) if getattr(m, "__name__", "").startswith("actlab")
             for k, o in vars(m).items() if isinstance(o, Registry) and id(o) not in ours]
    assert stray == []


@pytest.mark.parametrize("kind", sorted(DEFINED_IN))
def test_a_registry_imported_alone_already_has_every_builtin(kind):
    module, name = DEFINED_IN[kind].rsplit(".", 1)
    code = f"import json; from {module} import {name} as R; print(json.dumps(sorted(R)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    alone = set(json.loads(out.stdout.strip().splitlines()[-1]))
    builtin = {e.name for e in registries()[kind].entries() if e.module.startswith("actlab.")}
    assert builtin and builtin <= alone, builtin - alone
