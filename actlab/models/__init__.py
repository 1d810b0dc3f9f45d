"""Models that take ``act=``: MLP, CNN, TinyLM (this package); GatedMLP, Activator and the IB network live in
their own modules (`actlab.models.gated_mlp`, `.activator`, `.ibnet`) and are imported from there."""
from actlab.models._act import act_factory, act_label, is_gated
from actlab.models.cnn import CNN
from actlab.models.mlp import MLP
from actlab.models.transformer import FeedForward, GateWith, TinyLM

__all__ = ["CNN", "MLP", "FeedForward", "GateWith", "TinyLM", "act_factory", "act_label", "is_gated"]
