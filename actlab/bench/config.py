"""Suite configuration: activations × tasks × seeds × budget options, validated with pydantic.

A suite comes from a built-in name (`quick`, `standard`, `headline`), a YAML/TOML/JSON file, or CLI flags layered on
top of either. Every invalid field raises `ConfigError` naming the field, what was expected and what was given.

Example file (YAML)::

    name: mine
    acts: [relu, gelu, silu]
    tasks: [digits, mnist1d_cnn]
    seeds: 5                 # or an explicit list [0, 1, 2]
    budget: {epochs: 5}      # overrides passed to every Task.run
    task_budget: {mnist1d_cnn: {epochs: 3}}
    imports: [myacts.py]     # plugins defining activations/tasks: .py paths (relative to this file) or modules
"""
from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from actlab.core.errors import ConfigError, UnknownNameError


def _split(v: Any) -> Any:
    """Accept "relu,gelu" as well as a list."""
    if isinstance(v, str):
        return [s.strip() for s in v.split(",") if s.strip()]
    return v


class SuiteConfig(BaseModel):
    """One benchmark suite: every activation on every task with every seed (each run once)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = "custom"
    acts: list[str] = Field(min_length=1)
    tasks: list[str] = Field(min_length=1)
    seeds: list[int] = Field(default_factory=lambda: [0, 1, 2], min_length=1)
    baseline: str = "relu"
    budget: dict[str, Any] = Field(default_factory=dict)
    task_budget: dict[str, dict[str, Any]] = Field(default_factory=dict)
    backend: Literal["local", "ray"] = "local"
    workers: int | None = Field(default=None, ge=1)
    tie_tol: float = Field(default=0.0, ge=0.0)
    # Ray: join this cluster (host:port or "auto"; implies backend "ray") instead of a private local instance,
    # and what each run asks of it (docs/cluster.md)
    ray_address: str | None = None
    cpus_per_run: int = Field(default=1, ge=1)
    gpus_per_run: float = Field(default=0.0, ge=0.0)

    @model_validator(mode="before")
    @classmethod
    def _address_means_ray(cls, v: Any) -> Any:
        # a suite file's dump always carries backend "local" (the default), so the address alone decides
        return {**v, "backend": "ray"} if isinstance(v, dict) and v.get("ray_address") else v
    imports: list[str] = Field(default_factory=list)

    @field_validator("imports", mode="before")
    @classmethod
    def _imports(cls, v: Any) -> Any:
        return _split(v)

    @field_validator("acts", "tasks", mode="before")
    @classmethod
    def _names(cls, v: Any) -> Any:
        return _split(v)

    @field_validator("seeds", mode="before")
    @classmethod
    def _seeds(cls, v: Any) -> Any:
        # an int is a count: seeds 0..n-1
        if isinstance(v, bool):
            return v  # pydantic rejects it below with a clear message
        if isinstance(v, int):
            if v < 1:
                raise ValueError(f"a seed count must be >= 1, got {v}")
            return list(range(v))
        return _split(v) if isinstance(v, str) else v

    @field_validator("seeds")
    @classmethod
    def _non_negative(cls, v: list[int]) -> list[int]:
        bad = [s for s in v if s < 0]
        if bad:
            raise ValueError(f"seeds must be >= 0 (torch.manual_seed refuses negatives), got {bad}")
        return v

    @field_validator("acts", "tasks", "seeds")
    @classmethod
    def _unique(cls, v: list[Any]) -> list[Any]:
        dup = sorted({str(x) for x in v if v.count(x) > 1})
        if dup:
            raise ValueError(f"duplicate entries {dup}")
        return v

    def options_for(self, task: str) -> dict[str, Any]:
        """Budget overrides for one task: the global ``budget`` then the task's own ``task_budget`` entry."""
        return {**self.budget, **self.task_budget.get(task, {})}

    def n_runs(self) -> int:
        return len(self.acts) * len(self.tasks) * len(self.seeds)

    def backend_options(self) -> dict[str, Any]:
        """Keyword arguments for `actlab.bench.backends.get_backend` beyond name and workers."""
        if self.backend != "ray":
            return {}
        dirs = sorted({str(d) for t in self.tasks if (d := self.options_for(t).get("data_dir"))})
        return {"address": self.ray_address, "cpus_per_run": self.cpus_per_run, "gpus_per_run": self.gpus_per_run,
                "data_dir": dirs or None}


