"""Suite configuration: built-ins, files, flags, and errors that name the bad field."""
from __future__ import annotations

import pytest

from actlab.bench.config import BUILTIN, make_config, resolve_suite, validate_names
from actlab.core.errors import ConfigError, UnknownNameError


def test_unknown_field_is_named_with_the_allowed_fields():
    with pytest.raises(ConfigError) as e:
        make_config({"acts": ["relu"], "tasks": ["toy_a"], "epochz": 3})
    assert "'epochz'" in str(e.value) and "allowed fields" in str(e.value) and "budget" in str(e.value)


def test_wrong_type_names_the_field_and_what_was_expected():
    with pytest.raises(ConfigError) as e:
        make_config({"acts": ["relu"], "tasks": ["toy_a"], "seeds": ["zero"]})
    msg = str(e.value)
    assert "seeds" in msg and "integer" in msg and "'zero'" in msg


def test_bad_backend_lists_the_allowed_values():
    with pytest.raises(ConfigError) as e:
        make_config({"acts": ["relu"], "tasks": ["toy_a"], "backend": "dask"})
    assert "backend" in str(e.value) and "'local'" in str(e.value) and "'ray'" in str(e.value)


def test_empty_activation_list_is_rejected():
    with pytest.raises(ConfigError, match="acts"):
        make_config({"acts": "", "tasks": ["toy_a"]})


def test_seed_count_expands_to_seeds_from_zero():
    cfg = make_config({"acts": "relu,gelu", "tasks": "toy_a", "seeds": 4})
    assert cfg.seeds == [0, 1, 2, 3] and cfg.acts == ["relu", "gelu"] and cfg.n_runs() == 8


def test_quick_suite_is_a_small_demo():
    cfg = resolve_suite("quick")
    assert len(cfg.acts) >= 4 and 2 <= len(cfg.tasks) <= 3 and len(cfg.seeds) == 3
    assert set(BUILTIN) == {"quick", "standard", "headline"}


def test_headline_suite_runs_the_arms_of_the_headline_claims():
    from actlab.bench.claims import CLAIMS
    from actlab.bench.config import validate_names

    cfg = validate_names(resolve_suite("headline"))
    assert cfg.acts == ["relu", "gelu", "silu", "crrelu"] and len(cfg.seeds) == 5
    tasks = set(cfg.tasks)
    for fam in ("vit", "activator", "kat"):
        assert {f"digits_{fam}", f"mnist5k_{fam}"} <= tasks
    assert {"charlm", "charlm_hqkan", "charlm_kat"} <= tasks
    ids = {c.id for c in CLAIMS}
    assert {"crrelu_ge_gelu_vit", "activator_approx_vit", "kat_ge_vit", "hqkan_ffn_ge_mlp_ffn"} <= ids


def test_flags_override_a_builtin_suite():
    cfg = resolve_suite("quick", acts="relu,silu", seeds=2)
    assert cfg.acts == ["relu", "silu"] and cfg.seeds == [0, 1] and cfg.name == "quick"


def test_yaml_and_toml_files_give_the_same_suite(tmp_path):
    (tmp_path / "s.yaml").write_text("acts: [relu, gelu]\ntasks: [toy_a]\nseeds: 2\nbudget: {epochs: 2}\n")
    (tmp_path / "s.toml").write_text('acts = ["relu", "gelu"]\ntasks = ["toy_a"]\nseeds = 2\n[budget]\nepochs = 2\n')
    y, t = resolve_suite(tmp_path / "s.yaml"), resolve_suite(tmp_path / "s.toml")
    assert y.model_dump() == t.model_dump()
    assert y.options_for("toy_a") == {"epochs": 2}


def test_file_with_a_wrong_field_names_it(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("acts: [relu]\ntasks: [toy_a]\nworkers: -1\n")
    with pytest.raises(ConfigError, match="workers"):
        resolve_suite(p)


def test_unknown_suite_name_suggests_the_builtins():
    with pytest.raises(UnknownNameError) as e:
        resolve_suite("quik")
    assert "quick" in str(e.value)


def test_unknown_activation_and_task_get_suggestions(toy_tasks):
    with pytest.raises(UnknownNameError, match="gelu"):
        validate_names(make_config({"acts": ["gelux"], "tasks": ["toy_a"]}))
    with pytest.raises(UnknownNameError, match="toy_a"):
        validate_names(make_config({"acts": ["relu"], "tasks": ["toy_aa"]}))


@pytest.mark.parametrize("name", sorted(BUILTIN))
def test_builtin_suites_name_registered_tasks_and_activations(name):
    cfg = validate_names(resolve_suite(name))  # the real task registry and zoo, not the toy tasks
    assert cfg.n_runs() == len(cfg.acts) * len(cfg.tasks) * len(cfg.seeds)


def test_task_aliases_resolve_to_one_canonical_run_name():
    cfg = validate_names(make_config({"acts": ["swish"], "tasks": ["digits"], "seeds": 1}))
    assert cfg.tasks == ["digits_mlp"] and cfg.acts == ["silu"]


def test_task_budget_for_a_task_not_in_the_suite_is_named(toy_tasks):
    cfg = make_config({"acts": ["relu"], "tasks": ["toy_a"], "task_budget": {"toy_b": {"epochs": 1}}})
    with pytest.raises(ConfigError, match="task_budget.*toy_b"):
        validate_names(cfg)


def test_task_budget_overrides_the_global_budget():
    cfg = make_config({"acts": ["relu"], "tasks": ["a", "b"], "budget": {"epochs": 2, "lr": 0.1},
                       "task_budget": {"b": {"epochs": 5}}})
    assert cfg.options_for("a") == {"epochs": 2, "lr": 0.1} and cfg.options_for("b") == {"epochs": 5, "lr": 0.1}


def test_misspelt_budget_option_fails_before_training():
    cfg = make_config({"acts": ["relu"], "tasks": ["digits_mlp"], "budget": {"epochz": 2}})
    with pytest.raises(ConfigError, match="budget.*digits_mlp.*epochz"):
        validate_names(cfg)  # the real task registry resolves its options
