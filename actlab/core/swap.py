"""`swap`: replace activation modules inside any ``nn.Module`` tree (torch.nn, timm, HF transformers)."""
from __future__ import annotations

import copy
import inspect
import weakref
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from actlab.core.errors import ParameterError
from actlab.core.module import Activation, module_class
from actlab.core.registry import ACTIVATIONS, create, get
from actlab.core.spec import ActivationSpec


def identify(module: nn.Module) -> str | None:
    """The registered activation name computed by ``module``, or None.

    Knows actlab's own modules, torch.nn's activation classes and the foreign class names that specs list
    (e.g. HF transformers' ``GELUActivation``, ``NewGELUActivation``).
    """
    spec = getattr(module, "spec", None)
    if isinstance(module, Activation) or isinstance(spec, ActivationSpec):
        return spec.name
    cls = type(module).__name__
    if isinstance(module, nn.GELU):  # one torch class, two formulas
        return "gelu_tanh" if module.approximate == "tanh" else "gelu"
    for s in ACTIVATIONS.values():
        if s.module is not None and type(module) is s.module:
            return s.name
        if cls in s.foreign_modules:
            return s.name
    return None


def class_activations(cls: type) -> set[str]:
    """The registered activations that instances of ``cls`` compute: an actlab module class its spec's name, a
    torch.nn or foreign class the specs that list it (``nn.GELU``: both ``gelu`` and ``gelu_tanh``)."""
    spec = getattr(cls, "spec", None)
    if isinstance(spec, ActivationSpec):
        return {spec.name}
    if issubclass(cls, nn.GELU):  # one torch class, two formulas (see identify)
        return {"gelu", "gelu_tanh"}
    return {s.name for s in ACTIVATIONS.values() if s.module is cls or cls.__name__ in s.foreign_modules}


def _matcher(old: Any) -> Callable[[nn.Module], bool]:
    if isinstance(old, (str, ActivationSpec)):
        target = get(old).name
        return lambda m: identify(m) == target
    if isinstance(old, type):
        # a class matches its instances and every other module computing the same activation: swap(m, nn.SiLU, ...)
        # also replaces actlab's own SiLU modules
        same = class_activations(old)
        return lambda m: isinstance(m, old) or (bool(same) and identify(m) in same)
    if callable(old):
        return lambda m: bool(old(m))
    raise ParameterError(f"swap: `old` must be an activation name, a class or a predicate, got {old!r}")


AUTO = "auto"


def _width_param(new: Any, params: dict[str, Any]) -> str | None:
    """The constructor argument to fill with each site's channel count, if ``new`` needs one: its class'
    ``width_param`` when given as "auto", or when it is required and not given."""
    if isinstance(new, nn.Module) or not (isinstance(new, (str, ActivationSpec, type))):
        return None
    cls = new if isinstance(new, type) else module_class(get(new))
    width = getattr(cls, "width_param", None)
    if width is None:
        return None
    if params.get(width) == AUTO:
        return width
    p = inspect.signature(cls).parameters.get(width)
    return width if p is not None and p.default is inspect.Parameter.empty and width not in params else None


def _factory(new: Any, params: dict[str, Any], width: str | None) -> Callable[[nn.Module, int | None], nn.Module]:
    if isinstance(new, nn.Module):
        return lambda _old, _w: copy.deepcopy(new)
    if callable(new) and not isinstance(new, type) and not isinstance(new, ActivationSpec):
        return lambda _old, _w: new(**params)
    if width is None:
        create(new, **params)  # fail early on a bad name or parameter, before touching the model
        return lambda _old, _w: create(new, **params)
    create(new, **{**params, width: 1})  # the same early check, with a stand-in width
    return lambda _old, w: create(new, **{**params, width: w})


