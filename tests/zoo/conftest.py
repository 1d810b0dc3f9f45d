import actlab

ALL = actlab.names()
ELEMENTWISE = actlab.names(kind="elementwise")
GATED = actlab.names(kind="gated")
WITH_NATIVE = [n for n in ALL if actlab.get(n).native is not None]
WITH_SYMPY = [n for n in ELEMENTWISE if actlab.get(n).sympy is not None]
