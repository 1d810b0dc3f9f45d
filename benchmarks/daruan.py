"""QKAN layers: actlab's Bloch-vector DARUAN vs the ``qkan`` package's exact solver, at equal outputs.

Both layers get identical parameters (θ, preacts, postacts, base weights copied from a qkan layer with noise
added so nothing sits at its init), their outputs are compared (max-abs difference reported, float64 and
float32), then forward+backward is timed side by side in one interleaved loop (float32, grads w.r.t. the input
and every parameter). ``qkan`` is optional (``pip install qkan==0.2.3``; it depends on torch>=2.0 and does
not replace the installed torch). Writes the "daruan" block of BENCHMARKS.md.

    python benchmarks/daruan.py [--repeats 7] [--threads 1] [--no-write]
"""
from __future__ import annotations

from pathlib import Path

import harness
import torch
from harness import write_block

from actlab.kan.qkan import QKANLayer

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = [(16, 16, 1024, 3), (64, 64, 256, 3), (64, 64, 256, 8)]   # d_in, d_out, batch, reps


def pair(d_in: int, d_out: int, reps: int, readout: str, dtype: torch.dtype):
    """A qkan layer and an actlab layer holding the same parameters."""
    from qkan import QKANLayer as PeerLayer

    cdt = torch.complex128 if dtype == torch.float64 else torch.complex64
    peer = PeerLayer(d_in, d_out, reps=reps, fast_measure=readout == "amplitude", preact_trainable=True,
                     ba_trainable=True, postact_weight_trainable=True, postact_bias_trainable=True,
                     p_dtype=dtype, c_dtype=cdt)
    with torch.no_grad():
        for name, p in peer.named_parameters():
            if name != "mask":
                p.add_(0.3 * torch.randn_like(p))
    ours = QKANLayer(d_in, d_out, reps, preact_trainable=True, postact_weight_trainable=True,
                     postact_bias_trainable=True, base=True, readout=readout).to(dtype)
    with torch.no_grad():
        for mine, theirs in [("theta", "theta"), ("preact_w", "preacts_weight"), ("preact_b", "preacts_bias"),
                             ("postact_w", "postact_weights"), ("postact_b", "postact_bias"), ("base", "base_weight")]:
            getattr(ours, mine).copy_(getattr(peer, theirs).reshape(getattr(ours, mine).shape))
    return peer, ours


def step(layer, x: torch.Tensor) -> None:
    layer.zero_grad(set_to_none=True)
    x.grad = None
    layer(x).pow(2).sum().backward()


def main() -> None:
    ap = harness.parser(__doc__, repeats=7)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    try:
        import qkan
        version = getattr(qkan, "__version__", "0.2.3")
    except Exception as e:
        text = "\n".join(["### QKAN / DARUAN (benchmarks/daruan.py)", "",
                          f"qkan peer not importable ({type(e).__name__}); no comparison made."])
        return finish(text, args.no_write)
    fid = []
    for readout in ("z", "amplitude"):
        for dtype in (torch.float64, torch.float32):
            peer, ours = pair(8, 6, 4, readout, dtype)
            x = torch.randn(128, 8, dtype=dtype)
            with torch.no_grad():
                fid.append(f"{readout}/{str(dtype).split('.')[-1]}: {(peer(x) - ours(x)).abs().max().item():.1e}")
    rows = []
    for d_in, d_out, batch, reps in CONFIGS:
        peer, ours = pair(d_in, d_out, reps, "amplitude", torch.float32)
        x = torch.randn(batch, d_in, requires_grad=True)
        for layer in (peer, ours):
            step(layer, x)
        t = harness.interleaved({"qkan": lambda: step(peer, x), "ours": lambda: step(ours, x)}, args.repeats)
        rows.append(f"| [{d_in}, {d_out}] r={reps} B={batch} | {harness.cell(t['ours'], scale=1e3)} | "
                    f"{harness.cell(t['qkan'], scale=1e3)} | "
                    f"{harness.cell(harness.ratios(t['qkan'], t['ours']), suffix='×')} |")
    text = "\n".join([
        "### QKAN / DARUAN (benchmarks/daruan.py)", "",
        f"One QKAN layer (pz ansatz, trainable preacts/postacts, base branch), float32 forward+backward, CPU, torch "
        f"{torch.__version__}, {args.threads} thread(s), {args.repeats} interleaved repeats, shared noisy 2-core VM; "
        f"peer: qkan {version} `solver=\"exact\"` (complex state vector), same parameters copied into both.", "",
        "Equal outputs (max-abs difference ours vs qkan, readout/dtype): " + "; ".join(fid) + ".", "",
        "| layer | ours ms (median [min–max]) | qkan ms (median [min–max]) | qkan ÷ ours (median [range]) |",
        "|---|---|---|---|", *rows])
    finish(text, args.no_write)


def finish(text: str, no_write: bool) -> None:
    print(text)
    if no_write:
        return
    write_block(ROOT / "BENCHMARKS.md", "daruan", text,
                "## Learnable activations and KAN (benchmarks/kan.py, benchmarks/rational.py)")

if __name__ == "__main__":
    main()