# where the module that produced a tensor puts its channels: the last dim after a linear map (torch's Linear,
# HF transformers' Conv1D, embeddings, LayerNorm/RMSNorm over features), dim 1 after convolutions, pools and
# channel norms; shape-preserving modules (activations, dropout, identity) pass on their input's convention
_LAST = (nn.Linear, nn.Bilinear, nn.Embedding, nn.LayerNorm, nn.RMSNorm)
_FIRST = (nn.modules.conv._ConvNd, nn.modules.batchnorm._BatchNorm, nn.GroupNorm,
          nn.modules.instancenorm._InstanceNorm, nn.LocalResponseNorm, nn.modules.pooling._MaxPoolNd,
          nn.modules.pooling._AvgPoolNd, nn.modules.pooling._AdaptiveAvgPoolNd,
          nn.modules.pooling._AdaptiveMaxPoolNd)
_PASS = (nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout, nn.Identity)
INHERIT = "inherit"


def producer_channel_dim(module: nn.Module) -> int | str | None:
    """The channel dim of ``module``'s output (-1 or 1), ``"inherit"`` for shape-preserving modules, or None."""
    name = type(module).__name__
    if isinstance(module, _LAST) or (name == "Conv1D" and hasattr(module, "nf")) or name.endswith(
            ("RMSNorm", "LayerNorm")):
        return -1
    if isinstance(module, _FIRST):
        return 1
    if isinstance(module, _PASS) or identify(module) is not None or \
            type(module).__module__ == "torch.nn.modules.activation":
        return INHERIT
    return None


def trace_channel_dims(model: nn.Module, sites: list[nn.Module], example: Any,
                       channel_dim: int | None = None, where: str = "input",
                       run: Callable[[], Any] | None = None) -> dict[int, set[tuple]]:
    """Run ``model(example)`` once (or ``run()``; no grad, eval mode, train flags restored) and return, for each
    site module (by id), the set of ``(width, channel dim)`` of its inputs (or outputs). The channel dim is
    ``channel_dim`` when given, else the one implied by the module that produced the tensor
    (`producer_channel_dim`; 1 for tensors of at most 2 dims, where 1 and -1 agree) or None where it cannot
    tell; the width is read on that dim (None if unknown).
    """
    # id(tensor) → (channel dim, weak reference): only what was learnt about each output is kept, never the
    # tensor, so the pass holds no more memory than the model's own forward; the weak reference tells a live
    # tensor from a new one that reuses a dead one's id (and drops the entry when its tensor dies)
    produced: dict[int, tuple[int | None, weakref.ref]] = {}
    seen: dict[int, set[tuple]] = {id(m): set() for m in sites}

    def producer_dim(x: torch.Tensor) -> int | None:
        entry = produced.get(id(x))
        return entry[0] if entry is not None and entry[1]() is x else None

    def forget(ref: weakref.ref, key: int) -> None:
        if produced.get(key, (None, None))[1] is ref:
            del produced[key]

    def dim_of(x: torch.Tensor) -> int | None:
        if channel_dim is not None:
            return channel_dim
        cd = producer_dim(x)
        return 1 if cd is None and x.dim() <= 2 else cd

    def record_in(mod: nn.Module, args: tuple) -> None:
        x = args[0] if args else None
        if not isinstance(x, torch.Tensor):
            return
        if x.dim() < 2:
            seen[id(mod)].add((1, dim_of(x) or 1))
            return
        cd = dim_of(x)
        if cd is not None and not -x.dim() <= cd < x.dim():
            raise ParameterError(f"swap: channel_dim={cd} is out of range for a site's input {tuple(x.shape)}")
        seen[id(mod)].add((None if cd is None else int(x.shape[cd]), cd))

    def record_out(mod: nn.Module, args: tuple, out: Any) -> None:
        if not isinstance(out, torch.Tensor):
            return
        entry = produced.get(id(out))
        if entry is not None and entry[1]() is out:  # the innermost module that made it wins
            return
        cd = producer_channel_dim(mod)
        if cd == INHERIT:
            x = args[0] if args and isinstance(args[0], torch.Tensor) else None
            cd = None if x is None or x.shape != out.shape else producer_dim(x)
        key = id(out)
        produced[key] = (cd, weakref.ref(out, lambda r, k=key: forget(r, k)))

    def record_site_out(mod: nn.Module, args: tuple, out: Any) -> None:
        record_in(mod, (out[0] if isinstance(out, tuple) else out,))

    mods = list(model.modules())
    unique_sites = {id(c): c for c in sites}.values()
    hooks = [m.register_forward_pre_hook(record_in) for m in unique_sites] if where == "input" else []
    if channel_dim is None:
        hooks += [m.register_forward_hook(record_out) for m in mods]
    if where == "output":  # after record_out, so the site's own output is already classified
        hooks += [m.register_forward_hook(record_site_out) for m in unique_sites]
    modes = {m: m.training for m in mods}
    try:
        model.eval()
        with torch.no_grad():
            if run is not None:
                run()
            else:
                model(*example) if isinstance(example, tuple) else model(example)
    finally:
        for h in hooks:
            h.remove()
        for m, mode in modes.items():
            m.training = mode
        produced.clear()
    return seen