# The demo suite: ≤ 5 min on 2 cores. Budgets are trimmed so each run takes a few seconds.
QUICK: dict[str, Any] = {
    "name": "quick",
    "acts": ["relu", "gelu", "silu", "crrelu", "smelu"],
    "tasks": ["digits_mlp", "digits_cnn", "mnist1d_cnn"],
    "seeds": 3,
    "budget": {"small": True},  # each task's own short budget (a few epochs)
}
# The fuller comparison the report's claims section is written for: every task family at its default budget
# (vision MLP/CNN, MNIST-1D, a toy classifier, a KAN-toy fit, the char-level transformer). 10 × 8 × 5 = 400 runs:
# hours on the 2-core VM; use --backend with workers on a bigger machine.
STANDARD: dict[str, Any] = {
    "name": "standard",
    "acts": ["relu", "leaky_relu", "elu", "selu", "gelu", "silu", "mish", "tanh", "crrelu", "smelu"],
    "tasks": ["digits_mlp", "digits_cnn", "mnist5k_mlp", "mnist5k_cnn", "mnist1d_cnn", "spirals", "fit_kan_toy",
              "charlm"],
    "seeds": 5,
}
# The seeds' headline claims (CRReLU vs GELU on ViT, Activator vs ViT, KAT vs ViT, HQKAN/GR-KAN vs the LM's MLP
# FFN) at this machine's scale: 4 × 11 × 5 = 220 runs at the tasks' default budgets, about an hour on 2 cores.
# Tasks are ordered cheapest first, so a partial run holds every family.
HEADLINE: dict[str, Any] = {
    "name": "headline",
    "acts": ["relu", "gelu", "silu", "crrelu"],
    "tasks": ["digits_vit", "digits_activator", "digits_activator_glu", "digits_kat", "charlm", "charlm_hqkan",
              "charlm_kat", "mnist5k_vit", "mnist5k_activator", "mnist5k_activator_glu", "mnist5k_kat"],
    "seeds": 5,
    "baseline": "gelu",
    "workers": 2,
}
BUILTIN: dict[str, dict[str, Any]] = {"quick": QUICK, "standard": STANDARD, "headline": HEADLINE}


def _describe(err: dict[str, Any]) -> str:
    field = ".".join(str(p) for p in err.get("loc", ())) or "<root>"
    kind, msg = err.get("type", ""), err.get("msg", "")
    if kind == "extra_forbidden":
        allowed = ", ".join(SuiteConfig.model_fields)
        return f"unknown field {field!r} (allowed fields: {allowed})"
    given = err.get("input")
    given_s = repr(given) if len(repr(given)) < 80 else repr(given)[:77] + "..."
    return f"field {field!r}: {msg} (given {given_s})"


def make_config(data: dict[str, Any]) -> SuiteConfig:
    """Validate a dict into a `SuiteConfig`; any bad field → `ConfigError` naming it."""
    if not isinstance(data, dict):
        raise ConfigError(f"a suite config must be a mapping of fields, got {type(data).__name__}")
    try:
        return SuiteConfig(**data)
    except ValidationError as e:
        raise ConfigError("invalid suite config: " + "; ".join(_describe(x) for x in e.errors())) from None


