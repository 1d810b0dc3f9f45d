"""Benchmark tasks: a registry like the zoo's. ``get_task(name).run(act, seed) -> dict``.

A run record holds: task, act, seed, metric, value (test-split metric of the final model; NaN when
diverged), higher_is_better, diverged, diverged_epoch, diverged_reason, wall_time (s, training only),
step_time (median s per optimiser step), n_steps, params (trainable), peak_mem (bytes) and
peak_mem_method, curve (validation metric per epoch), train_curve (mean train loss per epoch), epochs
(run), val_best, val_final, small, budget (the TrainConfig used), model_kw, data_kw.
"""
from actlab.tasks.base import Dataset, Task
from actlab.tasks.metrics import METRICS, accuracy, perplexity, rmse
from actlab.tasks.registry import aliases, get_task, names, register_task
from actlab.tasks import vision  # noqa: F401,E402  (registers the image tasks)

for _mod in ("fitting", "toy", "language", "arith_tasks", "ib12"):
    try:  # optional task families; a module that is missing or not written yet is skipped
        __import__(f"actlab.tasks.{_mod}")
    except ModuleNotFoundError as _e:
        if _e.name != f"actlab.tasks.{_mod}":
            raise

__all__ = ["METRICS", "Dataset", "Task", "accuracy", "aliases", "get_task", "names", "perplexity",
           "register_task", "rmse"]