def _site_widths(model: nn.Module, sites: list, example: Any, channel_dim: int | None) -> list[tuple[int, int]]:
    """(channel count, channel dim) of each site's input, or a ParameterError naming the site."""
    seen = trace_channel_dims(model, [c for _q, _p, _n, c in sites], example, channel_dim)
    out = []
    for qual, _parent, _name, child in sites:
        found = seen.get(id(child), set())
        widths = sorted({w for w, _cd in found if w is not None})
        if not found:
            raise ParameterError(f"swap: cannot read the channel count at {qual!r}: the module was not called "
                                 "by model(example)")
        if any(cd is None for _w, cd in found):
            raise ParameterError(f"swap: cannot tell which dim holds the channels at {qual!r} (its input does not "
                                 "come straight from a Linear/Conv1D (channels last) or a Conv/BatchNorm layer "
                                 "(channels on dim 1)); pass channel_dim=-1 for (B, T, C) inputs or channel_dim=1 "
                                 "for (N, C, *) inputs")
        if len(found) != 1:
            what = f"widths {widths}" if len(widths) > 1 else f"channel dims {sorted(cd for _w, cd in found)}"
            raise ParameterError(f"swap: cannot read the channel count at {qual!r}: the module sees inputs of "
                                 f"{what}")
        out.append(next(iter(found)))
    return out


