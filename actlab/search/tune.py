"""Optuna for the continuous parameters of a template expression (e.g. β in x·σ(βx)).

The discrete search finds a form; this fits its trainable scalars' *initial values* (b0, b1, ...) to an
objective with TPE (seeded, so reproducible). Optuna is the reference's pick for continuous parameters
(shared/reference/activation_search.md §6.3).
"""
from __future__ import annotations

import math
from typing import Any

from actlab.core.errors import ConfigError
from actlab.search.evaluate import TargetObjective, TaskObjective, make_objective
from actlab.search.expression import ExpressionActivation
from actlab.search.symbolic import compile_expr, parse_expression


FAILED = -1e9  # the score of a trial whose objective is not finite (TPE needs a number)


def tune_template(template: str, objective: Any = "target:silu", *, n_trials: int = 30, seed: int = 0,
                  low: float = -3.0, high: float = 3.0, seeds: tuple[int, ...] = (0,)) -> dict[str, Any]:
    """Search the b_i of ``template`` in [low, high] with TPE; returns ``{"params", "value", "trials"}``."""
    import optuna

    if n_trials < 1:
        raise ConfigError(f"n_trials must be >= 1, got {n_trials}")
    expr = parse_expression(template)
    names = compile_expr(expr).params
    if not names:
        raise ConfigError(f"template {template!r} has no parameters b0, b1, ... to tune")
    obj = make_objective(objective)

    def score(trial: "optuna.Trial") -> float:
        init = {n: trial.suggest_float(n, low, high) for n in names}
        vals = []
        for s in obj.seeds_for(seeds):
            if isinstance(obj, TargetObjective):
                rec = obj.run(ExpressionActivation(expr, init=init), s)
            else:
                assert isinstance(obj, TaskObjective)
                rec = obj.run(lambda: ExpressionActivation(expr, init=init), s)
            vals.append(rec["value"])
        v = sum(vals) / len(vals)
        return v if math.isfinite(v) else FAILED

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed))
    study.optimize(score, n_trials=n_trials)
    if study.best_value <= FAILED:
        raise ConfigError(f"no trial of {template!r} gave a finite objective in [{low}, {high}] "
                          f"({n_trials} trials): the template diverges there; change it or the range")
    return {"params": dict(study.best_params), "value": float(study.best_value), "trials": len(study.trials)}
