"""The task registry: promised names, aliases, suggestions and option validation."""
import pytest

import actlab.tasks as T
from actlab.core.errors import ConfigError, UnknownNameError

PROMISED = ["digits_mlp", "digits_cnn", "mnist5k_mlp", "mnist5k_cnn", "mnist1d_cnn", "fit_kan_toy", "xor",
            "spirals", "charlm"]


def test_promised_tasks_are_registered():
    assert set(PROMISED) <= set(T.names())
    assert sum(n.startswith("fit_") for n in T.names()) >= 3


def test_alias_resolves_to_the_same_task():
    assert T.get_task("digits") is T.get_task("digits_mlp") is T.get_task("Digits-MLP")


def test_unknown_task_raises_with_suggestion():
    with pytest.raises(UnknownNameError, match="did you mean: .*digits") as e:
        T.get_task("digts")
    assert e.value.kind == "task" and isinstance(e.value, KeyError)


def test_unknown_run_option_names_it_and_lists_allowed():
    with pytest.raises(ConfigError, match="'hiddn'.*hidden"):
        T.get_task("digits").settings(hiddn=(3,))


def test_bad_budget_override_names_the_field():
    with pytest.raises(ConfigError, match="'lr'"):
        T.get_task("digits").settings(lr=0)


def test_every_task_has_a_valid_small_mode_and_seeds():
    for name in T.names():
        t = T.get_task(name)
        cfg, _, _ = t.settings(small=True)
        full, _, _ = t.settings()
        assert cfg.epochs <= full.epochs and len(t.seeds) >= 3, name
        assert t.metric in T.METRICS and t.higher_is_better == T.METRICS[t.metric].higher_is_better


def test_table_lists_every_task_once_with_its_metric():
    rows = T.table()
    assert [r["name"] for r in rows] == T.names()
    assert all(r["metric"] == T.get_task(r["name"]).metric for r in rows)
