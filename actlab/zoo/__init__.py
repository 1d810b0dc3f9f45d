"""The zoo of fixed activations, one file per family; importing it registers every spec."""
from actlab.zoo import classic, gated, periodic, polynomial, smooth, sparse  # noqa: F401
from actlab.zoo.periodic import siren_init_

__all__ = ["siren_init_"]
