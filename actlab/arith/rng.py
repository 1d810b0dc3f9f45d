"""A fast per-seed uniform stream for the arithmetic trainer: xoshiro128+ in eight lanes, compiled C.

Why: at S = 100 seeds the paper's protocol draws 1.28·10⁶ fresh uniforms per batched iteration. NumPy's PCG64 needs
≈ 2.5 ns per float32 on this project's 2-core VM, i.e. ≈ 3.2 ms of an ≈ 11 ms step, a floor no faster trainer can
go below (BENCHMARKS.md ``arith``). xoshiro128+ (Blackman & Vigna 2018) uses only 32-bit adds, shifts and xors, so
eight interleaved lanes vectorise; the C below is compiled once per machine with the system C compiler and loaded
with ctypes (no build step at install time).

Protocol: every seed still owns its stream, seeded from ``SeedSequence([seed, DATA_STREAM, 1])`` (one 128-bit state
per lane), so seed s sees the same samples whichever seeds share its batch; iteration t of seed s takes the next
``ceil(B·n / 8)·8`` numbers of its stream (the tail beyond B·n is discarded), so the samples do not depend on how many
iterations are drawn at a time. The floats are ``lo + width·(m·2⁻²³)`` with m the top 23 bits (values on the
float32 grid of [0, 1), as NumPy's float32 draw has 24-bit resolution). It is a different stream from PCG64: the same
seed gives other samples (statistically equivalent), so the stream is part of a run's key.
"""
from __future__ import annotations

import ctypes
import hashlib
import os
import platform
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from actlab.core.errors import ParameterError

LANES = 8
_SOURCE = r"""
#include <stdint.h>
#include <string.h>
#define L 8
typedef uint32_t vu __attribute__((vector_size(4 * L)));
typedef float vf __attribute__((vector_size(4 * L)));
/* state: S x 4 x L uint32 (word-major per seed); out: S rows of row_stride floats, each holding K blocks of m
   floats at block_stride; every block consumes ceil(m / L) lane steps (GCC/Clang vector extensions: one
   xoshiro128+ step of all L lanes is a handful of vector instructions). */
void fill(uint32_t *state, int64_t S, int64_t K, int64_t m, int64_t row_stride, int64_t block_stride,
          float *out, float lo, float width, int64_t n, const int64_t *ranges, double *sums) {
    int64_t groups = (m + L - 1) / L;
    vf vlo = {0}, vw = {0}, one = {0};
    vlo += lo; vw += width; one += 1.0f;
    for (int64_t s = 0; s < S; s++) {
        vu a, b, c, d;
        uint32_t *st = state + s * 4 * L;
        memcpy(&a, st, sizeof a); memcpy(&b, st + L, sizeof b); memcpy(&c, st + 2 * L, sizeof c);
        memcpy(&d, st + 3 * L, sizeof d);
        for (int64_t k = 0; k < K; k++) {
            float *o = out + s * row_stride + k * block_stride;
            for (int64_t g = 0; g < groups; g++) {
                vu r = a + d;
                vu t = b << 9;
                c ^= a; d ^= b; b ^= c; a ^= d; c ^= t; d = (d << 11) | (d >> 21);
                vu bits = (r >> 9) | 0x3F800000u;
                vf f;
                memcpy(&f, &bits, sizeof f);
                f = (f - one) * vw + vlo;
                int64_t base = g * L, c = m - base < L ? m - base : L;
                if (c == L) memcpy(o + base, &f, sizeof f); else memcpy(o + base, &f, (size_t)c * sizeof(float));
            }
            if (ranges) { /* subset sums of every sample of this block, in float64 (exact for float32 inputs) */
                const int64_t *rg = ranges + 4 * s;
                double *sm = sums + 2 * (o - out) / n;
                for (int64_t i = 0; i < m / n; i++) {
                    const float *row = o + i * n;
                    double sa = 0.0, sb = 0.0;
                    for (int64_t j = rg[0]; j < rg[1]; j++) sa += row[j];
                    for (int64_t j = rg[2]; j < rg[3]; j++) sb += row[j];
                    sm[2 * i] = sa; sm[2 * i + 1] = sb;
                }
            }
        }
        memcpy(st, &a, sizeof a); memcpy(st + L, &b, sizeof b); memcpy(st + 2 * L, &c, sizeof c);
        memcpy(st + 3 * L, &d, sizeof d);
    }
}
"""
_FLAGS = ["-O3", "-ffp-contract=off", "-fno-fast-math", "-shared", "-fPIC"]
_LIB: ctypes.CDLL | None = None