def load_file(path: str | Path) -> SuiteConfig:
    """Read a suite from YAML (.yaml/.yml), TOML (.toml) or JSON (.json)."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"suite file {str(path)!r} does not exist")
    text = path.read_text()
    try:
        if path.suffix in (".yaml", ".yml"):
            data = yaml.safe_load(text)
        elif path.suffix == ".toml":
            data = tomllib.loads(text)
        elif path.suffix == ".json":
            data = json.loads(text)
        else:
            raise ConfigError(f"suite file {str(path)!r}: expected a .yaml, .yml, .toml or .json file")
    except (yaml.YAMLError, tomllib.TOMLDecodeError, json.JSONDecodeError) as e:
        raise ConfigError(f"suite file {str(path)!r} cannot be parsed: {e}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"suite file {str(path)!r}: the top level must be a mapping of fields (name, acts, "
                          f"tasks, seeds, ...), got a {type(data).__name__}")
    data = dict(data)
    data.setdefault("name", path.stem)
    if isinstance(data.get("imports"), list):  # plugin files are found next to the suite file
        data["imports"] = [_relative_to(path.parent, r) for r in data["imports"]]
    return make_config(data)


def _relative_to(base: Path, ref: Any) -> Any:
    if isinstance(ref, str) and (ref.endswith(".py") or "/" in ref) and not Path(ref).expanduser().is_absolute():
        return str((base / ref).resolve())
    return ref


def resolve_suite(suite: str | Path | None = None, **overrides: Any) -> SuiteConfig:
    """A built-in suite name or a file, with flag overrides (None values are ignored) validated on top."""
    if suite is None:
        base: dict[str, Any] = {}
    elif str(suite) in BUILTIN:
        base = dict(BUILTIN[str(suite)])
    elif Path(suite).suffix in (".yaml", ".yml", ".toml", ".json") or Path(suite).exists():
        base = load_file(suite).model_dump()
    else:
        raise UnknownNameError("suite", str(suite), list(BUILTIN) + ["<path to a .yaml/.toml/.json file>"])
    base.update({k: v for k, v in overrides.items() if v is not None})
    if suite is None:
        base.setdefault("name", "custom")
    return make_config(base)


def validate_names(cfg: SuiteConfig) -> SuiteConfig:
    """Every activation and task must be registered (unknown → `UnknownNameError` with suggestions).

    Returns the config with canonical names (aliases such as ``digits`` → ``digits_mlp`` resolved), so that a
    run asked for under an alias is the same run in the database. The suite's ``imports`` are loaded first
    (`actlab.core.plugins`): the names they define can only be checked once they are registered.
    """
    import actlab
    from actlab.core import plugins
    from actlab.tasks import get_task

    plugins.load(cfg.imports)
    unknown = sorted(set(cfg.task_budget) - set(cfg.tasks))
    if unknown:
        raise ConfigError(f"field 'task_budget': entries {unknown} name tasks not in this suite "
                          f"(tasks: {', '.join(cfg.tasks)})")
    acts = [actlab.get(a).name for a in cfg.acts]
    baseline = actlab.get(cfg.baseline).name
    canon = {}
    for t in cfg.tasks:
        task = get_task(t)
        canon[t] = getattr(task, "name", t)
        _check_options(task, t, cfg.options_for(t))
    from actlab.tasks.runopts import preflight

    for t in cfg.tasks:  # devices and data folders after every name and option is known to be valid
        preflight(get_task(t), cfg.options_for(t), check_cuda=cfg.backend != "ray")
    return make_config(cfg.model_dump() | {
        "acts": acts, "baseline": baseline, "tasks": [canon[t] for t in cfg.tasks],
        "task_budget": {canon[t]: v for t, v in cfg.task_budget.items()}})


# keywords of Task.run itself rather than budget overrides
_RUN_KW = ("small", "threads", "act_params", "callbacks")


def _check_options(task: object, name: str, options: dict[str, Any]) -> None:
    """Resolve a task's budget overrides now, so a misspelt option fails before training, not in every run."""
    settings = getattr(task, "settings", None)
    if settings is None:
        return
    opts = {k: v for k, v in options.items() if k not in _RUN_KW}
    try:
        settings(bool(options.get("small", False)), **opts)
    except ConfigError as e:
        raise ConfigError(f"field 'budget' / 'task_budget' for task {name!r}: {e}") from None


def with_run_options(cfg: SuiteConfig, device: str | None = None, precision: str | None = None,
                     data_dir: str | Path | None = None) -> SuiteConfig:
    """``cfg`` with --device / --precision added to every task's budget and --data-dir (or $ACTLAB_DATA) to the
    tasks that read a data folder (see `actlab.tasks.runopts`); the defaults add nothing."""
    from actlab.tasks import get_task
    from actlab.tasks.runopts import run_overrides

    budget, task_budget = dict(cfg.budget), {k: dict(v) for k, v in cfg.task_budget.items()}
    for t in cfg.tasks:
        extra = run_overrides(get_task(t), device, precision, data_dir)
        common = {k: v for k, v in extra.items() if k in ("device", "precision")}
        budget.update(common)
        if "data_dir" in extra and "data_dir" not in task_budget.get(t, {}):
            task_budget.setdefault(t, {})["data_dir"] = extra["data_dir"]
    return make_config(cfg.model_dump() | {"budget": budget, "task_budget": task_budget})
