"""`Task.run` returns a `RunRecord` dataclass whose fields carry their declared scalar types."""
import dataclasses
import typing

from actlab.tasks import RunRecord, get_task


def test_a_run_record_has_exactly_the_declared_fields_and_types():
    rec = get_task("xor").run("relu", seed=0, small=True, epochs=1)
    assert type(rec) is RunRecord
    hints = typing.get_type_hints(RunRecord)
    names = {f.name for f in dataclasses.fields(RunRecord)}
    assert names == set(hints) == set(rec.to_row())
    for key, t in hints.items():
        if t in (str, bool, int):
            assert type(getattr(rec, key)) is t, (key, type(getattr(rec, key)))
        elif t is float:
            assert isinstance(getattr(rec, key), float), (key, type(getattr(rec, key)))


def test_a_run_record_round_trips_through_its_row():
    rec = get_task("xor").run("relu", seed=0, small=True, epochs=1)
    assert RunRecord.from_row({**rec.to_row(), "node": "elsewhere"}) == rec
