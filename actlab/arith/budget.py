"""Does a unit's regulariser ramp fit the iteration budget? A ramp that never starts (or never ends) within
the budget trains the unit unregularised (or at part strength), and 0% success then says nothing about the unit.

Paper ramps (Madsen & Johansen 2020): NAU λ̂ = 0.01 from 5·10³ to 5·10⁴, NMU λ̂ = 10 from 10⁶ to 2·10⁶, for a
5·10⁶-iteration budget; ``ramp_scale`` multiplies start and end.
"""
from __future__ import annotations

from actlab.arith.trainer import TrainConfig

__all__ = ["RampWarning", "ramp_notes"]

END_SHARE = 0.4  # where the paper's NMU ramp ends in its budget (2·10⁶ of 5·10⁶): the suggested scale puts it there


class RampWarning(UserWarning):
    """A unit's regulariser ramp does not fit the iteration budget."""


def ramp_notes(units: list[str], config: TrainConfig, option: str = "ramp_scale={:.3g}") -> list[str]:
    """One sentence per unit whose ramp never starts, or never reaches full strength, within
    ``config.iterations``; each names ``option`` (the CLI's is ``--ramp-scale {:.3g}``) with a value that fits."""
    its, notes = config.iterations, []
    for unit in units:
        reg = config.schedule(unit)
        if reg is None or reg.end <= its:
            continue
        raw_end = reg.end / config.ramp_scale
        fit = END_SHARE * its / raw_end
        where = (f"starts at {reg.start:.3g} iterations, after the budget of {its:g} ends: the regulariser never "
                 "switches on, so the unit trains unregularised (expect ~0% success)" if reg.start >= its else
                 f"runs from {reg.start:.3g} to {reg.end:.3g} iterations: by the end of the {its:g}-iteration budget "
                 f"λ reaches only {reg(its) / reg.lam:.0%} of λ̂ = {reg.lam:g}")
        notes.append(f"{unit}: the regulariser ramp (scale {config.ramp_scale:g}) {where}; pass "
                     f"{option.format(fit)} to end the ramp at {END_SHARE:.0%} of the budget (as the paper's NMU ramp does)")
    return notes
