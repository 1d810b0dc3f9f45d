"""Figures (matplotlib) and the static HTML report."""
