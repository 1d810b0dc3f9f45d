"""Learnable activations (rational/PAU, GR-KAN, EvoNorm, DARUAN, ...); importing registers them."""