def _compiler() -> str:
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if not cc:
        raise ParameterError("stream='xoshiro' needs a C compiler (cc, gcc or clang on PATH, or $CC) to build its "
                             "sampler once; install one or use stream='pcg64'")
    return cc


def _library() -> ctypes.CDLL:
    """Compile (once per machine and source version, into actlab's cache dir) and load the sampler."""
    global _LIB
    if _LIB is not None:
        return _LIB
    from actlab.core.paths import cache_dir

    cc = _compiler()
    flags = _FLAGS + (["-march=native"] if platform.machine() in ("x86_64", "AMD64") else [])
    tag = hashlib.sha256((_SOURCE + " ".join(flags) + platform.machine()).encode()).hexdigest()[:16]
    target = cache_dir() / "arith" / f"xoshiro_{tag}.so"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            src = Path(tmp) / "xoshiro.c"
            src.write_text(_SOURCE)
            out = Path(tmp) / target.name
            proc = subprocess.run([cc, *flags, str(src), "-o", str(out)], capture_output=True, text=True)
            if proc.returncode != 0:
                raise ParameterError(f"building the xoshiro sampler with {cc} failed:\n{proc.stderr.strip()[:2000]}")
            os.replace(out, target)  # atomic: concurrent builders leave one complete file
    lib = ctypes.CDLL(str(target))
    lib.fill.restype = None
    lib.fill.argtypes = [ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64, ctypes.c_int64, ctypes.c_int64,
                         ctypes.c_int64, ctypes.c_void_p, ctypes.c_float, ctypes.c_float, ctypes.c_int64,
                         ctypes.c_void_p, ctypes.c_void_p]
    _LIB = lib
    return lib


def seed_states(seeds: Sequence[int], stream_word: int) -> np.ndarray:
    """Initial xoshiro128+ states ``(S, 4, LANES)`` uint32, each from ``SeedSequence([seed, stream_word, 1])``."""
    st = np.empty((len(seeds), 4, LANES), dtype=np.uint32)
    for i, s in enumerate(seeds):
        words = np.random.SeedSequence([int(s) % 2**63, int(stream_word), 1]).generate_state(4 * LANES, np.uint32)
        words = words.reshape(4, LANES)
        words[0, (words == 0).all(0)] = 1  # an all-zero lane would stay zero forever
        st[i] = words
    return st


class Xoshiro:
    """Per-seed uniform floats on ``[lo, lo + width)``; see `fill`."""

    def __init__(self, seeds: Sequence[int], stream_word: int):
        self._lib = _library()
        self.state = seed_states(seeds, stream_word)

    def fill(self, out: np.ndarray, lo: float, width: float, ranges: np.ndarray | None = None,
             sums: np.ndarray | None = None) -> np.ndarray:
        """Fill ``out (K, S, B, n)`` (C-contiguous float32; block ``out[k, s]`` is iteration k of seed s).

        With ``ranges (S, 4)`` int64 ``(a0, a1, b0, b1)`` also write ``sums (K, S, B, 2)`` float64: each sample's sums
        over ``[a0, a1)`` and ``[b0, b1)`` (the subset sums of the arithmetic task, exact in float64).
        """
        if out.dtype != np.float32 or not out.flags.c_contiguous or out.ndim != 4:
            raise ParameterError("Xoshiro.fill needs a C-contiguous float32 array (K, S, B, n)")
        K, S, B, n = out.shape
        if S != self.state.shape[0]:
            raise ParameterError(f"Xoshiro.fill: out has {S} seed rows, the stream has {self.state.shape[0]}")
        m = B * n
        rp = sp = None
        if ranges is not None:
            if sums is None or sums.shape != (K, S, B, 2) or sums.dtype != np.float64 or not sums.flags.c_contiguous:
                raise ParameterError(f"Xoshiro.fill: sums must be a C-contiguous float64 array {(K, S, B, 2)}")
            ranges = np.ascontiguousarray(ranges, dtype=np.int64)
            if ranges.shape != (S, 4) or ranges.min() < 0 or ranges.max() > n:
                raise ParameterError(f"Xoshiro.fill: ranges must be (S, 4) within [0, {n}]")
            rp, sp = ranges.ctypes.data, sums.ctypes.data
        self._lib.fill(self.state.ctypes.data, S, K, m, m, S * m, out.ctypes.data, float(lo), float(width), n, rp, sp)
        return out
