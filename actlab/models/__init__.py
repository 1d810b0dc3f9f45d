"""Models that take ``act=``: MLP, CNN, TinyLM (this package); GatedMLP, Activator and the IB network live in
their own modules (`actlab.models.gated_mlp`, `.activator`, `.ibnet`) and are imported from there."""
from actlab.models._act import act_factory, act_label, is_gated
from actlab.models.mlp import MLP

__all__ = ["MLP", "act_factory", "act_label", "is_gated"]
