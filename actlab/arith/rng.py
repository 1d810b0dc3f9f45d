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
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#define L 8
typedef uint32_t vu __attribute__((vector_size(4 * L)));
typedef float vf __attribute__((vector_size(4 * L)));

/* m floats of one seed's stream into o: ceil(m / L) steps of all L xoshiro128+ lanes (GCC/Clang vector
   extensions: one step is a handful of vector instructions); the tail of the last step is discarded. */
static void gen_block(vu *a, vu *b, vu *c, vu *d, int64_t m, float *o, float lo, float width) {
    vf vlo = {0}, vw = {0}, one = {0};
    vlo += lo; vw += width; one += 1.0f;
    for (int64_t base = 0; base < m; base += L) {
        vu r = *a + *d;
        vu t = *b << 9;
        *c ^= *a; *d ^= *b; *b ^= *c; *a ^= *d; *c ^= t; *d = (*d << 11) | (*d >> 21);
        vu bits = (r >> 9) | 0x3F800000u;
        vf f;
        memcpy(&f, &bits, sizeof f);
        f = (f - one) * vw + vlo;
        int64_t cnt = m - base < L ? m - base : L;
        if (cnt == L) memcpy(o + base, &f, sizeof f); else memcpy(o + base, &f, (size_t)cnt * sizeof(float));
    }
}

static void load(const uint32_t *st, vu *a, vu *b, vu *c, vu *d) {
    memcpy(a, st, sizeof *a); memcpy(b, st + L, sizeof *b); memcpy(c, st + 2 * L, sizeof *c);
    memcpy(d, st + 3 * L, sizeof *d);
}

static void store(uint32_t *st, const vu *a, const vu *b, const vu *c, const vu *d) {
    memcpy(st, a, sizeof *a); memcpy(st + L, b, sizeof *b); memcpy(st + 2 * L, c, sizeof *c);
    memcpy(st + 3 * L, d, sizeof *d);
}

/* float64 sum of row[lo:hi] (exact for float32 inputs of one binade, so any order gives the same value) */
static double range_sum(const float *row, int64_t lo, int64_t hi) {
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    int64_t j = lo;
    for (; j + 4 <= hi; j += 4) { s0 += row[j]; s1 += row[j + 1]; s2 += row[j + 2]; s3 += row[j + 3]; }
    for (; j < hi; j++) s0 += row[j];
    return (s0 + s1) + (s2 + s3);
}

/* state: S x 4 x L uint32 (word-major per seed); out: S rows of row_stride floats, each holding K blocks of m
   floats at block_stride. With ranges (S x 4: a0, a1, b0, b1), sums gets each sample's two subset sums. */
void fill(uint32_t *state, int64_t S, int64_t K, int64_t m, int64_t row_stride, int64_t block_stride,
          float *out, float lo, float width, int64_t n, const int64_t *ranges, double *sums) {
    for (int64_t s = 0; s < S; s++) {
        vu a, b, c, d;
        load(state + s * 4 * L, &a, &b, &c, &d);
        for (int64_t k = 0; k < K; k++) {
            float *o = out + s * row_stride + k * block_stride;
            gen_block(&a, &b, &c, &d, m, o, lo, width);
            if (ranges) {
                const int64_t *rg = ranges + 4 * s;
                double *sm = sums + 2 * (o - out) / n;
                for (int64_t i = 0; i < m / n; i++) {
                    sm[2 * i] = range_sum(o + i * n, rg[0], rg[1]);
                    sm[2 * i + 1] = range_sum(o + i * n, rg[2], rg[3]);
                }
            }
        }
        store(state + s * 4 * L, &a, &b, &c, &d);
    }
}

static double combine(int op, double a, double b) {
    switch (op) {
        case 0: return a + b;
        case 1: return a - b;
        case 2: return a * b;
        case 3: return a / b;
        case 4: return a * a;
        default: return sqrt(a);
    }
}

static float dot(const float *x, const float *w, int64_t n) {
    vf acc = {0};
    int64_t j = 0;
    for (; j + L <= n; j += L) {
        vf vx, vw;
        memcpy(&vx, x + j, sizeof vx); memcpy(&vw, w + j, sizeof vw);
        acc += vx * vw;
    }
    float s = 0.0f;
    for (int l = 0; l < L; l++) s += acc[l];
    for (; j < n; j++) s += x[j] * w[j];
    return s;
}

/* One training step's data, forward and MSE backward of a two-layer model for every seed, the batch never
   leaving the cache: draw the seed's B x n inputs (the same numbers fill() would give), subset sums -> targets,
   h = W1 x (W1: S x H x n, the first layer's effective weights), then layer 2 with effective weights w (S x H):
   kind 0 NMU z = prod_k (h_k w_k + 1 - w_k); kind 1 NAC* z = exp(sum_k w_k log(|h_k| + eps));
   kind 2 linear z = sum_k w_k h_k. loss = mean (z - y)^2; g1, g2 = its gradients w.r.t. W1 and w. H <= 64. */
