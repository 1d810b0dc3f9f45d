"""The generic `Registry[T]` and the public `actlab.register` / `actlab.unregister` built on it."""
import pickle

import pytest
import torch

import actlab
from actlab.core.errors import ActlabError, UnknownNameError
from actlab.core.named_registry import DuplicateNameError, Registry
from actlab.core.registry import ACTIVATIONS
from actlab.core.spec import ActivationSpec, Param, Source


def _reg() -> Registry[int]:
    reg: Registry[int] = Registry("widget")
    reg.add("Big-One", 1, aliases=("huge",), size=10)
    reg.add("small", 2, size=1)
    return reg


def test_names_are_normalised_and_aliases_resolve():
    reg = _reg()
    assert reg.get(" big_one ") == 1 and reg.get("BIG-ONE") == 1 and reg.get("Huge") == 1
    assert reg.names() == ["Big-One", "small"] and reg.aliases() == {"huge": "Big-One"}
    assert "huge" in reg and "tiny" not in reg and 3 not in reg


def test_duplicate_names_and_aliases_are_refused_naming_the_registering_module():
    reg = _reg()
    for clash in ("big_one", "HUGE", "small"):
        with pytest.raises(DuplicateNameError, match=rf"already registered.*module {__name__}") as e:
            reg.add(clash, 3)
        assert isinstance(e.value, ActlabError) and isinstance(e.value, ValueError)
    with pytest.raises(DuplicateNameError, match="alias of 'Big-One'"):
        reg.add("other", 3, aliases=("huge",))
    assert reg.names() == ["Big-One", "small"]  # nothing half-registered


def test_replace_swaps_an_entry_of_the_same_name_only():
    reg = _reg()
    reg.add("big_one", 5, replace=True, size=50)
    assert reg.get("big_one") == 5 and reg.meta("big_one")["size"] == 50 and "huge" not in reg
    with pytest.raises(DuplicateNameError):  # replace never steals another entry's alias or name
        reg.add("new", 6, aliases=("small",), replace=True)


def test_unregister_removes_name_and_aliases():
    reg = _reg()
    assert reg.remove("huge").value == 1
    assert "big_one" not in reg and "huge" not in reg
    reg.add("big-one", 7)  # the name is free again
    with pytest.raises(UnknownNameError):
        reg.remove("big_on")


def test_unknown_names_suggest_close_matches():
    with pytest.raises(UnknownNameError, match=r"unknown widget 'smal'; did you mean: small") as e:
        _reg().get("smal")
    assert isinstance(e.value, KeyError)


def test_listing_filters_on_capabilities_and_carries_metadata():
    reg = _reg()
    assert reg.names(size=1) == ["small"]
    assert reg.table()[0] == {"name": "Big-One", "aliases": ["huge"], "module": __name__, "size": 10}


def test_decorator_registers_under_the_given_name_and_scratch_undoes_it():
    reg = _reg()
    with reg.scratch():
        @reg.register("third", colour="red")
        class Third:
            pass

        assert reg.get("third") is Third and reg.meta("third") == {"colour": "red"}
        reg.remove("small")
    assert reg.names() == ["Big-One", "small"]


def _spec(name: str, slope: float = 2.0, aliases: tuple[str, ...] = ()) -> ActivationSpec:
    return ActivationSpec(name=name, family="classic", formula=f"{slope}·x", fn=lambda x, a=slope: a * x,
                          source=Source("test", "test", 2026), params=(Param("a", slope),), aliases=aliases)


def test_public_register_and_unregister_of_an_activation():
    with ACTIVATIONS.scratch():
        spec = actlab.register(_spec("test_double", aliases=("twice",)))
        x = torch.randn(5)
        torch.testing.assert_close(actlab.create("twice")(x), 2 * x)
        assert "test_double" in actlab.names("classic")
        assert ACTIVATIONS.entry("test_double").module == __name__
        with pytest.raises(DuplicateNameError, match=f"module {__name__}"):
            actlab.register(_spec("Test-Double"))
        with pytest.raises(DuplicateNameError, match="module actlab.zoo.classic"):
            actlab.register(_spec("relu"))
        assert actlab.unregister("twice") is spec
        with pytest.raises(UnknownNameError, match="test_double"):
            actlab.get("test_double")
        with pytest.raises(UnknownNameError):
            actlab.unregister("test_double")
    assert "test_double" not in actlab.names()


def test_register_replace_rebuilds_the_module_class():
    with ACTIVATIONS.scratch():
        actlab.register(_spec("test_scaled", 2.0))
        m2 = actlab.create("test_scaled")
        actlab.register(_spec("test_scaled", 3.0), replace=True)
        m3 = actlab.create("test_scaled")
        x = torch.randn(4)
        torch.testing.assert_close(m2(x), 2 * x)
        torch.testing.assert_close(m3(x), 3 * x)  # not the class generated for the replaced spec
        torch.testing.assert_close(pickle.loads(pickle.dumps(m3))(x), 3 * x)
