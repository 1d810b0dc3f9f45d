"""The 12-bit information-plane task (Shwartz-Ziv & Tishby 2017), regenerated from its definition.

All 2^12 binary patterns, each once (so H(X) = 12 bits). The 12 bits sit on the vertices of an icosahedron,
12 uniformly spread points on the sphere. The label thresholds a rotation-invariant quadratic score

    f(x) = Σ_i x_i + γ Σ_{i<j} x_i x_j (cos θ_ij − c₀),      y = 1[f(x) > θ],

where θ_ij is the angle between vertices i and j: switched-on neighbours raise the score, far-apart ones lower
it. f depends on the vertex positions only through their angles, so any symmetry of the icosahedron (a
permutation of the bits) leaves every label unchanged. θ is the midpoint between two consecutive score values
that puts the positive share closest to 50 %. γ = 0.26 and c₀ = 0.36 are our choice: they give the
original file's label statistics — 2118/4096 positives, and 0 / 7.6 / 57.6 / 92.4 / 100 % positives at
≤4 / 5 / 6 / 7 / ≥8 bits on (we do not ship the original file, whose licence forbids it). An optional sigmoid noise p(y=1|x) = σ((f − θ)/T) gives a stochastic variant.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import product

import numpy as np

from actlab.core.errors import ParameterError

N_BITS = 12
GOLDEN = (1 + 5**0.5) / 2


@lru_cache(maxsize=1)
def icosahedron() -> np.ndarray:
    """The 12 unit vertices (0, ±1, ±φ) and cyclic permutations, normalised; shape (12, 3)."""
    v = []
    for a, b in product((-1.0, 1.0), repeat=2):
        v += [(0.0, a, b * GOLDEN), (a, b * GOLDEN, 0.0), (b * GOLDEN, 0.0, a)]
    v = np.array(v)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def icosahedron_rotations() -> list[np.ndarray]:
    """The 60 rotations of the icosahedron as bit permutations p with vertex[p[i]] = R · vertex[i].

    A rotation is fixed by where it sends one vertex and one of its neighbours, so we try every (vertex,
    neighbour) image of (0, a neighbour of 0), solve for R, and keep those that map the vertex set onto itself.
    """
    v = icosahedron()
    cos = v @ v.T
    nb0 = int(np.flatnonzero(np.isclose(cos[0], 1 / 5**0.5))[0])
    src = np.stack([v[0], v[nb0], np.cross(v[0], v[nb0])])
    perms = []
    for i in range(12):
        for j in np.flatnonzero(np.isclose(cos[i], 1 / 5**0.5)):
            dst = np.stack([v[i], v[j], np.cross(v[i], v[j])])
            r = dst.T @ np.linalg.inv(src.T)
            img = v @ r.T
            match = np.argmin(np.linalg.norm(img[:, None] - v[None], axis=2), axis=1)
            if np.allclose(img, v[match], atol=1e-9) and len(set(match)) == 12:
                perms.append(match)
    return perms


def patterns() -> np.ndarray:
    """All 4096 patterns in lexicographic order, bit 0 being the most significant; shape (4096, 12), uint8."""
    idx = np.arange(2**N_BITS)
    return ((idx[:, None] >> np.arange(N_BITS - 1, -1, -1)) & 1).astype(np.uint8)


def score(x: np.ndarray, gamma: float = 0.26, c0: float = 0.36) -> np.ndarray:
    """The rotation-invariant quadratic score f(x) for patterns x of shape (n, 12)."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != N_BITS:
        from actlab.core.errors import ShapeError

        raise ShapeError(f"x must have shape (n, {N_BITS}), got {x.shape}")
    v = icosahedron()
    m = gamma * (v @ v.T - c0)
    np.fill_diagonal(m, 0.0)
    return x.sum(1) + 0.5 * np.einsum("ni,ij,nj->n", x, m, x)


def balanced_threshold(f: np.ndarray, target: float = 0.5) -> float:
    """The midpoint between consecutive distinct scores whose positive share is closest to ``target``."""
    u = np.unique(f)
    mids = (u[:-1] + u[1:]) / 2
    share = (f[None, :] > mids[:, None]).mean(1)
    return float(mids[np.argmin(np.abs(share - target))])


@dataclass(frozen=True)
class IB12:
    """The task's data: inputs X (4096, 12) float32 in {0, 1}, labels y (4096,) int64, scores f and θ."""

    X: np.ndarray
    y: np.ndarray
    f: np.ndarray
    theta: float

    def split(self, train_frac: float = 0.8, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """Random train/test index arrays (IDNNs trains on 80 % by default)."""
        if not 0.0 < train_frac <= 1.0:
            raise ParameterError(f"train_frac must be in (0, 1], got {train_frac!r}")
        perm = np.random.default_rng(seed).permutation(len(self.y))
        n = int(round(train_frac * len(self.y)))
        return np.sort(perm[:n]), np.sort(perm[n:])


def make_ib12(gamma: float = 0.26, c0: float = 0.36, noise_temperature: float = 0.0, seed: int = 0) -> IB12:
    """Build the 12-bit task; ``noise_temperature`` > 0 draws labels from σ((f − θ)/T) instead of the step."""
    if noise_temperature < 0:
        raise ParameterError(f"noise_temperature must be >= 0, got {noise_temperature!r}")
    x = patterns()
    f = score(x, gamma, c0)
    theta = balanced_threshold(f)
    if noise_temperature == 0:
        y = (f > theta).astype(np.int64)
    else:
        p = 1.0 / (1.0 + np.exp(-(f - theta) / noise_temperature))
        y = (np.random.default_rng(seed).random(len(f)) < p).astype(np.int64)
    return IB12(x.astype(np.float32), y, f, theta)
