"""Learnable activations (rational/PAU, GR-KAN, EvoNorm, DARUAN); importing registers them.

The simpler learnable activations (PReLU, Swish-β, CRReLU, Snake, SmeLU) are zoo specs made learnable with
``actlab.create(name, learnable=True, num_parameters=C)``. The functional twins live in their modules
(``actlab.learnable.rational.rational``, ``actlab.learnable.daruan.daruan``); they are not re-exported here
because their names would shadow the submodules.
"""
from actlab.learnable.daruan import DARUAN, extend_circuit
from actlab.learnable.evonorm import EvoNormB0, EvoNormS0
from actlab.learnable.fit import RationalFit, fit_rational
from actlab.learnable.grkan import GRKANFFN, GRKANLinear, GroupRational
from actlab.learnable.rational import Rational

__all__ = ["DARUAN", "extend_circuit", "EvoNormB0", "EvoNormS0", "RationalFit", "fit_rational", "GRKANFFN",
           "GRKANLinear", "GroupRational", "Rational"]
