from pathlib import Path

import actlab
from actlab.core.curve import has_curve
from actlab.report.zoo_docs import render

DOCS = Path(__file__).resolve().parents[2] / "docs" / "zoo.md"


def test_committed_zoo_reference_is_current():
    assert DOCS.exists(), "run `actlab docs -o docs/zoo.md`"
    assert DOCS.read_text(encoding="utf-8") == render("img"), \
        "docs/zoo.md is out of date: regenerate with `actlab docs -o docs/zoo.md`"


def test_every_registered_activation_has_a_row_and_its_plot_exists():
    text = render("img")
    for name in actlab.names():
        assert f"**`{name}`**" in text
        if has_curve(actlab.get(name)):
            assert (DOCS.parent / "img" / f"{name}.png").exists()
