"""The one training loop (`fit`), its config, progress events and checkpoints."""
from actlab.train.checkpoint import load_checkpoint, save_checkpoint
from actlab.train.config import OPTIMIZERS, TrainConfig
from actlab.train.loop import History, ProgressEvent, evaluate, fit, make_optimizer
from actlab.train.memory import PeakMemory

__all__ = ["OPTIMIZERS", "History", "PeakMemory", "ProgressEvent", "TrainConfig", "evaluate", "fit",
           "load_checkpoint", "make_optimizer", "save_checkpoint"]
