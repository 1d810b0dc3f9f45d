"""The only package that touches SQLite: runs, metrics, candidates, arithmetic seeds, resumption."""
from actlab.store.db import connect

__all__ = ["connect"]