int two_layer_step(uint32_t *state, int64_t S, int64_t B, int64_t n, int64_t H, const int64_t *ranges, float lo,
                   float width, int op, int kind, float eps, const float *W1, const float *W2, double *loss,
                   float *g1, float *g2) {
    if (H > 64) return -1;
    float *x = malloc((size_t)(B * n) * sizeof(float));
    if (!x) return -2;
    float h[64], f[64], dh[64];
    for (int64_t s = 0; s < S; s++) {
        vu a, b, c, d;
        load(state + s * 4 * L, &a, &b, &c, &d);
        gen_block(&a, &b, &c, &d, B * n, x, lo, width);
        store(state + s * 4 * L, &a, &b, &c, &d);
        const int64_t *rg = ranges + 4 * s;
        const float *w1 = W1 + s * H * n, *w2 = W2 + s * H;
        float *gw1 = g1 + s * H * n, *gw2 = g2 + s * H;
        memset(gw1, 0, (size_t)(H * n) * sizeof(float));
        memset(gw2, 0, (size_t)H * sizeof(float));
        double total = 0.0;
        for (int64_t i = 0; i < B; i++) {
            const float *row = x + i * n;
            float y = (float)combine(op, range_sum(row, rg[0], rg[1]), range_sum(row, rg[2], rg[3]));
            float z;
            for (int64_t k = 0; k < H; k++) h[k] = dot(row, w1 + k * n, n);
            if (kind == 0) {
                z = 1.0f;
                for (int64_t k = 0; k < H; k++) { f[k] = h[k] * w2[k] + 1.0f - w2[k]; z *= f[k]; }
            } else if (kind == 1) {
                float t = 0.0f;
                for (int64_t k = 0; k < H; k++) { f[k] = logf(fabsf(h[k]) + eps); t += w2[k] * f[k]; }
                z = expf(t);
            } else {
                z = 0.0f;
                for (int64_t k = 0; k < H; k++) z += w2[k] * h[k];
            }
            float diff = z - y;
            total += (double)diff * (double)diff;
            float gz = 2.0f * diff / (float)B;
            for (int64_t k = 0; k < H; k++) {
                if (kind == 0) {
                    float p = 1.0f;
                    for (int64_t q = 0; q < H; q++) if (q != k) p *= f[q];
                    gw2[k] += gz * p * (h[k] - 1.0f);
                    dh[k] = gz * p * w2[k];
                } else if (kind == 1) {
                    float sg = h[k] > 0.0f ? 1.0f : (h[k] < 0.0f ? -1.0f : 0.0f);
                    gw2[k] += gz * z * f[k];
                    dh[k] = gz * z * w2[k] * sg / (fabsf(h[k]) + eps);
                } else {
                    gw2[k] += gz * h[k];
                    dh[k] = gz * w2[k];
                }
            }
            for (int64_t k = 0; k < H; k++) {
                float *gk = gw1 + k * n;
                const float dk = dh[k];
                for (int64_t j = 0; j < n; j++) gk[j] += dk * row[j];
            }
        }
        loss[s] = total / (double)B;
    }
    free(x);
    return 0;
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
            proc = subprocess.run([cc, *flags, str(src), "-o", str(out), "-lm"], capture_output=True, text=True)
            if proc.returncode != 0:
                raise ParameterError(f"building the xoshiro sampler with {cc} failed:\n{proc.stderr.strip()[:2000]}")
            os.replace(out, target)  # atomic: concurrent builders leave one complete file
    lib = ctypes.CDLL(str(target))
    lib.fill.restype = None
    lib.fill.argtypes = [ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64, ctypes.c_int64, ctypes.c_int64,
                         ctypes.c_int64, ctypes.c_void_p, ctypes.c_float, ctypes.c_float, ctypes.c_int64,
                         ctypes.c_void_p, ctypes.c_void_p]
    lib.two_layer_step.restype = ctypes.c_int
    lib.two_layer_step.argtypes = [ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64, ctypes.c_int64, ctypes.c_int64,
                                   ctypes.c_void_p, ctypes.c_float, ctypes.c_float, ctypes.c_int, ctypes.c_int,
                                   ctypes.c_float, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p,
                                   ctypes.c_void_p]
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


OP_CODES = {"add": 0, "sub": 1, "mul": 2, "div": 3, "square": 4, "sqrt": 5}


LAYER2_KINDS = {"nmu": 0, "nac_mul": 1, "linear": 2}


def two_layer_step(gen: Xoshiro, B: int, n: int, ranges: np.ndarray, lo: float, width: float, op: str, kind: str,
                   w1: np.ndarray, w2: np.ndarray, eps: float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One iteration of a two-layer model for every seed, fused with its sampling (`gen` advances one batch).

    ``w1 (S, H, n)``: the first layer's effective weights (h = W1 x); ``w2 (S, H)``: the second layer's effective
    weights, a ``kind`` of ``"nmu"`` (∏ (h w + 1 − w)), ``"nac_mul"`` (exp Σ w log(|h| + eps)) or ``"linear"``
    (Σ w h); float32, C-contiguous. Returns the per-seed MSE ``(S,)`` (float64) and its gradients with respect to
    ``w1`` and ``w2``. The inputs are the numbers `Xoshiro.fill` gives for the same state; targets and loss follow
    `ArithTask.targets` and the reference loss.
    """
    S, H, _ = w1.shape
    loss = np.empty(S, dtype=np.float64)
    g1 = np.empty_like(w1)
    g2 = np.empty_like(w2)
    rc = gen._lib.two_layer_step(gen.state.ctypes.data, S, B, n, H, ranges.ctypes.data, float(lo), float(width),
                                 OP_CODES[op], LAYER2_KINDS[kind], float(eps), w1.ctypes.data, w2.ctypes.data,
                                 loss.ctypes.data, g1.ctypes.data, g2.ctypes.data)
    if rc != 0:
        raise ParameterError(f"the fused two-layer step supports hidden sizes up to 64 (error {rc})")
    return loss, g1, g2
