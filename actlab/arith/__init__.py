"""Neural arithmetic units (NAC+, NAC•, NALU, NAU, NMU) and the seed-batched arithmetic-extrapolation benchmark.

>>> import actlab.arith as ar
>>> rows = ar.run(ops="sub", units="nau", seeds=4, iterations=3000, input_size=2, subset_ratio=0.5,
...               overlap_ratio=0.0, eval_every=500)   # doctest: +SKIP
"""
from actlab.arith.batched import ArithNet, DataStream, unit_name, unit_names
from actlab.arith.models import ARITH_MODELS, ArithModel, Regularizer, register_model
from actlab.arith.stats import summarize, wilson
from actlab.arith.task import OPS, ArithTask, op_name
from actlab.arith.trainer import BatchedTrainer, SeedResult, TrainConfig, train_seeds
from actlab.arith.units import NAC, NALU, NAU, NMU, ArithUnit, Linear, NACMul  # registers the built-in models
from actlab.arith.run import run  # noqa: E402  (the function shadows the submodule name on purpose)

__all__ = ["ARITH_MODELS", "ArithModel", "register_model", "OPS", "NAC", "NALU", "NAU", "NMU", "ArithNet",
           "ArithTask", "ArithUnit",
           "BatchedTrainer", "DataStream", "Linear", "NACMul", "Regularizer", "SeedResult", "TrainConfig", "op_name",
           "run", "summarize", "train_seeds", "unit_name", "unit_names", "wilson"]
