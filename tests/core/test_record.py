"""`Record`: a dataclass read by attribute, with `to_row`/`from_row` and a read-only mapping view."""
from dataclasses import dataclass, field

import pytest

from actlab.core.record import Record


@dataclass
class Point(Record):
    x: int
    tags: list[str] = field(default_factory=list)


def test_to_row_and_from_row_round_trip_and_ignore_unknown_keys():
    p = Point(1, ["a"])
    assert p.to_row() == {"x": 1, "tags": ["a"]}
    assert Point.from_row({"x": 1, "tags": ["a"], "node": "w1"}) == p


def test_the_mapping_view_reads_the_fields_only():
    p = Point(2)
    assert p["x"] == 2 and dict(p) == {"x": 2, "tags": []} and set(p) == {"x", "tags"} and len(p) == 2
    assert p.get("missing") is None and "x" in p and "missing" not in p
    with pytest.raises(KeyError):
        p["to_row"]  # a method is not a field