def swap(model: nn.Module, old: Any, new: Any, *, example: Any = None, channel_dim: int | None = None,
         **params: Any) -> int:
    """Replace every submodule matching ``old`` with a fresh ``new`` module; return how many were replaced.

    ``old``: an activation name (matches actlab modules, torch.nn natives and known foreign classes), a
    class (its instances and any other module computing the same activation: ``nn.SiLU`` also matches
    ``actlab.create("silu")``), or a predicate ``f(module) -> bool``. ``new``: a name, spec, class, module instance
    (deep-copied per site) or a factory; ``params`` go to its constructor. Replaced modules are not searched
    again, so ``swap(m, "relu", "relu")`` terminates.

    Layers with per-channel state (EvoNorm's ``num_features``; ``num_parameters="auto"`` for PReLU-style
    activations and DARUAN) get each site's own channel count from one no-grad, eval-mode pass of
    ``model(example)`` (a tuple is unpacked as arguments). Which dim holds the channels is read per site from
    the module that produced its input: the last dim after ``nn.Linear`` (and HF transformers' ``Conv1D``),
    dim 1 after ``nn.Conv*``, pooling and BatchNorm/GroupNorm; an error asks for ``channel_dim`` where it
    cannot tell. ``channel_dim=-1`` (channels last, ``(B, T, C)``) or ``1`` (``(N, C, *)``) fixes it for every
    site; the new modules get it too::

        actlab.swap(cnn, "relu", "evonorm_b0", example=images[:2])
        actlab.swap(cnn, "relu", "prelu", num_parameters="auto", example=images[:2])
        actlab.swap(llama, "silu", "prelu", num_parameters="auto", example=ids[:1])  # channel_dim=-1 per site

    A gated unit (GLU family, which halves its input) never silently replaces an elementwise one: that would
    change the width the next layer receives.

    Keywords: ``example=`` (an input batch, needed for ``"auto"`` widths), ``channel_dim=`` (as above), and any
    keyword of `actlab.create` for the new modules: the spec's parameters, ``learnable=``, ``backend=``,
    ``num_parameters=`` (an integer, or ``"auto"``), ``dim=`` (gated units), ``inplace=``.
    """
    match = _matcher(old)
    width = _width_param(new, params)
    if width is not None and example is None:
        raise ParameterError(f"swap: {width} of the new modules depends on each site's channel count; pass "
                             f"example=<an input batch> so swap can read it, or {width}=N for one fixed width")
    if channel_dim is not None:
        if not isinstance(channel_dim, int) or isinstance(channel_dim, bool):
            raise ParameterError(f"swap: channel_dim must be an integer (1 or -1), got {channel_dim!r}")
        params = {**params, "channel_dim": channel_dim}
    takes_dim = _takes_channel_dim(new)
    make = _factory(new, params, width)
    qualified = {id(m): q for q, m in model.named_modules()}
    sites = []
    for parent in model.modules():
        for name, child in parent.named_children():
            if child is not None and match(child):
                prefix = qualified.get(id(parent), "")
                sites.append((f"{prefix}.{name}" if prefix else name, parent, name, child))
    _refuse_gated_for_elementwise(new, sites)
    if width is None or not sites:
        made = [make(child, None) for _q, _p, _n, child in sites]
    else:
        found = _site_widths(model, sites, example, channel_dim)
        if not takes_dim and any(cd != 1 for _w, cd in found):
            raise ParameterError(f"swap: {new!r} keeps its channels on dim 1 (it has no channel_dim parameter) "
                                 "but these sites have them elsewhere; build it for the right dim yourself")
        if channel_dim is None and takes_dim:  # each module keeps its channels where its site has them
            made = [create(new, **{**params, width: w, "channel_dim": cd}) for w, cd in found]
        else:
            made = [make(child, w) for (_q, _p, _n, child), (w, _cd) in zip(sites, found)]
    for (_qual, parent, name, _child), mod in zip(sites, made):
        setattr(parent, name, mod)
    return len(sites)


def _takes_channel_dim(new: Any) -> bool:
    if isinstance(new, nn.Module) or not isinstance(new, (str, ActivationSpec, type)):
        return False
    cls = new if isinstance(new, type) else module_class(get(new))
    try:
        return "channel_dim" in inspect.signature(cls).parameters or issubclass(cls, Activation)
    except (TypeError, ValueError):
        return False


def _is_gated(module: nn.Module) -> bool:
    spec = getattr(module, "spec", None)
    return isinstance(module, nn.GLU) or getattr(spec, "kind", None) == "gated"


def _refuse_gated_for_elementwise(new: Any, sites: list) -> None:
    """A gated unit (value ⊙ g(gate)) halves its input along a dim, so it cannot stand where an elementwise
    activation was: the next layer would get half the width it expects (a matmul shape error one forward later)."""
    if isinstance(new, nn.Module):
        gated = _is_gated(new)
    elif isinstance(new, (str, ActivationSpec)):
        gated = get(new).kind == "gated"
    elif isinstance(new, type) and issubclass(new, nn.GLU):
        gated = True
    else:
        return
    plain = [q for q, _p, _n, child in sites if not _is_gated(child)]
    if gated and plain:
        name = new if isinstance(new, str) else getattr(new, "name", type(new).__name__)
        raise ParameterError(f"swap: {name!r} is gated (it splits its input in two halves and returns one "
                             f"half's width), so it cannot replace the elementwise activation at {plain[0]!r}: the "
                             "next layer would receive half the width it expects. Build the model with the gated "
                             "unit instead (actlab's MLP/CNN/TinyLM double the layer before it: act='swiglu'), or "
                             "swap it for another gated unit")
