"""Benchmark tasks: a registry like the zoo's. ``get_task(name).run(act, seed) -> RunRecord``.

A run record is a `actlab.tasks.record.RunRecord` dataclass: typed fields, read by attribute (``rec.value``).
"""
from actlab.tasks.base import Dataset, Task
from actlab.tasks.metrics import METRICS, accuracy, perplexity, rmse
from actlab.tasks.record import RunRecord
from actlab.tasks.registry import TASKS, aliases, get_task, names, register_task, table, unregister_task
# importing a task module registers its tasks
from actlab.tasks import arith_tasks, fitting, language, toy, vision, vision_transformers  # noqa: E402,F401

try:  # owned by the analysis area; a broken or missing file must not take the whole registry down
    from actlab.tasks import ib12  # noqa: F401
except Exception as _e:  # noqa: BLE001
    if not (isinstance(_e, ModuleNotFoundError) and _e.name == "actlab.tasks.ib12"):
        import warnings

        warnings.warn(f"actlab.tasks.ib12 could not be imported: {_e!r}", RuntimeWarning, stacklevel=1)

__all__ = ["METRICS", "Dataset", "RunRecord", "Task", "accuracy", "aliases", "get_task", "names", "perplexity",
           "register_task", "rmse", "table", "TASKS", "unregister_task"]
